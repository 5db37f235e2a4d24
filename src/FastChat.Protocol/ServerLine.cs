using System.Buffers;

namespace FastChat.Protocol;

/// <summary>The kinds of server-to-client lines in protocol v1.</summary>
public enum ServerLineKind : byte
{
    /// <summary>A line this version does not know (clients should ignore it).</summary>
    Unknown,

    /// <summary><c>WELCOME &lt;id&gt;</c>.</summary>
    Welcome,

    /// <summary><c>USERS &lt;id&gt; ...</c>.</summary>
    Users,

    /// <summary><c>JOIN &lt;id&gt;</c>.</summary>
    Join,

    /// <summary><c>LEAVE &lt;id&gt;</c>.</summary>
    Leave,

    /// <summary><c>MSG &lt;id&gt; &lt;text&gt;</c>.</summary>
    Message,

    /// <summary><c>FULL &lt;max&gt;</c>.</summary>
    Full,

    /// <summary><c>ERR &lt;code&gt; &lt;detail&gt;</c>.</summary>
    Error,

    /// <summary><c>PONG &lt;token&gt;</c>.</summary>
    Pong,

    /// <summary><c>BYE &lt;reason&gt;</c>.</summary>
    Bye,

    /// <summary><c>PING &lt;token&gt;</c>: answer <c>/pong &lt;token&gt;</c>.</summary>
    Ping,
}

