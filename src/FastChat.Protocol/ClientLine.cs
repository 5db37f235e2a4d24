namespace FastChat.Protocol;

/// <summary>What a client line asks for (protocol v1, docs/PROTOCOL.md section 5).</summary>
public enum ClientLineKind : byte
{
    /// <summary>An empty line (after dropping the CR): ignored.</summary>
    Empty,

    /// <summary><c>&lt;text&gt;</c> or <c>//&lt;text&gt;</c>: a chat message; the argument is the text.</summary>
    Chat,

    /// <summary><c>/users</c>: answer this client with a fresh USERS line.</summary>
    Users,

    /// <summary><c>/ping &lt;token&gt;</c>: answer <c>PONG &lt;token&gt;</c>; the argument is the token.</summary>
    Ping,

    /// <summary><c>/quit</c>: answer <c>BYE quit</c> and close.</summary>
    Quit,

    /// <summary>Any other <c>/&lt;name&gt; ...</c>; the argument is the name (may be empty).</summary>
    UnknownCommand,

    /// <summary><c>/pong [&lt;token&gt;]</c>: the answer to a server PING; nothing is sent back.</summary>
    Pong,
}

/// <summary>Classifies one client line. Pure and allocation-free.</summary>
public static class ClientLine
{
    /// <summary>
    /// Classifies <paramref name="line"/> (already without CR/LF) and returns the part the server
    /// acts on in <paramref name="argument"/>: the chat text, the ping token or the unknown name.
    /// The argument is raw client bytes; sanitise it before relaying it.
    /// </summary>
    public static ClientLineKind Parse(ReadOnlySpan<byte> line, out ReadOnlySpan<byte> argument)
    {
        argument = default;
        if (line.IsEmpty)
        {
            return ClientLineKind.Empty;
        }

        // <text>: anything not starting with '/' is chat, the common case.
        if (line[0] != (byte)'/')
        {
            argument = line;
            return ClientLineKind.Chat;
        }

        // //<text>: chat text that starts with one '/'.
        if (line.Length > 1 && line[1] == (byte)'/')
        {
            argument = line[1..];
            return ClientLineKind.Chat;
        }

        // /<name> [args]: the name is the bytes after '/' up to the first space (docs/PROTOCOL.md section 5).
        ReadOnlySpan<byte> rest = line[1..];
        int space = rest.IndexOf((byte)' ');
        ReadOnlySpan<byte> name = space < 0 ? rest : rest[..space];
        ReadOnlySpan<byte> args = space < 0 ? default : rest[(space + 1)..];

        // /users [ignored]
        if (name.SequenceEqual(ProtocolTokens.UsersCommand))
        {
            return ClientLineKind.Users;
        }

        // /quit [ignored]
        if (name.SequenceEqual(ProtocolTokens.QuitCommand))
        {
            return ClientLineKind.Quit;
        }

        // /ping <token>: trailing spaces go because servers never send them (docs/PROTOCOL.md
        // section 2), so "/ping " answers a bare "PONG".
        if (name.SequenceEqual(ProtocolTokens.PingCommand))
        {
            argument = args.TrimEnd((byte)' ');
            return ClientLineKind.Ping;
        }

        // /pong [<token>]: any line answers a PING; this one is the documented answer and does nothing else.
        if (name.SequenceEqual(ProtocolTokens.PongCommand))
        {
            argument = args.TrimEnd((byte)' ');
            return ClientLineKind.Pong;
        }

        argument = name;
        return ClientLineKind.UnknownCommand;
    }
}
