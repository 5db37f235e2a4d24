using System.Net;
using System.Net.Sockets;
using FastChat.Protocol;

namespace FastChat.Server.Internal;

/// <summary>
/// One admitted member's connection: a receive loop (Connection.Receive.cs) and a send loop
/// (Connection.Send.cs), each with its own pooled SAEA (the sender's only while it sends), the
/// deadlines the watchdog checks (Connection.Liveness.cs), and the lifetime that ties them together
/// (this file): exactly one close reason, and cleanup once both loops have ended.
/// </summary>
internal sealed partial class Connection : IMemberTransport, ILingering
{
    private readonly Socket _socket;
    private readonly ServerContext _context;
    private readonly Member _member;
    private readonly EndPoint? _remote;
    private readonly UInt128 _addressKey;
    private ReceiveArgs? _receiveArgs;
    private LineFramer _framer;
    private int _closeReason;
    private int _loopsRunning = 2;
    private volatile bool _discardInput;
    private volatile bool _receiveEnded;
    private int _socketClosed;
    private long _bytesApplied;

    private Connection(Socket socket, ServerContext context, EndPoint? remote, UInt128 addressKey)
    {
        _socket = socket;
        _context = context;
        _remote = remote;
        _addressKey = addressKey;
        _framer = new LineFramer(context.Options.MaxLineLength);
        _lineRate = new LineRate(context.Limits.MaxLinesPerSecond, context.Limits.Burst, context.Limits.TicksPerSecond);
        _member = new Member(new MemberOutput(context.Pools.Segments, context.Pools.PrivateBlocks, context.Totals), this);
    }

    public Member Member => _member;

    public CloseReason CloseReason => (CloseReason)Volatile.Read(ref _closeReason);

    /// <summary>Bytes received from this client and applied (framed, and each line acted on or held).</summary>
    public long BytesApplied => Volatile.Read(ref _bytesApplied);

    /// <summary>
    /// Admits an accepted socket (counted by <see cref="AcceptGate.Opened"/>): WELCOME/USERS and the
    /// member's loops, or FULL and a graceful close.
    /// </summary>
    public static void Accept(Socket socket, ServerContext context)
    {
        context.Counters.Accepted();
        EndPoint? remote;
        try
        {
            socket.NoDelay = true; // we coalesce ourselves: one send per member per batch
            remote = socket.RemoteEndPoint;
        }
        catch (SocketException)
        {
            context.Gate.Close(socket); // reset while it waited in the accept queue: nothing to say
            return;
        }

        ChatHub hub = context.Hub;
        if (hub.IsClosed)
        {
            context.Counters.Rejected(RejectReason.Shutdown);
            context.Gate.Close(socket);
            return;
        }

        // Cheap pre-check so a storm of rejected connections allocates no member state.
        if (hub.MemberCount >= hub.MaxMembers)
        {
            Log.Rejected(context.Logger, remote, "full");
            RejectedConnection.Reject(socket, context, RejectReason.Full);
            return;
        }

        UInt128 key = remote is IPEndPoint ip ? AddressLimiter.KeyOf(ip.Address) : 0;
        if (!context.Addresses.TryAcquire(key, out bool firstRefusal))
        {
            if (firstRefusal)
            {
                Log.RejectedPerAddress(context.Logger, remote, context.Addresses.Max);
            }

            RejectedConnection.Reject(socket, context, RejectReason.PerAddress);
            return;
        }

        var connection = new Connection(socket, context, remote, key);
        context.Track(connection);
        switch (hub.TryJoin(connection._member))
        {
            case JoinResult.Joined:
                context.Counters.Joined();
                Log.Joined(context.Logger, connection._member.Id, remote, hub.MemberCount);
                connection.Start();
                break;
            case JoinResult.Full:
                context.Untrack(connection);
                context.Addresses.Release(key);
                Log.Rejected(context.Logger, remote, "full");
                RejectedConnection.Reject(socket, context, RejectReason.Full);
                break;
            default:
                context.Untrack(connection);
                context.Addresses.Release(key);
                context.Counters.Rejected(RejectReason.Shutdown);
                context.Gate.Close(socket);
                break;
        }
    }

    private void Start()
    {
        StartLiveness();
        _receiveArgs = _context.Pools.ReceiveArgs.Get();
        _ = ReceiveLoopAsync();
        _ = SendLoopAsync();
    }

    /// <summary>Records why the connection ends; only the first reason counts.</summary>
    private void SetCloseReason(CloseReason reason) =>
        Interlocked.CompareExchange(ref _closeReason, (int)reason, (int)CloseReason.None);

    /// <summary>
    /// A socket operation failed (reset, aborted because we closed the socket, ...): the peer or
    /// the connection is gone. Only the first close reason counts, so a socket we closed on purpose
    /// keeps the reason we closed it for.
    /// </summary>
    private void SocketFailed() => SetCloseReason(CloseReason.ConnectionReset);

    /// <summary>
    /// Classifies an exception that ended a loop: a socket disposed under a starting operation is
    /// the connection going away (an expected close reason); anything else is a bug and is logged.
    /// </summary>
    private void RecordFailure(Exception exception)
    {
        if (exception is SocketException or ObjectDisposedException)
        {
            SetCloseReason(CloseReason.ConnectionReset);
            return;
        }

        SetCloseReason(CloseReason.InternalError);
        Log.ConnectionFailed(_context.Logger, _member.Id, exception);
    }

    /// <summary>Hub: the member was cut off for not reading.</summary>
    public void OnSlowConsumer(CloseReason reason)
    {
        SetCloseReason(reason);
        Log.SlowConsumer(_context.Logger, _member.Id, _context.Options.MaxPendingBytes);
        _discardInput = true;

        // BYE slow-consumer is queued but can only go out if the send in flight completes; give it
        // the grace period, then close regardless, so the backlog's memory is released.
        _context.Linger.Add(this);
    }

    /// <summary>Hub (under its lock): the server ends this membership; BYE &lt;reason&gt; follows.</summary>
    public void OnKicked(CloseReason reason)
    {
        SetCloseReason(reason);
        _discardInput = true;
        Log.Enforced(_context.Logger, _member.Id, _remote, CloseReasons.Name(reason));
    }

    /// <summary>Ends the membership with <c>BYE &lt;reason&gt;</c> after what the member is owed.</summary>
    private void Kick(CloseReason reason) => _context.Hub.Kick(_member, reason);

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
            _context.Gate.Close(_socket);
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
        _context.Hub.Leave(_member);
        _member.Output.Signal.Close();
        CloseSocket();
        _context.Addresses.Release(_addressKey);
        _member.Output.Release();

        if (_receiveArgs is not null)
        {
            _context.Pools.ReceiveArgs.Return(_receiveArgs);
            _receiveArgs = null;
        }

        CloseReason reason = CloseReason;
        _context.Counters.Left();
        _context.Counters.Closed(reason);
        Log.Left(_context.Logger, _member.Id, reason, _context.Hub.MemberCount);
        _context.Untrack(this);
    }
}
