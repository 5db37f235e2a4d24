using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Text;
using FastChat.Protocol;
using Microsoft.Extensions.Logging;

namespace FastChat.Server.Internal.Cluster;

/// <summary>
/// A node of a cluster (docs/CLUSTER.md): the room's order is the JetStream stream. Members'
/// joins, lines and leaves go into the stream; this node applies the stream, in order, to its
/// local <see cref="Room"/>, which therefore holds every member of the cluster and every line, and
/// fans the lines out to the members connected here. Every node applies the same order, so every
/// member of every node sees the same lines, USERS and FULL.
/// </summary>
/// <remarks>
/// Threads: members' receive loops call <see cref="Apply"/> and friends; one consumer task applies
/// the stream (<see cref="ApplyBatch"/>); a timer sends heartbeats and declares silent nodes dead.
/// Lock order: the room's lock may be held while a <see cref="LocalMember"/>'s is taken, never the
/// other way round.
/// </remarks>
internal sealed class ClusterRoom : IRoom, IDepartures, IAsyncDisposable
{
    private static readonly TimeSpan JoinTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan SnapshotInterval = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan LeaveTimeout = TimeSpan.FromSeconds(3);

    private readonly Room _room;
    private readonly ClusterLink _link;
    private readonly ClusterCounters _counters;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly string _node;
    private readonly string _roomName;
    private readonly long _nodeTimeout;
    private readonly byte[] _maxText;
    private readonly ConcurrentDictionary<string, PendingJoin> _pending = new();
    private readonly ConcurrentDictionary<string, LocalMember> _local = new();
    private readonly ConcurrentDictionary<string, LocalMember>.AlternateLookup<ReadOnlySpan<char>> _localById;
    private readonly ConcurrentDictionary<string, long> _lastSeen = new();    // incarnation -> when an event of it was applied
    private readonly ConcurrentDictionary<string, byte> _dead = new();        // incarnations gone (applied D)
    private readonly ConcurrentDictionary<string, byte> _proposedDead = new(); // D this node queued
    private string _incarnation;
    private byte[] _memberPrefix;
    private long _nextNumber;
    private long _graceUntil;
    private long _lastBeat;
    private long _lastSnapshot;
    private ITimer? _timer;
    private TaskCompletionSource<bool>? _caughtUp;
    private ulong _caughtUpAt;
    private bool _started;
    private int _closing;
    private readonly TaskCompletionSource _left = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public ClusterRoom(Room room, ClusterLink link, ClusterCounters counters, ChatServerOptions options, TimeProvider time, ILogger logger)
    {
        _room = room;
        _link = link;
        _counters = counters;
        _localById = _local.GetAlternateLookup<ReadOnlySpan<char>>();
        _time = time;
        _logger = logger;
        _roomName = options.Room;
        _node = options.NodeId ?? "n" + Random.Shared.Next(0x10000, 0xFFFFF).ToString("x", System.Globalization.CultureInfo.InvariantCulture);
        _nodeTimeout = (long)(options.NodeTimeout.TotalSeconds * time.TimestampFrequency);
        _maxText = Encoding.ASCII.GetBytes(options.MaxClients.ToString(System.Globalization.CultureInfo.InvariantCulture));
        (_incarnation, _memberPrefix) = NewIncarnation(_node);
        room.OrderBy(this);
        counters.ObserveState(() => link.Queued, () => LiveNodes, () => link.Applied);
    }

    /// <summary>This node's name.</summary>
    public string Node => _node;

    /// <summary>This run of the node: its members' ids start with it (<c>n1.k3f9a</c>).</summary>
    public string Incarnation => _incarnation;

    public int MemberCount => _room.MemberCount;

    /// <summary>Node incarnations heard from within the node timeout, this one included.</summary>
    public int LiveNodes
    {
        get
        {
            long now = _time.GetTimestamp();
            return _lastSeen.Count(kv => now - kv.Value <= _nodeTimeout);
        }
    }

    public int MaxMembers => _room.MaxMembers;

    public bool IsClosed => _room.IsClosed;

