namespace FastChat.Server.Internal;

/// <summary>
/// The room as a member's connection sees it: where its arrival, its lines and its leaving go to take
/// their place in the one global order (docs/ARCHITECTURE.md "The order"). <see cref="Room"/> decides
/// that order itself, under its lock; a cluster backend puts the same calls through a shared stream
/// and applies them to its node's <see cref="Room"/> in the stream's order.
/// </summary>
internal interface IRoom
{
    /// <summary>Members now, over the whole room.</summary>
    int MemberCount { get; }

    /// <summary>Most members at once (<c>--max-clients</c>).</summary>
    int MaxMembers { get; }

    /// <summary>True once the room has closed for shutdown.</summary>
    bool IsClosed { get; }

    /// <summary>
    /// Admits a member: JOIN for the others, WELCOME and USERS for it; or FULL. Completes at once
    /// where the room decides the order itself; in a cluster, when its JOIN comes in the shared order.
    /// </summary>
    ValueTask<JoinResult> JoinAsync(Member member);

    /// <summary>
    /// Applies what one member's lines asked for, in order (<paramref name="actions"/> point into
    /// <paramref name="lines"/>). True when a private reply was queued for the member.
    /// </summary>
    bool Apply(Member sender, ReadOnlySpan<byte> lines, ReadOnlySpan<MemberAction> actions);

    /// <summary>
    /// The member is leaving (EOF, /quit handled, a reset): it is still sent what it is owed up to its
    /// place in the order, then LEAVE goes to the others. Idempotent.
    /// </summary>
    bool Leave(Member member);

    /// <summary>The member's connection is gone (both loops ended): it leaves the fan-out now.</summary>
    void Detach(Member member);

    /// <summary>Ends a membership on the server's initiative, with <c>BYE &lt;reason&gt;</c> for the member.</summary>
    bool Kick(Member member, CloseReason reason);

    /// <summary>Queues a private line the member did not ask for (a PING) at the current end of the order.</summary>
    bool SendPrivate(Member member, ReadOnlySpan<byte> line);
}

/// <summary>How an admission ended.</summary>
internal enum JoinResult
{
    Joined,
    Full,
    ShuttingDown,

    /// <summary>The order could not be reached in time (a cluster whose NATS is unavailable).</summary>
    Unavailable,
}

/// <summary>What one client line asks the room for (the part of it that <see cref="Room"/> acts on).</summary>
internal enum MemberActionKind : byte
{
    /// <summary>Broadcast the text: <c>MSG &lt;id&gt; &lt;text&gt;</c>.</summary>
    Chat,

    /// <summary>Answer <c>USERS ...</c>.</summary>
    Users,

    /// <summary>Answer <c>PONG &lt;token&gt;</c>.</summary>
    Ping,

    /// <summary>Answer <c>ERR unknown-command &lt;name&gt;</c>.</summary>
    UnknownCommand,

    /// <summary>Answer <c>ERR line-too-long &lt;max&gt;</c>.</summary>
    LineTooLong,

    /// <summary>Answer <c>BYE quit</c> and end the membership.</summary>
    Quit,
}

/// <summary>One client line's request: its kind and the bytes it carries (text, token, name) in the receive buffer.</summary>
internal readonly record struct MemberAction(MemberActionKind Kind, int Start, int Length);
