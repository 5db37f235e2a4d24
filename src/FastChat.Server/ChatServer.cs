using System.Diagnostics.Metrics;
using System.Net;
using FastChat.Server.Internal;
using FastChat.Server.Internal.Cluster;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace FastChat.Server;

/// <summary>
/// A FastChat server (docs/PROTOCOL.md): accepts members, broadcasts their lines in one global
/// order, enforces the limits, and shuts down gracefully. This type puts the parts together
/// (docs/ARCHITECTURE.md); each part has one role.
/// </summary>
public sealed class ChatServer : IAsyncDisposable
{
    private readonly ChatServerOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly ServerCounters _counters;
    private readonly ServerPools _pools;
    private readonly OutputTotals _totals = new();
    private readonly Room _room;
    private readonly ConnectionRegistry _connections = new();
    private readonly Lingerer _linger;
    private readonly AcceptGate _gate;
    private readonly AddressLimiter _addresses;
    private readonly Admission _admission;
    private readonly ClusterRoom? _cluster;
    private SocketListener? _listener;
    private Task? _acceptLoop;
    private ITimer? _statsTimer;
    private Watchdog? _watchdog;
    private long _nextId;
    private int _stopped;

    /// <summary>Creates a server; nothing listens until <see cref="Start"/>.</summary>
    /// <param name="options">The settings.</param>
    /// <param name="loggerFactory">Where the server logs (nowhere by default).</param>
    /// <param name="meterFactory">Where the <c>FastChat.Server</c> meter is created (a plain <see cref="Meter"/> by default).</param>
    /// <param name="timeProvider">The clock every deadline and limit is measured on (the system's by default; tests pass a fake one).</param>
    /// <exception cref="ArgumentException">The options are invalid (the message lists every problem).</exception>
    public ChatServer(ChatServerOptions options, ILoggerFactory? loggerFactory = null, IMeterFactory? meterFactory = null,
        TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        IReadOnlyList<string> errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join(Environment.NewLine, errors), nameof(options));
        }

        _options = options;
        _time = timeProvider ?? TimeProvider.System;
        _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger("FastChat.Server");
        int budget = FileDescriptors.SocketBudget(options.MaxClients, out long? limit, out _);
        if (limit is long l && budget < options.MaxClients)
        {
            Log.FewDescriptors(_logger, l, budget, options.MaxClients);
        }

        _counters = new ServerCounters(meterFactory);
        _pools = ServerPools.For(options);
        _room = new Room(new BroadcastLog(_pools.Segments),
            new RoomLimits(options.MaxClients, options.MaxLineLength, options.MaxPendingBytes, options.MaxTotalPendingBytes),
            options.FanOutThreads, _totals, _counters, () => Interlocked.Increment(ref _nextId), ex => Log.WalkFailed(_logger, ex));
        _linger = new Lingerer(_time);
        _gate = new AcceptGate(budget);
        _addresses = new AddressLimiter(options.MaxClientsPerAddress);
        if (options.Cluster is not null)
        {
            ILogger clusterLogger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger("FastChat.Server.Cluster");
            var clusterCounters = new ClusterCounters(_counters.Meter);
            _cluster = new ClusterRoom(_room, new ClusterLink(options, clusterCounters, clusterLogger, _time), clusterCounters,
                options, _time, clusterLogger);
        }

        _admission = new Admission((IRoom?)_cluster ?? _room, _gate, _addresses, _connections, _pools, _totals,
            new ConnectionLimits(options, _time.TimestampFrequency), _counters, _linger, _time, _logger);
    }

    /// <summary>The address the server listens on (with the real port), once started.</summary>
    public IPEndPoint? LocalEndPoint => _listener?.LocalEndPoint;

    /// <summary>Members connected now.</summary>
    public int MemberCount => _room.MemberCount;

    internal ServerCounters Counters => _counters;

    internal ServerPools Pools => _pools;

    internal OutputTotals Totals => _totals;

    internal ConnectionRegistry Connections => _connections;

    internal AcceptGate Gate => _gate;

    internal AddressLimiter Addresses => _addresses;

    /// <summary>This node's current incarnation in a cluster (its members' ids start with it); null for a single node.</summary>
    public string? ClusterIncarnation => _cluster?.Incarnation;

    /// <summary>Binds, listens and starts accepting. Returns the bound address. A cluster node starts with <see cref="StartAsync"/>.</summary>
    public IPEndPoint Start()
    {
        if (_cluster is not null && !_cluster.IsStarted)
        {
            throw new InvalidOperationException("A cluster node joins its cluster first: call StartAsync.");
        }

        return Listen();
    }

    /// <summary>
    /// Starts the server; a cluster node first joins its cluster (connects to NATS, loads the room from
    /// the stream and catches up), so its first member sees the whole room. Returns the bound address.
    /// </summary>
    /// <exception cref="ClusterUnavailableException">NATS cannot be reached or refused the stream.</exception>
    public async Task<IPEndPoint> StartAsync(CancellationToken cancellationToken = default)
    {
        if (_cluster is not null)
        {
            await _cluster.StartAsync(cancellationToken).ConfigureAwait(false);
        }

        return Listen();
    }

    private IPEndPoint Listen()
    {
        if (_listener is not null)
        {
            throw new InvalidOperationException("The server is already started.");
        }

        var endPoint = new IPEndPoint(IPAddress.Parse(_options.Bind), _options.Port);
        _listener = new SocketListener(endPoint, _options.Backlog, _logger);
        _watchdog = new Watchdog(_connections, _time, ex => Log.WatchdogFailed(_logger, ex));
        _acceptLoop = Task.Run(() => _listener.RunAsync(_admission.Admit, _gate, _counters, _time));
        if (_options.StatsInterval > TimeSpan.Zero)
        {
            _statsTimer = _time.CreateTimer(static s => ((ChatServer)s!).LogStats(), this, _options.StatsInterval, _options.StatsInterval);
        }

        Log.Listening(_logger, _listener.LocalEndPoint, _options.MaxClients, _options.MaxLineLength, _options.MaxPendingBytes);
        return _listener.LocalEndPoint;
    }

    /// <summary>
    /// Graceful shutdown: stop accepting, broadcast every line already received, send every member
    /// <c>BYE shutdown</c> as its last line, and close. Connections still open after the drain
    /// timeout (or when <paramref name="cancellationToken"/> fires) are aborted.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0)
        {
            return;
        }

        if (_listener is null)
        {
            // Never started (or the bind failed): nothing to drain, nothing to say.
            if (_cluster is not null)
            {
                await _cluster.CloseAsync().ConfigureAwait(false);
                await _cluster.DisposeAsync().ConfigureAwait(false);
            }

            _room.Close();
            _linger.Dispose();
            _room.Dispose();
            _counters.Dispose();
            return;
        }

        _listener.Dispose();
        if (_acceptLoop is not null)
        {
            await _acceptLoop.ConfigureAwait(false);
        }

        // A cluster node says it is leaving first, so every node lets its members go at once.
        Member[] members = _cluster is null ? _room.Close() : await _cluster.CloseAsync().ConfigureAwait(false);
        Log.ShuttingDown(_logger, members.Length, _options.DrainTimeout);

        Task allClosed = _connections.WhenAllClosed();
        int aborted = 0;
        try
        {
            await allClosed.WaitAsync(_options.DrainTimeout, _time, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is TimeoutException or OperationCanceledException)
        {
            foreach (Connection connection in _connections.Connections)
            {
                aborted++;
                connection.Abort(CloseReason.DrainTimeout);
            }
        }

        // Lingering closes end now; aborted connections finish their cleanup promptly.
        _linger.Dispose();
        try
        {
            await allClosed.WaitAsync(TimeSpan.FromSeconds(5), CancellationToken.None).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // A bug if it happens; the counting pools will show what leaked.
        }

        if (_cluster is not null)
        {
            await _cluster.DisposeAsync().ConfigureAwait(false);
        }

        _room.Dispose();
        _watchdog?.Dispose();
        if (_statsTimer is not null)
        {
            await _statsTimer.DisposeAsync().ConfigureAwait(false);
        }

        LogStats();
        Log.ShutdownComplete(_logger, aborted);
        _counters.Dispose();
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync() => await StopAsync().ConfigureAwait(false);

    private void LogStats()
    {
        ServerCounters c = _counters;
        Log.Stats(_logger, _room.MemberCount, c.MessagesIn, c.MessagesOut, c.BytesIn, c.BytesOut, c.SlowConsumers, c.RejectedFull);
        _cluster?.LogStats();
    }
}