    /// <summary>
    /// Joins the cluster: connects, loads the newest snapshot, replays the stream after it, and
    /// returns once this node's own first heartbeat is applied, so the room here is the cluster's.
    /// </summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _link.ConnectAsync(cancellationToken);
            await CatchUpAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            throw new ClusterUnavailableException(ClusterLink.Describe(ex), ex);
        }

        // Earlier runs of this node are gone: their members leave now, not after the node timeout.
        foreach (string incarnation in _lastSeen.Keys)
        {
            if (incarnation != _incarnation && incarnation.StartsWith(_node + ".", StringComparison.Ordinal) && !_dead.ContainsKey(incarnation))
            {
                ProposeDead(incarnation);
            }
        }

        _graceUntil = _time.GetTimestamp() + _nodeTimeout;
        _timer = _time.CreateTimer(static t => ((ClusterRoom)t!).OnTick(), this, Tick, Tick);
        _started = true;
    }

    // The newest snapshot, then the stream after it, until this node's own first heartbeat is applied.
    private async Task CatchUpAsync(CancellationToken cancellationToken)
    {
        (ulong Sequence, List<byte[]> Members, List<string> Dead)? snapshot = await _link.ReadSnapshotAsync(cancellationToken);
        ulong from = 1;
        if (snapshot is { } s)
        {
            Room.OrderedWriter writer = _room.BeginOrdered();
            try
            {
                foreach (string incarnation in s.Dead)
                {
                    _dead.TryAdd(incarnation, 0);
                }

                foreach (byte[] id in s.Members)
                {
                    if (writer.JoinRemote(id))
                    {
                        Seen(IncarnationOf(Encoding.ASCII.GetString(id)));
                    }
                }
            }
            finally
            {
                writer.Dispose();
            }

            from = s.Sequence + 1;
        }

        _caughtUp = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        _link.StartConsumer(from, ApplyBatch);
        _link.StartPublisher(_incarnation);
        Volatile.Write(ref _caughtUpAt, await _link.PublishNowAsync(ClusterEvents.Encode(ClusterEventKind.Beat, _incarnation), _incarnation + "-hello", cancellationToken));
        if (_link.Applied >= Volatile.Read(ref _caughtUpAt))
        {
            _caughtUp.TrySetResult(true);
        }

        await _caughtUp.Task.WaitAsync(TimeSpan.FromMinutes(2), _time, cancellationToken);
        ClusterLog.Joined(_logger, _node, _incarnation, _roomName, _room.MemberCount, _link.Applied + 1 - from, from);
    }

    /// <summary>The cluster's part of the periodic stats line.</summary>
    public void LogStats() => ClusterLog.Stats(_logger, _incarnation, LiveNodes, _counters.EventsPublished, _counters.BatchesPublished,
        _counters.BatchesApplied, _link.Applied, _link.Queued, _counters.Refused);

    /// <summary>True once <see cref="StartAsync"/> has joined the cluster.</summary>
    public bool IsStarted => _started;

    /// <summary>
    /// Leaves the cluster on shutdown: this incarnation's D goes into the stream after every event
    /// of it, so when it is applied every line received here was broadcast; each local member then
    /// gets BYE shutdown in its place, and every node lets this node's members leave at once.
    /// </summary>
    public async Task<Member[]> CloseAsync()
    {
        Member[] local = [.. _local.Values.Select(l => l.Member)];
        if (_timer is not null)
        {
            await _timer.DisposeAsync();
        }

        if (_started && !_room.IsClosed && Interlocked.Exchange(ref _closing, 1) == 0 &&
            _link.TryEnqueue(ClusterEvents.Encode(ClusterEventKind.Dead, _incarnation), isMessage: false))
        {
            try
            {
                await _left.Task.WaitAsync(LeaveTimeout, _time);
            }
            catch (TimeoutException)
            {
                ClusterLog.LeaveTimedOut(_logger, LeaveTimeout); // NATS away: the others time this node out
            }
        }

        Member[] rest = _room.Close();
        return rest.Length == 0 ? local : [.. local.Union(rest)];
    }

    public async ValueTask DisposeAsync()
    {
        if (_timer is not null)
        {
            await _timer.DisposeAsync();
        }

        await _link.DisposeAsync();
    }

    public ValueTask<JoinResult> JoinAsync(Member member)
    {
        if (_room.IsClosed)
        {
            return new(JoinResult.ShuttingDown);
        }

        member.AssignId(Interlocked.Increment(ref _nextNumber), Volatile.Read(ref _memberPrefix));
        string id = member.ToString();
        var pending = new PendingJoin(member);
        _pending[id] = pending;
        if (!_link.IsHealthy || !_link.TryEnqueue(ClusterEvents.Encode(ClusterEventKind.Join, member.IdBytes, _maxText), isMessage: false))
        {
            _pending.TryRemove(id, out _);
            return new(JoinResult.Unavailable);
        }

        _ = ExpireAsync(id, pending);
        return new(pending.Result.Task);
    }

    public bool Apply(Member sender, ReadOnlySpan<byte> lines, ReadOnlySpan<MemberAction> actions)
    {
        if (sender.OrderState is not LocalMember local)
        {
            return false;
        }

        // Replies are decided under the member's lock and sent after it is released (lock order).
        List<(MemberActionKind Kind, byte[]? Line)>? now = null;
        lock (local.Gate)
        {
            foreach (MemberAction action in actions)
            {
                if (local.Quitting)
                {
                    break;
                }

                ReadOnlySpan<byte> bytes = lines.Slice(action.Start, action.Length);
                switch (action.Kind)
                {
                    case MemberActionKind.Chat:
                        if (_link.TryEnqueue(ClusterEvents.Encode(ClusterEventKind.Message, sender.IdBytes, bytes), isMessage: true))
                        {
                            local.Published++;
                        }
                        else
                        {
                            _counters.LineRefused();
                            Reply(local, MemberActionKind.Chat, Unavailable, ref now); // not taken: say so, lose nothing unseen
                        }

                        break;
                    case MemberActionKind.Quit:
                        // BYE quit comes when this LEAVE is applied: after the echo of every line before it.
                        local.Quitting = true;
                        sender.Transport.OnEnded(CloseReason.Quit);
                        SendLeave(local);
                        break;
                    case MemberActionKind.Users:
                        Reply(local, action.Kind, null, ref now);
                        break;
                    default:
                        Reply(local, action.Kind, FormatReply(action.Kind, bytes), ref now);
                        break;
                }
            }
        }

        if (now is null)
        {
            return false;
        }

        foreach ((MemberActionKind kind, byte[]? line) in now)
        {
            if (kind == MemberActionKind.Users)
            {
                _room.SendUsers(sender);
            }
            else
            {
                _room.SendPrivate(sender, line!);
            }
        }

        return true;
    }

    public bool Leave(Member member)
    {
        if (member.OrderState is LocalMember local)
        {
            SendLeave(local); // the stream ends here when this LEAVE is applied, after what it is owed
        }

        return true;
    }

    public void Detach(Member member) => _room.Detach(member);

    public bool Kick(Member member, CloseReason reason) => _room.Kick(member, reason);

    public bool SendPrivate(Member member, ReadOnlySpan<byte> line) => _room.SendPrivate(member, line);

    /// <summary>The room ended a local member on its own (cut off, kicked, gone): its LEAVE goes into the stream.</summary>
    public void Departed(Member member)
    {
        if (member.OrderState is LocalMember local)
        {
            SendLeave(local);
        }
    }

    /// <summary>The consumer: one stream message, its events applied in order under one room lock.</summary>
    internal void ApplyBatch(ulong sequence, ReadOnlyMemory<byte> data)
    {
        try
        {
            List<Action>? after = null;
            Room.OrderedWriter writer = _room.BeginOrdered();
            try
            {
                ReadOnlySpan<byte> batch = data.Span;
                int events = 0;
                while (ClusterEvents.TryRead(ref batch, out ClusterEvent evt))
                {
                    ApplyEvent(ref writer, evt, ref after);
                    events++;
                }

                _counters.Applied(events);
                if (IsSnapshotDue())
                {
                    byte[] snapshot = ClusterEvents.EncodeSnapshot(sequence, writer.AllMemberIds(), _dead.Keys);
                    (after ??= []).Add(() => _ = _link.PublishSnapshotAsync(snapshot));
                }
            }
            finally
            {
                writer.Dispose();
            }

            if (after is not null)
            {
                foreach (Action action in after)
                {
                    action();
                }
            }
        }
        catch (Exception ex)
        {
            ClusterLog.ApplyFailed(_logger, ex);
        }

        if (sequence >= Volatile.Read(ref _caughtUpAt) && Volatile.Read(ref _caughtUpAt) != 0)
        {
            _caughtUp?.TrySetResult(true);
        }
    }

    private void ApplyEvent(ref Room.OrderedWriter writer, scoped ClusterEvent evt, ref List<Action>? after)
    {
        switch (evt.Kind)
        {
            case ClusterEventKind.Join:
            {
                string subject = Encoding.Latin1.GetString(evt.Subject); // decoded as TryGetLocal's lookups are
                string incarnation = IncarnationOf(subject);
                if (_dead.ContainsKey(incarnation))
                {
                    // Its node is gone (declared dead before this JOIN came): nobody admits it.
                    if (_pending.TryRemove(subject, out PendingJoin? late))
                    {
                        (after ??= []).Add(() => late.Result.TrySetResult(JoinResult.Unavailable));
                    }

                    return;
                }

                // The limit the JOIN carries decides, so nodes with different --max-clients still agree.
                int max = Utf8Parser.TryParse(evt.Text, out int carried, out int used) && used == evt.Text.Length ? carried : _room.MaxMembers;
                if (_pending.TryRemove(subject, out PendingJoin? pending))
                {
                    JoinResult result = writer.Join(pending.Member, max);
                    if (result == JoinResult.Joined)
                    {
                        var local = new LocalMember(pending.Member);
                        pending.Member.OrderState = local;
                        _local[subject] = local;
                    }

                    (after ??= []).Add(() => pending.Result.TrySetResult(result));
                }
                else if (writer.JoinRemote(evt.Subject.ToArray(), max) && incarnation == _incarnation)
                {
                    // Ours, but its connection gave up waiting: a member in the order with no one behind it.
                    _link.TryEnqueue(ClusterEvents.Encode(ClusterEventKind.Leave, evt.Subject), isMessage: false);
                }

                return;
            }

            case ClusterEventKind.Leave:
            {
                if (TryRemoveLocal(evt.Subject, out LocalMember? local) && local.Member.IsMember)
                {
                    if (local.Quitting)
                    {
                        writer.End(local.Member, CloseReason.Quit);
                    }
                    else
                    {
                        writer.Leave(local.Member);
                    }

                    (after ??= []).Add(local.Member.Output.Signal.Set);
                }
                else
                {
                    writer.LeaveRemote(evt.Subject);
                }

                return;
            }

            case ClusterEventKind.Message:
            {
                if (TryGetLocal(evt.Subject, out LocalMember? local))
                {
                    if (local.Member.IsMember)
                    {
                        writer.Message(evt.Subject, evt.Text);
                        FlushDeferred(ref writer, local);
                    }
                }
                else if (writer.IsRemoteMember(evt.Subject))
                {
                    writer.Message(evt.Subject, evt.Text);
                }

                return;
            }

            case ClusterEventKind.Beat:
                Seen(Encoding.ASCII.GetString(evt.Subject));
                return;

            case ClusterEventKind.Dead:
            {
                string subject = Encoding.ASCII.GetString(evt.Subject);
                if (!_dead.TryAdd(subject, 0))
                {
                    return;
                }

                _lastSeen.TryRemove(subject, out _);
                _counters.NodeDeclaredDead();
                if (subject == _incarnation)
                {
                    EndLocalMembers(ref writer, ref after);
                    if (Volatile.Read(ref _closing) == 1)
                    {
                        (after ??= []).Add(() => _left.TrySetResult()); // our own goodbye: shutting down
                    }
                    else
                    {
                        SelfDead();
                    }

                    return;
                }

                foreach (byte[] id in writer.RemoteIdsStartingWith(Encoding.ASCII.GetBytes(subject + ".")))
                {
                    writer.LeaveRemote(id);
                }

                return;
            }
        }
    }

    // This incarnation is gone everywhere: its members here end with BYE shutdown, in their place.
    private void EndLocalMembers(ref Room.OrderedWriter writer, ref List<Action>? after)
    {
        foreach (LocalMember local in _local.Values)
        {
            local.LeaveSent = 1; // gone with its incarnation: no LEAVE of its own
            if (local.Member.IsMember)
            {
                writer.End(local.Member, CloseReason.Shutdown);
                (after ??= []).Add(local.Member.Output.Signal.Set);
            }
        }

        _local.Clear();
    }

    // The cluster declared this run dead (cut off from NATS for longer than the node timeout): its
    // members were closed like everywhere else, and new ones come in a new run.
    private void SelfDead()
    {
        string old = _incarnation;
        (string next, byte[] prefix) = NewIncarnation(_node);
        _incarnation = next;
        Volatile.Write(ref _memberPrefix, prefix);
        ClusterLog.SelfDead(_logger, old, next);
        _link.TryEnqueue(ClusterEvents.Encode(ClusterEventKind.Beat, next), isMessage: false);
    }

    // One of the member's lines was applied: the replies waiting for it go out now, in their place.
    private static void FlushDeferred(ref Room.OrderedWriter writer, LocalMember local)
    {
        List<Deferred>? due = null;
        lock (local.Gate)
        {
            local.Applied++;
            while (local.Waiting.TryPeek(out Deferred next) && next.After <= local.Applied)
            {
                (due ??= []).Add(local.Waiting.Dequeue());
            }
        }

        if (due is null)
        {
            return;
        }

        foreach (Deferred reply in due)
        {
            if (reply.Kind == MemberActionKind.Users)
            {
                writer.Users(local.Member);
            }
            else
            {
                writer.Private(local.Member, reply.Line!);
            }
        }
    }

    // A reply goes now when every line the member sent before it was applied; else it waits for them.
    private static void Reply(LocalMember local, MemberActionKind kind, byte[]? line, ref List<(MemberActionKind, byte[]?)>? now)
    {
        if (local.Waiting.Count == 0 && local.Published == local.Applied)
        {
            (now ??= []).Add((kind, line));
        }
        else
        {
            local.Waiting.Enqueue(new Deferred(local.Published, kind, line));
        }
    }

    private byte[] FormatReply(MemberActionKind kind, ReadOnlySpan<byte> argument)
    {
        byte[] line = new byte[argument.Length + 48];
        int written = kind switch
        {
            MemberActionKind.Ping => ServerLineWriter.TryWritePong(line, argument, out int n) ? n : 0,
            MemberActionKind.UnknownCommand => ServerLineWriter.TryWriteUnknownCommand(line, argument, out int n) ? n : 0,
            _ => ServerLineWriter.TryWriteLineTooLong(line, _room.MaxLineLength, out int n) ? n : 0,
        };
        return line[..written];
    }

    // ERR unavailable: a chat line this node could not put into the stream (NATS unreachable for long).
    private static readonly byte[] Unavailable = "ERR unavailable\r\n"u8.ToArray();

    private void SendLeave(LocalMember local)
    {
        if (Interlocked.Exchange(ref local.LeaveSent, 1) == 0)
        {
            _link.TryEnqueue(ClusterEvents.Encode(ClusterEventKind.Leave, local.Member.IdBytes), isMessage: false);
        }
    }

    private async Task ExpireAsync(string id, PendingJoin pending)
    {
        await Task.Delay(JoinTimeout, _time);
        if (_pending.TryRemove(id, out _))
        {
            pending.Result.TrySetResult(JoinResult.Unavailable); // its JOIN may still come: then it leaves again
        }
    }

    // Looked up as chars on the stack: no string per event.
    private bool TryGetLocal(ReadOnlySpan<byte> id, [NotNullWhen(true)] out LocalMember? local)
    {
        Span<char> chars = stackalloc char[ProtocolTokens.MaxIdLength];
        local = null;
        return ProtocolTokens.TryGetIdChars(id, chars, out ReadOnlySpan<char> key) && _localById.TryGetValue(key, out local);
    }

    private bool TryRemoveLocal(ReadOnlySpan<byte> id, [NotNullWhen(true)] out LocalMember? local)
    {
        Span<char> chars = stackalloc char[ProtocolTokens.MaxIdLength];
        local = null;
        return ProtocolTokens.TryGetIdChars(id, chars, out ReadOnlySpan<char> key) && _localById.TryRemove(key, out _, out local);
    }

    private void Seen(string incarnation)
    {
        if (!_dead.ContainsKey(incarnation))
        {
            _lastSeen[incarnation] = _time.GetTimestamp();
        }
    }

    // Every tick: this node's heartbeat once a second, and a D for any node silent for the node timeout.
    private void OnTick()
    {
        long now = _time.GetTimestamp();
        if (now - _lastBeat >= _time.TimestampFrequency)
        {
            _lastBeat = now;
            _link.TryEnqueue(ClusterEvents.Encode(ClusterEventKind.Beat, _incarnation), isMessage: false);
        }

        // Judge others only while this node's own heartbeats come back through the stream promptly:
        // when they do not (NATS away, the consumer behind), nobody's were applied, so nobody is judged
        // until a node timeout after the stream is current again.
        bool current = _lastSeen.TryGetValue(_incarnation, out long mine) && now - mine < 3 * _time.TimestampFrequency;
        if (!_link.IsHealthy || !current)
        {
            _graceUntil = now + _nodeTimeout;
            return;
        }

        if (now < _graceUntil)
        {
            return;
        }

        foreach ((string incarnation, long seen) in _lastSeen)
        {
            if (incarnation != _incarnation && now - seen > _nodeTimeout && !_dead.ContainsKey(incarnation))
            {
                ProposeDead(incarnation);
            }
        }
    }

    private void ProposeDead(string incarnation)
    {
        if (_proposedDead.TryAdd(incarnation, 0))
        {
            ClusterLog.NodeDead(_logger, incarnation, TimeSpan.FromSeconds(_nodeTimeout / (double)_time.TimestampFrequency));
            _link.TryEnqueue(ClusterEvents.Encode(ClusterEventKind.Dead, incarnation), isMessage: false);
        }
    }

    // The live incarnation with the smallest name writes the snapshots, one per interval.
    private bool IsSnapshotDue()
    {
        long now = _time.GetTimestamp();
        if (now - _lastSnapshot < (long)(SnapshotInterval.TotalSeconds * _time.TimestampFrequency))
        {
            return false;
        }

        foreach ((string incarnation, long seen) in _lastSeen)
        {
            if (now - seen <= _nodeTimeout && string.CompareOrdinal(incarnation, _incarnation) < 0)
            {
                return false;
            }
        }

        _lastSnapshot = now;
        return true;
    }

    /// <summary>The incarnation a member id belongs to: all of it before its last dot.</summary>
    internal static string IncarnationOf(string memberId)
    {
        int dot = memberId.LastIndexOf('.');
        return dot < 0 ? memberId : memberId[..dot];
    }

    // <node>.<random base-36>: a new one every run, so ids of a restarted node never repeat.
    private static (string Incarnation, byte[] Prefix) NewIncarnation(string node)
    {
        string incarnation = node + "." + ToBase36((uint)Random.Shared.Next() ^ (uint)Environment.TickCount64);
        return (incarnation, Encoding.ASCII.GetBytes(incarnation + "."));
    }

    private static string ToBase36(uint value)
    {
        const string digits = "0123456789abcdefghijklmnopqrstuvwxyz";
        var chars = new char[7];
        int at = chars.Length;
        do
        {
            chars[--at] = digits[(int)(value % 36)];
            value /= 36;
        }
        while (value != 0);
        return new string(chars, at, chars.Length - at);
    }

    private sealed class PendingJoin(Member member)
    {
        public Member Member { get; } = member;

        public TaskCompletionSource<JoinResult> Result { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private sealed class LocalMember(Member member)
    {
        public Member Member { get; } = member;

        public Lock Gate { get; } = new();

        public long Published;   // chat lines put into the stream (Gate)

        public long Applied;     // of them, applied back here (Gate)

        public Queue<Deferred> Waiting { get; } = new(); // replies waiting for earlier lines (Gate)

        public bool Quitting;    // Gate

        public int LeaveSent;    // Interlocked
    }

    private readonly record struct Deferred(long After, MemberActionKind Kind, byte[]? Line);
}
