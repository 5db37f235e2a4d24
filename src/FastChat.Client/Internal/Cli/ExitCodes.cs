namespace FastChat.Client.Internal.Cli;

/// <summary>The process exit codes of fastchat-client (documented in README.md, "Exit codes").</summary>
internal static class ExitCodes
{
    /// <summary>Left cleanly (<c>/quit</c>, Ctrl+C, end of input) or every scripted message was echoed.</summary>
    public const int Ok = 0;

    /// <summary>An unexpected internal error.</summary>
    public const int Failure = 1;

    /// <summary>Bad command line.</summary>
    public const int Usage = 2;

    /// <summary>Refused, unreachable, unknown host or connect timeout.</summary>
    public const int CannotConnect = 3;

    /// <summary>The server answered <c>FULL</c>.</summary>
    public const int ServerFull = 4;

    /// <summary>The connection ended without <c>BYE quit</c>/<c>BYE shutdown</c> (includes <c>BYE slow-consumer</c>).</summary>
    public const int ConnectionLost = 5;

    /// <summary>The server said <c>BYE shutdown</c>.</summary>
    public const int ServerShutdown = 6;

    /// <summary>Scripted mode: the server refused some lines (<c>ERR</c>, e.g. line-too-long); the rest was sent.</summary>
    public const int MessagesRefused = 7;

    /// <summary>Interrupted (Ctrl+C) before the connection was made.</summary>
    public const int Interrupted = 130;
}
