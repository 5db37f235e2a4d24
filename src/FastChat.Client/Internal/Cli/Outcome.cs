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
        FullEvent f => (ExitCodes.ServerFull, f.Max >= 0
            ? string.Create(CultureInfo.InvariantCulture, $"The server is full ({f.Max} members); try again later.")
            : "The server is full; try again later."),
        ByeEvent { IsShutdown: true } => (ExitCodes.ServerShutdown, "The server is shutting down."),
        ByeEvent { IsSlowConsumer: true } => (ExitCodes.ConnectionLost, "Connection to the server lost: the server cut this client off for reading too slowly."),
        ByeEvent b => (ExitCodes.ConnectionLost, $"Connection to the server lost: the server said BYE {b.Reason}."),
        _ => (ExitCodes.ConnectionLost, "Connection to the server lost."),
    };
}
