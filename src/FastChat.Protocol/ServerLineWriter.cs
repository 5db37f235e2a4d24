using System.Buffers.Text;

namespace FastChat.Protocol;

/// <summary>
/// Formats server-to-client lines (protocol v1). Each method writes one whole line including its
/// CRLF, or nothing when <c>destination</c> is too small (Try-pattern, no exceptions, no allocation).
/// Text that comes from clients (chat text, ping tokens, command names, ERR details) is sanitised
/// on the way: non-printable bytes become <c>?</c>.
/// </summary>
public static class ServerLineWriter
{
    /// <summary>Bytes of a MSG line for an id and a text of the given lengths.</summary>
    public static int MsgLength(int idLength, int textLength) => 4 + idLength + 1 + textLength + 2;

    /// <summary>The longest line this writer produces for a <c>maxLineLength</c> chat text:
    /// <c>MSG &lt;id&gt; &lt;text&gt;CRLF</c> with the longest id.</summary>
    public static int MaxLineBytes(int maxLineLength) => MsgLength(ProtocolTokens.MaxIdLength, maxLineLength);

    // MSG <id> <text>CRLF
    /// <summary>Writes <c>MSG &lt;id&gt; &lt;text&gt;</c>; the text is sanitised.</summary>
    public static bool TryWriteMsg(Span<byte> destination, ReadOnlySpan<byte> id, ReadOnlySpan<byte> text, out int written)
    {
        int length = MsgLength(id.Length, text.Length);
        if (destination.Length < length)
        {
            written = 0;
            return false;
        }

        "MSG "u8.CopyTo(destination);
        id.CopyTo(destination[4..]);
        int at = 4 + id.Length;
        destination[at++] = (byte)' ';
        at += AsciiText.CopySanitized(text, destination[at..]);
        destination[at++] = (byte)'\r';
        destination[at++] = (byte)'\n';
        written = at;
        return true;
    }

    // WELCOME <id>CRLF
    /// <summary>Writes <c>WELCOME &lt;id&gt;</c>.</summary>
    public static bool TryWriteWelcome(Span<byte> destination, ReadOnlySpan<byte> id, out int written) =>
        TryWriteKeywordAndArgument(destination, ProtocolTokens.Welcome, id, sanitise: false, out written);

    // JOIN <id>CRLF
    /// <summary>Writes <c>JOIN &lt;id&gt;</c>.</summary>
    public static bool TryWriteJoin(Span<byte> destination, ReadOnlySpan<byte> id, out int written) =>
        TryWriteKeywordAndArgument(destination, ProtocolTokens.Join, id, sanitise: false, out written);

    // LEAVE <id>CRLF
    /// <summary>Writes <c>LEAVE &lt;id&gt;</c>.</summary>
    public static bool TryWriteLeave(Span<byte> destination, ReadOnlySpan<byte> id, out int written) =>
        TryWriteKeywordAndArgument(destination, ProtocolTokens.Leave, id, sanitise: false, out written);

    // BYE <reason>CRLF
    /// <summary>Writes <c>BYE &lt;reason&gt;</c>.</summary>
    public static bool TryWriteBye(Span<byte> destination, ReadOnlySpan<byte> reason, out int written) =>
        TryWriteKeywordAndArgument(destination, ProtocolTokens.Bye, reason, sanitise: false, out written);

    // PONG [<token>]CRLF  -- a bare "PONG" when the token is empty: servers never send trailing spaces.
    /// <summary>Writes <c>PONG &lt;token&gt;</c> (or <c>PONG</c>); the token is sanitised.</summary>
    public static bool TryWritePong(Span<byte> destination, ReadOnlySpan<byte> token, out int written) =>
        TryWriteKeywordAndArgument(destination, ProtocolTokens.Pong, token, sanitise: true, out written);

    // PING <token>CRLF  -- the token is the server's own (digits), answered by "/pong <token>".
    /// <summary>Writes <c>PING &lt;token&gt;</c>.</summary>
    public static bool TryWritePing(Span<byte> destination, long token, out int written)
    {
        Span<byte> number = stackalloc byte[20];
        Utf8Formatter.TryFormat(token, number, out int digits);
        return TryWriteKeywordAndArgument(destination, ProtocolTokens.Ping, number[..digits], sanitise: false, out written);
    }

    // FULL <max>CRLF
    /// <summary>Writes <c>FULL &lt;max&gt;</c>.</summary>
    public static bool TryWriteFull(Span<byte> destination, int maxMembers, out int written) =>
        TryWriteFull(destination, maxMembers, default, out written);