/// <summary>
/// One parsed server line. Spans point into the caller's buffer: copy what you keep.
/// </summary>
public readonly ref struct ServerLine
{
    // scope = 1*( %x61-7A / "-" ): "per-address" today.
    private static readonly SearchValues<byte> ScopeBytes = SearchValues.Create("abcdefghijklmnopqrstuvwxyz-"u8);

    private static readonly SearchValues<byte> IdBytes =
        SearchValues.Create("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz._-"u8);

    /// <summary>Creates a parsed line.</summary>
    public ServerLine(ServerLineKind kind, ReadOnlySpan<byte> argument, ReadOnlySpan<byte> rest)
    {
        Kind = kind;
        Argument = argument;
        Rest = rest;
    }

    /// <summary>What the line is.</summary>
    public ServerLineKind Kind { get; }

    /// <summary>
    /// The first argument: the id (WELCOME, JOIN, LEAVE, MSG), the max (FULL), the code (ERR),
    /// the reason (BYE), the token (PONG, may be empty) or the whole id list (USERS, may be empty).
    /// </summary>
    public ReadOnlySpan<byte> Argument { get; }

    /// <summary>The text (MSG), the detail (ERR, may be empty) or the scope (FULL, e.g.
    /// <c>per-address</c>; empty for a server-wide FULL); empty otherwise.</summary>
    public ReadOnlySpan<byte> Rest { get; }

    /// <summary>Enumerates the ids of a USERS line.</summary>
    public SpaceSeparatedEnumerator Ids => new(Kind == ServerLineKind.Users ? Argument : default);

    /// <summary>
    /// Parses one server line without its CRLF (a bare LF-terminated line works the same once the
    /// framer has cut it). Returns false, with <see cref="ServerLineKind.Unknown"/>, for anything
    /// that is not a well-formed v1 line.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> line, out ServerLine result)
    {
        result = default;
        int space = line.IndexOf((byte)' ');
        ReadOnlySpan<byte> keyword = space < 0 ? line : line[..space];
        ReadOnlySpan<byte> args = space < 0 ? default : line[(space + 1)..];

        // MSG <id> <text>
        if (keyword.SequenceEqual(ProtocolTokens.Msg))
        {
            int idEnd = args.IndexOf((byte)' ');
            if (idEnd < 0 || !IsId(args[..idEnd]))
            {
                return false;
            }

            result = new ServerLine(ServerLineKind.Message, args[..idEnd], args[(idEnd + 1)..]);
            return true;
        }

        // FULL <max> [<scope>]
        if (keyword.SequenceEqual(ProtocolTokens.Full))
        {
            int maxEnd = args.IndexOf((byte)' ');
            ReadOnlySpan<byte> max = maxEnd < 0 ? args : args[..maxEnd];
            ReadOnlySpan<byte> scope = maxEnd < 0 ? default : args[(maxEnd + 1)..];
            if (max.IsEmpty || max.ContainsAnyExceptInRange((byte)'0', (byte)'9') ||
                (maxEnd >= 0 && (scope.IsEmpty || scope.ContainsAnyExcept(ScopeBytes))))
            {
                return false;
            }

            result = new ServerLine(ServerLineKind.Full, max, scope);
            return true;
        }

        // JOIN <id> | LEAVE <id> | WELCOME <id> | BYE <reason>
        ServerLineKind single =
            keyword.SequenceEqual(ProtocolTokens.Join) ? ServerLineKind.Join :
            keyword.SequenceEqual(ProtocolTokens.Leave) ? ServerLineKind.Leave :
            keyword.SequenceEqual(ProtocolTokens.Welcome) ? ServerLineKind.Welcome :
            keyword.SequenceEqual(ProtocolTokens.Bye) ? ServerLineKind.Bye :
            ServerLineKind.Unknown;
        if (single != ServerLineKind.Unknown)
        {
            if (args.IsEmpty || args.Contains((byte)' '))
            {
                return false;
            }

            // <id> for WELCOME/JOIN/LEAVE; BYE reasons stay open for later versions.
            if (single != ServerLineKind.Bye && !IsId(args))
            {
                return false;
            }

            result = new ServerLine(single, args, default);
            return true;
        }

        // USERS *(SP <id>)
        if (keyword.SequenceEqual(ProtocolTokens.Users))
        {
            if (space >= 0 && !IsIdList(args))
            {
                return false;
            }

            result = new ServerLine(ServerLineKind.Users, args, default);
            return true;
        }

        // PONG [<token>] | PING [<token>]
        bool pong = keyword.SequenceEqual(ProtocolTokens.Pong);
        if (pong || keyword.SequenceEqual(ProtocolTokens.Ping))
        {
            result = new ServerLine(pong ? ServerLineKind.Pong : ServerLineKind.Ping, args, default);
            return true;
        }

        // ERR <code> [<detail>]
        if (keyword.SequenceEqual(ProtocolTokens.Err))
        {
            if (args.IsEmpty)
            {
                return false;
            }

            int codeEnd = args.IndexOf((byte)' ');
            if (codeEnd == 0)
            {
                return false; // empty code
            }

            result = codeEnd < 0
                ? new ServerLine(ServerLineKind.Error, args, default)
                : new ServerLine(ServerLineKind.Error, args[..codeEnd], args[(codeEnd + 1)..]);
            return true;
        }

        return false;
    }

    // <id> = 1*32( ALPHA / DIGIT / "." / "_" / "-" )   (docs/PROTOCOL.md section 7)
    private static bool IsId(ReadOnlySpan<byte> id) =>
        id.Length is > 0 and <= ProtocolTokens.MaxIdLength && !id.ContainsAnyExcept(IdBytes);

    // <id> *(SP <id>): single spaces, no empty ids.
    private static bool IsIdList(ReadOnlySpan<byte> ids)
    {
        while (true)
        {
            int space = ids.IndexOf((byte)' ');
            if (!IsId(space < 0 ? ids : ids[..space]))
            {
                return false;
            }

            if (space < 0)
            {
                return true;
            }

            ids = ids[(space + 1)..];
        }
    }
}

/// <summary>Enumerates the space-separated tokens of a span (empty tokens are skipped).</summary>
public ref struct SpaceSeparatedEnumerator
{
    private ReadOnlySpan<byte> _remaining;

    /// <summary>Creates an enumerator over <paramref name="text"/>.</summary>
    public SpaceSeparatedEnumerator(ReadOnlySpan<byte> text)
    {
        _remaining = text;
        Current = default;
    }

    /// <summary>The current token.</summary>
    public ReadOnlySpan<byte> Current { get; private set; }

    /// <summary>Supports <c>foreach</c>.</summary>
    public readonly SpaceSeparatedEnumerator GetEnumerator() => this;

    /// <summary>Moves to the next token.</summary>
    public bool MoveNext()
    {
        while (!_remaining.IsEmpty)
        {
            int space = _remaining.IndexOf((byte)' ');
            ReadOnlySpan<byte> token = space < 0 ? _remaining : _remaining[..space];
            _remaining = space < 0 ? default : _remaining[(space + 1)..];
            if (!token.IsEmpty)
            {
                Current = token;
                return true;
            }
        }

        return false;
    }
}
