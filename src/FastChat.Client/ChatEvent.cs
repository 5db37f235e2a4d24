using System.Net.Sockets;

namespace FastChat.Client;

/// <summary>
/// One thing that happened on a connection, in the order the server sent it (protocol v1,
/// docs/PROTOCOL.md section 6). <see cref="Time"/> is when this client read the line.
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

/// <summary>
/// <c>FULL &lt;max&gt; [&lt;scope&gt;]</c>: the server refused this client. With no scope it has
/// <paramref name="Max"/> members; with <c>per-address</c>, this client's address holds
/// <paramref name="Max"/> connections already.
/// </summary>
public sealed record FullEvent(int Max, DateTimeOffset Time, string Scope = "") : ChatEvent(Time)
{
    /// <summary>Refused because this client's address holds the most connections the server allows one address.</summary>
    public bool IsPerAddress => Scope == "per-address";
}

/// <summary><c>ERR &lt;code&gt; &lt;detail&gt;</c>: a line of this client was refused; the connection stays open.</summary>
public sealed record ErrorEvent(string Code, string Detail, DateTimeOffset Time) : ChatEvent(Time);

/// <summary><c>PONG &lt;token&gt;</c>: the answer to <see cref="ChatClient.PingAsync"/>.</summary>
public sealed record PongEvent(string Token, DateTimeOffset Time) : ChatEvent(Time);

/// <summary>
/// <c>PING &lt;token&gt;</c>: the server asked whether this client is still there. The client has
/// already answered it (<c>/pong &lt;token&gt;</c>) by the time the event is read.
/// </summary>
public sealed record PingEvent(string Token, DateTimeOffset Time) : ChatEvent(Time);

/// <summary>
/// <c>BYE &lt;reason&gt;</c> (<c>quit</c>, <c>shutdown</c>, <c>slow-consumer</c>, or a limit: <c>flood</c>,
/// <c>ping-timeout</c>, <c>registration-timeout</c>, <c>line-timeout</c>, <c>wrong-protocol</c>): the server closes next.
/// </summary>
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
