using System.Buffers;
using FastChat.Protocol;

namespace FastChat.Server.Internal;

/// <summary>How an admission ended.</summary>
internal enum JoinResult
{
    Joined,
    Full,
    ShuttingDown,
}

/// <summary>
/// Membership and the broadcast log: the one place where the global order of JOIN, LEAVE and MSG
/// is decided. Everything that changes the order runs under <see cref="_lock"/>; members read the
/// log without it.
/// </summary>
/// <remarks>
/// The member list (<see cref="MemberList"/>) is changed in place under the lock, and the flusher's
/// walk reads it without locking, so the broadcaster never takes a per-member lock or makes a
/// syscall: it only requests a walk (issue 6, "keep the broadcasting thread off per-member locks
/// and syscalls").
/// </remarks>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "The hub ends with the server: ChatServer.StopAsync calls DisposeLog, which stops the flusher after the last member is released.")]
internal sealed partial class ChatHub
{
    private readonly Lock _lock = new();
    private readonly BroadcastLog _log;
    private readonly int _maxMembers;
    private readonly long _maxPendingBytes;
    private readonly long _maxTotalPendingBytes;
    private readonly OutputTotals _totals;
    private readonly ServerCounters _counters;
    private readonly Func<long> _nextId;
    private readonly Flusher _flusher;
    private readonly MemberList _members = new();
    private bool _closed;

    public ChatHub(BroadcastLog log, int maxMembers, int maxLineLength, long maxPendingBytes, long maxTotalPendingBytes, OutputTotals totals,
        ServerCounters counters, Func<long> nextId, Microsoft.Extensions.Logging.ILogger logger)
    {
        _nextId = nextId;
        if (log.SegmentSize < ServerLineWriter.MaxLineBytes(maxLineLength))
        {
            throw new ArgumentException("Log segments must hold the longest line.", nameof(log));
        }

        _log = log;
        _flusher = new Flusher(WalkMembers, ex => Log.WalkFailed(logger, ex));
        _maxMembers = maxMembers;
        _maxPendingBytes = maxPendingBytes;
        _maxTotalPendingBytes = maxTotalPendingBytes;
        _totals = totals;
        _counters = counters;
    }

    public int MemberCount => _members.Count;

    public int MaxMembers => _maxMembers;

    public bool IsClosed
    {
        get
        {
            lock (_lock)
            {
                return _closed;
            }
        }
    }

    /// <summary>
    /// Admits <paramref name="member"/> unless the server is full or closing: appends JOIN for the
    /// others, then starts the newcomer's stream right after it with WELCOME and USERS, so USERS is
    /// exactly the member set at the point where the newcomer's stream begins.
    /// </summary>
    public JoinResult TryJoin(Member member)
    {
        lock (_lock)
        {
            if (_closed)
            {
                return JoinResult.ShuttingDown;
            }

            if (_members.Count >= _maxMembers)
            {
                return JoinResult.Full;
            }

            if (member.Id == 0)
            {
                member.AssignId(_nextId()); // only admitted members take an id
            }

            // JOIN <id> to every other member.
            Span<byte> span = _log.GetSpan(5 + ProtocolTokens.MaxIdLength + 2, _members.Count);
            ServerLineWriter.TryWriteJoin(span, member.IdBytes, out int written);
            _log.Advance(written);

            member.Output.Attach(_log.TailSegment, _log.TailOffset);
            long start = _log.WritePosition;

            // WELCOME <id>, then USERS with everyone including the newcomer.
            Span<byte> welcome = stackalloc byte[8 + ProtocolTokens.MaxIdLength + 2];
            ServerLineWriter.TryWriteWelcome(welcome, member.IdBytes, out written);
            member.Output.EnqueuePrivate(start, welcome[..written]);

            _members.Add(member);
            WriteUsers(member, start, _members.Slots);
            member.MarkJoined();
            _log.Publish();
        }

        WakeAll();
        return JoinResult.Joined;
    }

    /// <summary>
    /// Ends <paramref name="member"/>'s membership: its stream ends at the current log position
    /// (it is still sent everything before that), then LEAVE goes to the remaining members.
    /// Idempotent: only the first call does anything.
    /// </summary>
    public bool Leave(Member member)
    {
        lock (_lock)
        {
            if (!LeaveLocked(member, endPosition: null))
            {
                return false;
            }

            _log.Publish();
        }

        WakeAll();
        member.Output.Signal.Set(); // it is out of the walk now; let its sender see the end
        return true;
    }

