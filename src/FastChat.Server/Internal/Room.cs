using System.Buffers;
using FastChat.Protocol;

namespace FastChat.Server.Internal;

/// <summary>
/// The one place where the global order of JOIN, LEAVE and MSG is decided: the lock, the broadcast
/// log and the members. Everything that changes the order runs under <see cref="_lock"/> and is
/// published to the fan-out walkers, which read the log and the members without it
/// (docs/ARCHITECTURE.md "The order").
/// </summary>
internal sealed partial class Room : IRoom, IDisposable
{
    private readonly Lock _lock = new();
    private readonly BroadcastLog _log;
    private readonly MemberShards _members;
    private readonly FanOutWalker[] _walkers;
    private readonly RoomLimits _limits;
    private readonly OutputTotals _totals;
    private readonly ServerCounters _counters;
    private readonly Func<long> _nextId;
    private readonly RemoteMembers _remote = new();
    private IDepartures? _departures;
    private bool _closed;

    /// <param name="log">The broadcast log; its segments must hold the longest line.</param>
    /// <param name="limits">Members, line and pending-output limits.</param>
    /// <param name="fanOutThreads">Walkers, each over its own shard of the members.</param>
    /// <param name="totals">The server-wide sum of queued private bytes.</param>
    /// <param name="counters">Where broadcasts and cut-offs are counted.</param>
    /// <param name="nextId">Ids for admitted members.</param>
    /// <param name="walkFailed">A walk threw (a bug): reported, and the walker lives on.</param>
    public Room(BroadcastLog log, RoomLimits limits, int fanOutThreads, OutputTotals totals, ServerCounters counters,
        Func<long> nextId, Action<Exception> walkFailed)
    {
        if (log.SegmentSize < ServerLineWriter.MaxLineBytes(limits.MaxLineLength))
        {
            throw new ArgumentException("Log segments must hold the longest line.", nameof(log));
        }

        _log = log;
        _limits = limits;
        _totals = totals;
        _counters = counters;
        _nextId = nextId;
        _members = new MemberShards(fanOutThreads);
        _walkers = new FanOutWalker[_members.ShardCount];
        for (int i = 0; i < _walkers.Length; i++)
        {
            _walkers[i] = new FanOutWalker(this, _log, _members[i], i, limits, totals, counters, walkFailed);
        }
    }

    /// <summary>Members of the room: those connected here and, in a cluster, the others.</summary>
    public int MemberCount => _members.Count + _remote.Count;

    public int MaxMembers => _limits.MaxMembers;

    public int MaxLineLength => _limits.MaxLineLength;

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
    /// Admits <paramref name="member"/> unless the room is full or closing: JOIN for the others, then
    /// the newcomer's stream starts right after it with WELCOME and USERS, so USERS is exactly the
    /// member set at the point where the newcomer's stream begins.
    /// </summary>
    public ValueTask<JoinResult> JoinAsync(Member member) => new(TryJoin(member));

    /// <summary>
    /// Admits <paramref name="member"/> now (see <see cref="JoinAsync"/>): the room decides the order.
    /// </summary>
    public JoinResult TryJoin(Member member)
    {
        JoinResult result;
        lock (_lock)
        {
            result = TryJoinLocked(member, _limits.MaxMembers);
            if (result == JoinResult.Joined)
            {
                _log.Publish();
            }
        }

        if (result == JoinResult.Joined)
        {
            WakeAll();
        }

        return result;
    }

    private JoinResult TryJoinLocked(Member member, int maxMembers)
    {
        if (_closed)
        {
            return JoinResult.ShuttingDown;
        }

        if (MemberCount >= maxMembers)
        {
            return JoinResult.Full;
        }

        if (member.Id == 0)
        {
            member.AssignId(_nextId()); // only admitted members take an id
        }

        // JOIN <id>  -- to every other member
        AppendJoinLocked(member.IdBytes);
        member.Output.Attach(_log.TailSegment, _log.TailOffset);
        long start = _log.WritePosition;

        // WELCOME <id>
        Span<byte> welcome = stackalloc byte[8 + ProtocolTokens.MaxIdLength + 2];
        ServerLineWriter.TryWriteWelcome(welcome, member.IdBytes, out int written);
        member.Output.EnqueuePrivate(start, welcome[..written]);

        _members.Add(member);
        WriteUsers(member, start);
        member.MarkJoined();
        return JoinResult.Joined;
    }

