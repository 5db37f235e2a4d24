using System.Net.Sockets;

namespace FastChat.Client;

/// <summary>
/// One thing that happened on a connection, in the order the server sent it (protocol v1,
/// docs/PROTOCOL.md "Server to client"). <see cref="Time"/> is when this client read the line.
/// </summary>
public abstract record ChatEvent(DateTimeOffset Time);

/// <summary><c>WELCOME &lt;id&gt;</c>: this client was admitted and is <paramref name="Id"/>.</summary>
public sealed record WelcomeEvent(string Id, DateTimeOffset Time) : ChatEvent(Time);

/// <summary><c>USERS &lt;id&gt; ...</c>: every member, this client included.</summary>
public sealed record UsersEvent(IReadOnlyList<string> Ids, DateTimeOffset Time) : ChatEvent(Time);

/// <summary><c>JOIN &lt;id&gt;</c>; <paramref name="Online"/> counts the members right after it.</summary>
public sealed record JoinEvent(string Id, int Online, DateTimeOffset Time) : ChatEvent(Time);

/// <summary><c>LEAVE &lt;id&gt;</c>; <paramref name="Online"/> counts the members right after it.</summary>
public sealed record LeaveEvent(string Id, int Online, DateTimeOffset Time) : ChatEvent(Time);

/// <summary><c>MSG &lt;id&gt; &lt;text&gt;</c>; <paramref name="IsSelf"/> when this client sent it.</summary>
public sealed record MessageEvent(string Id, string Text, bool IsSelf, DateTimeOffset Time) : ChatEvent(Time);

/// <summary><c>FULL &lt;max&gt;</c>: the server has <paramref name="Max"/> members and refused this client.</summary>
public sealed record FullEvent(int Max, DateTimeOffset Time) : ChatEvent(Time);

/// <summary><c>ERR &lt;code&gt; &lt;detail&gt;</c>: a line of this client was refused; the connection stays open.</summary>
public sealed record ErrorEvent(string Code, string Detail, DateTimeOffset Time) : ChatEvent(Time);

/// <summary><c>PONG &lt;token&gt;</c>: the answer to <see cref="ChatClient.PingAsync"/>.</summary>
public sealed record PongEvent(string Token, DateTimeOffset Time) : ChatEvent(Time);

/// <summary><c>BYE &lt;reason&gt;</c> (<c>quit</c>, <c>shutdown</c>, <c>slow-consumer</c>): the server closes next.</summary>
public sealed record ByeEvent(string Reason, DateTimeOffset Time) : ChatEvent(Time)
{
    /// <summary>The answer to <see cref="ChatClient.QuitAsync"/>.</summary>
    public bool IsQuit => Reason == "quit";

    /// <summary>The server is shutting down.</summary>
    public bool IsShutdown => Reason == "shutdown";

    /// <summary>The server cut this client off because it read too slowly.</summary>
    public bool IsSlowConsumer => Reason == "slow-consumer";
}

/// <summary>
/// The connection ended; always the last event. <paramref name="SocketError"/> is
/// <see cref="SocketError.Success"/> unless a socket error ended it.
/// </summary>
public sealed record DisconnectedEvent(DisconnectReason Reason, SocketError SocketError, DateTimeOffset Time) : ChatEvent(Time);

/// <summary>Why a connection ended.</summary>
public enum DisconnectReason
{
    /// <summary>The server closed after a final line (<c>FULL</c> or <c>BYE</c>).</summary>
    Closed,

    /// <summary>The connection ended without a final line: reset, end of stream, network error.</summary>
    ConnectionLost,

    /// <summary>This side closed it (<see cref="ChatClient.DisposeAsync"/>).</summary>
    ClosedLocally,
}