    // FULL <max> [<scope>]CRLF  -- "FULL 10 per-address": that address holds 10 connections already.
    /// <summary>Writes <c>FULL &lt;max&gt; &lt;scope&gt;</c> (just <c>FULL &lt;max&gt;</c> for an empty scope).</summary>
    public static bool TryWriteFull(Span<byte> destination, int max, ReadOnlySpan<byte> scope, out int written)
    {
        // FULL SP digits [SP scope] CRLF, written in place: any scope length fits the Try-pattern.
        Span<byte> digits = stackalloc byte[11];
        Utf8Formatter.TryFormat(max, digits, out int count);
        int total = 4 + 1 + count + (scope.IsEmpty ? 0 : 1 + scope.Length) + 2;
        if (destination.Length < total)
        {
            written = 0;
            return false;
        }

        "FULL "u8.CopyTo(destination);
        digits[..count].CopyTo(destination[5..]);
        int at = 5 + count;
        if (!scope.IsEmpty)
        {
            destination[at++] = (byte)' ';
            scope.CopyTo(destination[at..]);
            at += scope.Length;
        }

        destination[at++] = (byte)'\r';
        destination[at++] = (byte)'\n';
        written = at;
        return true;
    }

    // ERR line-too-long <max>CRLF
    /// <summary>Writes <c>ERR line-too-long &lt;max&gt;</c>.</summary>
    public static bool TryWriteLineTooLong(Span<byte> destination, int maxLineLength, out int written)
    {
        Span<byte> number = stackalloc byte[11];
        Utf8Formatter.TryFormat(maxLineLength, number, out int digits);
        return TryWriteErr(destination, ProtocolTokens.LineTooLongCode, number[..digits], out written);
    }

    // ERR unknown-command [<name>]CRLF
    /// <summary>Writes <c>ERR unknown-command &lt;name&gt;</c>; the name is sanitised; an empty name
    /// gives <c>ERR unknown-command</c> with nothing after it (docs/PROTOCOL.md section 5).</summary>
    public static bool TryWriteUnknownCommand(Span<byte> destination, ReadOnlySpan<byte> name, out int written) =>
        TryWriteErr(destination, ProtocolTokens.UnknownCommandCode, name, out written);

    // ERR <code> [<detail>]CRLF
    /// <summary>Writes <c>ERR &lt;code&gt; &lt;detail&gt;</c>; the detail is sanitised.</summary>
    public static bool TryWriteErr(Span<byte> destination, ReadOnlySpan<byte> code, ReadOnlySpan<byte> detail, out int written)
    {
        int length = 4 + code.Length + (detail.IsEmpty ? 0 : 1 + detail.Length) + 2;
        if (destination.Length < length)
        {
            written = 0;
            return false;
        }

        "ERR "u8.CopyTo(destination);
        code.CopyTo(destination[4..]);
        int at = 4 + code.Length;
        if (!detail.IsEmpty)
        {
            destination[at++] = (byte)' ';
            at += AsciiText.CopySanitized(detail, destination[at..]);
        }

        destination[at++] = (byte)'\r';
        destination[at++] = (byte)'\n';
        written = at;
        return true;
    }

    /// <summary>Bytes of a USERS line listing ids whose lengths add up to <paramref name="idBytes"/>.</summary>
    public static int UsersLength(int count, int idBytes) => 5 + count + idBytes + 2;

    // USERS <id> <id> ...CRLF   (a lone "USERS" when nobody is listed)
    /// <summary>Starts a USERS line: writes <c>USERS</c>. Follow with <see cref="TryAppendUser"/> per
    /// member and finish with <see cref="TryWriteCrLf"/>.</summary>
    public static bool TryWriteUsersStart(Span<byte> destination, out int written)
    {
        if (destination.Length < 5)
        {
            written = 0;
            return false;
        }

        ProtocolTokens.Users.CopyTo(destination);
        written = 5;
        return true;
    }

    /// <summary>Appends <c> &lt;id&gt;</c> to a USERS line.</summary>
    public static bool TryAppendUser(Span<byte> destination, ReadOnlySpan<byte> id, out int written)
    {
        if (destination.Length < id.Length + 1)
        {
            written = 0;
            return false;
        }

        destination[0] = (byte)' ';
        id.CopyTo(destination[1..]);
        written = id.Length + 1;
        return true;
    }

    /// <summary>Writes the CRLF that ends every server line.</summary>
    public static bool TryWriteCrLf(Span<byte> destination, out int written)
    {
        if (destination.Length < 2)
        {
            written = 0;
            return false;
        }

        destination[0] = (byte)'\r';
        destination[1] = (byte)'\n';
        written = 2;
        return true;
    }

    /// <summary>Formats a member id (today a decimal integer) as ASCII.</summary>
    public static bool TryFormatId(long id, Span<byte> destination, out int written) =>
        Utf8Formatter.TryFormat(id, destination, out written);

    private static bool TryWriteKeywordAndArgument(Span<byte> destination, ReadOnlySpan<byte> keyword,
        ReadOnlySpan<byte> argument, bool sanitise, out int written)
    {
        int length = keyword.Length + (argument.IsEmpty ? 0 : 1 + argument.Length) + 2;
        if (destination.Length < length)
        {
            written = 0;
            return false;
        }

        keyword.CopyTo(destination);
        int at = keyword.Length;
        if (!argument.IsEmpty)
        {
            destination[at++] = (byte)' ';
            if (sanitise)
            {
                at += AsciiText.CopySanitized(argument, destination[at..]);
            }
            else
            {
                argument.CopyTo(destination[at..]);
                at += argument.Length;
            }
        }

        destination[at++] = (byte)'\r';
        destination[at++] = (byte)'\n';
        written = at;
        return true;
    }
}