    /// <summary>
    /// Ends <paramref name="member"/>'s membership: its stream ends at the current log position (it
    /// is still sent everything before that), then LEAVE goes to the remaining members.
    /// Idempotent: only the first call does anything.
    /// </summary>
    public bool Leave(Member member)
    {
        lock (_lock)
        {
            if (!LeaveLocked(member))
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
    /// Ends a membership on the server's initiative (flood, a timeout, another protocol): BYE
    /// &lt;reason&gt; after everything it was owed up to now, then LEAVE to the others.
    /// <see cref="IMemberTransport.OnEnded"/> runs first, under the lock, so the close reason is
    /// recorded before the member's sender can see the end. False if it had left already.
    /// </summary>
    public bool Kick(Member member, CloseReason reason)
    {
        lock (_lock)
        {
            if (_closed || !member.IsMember)
            {
                return false;
            }

            EndLocked(member, reason);
            _log.Publish();
        }

        WakeAll();
        member.Output.Signal.Set();
        return true;
    }

    /// <summary>
    /// The connection is gone: the member leaves now (single node), or, where another source decides
    /// the order, leaves the fan-out now and the room when its LEAVE comes in that order.
    /// </summary>
    public void Detach(Member member)
    {
        lock (_lock)
        {
            if (!LeaveLocked(member))
            {
                return;
            }

            _log.Publish();
        }

        WakeAll();
        member.Output.Signal.Set();
    }

    /// <summary>Queues a private line nobody asked for (a server PING) at the current end of the order.</summary>
    public bool SendPrivate(Member member, ReadOnlySpan<byte> line)
    {
        lock (_lock)
        {
            // Under the lock: a reply of an Apply in progress may be queued at a later position.
            if (_closed || !member.IsMember || !member.Output.EnqueuePrivate(_log.WritePosition, line))
            {
                return false;
            }
        }

        member.Output.Signal.Set();
        CheckPending(member);
        return true;
    }

    /// <summary>Queues USERS for a member at the current end of the order (a reply that waited in a cluster).</summary>
    public void SendUsers(Member member)
    {
        lock (_lock)
        {
            if (_closed || !member.IsMember)
            {
                return;
            }

            WriteUsers(member, _log.WritePosition);
        }

        member.Output.Signal.Set();
        CheckPending(member);
    }

    /// <summary>
    /// Closes the room for shutdown: BYE shutdown is the last line of the log, every member's stream
    /// ends right after it, and everything is refused from now on. Returns the members.
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
            _remote.Clear();

            // BYE shutdown  -- the last line every member gets (no LEAVE after it)
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

    /// <summary>Stops the walkers and releases the log's own reference; call once every member has been released.</summary>
    public void Dispose()
    {
        foreach (FanOutWalker walker in _walkers)
        {
            walker.Dispose();
        }

        _log.Dispose();
    }

    /// <summary>Asks every walker for a walk; returns at once (the publishing thread makes no member's syscall).</summary>
    public void WakeAll()
    {
        foreach (FanOutWalker walker in _walkers)
        {
            walker.Request();
        }
    }

    /// <summary>
    /// After private output was queued for a member (a /users flood, say): cut it off past
    /// --max-pending-bytes; past the server-wide limit, cut the member furthest behind now, before
    /// the asker's next lines can take it past its own limit first (the walkers check the log's share).
    /// </summary>
    public void CheckPending(Member member)
    {
        MemberOutput output = member.Output;
        if (member.IsMember && _log.PublishedPosition - output.Position + output.PrivatePendingBytes > _limits.MaxPendingBytes)
        {
            CutOff(member, CloseReason.SlowConsumer);
            WakeAll();
        }
        else if (_limits.MaxTotalPendingBytes > 0 && _totals.PrivateBytes > _limits.MaxTotalPendingBytes && !CutOffForTotal())
        {
            WakeAll();
        }
    }

    /// <summary>
    /// Cuts a member off for not reading: its stream ends where its cursor is, BYE slow-consumer
    /// after it if it can still be sent (best effort), then LEAVE to the others.
    /// </summary>
    public void CutOff(Member member, CloseReason reason)
    {
        lock (_lock)
        {
            if (!CutOffLocked(member))
            {
                return;
            }
        }

        CutOffDone(member, reason);
    }

    /// <summary>
    /// Over --max-total-pending-bytes, cuts off the member with the most unsent output, in any shard;
    /// false when under the limit. Measured and decided under the lock over every member (rare: only
    /// when a walker saw the excess), so two walkers never cut for the same excess.
    /// </summary>
    public bool CutOffForTotal()
    {
        Member? victim = null;
        lock (_lock)
        {
            long published = _log.PublishedPosition;
            long longestLogBacklog = 0;
            long most = -1;
            for (int shard = 0; shard < _members.ShardCount; shard++)
            {
                foreach (Member? member in _members[shard].Slots)
                {
                    if (member is not null)
                    {
                        long logBacklog = published - member.Output.Position;
                        long pending = logBacklog + member.Output.PrivatePendingBytes;
                        longestLogBacklog = Math.Max(longestLogBacklog, logBacklog);
                        if (pending > most)
                        {
                            (victim, most) = (member, pending);
                        }
                    }
                }
            }

            if (victim is null || longestLogBacklog + _totals.PrivateBytes <= _limits.MaxTotalPendingBytes || !CutOffLocked(victim))
            {
                return false;
            }
        }

        CutOffDone(victim, CloseReason.TotalPending);
        return true;
    }

    private bool CutOffLocked(Member member)
    {
        if (!member.TryMarkLeft())
        {
            return false;
        }

        _members.Remove(member);
        Span<byte> bye = stackalloc byte[24];
        ServerLineWriter.TryWriteBye(bye, ProtocolTokens.SlowConsumerReason, out int written);
        member.Output.CutOff(_log.TailSegment, bye[..written]);
        DepartedLocked(member);
        _log.Publish();
        return true;
    }

    private void CutOffDone(Member member, CloseReason reason)
    {
        _counters.SlowConsumerCut();
        member.Transport.OnSlowConsumer(reason);
        member.Output.Signal.Set();
        WakeAll();
    }

    // BYE <reason> after everything the member is owed, then it leaves (room lock held).
    private void EndLocked(Member member, CloseReason reason)
    {
        member.Transport.OnEnded(reason);
        Span<byte> bye = stackalloc byte[4 + 32 + 2];
        ServerLineWriter.TryWriteBye(bye, CloseReasons.ByeReason(reason), out int written);
        member.Output.EnqueuePrivate(_log.WritePosition, bye[..written]);
        LeaveLocked(member);
    }

    private bool LeaveLocked(Member member)
    {
        if (!member.TryMarkLeft())
        {
            return false;
        }

        _members.Remove(member);
        member.Output.SetEnd(_log.WritePosition, _log.TailSegment);
        DepartedLocked(member);
        return true;
    }

    // A member this room ended (cut off, kicked, gone): LEAVE now, or, where another source decides
    // the order, it stays a member of the room until its LEAVE comes in that order.
    private void DepartedLocked(Member member)
    {
        if (_departures is null)
        {
            AppendLeaveLocked(member.IdBytes);
            return;
        }

        if (!_closed)
        {
            _remote.Add(member.IdBytes);
            _departures.Departed(member);
        }
    }

    // JOIN <id>  -- to every other member
    private void AppendJoinLocked(ReadOnlySpan<byte> id)
    {
        Span<byte> span = _log.GetSpan(5 + ProtocolTokens.MaxIdLength + 2, _members.Count);
        ServerLineWriter.TryWriteJoin(span, id, out int written);
        _log.Advance(written);
    }

    // LEAVE <id>  -- to every remaining member; never after BYE shutdown
    private void AppendLeaveLocked(ReadOnlySpan<byte> id)
    {
        if (_closed)
        {
            return;
        }

        Span<byte> span = _log.GetSpan(6 + ProtocolTokens.MaxIdLength + 2, _members.Count);
        ServerLineWriter.TryWriteLeave(span, id, out int written);
        _log.Advance(written);
    }

    // USERS <id> <id> ...  -- formatted once into a rented buffer, then queued (copied into pooled blocks)
    private void WriteUsers(Member member, long position)
    {
        int count = _remote.Count;
        int idBytes = _remote.IdBytes;
        for (int shard = 0; shard < _members.ShardCount; shard++)
        {
            foreach (Member? m in _members[shard].Slots)
            {
                if (m is not null)
                {
                    count++;
                    idBytes += m.IdBytes.Length;
                }
            }
        }

        int length = ServerLineWriter.UsersLength(count, idBytes);
        byte[] rented = ArrayPool<byte>.Shared.Rent(length);
        Span<byte> line = rented;
        ServerLineWriter.TryWriteUsersStart(line, out int at);
        for (int shard = 0; shard < _members.ShardCount; shard++)
        {
            foreach (Member? m in _members[shard].Slots)
            {
                if (m is not null)
                {
                    ServerLineWriter.TryAppendUser(line[at..], m.IdBytes, out int n);
                    at += n;
                }
            }
        }

        foreach (byte[] id in _remote.Ids)
        {
            ServerLineWriter.TryAppendUser(line[at..], id, out int n);
            at += n;
        }

        ServerLineWriter.TryWriteCrLf(line[at..], out int end);
        member.Output.EnqueuePrivate(position, line[..(at + end)]);
        ArrayPool<byte>.Shared.Return(rented);
    }
}

/// <summary>The limits the room and its walkers enforce.</summary>
internal sealed record RoomLimits(int MaxMembers, int MaxLineLength, long MaxPendingBytes, long MaxTotalPendingBytes);
