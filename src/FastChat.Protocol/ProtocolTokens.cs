namespace FastChat.Protocol;

/// <summary>The literal tokens of protocol v1.</summary>
public static class ProtocolTokens
{
    /// <summary>Every server line ends with CRLF.</summary>
    public static ReadOnlySpan<byte> CrLf => "\r\n"u8;

    /// <summary><c>WELCOME</c>: the first line of an admitted connection. Keywords here carry no separating space.</summary>
    public static ReadOnlySpan<byte> Welcome => "WELCOME"u8;

    /// <summary><c>USERS</c>.</summary>
    public static ReadOnlySpan<byte> Users => "USERS"u8;

    /// <summary><c>JOIN</c>.</summary>
    public static ReadOnlySpan<byte> Join => "JOIN"u8;

    /// <summary><c>LEAVE</c>.</summary>
    public static ReadOnlySpan<byte> Leave => "LEAVE"u8;

    /// <summary><c>MSG</c>.</summary>
    public static ReadOnlySpan<byte> Msg => "MSG"u8;

    /// <summary><c>FULL</c>.</summary>
    public static ReadOnlySpan<byte> Full => "FULL"u8;

    /// <summary><c>ERR</c>.</summary>
    public static ReadOnlySpan<byte> Err => "ERR"u8;

    /// <summary><c>PONG</c>.</summary>
    public static ReadOnlySpan<byte> Pong => "PONG"u8;

    /// <summary><c>PING</c>: the server asks a silent member for a sign of life.</summary>
    public static ReadOnlySpan<byte> Ping => "PING"u8;

    /// <summary><c>BYE</c>.</summary>
    public static ReadOnlySpan<byte> Bye => "BYE"u8;

    /// <summary><c>users</c>: a command name, the bytes after the '/'.</summary>
    public static ReadOnlySpan<byte> UsersCommand => "users"u8;

    /// <summary><c>quit</c>.</summary>
    public static ReadOnlySpan<byte> QuitCommand => "quit"u8;

    /// <summary><c>ping</c>.</summary>
    public static ReadOnlySpan<byte> PingCommand => "ping"u8;

    /// <summary><c>pong</c>: the answer to the server's PING.</summary>
    public static ReadOnlySpan<byte> PongCommand => "pong"u8;

    /// <summary>The scope of a <c>FULL</c> that counts one address's connections, not all members.</summary>
    public static ReadOnlySpan<byte> PerAddressScope => "per-address"u8;

    /// <summary>The scope of a <c>FULL</c> from a cluster node that cannot reach its shared order now.</summary>
    public static ReadOnlySpan<byte> UnavailableScope => "unavailable"u8;

    /// <summary><c>line-too-long</c>: an ERR code.</summary>
    public static ReadOnlySpan<byte> LineTooLongCode => "line-too-long"u8;

    /// <summary><c>unknown-command</c>.</summary>
    public static ReadOnlySpan<byte> UnknownCommandCode => "unknown-command"u8;

    /// <summary><c>quit</c>: a BYE reason.</summary>
    public static ReadOnlySpan<byte> QuitReason => "quit"u8;

    /// <summary><c>shutdown</c>.</summary>
    public static ReadOnlySpan<byte> ShutdownReason => "shutdown"u8;

    /// <summary><c>slow-consumer</c>.</summary>
    public static ReadOnlySpan<byte> SlowConsumerReason => "slow-consumer"u8;

    /// <summary><c>flood</c>: the member stayed over the line rate for too long.</summary>
    public static ReadOnlySpan<byte> FloodReason => "flood"u8;

    /// <summary><c>ping-timeout</c>: no line came in time after a PING.</summary>
    public static ReadOnlySpan<byte> PingTimeoutReason => "ping-timeout"u8;

    /// <summary><c>registration-timeout</c>: a member that never sent a line did not answer its PING.</summary>
    public static ReadOnlySpan<byte> RegistrationTimeoutReason => "registration-timeout"u8;

    /// <summary><c>line-timeout</c>: a started line did not end in time (slowloris).</summary>
    public static ReadOnlySpan<byte> LineTimeoutReason => "line-timeout"u8;

    /// <summary><c>wrong-protocol</c>: the first bytes were TLS, HTTP, PROXY or SSH, not FastChat.</summary>
    public static ReadOnlySpan<byte> WrongProtocolReason => "wrong-protocol"u8;

    /// <summary>The longest member id a server may send (docs/PROTOCOL.md section 7).</summary>
    public const int MaxIdLength = 32;

    /// <summary>
    /// An id's bytes as chars in <paramref name="chars"/> (at least <see cref="MaxIdLength"/> long, on the
    /// caller's stack), for looking it up among strings without making one; false when it is too long to be an id.
    /// </summary>
    public static bool TryGetIdChars(ReadOnlySpan<byte> id, Span<char> chars, out ReadOnlySpan<char> idChars)
    {
        if (id.Length > MaxIdLength || id.Length > chars.Length)
        {
            idChars = default;
            return false;
        }

        // Latin-1 widens each byte to the char of the same value: exact for any byte, so no two ids meet.
        idChars = chars[..System.Text.Encoding.Latin1.GetChars(id, chars)];
        return true;
    }
}
