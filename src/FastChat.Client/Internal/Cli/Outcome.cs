using System.Globalization;

namespace FastChat.Client.Internal.Cli;

/// <summary>Remembers how the connection ended and turns it into an exit code and one plain sentence.</summary>
internal sealed class Outcome
{
    private ChatEvent? _final;

    /// <summary>Call for every event, in order.</summary>
    public void Observe(ChatEvent e)
    {
        // The first FULL/BYE decides; the Disconnected that follows it changes nothing.
        if (e is FullEvent or ByeEvent || (e is DisconnectedEvent && _final is null))
        {
            _final ??= e;
        }
    }

    /// <summary>The exit code and, unless it is a clean quit, the sentence for stderr.</summary>
    public (int ExitCode, string? Sentence) Result() => _final switch
    {
        ByeEvent { IsQuit: true } => (ExitCodes.Ok, null),
        FullEvent { IsPerAddress: true } f => (ExitCodes.ServerFull, f.Max >= 0
            ? string.Create(CultureInfo.InvariantCulture, $"Too many connections from this address (the server allows {f.Max}); try again later.")
            : "Too many connections from this address; try again later."),
        FullEvent f => (ExitCodes.ServerFull, f.Max >= 0
            ? string.Create(CultureInfo.InvariantCulture, $"The server is full ({f.Max} members); try again later.")
            : "The server is full; try again later."),
        ByeEvent { IsShutdown: true } => (ExitCodes.ServerShutdown, "The server is shutting down."),
        ByeEvent b => (ExitCodes.ConnectionLost, $"Connection to the server lost: {Why(b.Reason)}"),
        _ => (ExitCodes.ConnectionLost, "Connection to the server lost."),
    };

    // The server's reasons for ending a session (docs/PROTOCOL.md section 11), in plain words.
    private static string Why(string reason) => reason switch
    {
        "slow-consumer" => "the server cut this client off for reading too slowly.",
        "flood" => "the server cut this client off for sending too fast for too long.",
        "ping-timeout" or "registration-timeout" => "the server cut this client off for not answering its PING in time.",
        "line-timeout" => "the server cut this client off for taking too long to finish a line.",
        "wrong-protocol" => "the server did not recognise this client's protocol.",
        _ => $"the server said BYE {reason}.",
    };
}