    /// <summary>
    /// Ends <paramref name="member"/>'s membership on the server's initiative (flood, a timeout, another
    /// protocol): <c>BYE &lt;reason&gt;</c> goes after everything it was owed up to now, then LEAVE to
    /// the others. <see cref="IMemberTransport.OnKicked"/> runs first, under the lock, so the close
    /// reason is recorded before the member's sender can see the end. False if it had left already.
    /// </summary>
    public bool Kick(Member member, CloseReason reason)
    {
        lock (_lock)
        {
            if (_closed || !member.IsMember)
            {
                return false;
            }

            member.Transport.OnKicked(reason);
            Span<byte> bye = stackalloc byte[4 + 32 + 2];
            ServerLineWriter.TryWriteBye(bye, CloseReasons.ByeReason(reason), out int written);
            member.Output.EnqueuePrivate(_log.WritePosition, bye[..written]);
            LeaveLocked(member, endPosition: null);
            _log.Publish();
        }

        WakeAll();
        member.Output.Signal.Set();
        return true;
    }

    /// <summary>
    /// Queues a private line for a member at the current end of the order (a server PING, which no
    /// client line asked for), then wakes its sender. False if it is no longer a member.
    /// </summary>
    public bool SendPrivate(Member member, ReadOnlySpan<byte> line)
    {
        lock (_lock)
        {
            // Under the lock: a reply of a batch in progress may be queued at a later position.
            if (_closed || !member.IsMember || !member.Output.EnqueuePrivate(_log.WritePosition, line))
            {
                return false;
            }
        }

        member.Output.Signal.Set();
        return true;
    }

    /// <summary>
    /// Stops the hub for shutdown: appends <c>BYE shutdown</c> as the last line of the log, ends every
    /// member's stream right after it, and refuses everything from now on. Returns the members.
    /// </summary>
    public Member[] Close()
    {
        Member[] members;
        lock (_lock)
        {
            if (_closed)
            {
                return [];
            }

            _closed = true;
            members = _members.TakeAll();

            // BYE shutdown, the last line every member gets (PROTOCOL-NOTES 7).
            Span<byte> span = _log.GetSpan(16, members.Length);
            ServerLineWriter.TryWriteBye(span, ProtocolTokens.ShutdownReason, out int written);
            _log.Advance(written);

            foreach (Member member in members)
            {
                if (member.TryMarkLeft())
                {
                    member.Transport.OnShutdown(); // before its sender can see the end
                    member.Output.SetEnd(_log.WritePosition, _log.TailSegment);
                }
            }

            _log.Publish();
        }

        foreach (Member member in members)
        {
            member.Output.Signal.Set();
        }

        return members;
    }

    /// <summary>
    /// Stops the flusher and releases the log's own reference; call once every member has been
    /// released.
    /// </summary>
    public void DisposeLog()
    {
        _flusher.Dispose();
        _log.Dispose();
    }

    private bool LeaveLocked(Member member, long? endPosition)
    {
        if (!member.TryMarkLeft())
        {
            return false;
        }

        RemoveLocked(member);
        member.Output.SetEnd(endPosition ?? _log.WritePosition, _log.TailSegment);
        AppendLeaveLocked(member);
        return true;
    }

    private void RemoveLocked(Member member) => _members.Remove(member);

    // LEAVE <id>  -- to every remaining member; never after BYE shutdown.
    private void AppendLeaveLocked(Member member)
    {
        if (_closed)
        {
            return;
        }

        Span<byte> span = _log.GetSpan(6 + ProtocolTokens.MaxIdLength + 2, _members.Count);
        ServerLineWriter.TryWriteLeave(span, member.IdBytes, out int written);
        _log.Advance(written);
    }

    // USERS <id> <id> ...  -- formatted once into a rented buffer, then queued (copied into pooled blocks).
    private static void WriteUsers(Member member, long position, ReadOnlySpan<Member?> members)
    {
        int count = 0;
        int idBytes = 0;
        foreach (Member? m in members)
        {
            if (m is not null)
            {
                count++;
                idBytes += m.IdBytes.Length;
            }
        }

        int length = ServerLineWriter.UsersLength(count, idBytes);
        byte[] rented = ArrayPool<byte>.Shared.Rent(length);
        Span<byte> line = rented;
        ServerLineWriter.TryWriteUsersStart(line, out int at);
        foreach (Member? m in members)
        {
            if (m is not null)
            {
                ServerLineWriter.TryAppendUser(line[at..], m.IdBytes, out int n);
                at += n;
            }
        }

        ServerLineWriter.TryWriteCrLf(line[at..], out int end);
        member.Output.EnqueuePrivate(position, line[..(at + end)]);
        ArrayPool<byte>.Shared.Return(rented);
    }
}
