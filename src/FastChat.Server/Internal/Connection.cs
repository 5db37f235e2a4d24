using System.Net;
using System.Net.Sockets;
using FastChat.Protocol;
using Microsoft.Extensions.Logging;

namespace FastChat.Server.Internal;

/// <summary>
/// One admitted member's connection: a receive loop (Connection.Receive.cs), a send loop
/// (Connection.Send.cs, through its <see cref="MemberSender"/>), the deadlines the watchdog checks
/// (Connection.Liveness.cs), and the lifetime that ties them together (this file): exactly one close
/// reason, and cleanup once both loops have ended.
/// </summary>
internal sealed partial class Connection : IMemberTransport, ILingering
{
    private readonly Socket _socket;
    private readonly EndPoint? _remote;
    private readonly ConnectionLease _lease;
    private readonly IRoom _room;
    private readonly ServerPools _pools;
    private readonly ConnectionLimits _limits;
    private readonly ServerCounters _counters;
    private readonly Lingerer _linger;
    private readonly TimeProvider _time;
    private readonly ConnectionRegistry _registry;
    private readonly ILogger _logger;
    private readonly Member _member;
    private readonly MemberSender _sender;
    private ReceiveArgs? _receiveArgs;
    private LineFramer _framer;
    private int _closeReason;
    private int _loopsRunning = 2;
    private volatile bool _discardInput;
    private volatile bool _receiveEnded;
    private int _socketClosed;
    private long _bytesApplied;

    public Connection(Socket socket, EndPoint? remote, ConnectionLease lease, IRoom room, ServerPools pools, OutputTotals totals,
        ConnectionLimits limits, ServerCounters counters, Lingerer linger, TimeProvider time, ConnectionRegistry registry, ILogger logger)
    {
        _socket = socket;
        _remote = remote;
        _lease = lease;
        _room = room;
        _pools = pools;
        _limits = limits;
        _counters = counters;
        _linger = linger;
        _time = time;
        _registry = registry;
        _logger = logger;
        _framer = new LineFramer(limits.MaxLineLength);
        _lineRate = new LineRate(limits.MaxLinesPerSecond, limits.Burst, limits.TicksPerSecond);
        var output = new MemberOutput(pools.Segments, pools.PrivateBlocks, totals);
        _member = new Member(output, this);
        _sender = new MemberSender(socket, output, pools.SendArgs, counters, logger);
    }

    public Member Member => _member;

    public CloseReason CloseReason => (CloseReason)Volatile.Read(ref _closeReason);

    /// <summary>Bytes received from this client and applied (framed, and each line acted on or held).</summary>
    public long BytesApplied => Volatile.Read(ref _bytesApplied);

    /// <summary>Starts the loops of a member the room has admitted.</summary>
    public void Start()
    {
        StartLiveness();
        _receiveArgs = _pools.ReceiveArgs.Get();
        _ = ReceiveLoopAsync();
        _ = SendLoopAsync();
    }

    /// <summary>Records why the connection ends; only the first reason counts.</summary>
    private void SetCloseReason(CloseReason reason) =>
        Interlocked.CompareExchange(ref _closeReason, (int)reason, (int)CloseReason.None);

    /// <summary>
    /// A socket operation failed (reset, aborted because we closed the socket, ...): the peer or the
    /// connection is gone. Only the first close reason counts, so a socket we closed on purpose keeps
    /// the reason we closed it for.
    /// </summary>
    private void SocketFailed() => SetCloseReason(CloseReason.ConnectionReset);

    /// <summary>
    /// Classifies an exception that ended a loop: a socket disposed under a starting operation is the
    /// connection going away (an expected close reason); anything else is a bug and is logged.
    /// </summary>
    private void RecordFailure(Exception exception)
    {
        if (exception is SocketException or ObjectDisposedException)
        {
            SetCloseReason(CloseReason.ConnectionReset);
            return;
        }

        SetCloseReason(CloseReason.InternalError);
        Log.ConnectionFailed(_logger, _member, exception);
    }

    /// <summary>Room: the member was cut off for not reading.</summary>
    public void OnSlowConsumer(CloseReason reason)
    {
        SetCloseReason(reason);
        Log.SlowConsumer(_logger, _member, _limits.MaxPendingBytes);
        _discardInput = true;

        // BYE slow-consumer is queued but can only go out if the send in flight completes; give it
        // the grace period, then close regardless, so the backlog's memory is released.
        _linger.Add(this);
    }

    /// <summary>Room (under its lock): the membership ends with BYE &lt;reason&gt; (/quit, or a limit).</summary>
    public void OnEnded(CloseReason reason)
    {
        SetCloseReason(reason);
        _discardInput = true; // nothing the client sends after its end is read
        if (reason != CloseReason.Quit)
        {
            Log.Enforced(_logger, _member, _remote, CloseReasons.Name(reason));
        }
    }

    /// <summary>Ends the membership with <c>BYE &lt;reason&gt;</c> after what the member is owed.</summary>
    private void Kick(CloseReason reason) => _room.Kick(_member, reason);

    /// <summary>Server shutdown: the member's stream now ends with BYE shutdown.</summary>
    public void OnShutdown() => SetCloseReason(CloseReason.Shutdown);

    /// <summary>Grace period over (or drain timeout): close now.</summary>
    public void OnLingerExpired() => Abort(CloseReason.DrainTimeout);

    /// <summary>Ends the connection at once: both loops see their operations fail and stop.</summary>
    public void Abort(CloseReason reason)
    {
        SetCloseReason(reason);
        _member.Output.Signal.Close();
        CloseSocket();
    }

    // The first close gives the descriptor back.
    private void CloseSocket()
    {
        if (Interlocked.Exchange(ref _socketClosed, 1) == 0)
        {
            _lease.CloseSocket(_socket);
        }
    }

    /// <summary>Called by each loop as it ends; the last one releases everything.</summary>
    private void LoopEnded()
    {
        if (Interlocked.Decrement(ref _loopsRunning) != 0)
        {
            return;
        }

        // The member's stream must have an end before its segment references can be released; and
        // its address's slot goes back only after its LEAVE, so no address is ever seen with more
        // members than its limit.
        _room.Detach(_member);
        _member.Output.Signal.Close();
        CloseSocket();
        _lease.ReleaseAddress();
        _member.Output.Release();

        if (_receiveArgs is not null)
        {
            _pools.ReceiveArgs.Return(_receiveArgs);
            _receiveArgs = null;
        }

        CloseReason reason = CloseReason;
        _counters.Left();
        _counters.Closed(reason);
        Log.Left(_logger, _member, reason, _room.MemberCount);
        _registry.Untrack(this);
    }
}
