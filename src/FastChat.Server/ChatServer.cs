using System.Diagnostics.Metrics;
using System.Net;
using FastChat.Server.Internal;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace FastChat.Server;

/// <summary>
/// A FastChat server (protocol v1, docs/PROTOCOL.md): accepts members, broadcasts their lines in one
/// global order, cuts off slow consumers, and shuts down gracefully.
/// </summary>
public sealed class ChatServer : IAsyncDisposable
{
    private readonly ChatServerOptions _options;
    private readonly ILogger _logger;
    private readonly ServerContext _context;
    private readonly TimeProvider _time;
    private SocketListener? _listener;
    private Task? _acceptLoop;
    private ITimer? _statsTimer;
    private Watchdog? _watchdog;
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

        _context = ServerContext.Create(options, _logger, meterFactory, _time, budget);
    }

    /// <summary>The address the server listens on (with the real port), once started.</summary>
    public IPEndPoint? LocalEndPoint => _listener?.LocalEndPoint;

    /// <summary>Members connected now.</summary>
    public int MemberCount => _context.Hub.MemberCount;

    internal ServerContext Context => _context;

    /// <summary>Binds, listens and starts accepting. Returns the bound address.</summary>
    public IPEndPoint Start()
    {
        if (_listener is not null)
        {
            throw new InvalidOperationException("The server is already started.");
        }

        var endPoint = new IPEndPoint(IPAddress.Parse(_options.Bind), _options.Port);
        _listener = new SocketListener(endPoint, _options.Backlog, _logger);
        _watchdog = new Watchdog(_context, ex => Log.WatchdogFailed(_logger, ex));
        _acceptLoop = Task.Run(() => _listener.RunAsync(socket => Connection.Accept(socket, _context), _context.Gate, _context.Counters, _time));
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
            _context.Hub.Close();
            _context.Linger.Dispose();
            _context.Hub.DisposeLog();
            _context.Counters.Dispose();
            return;
        }

        _listener.Dispose();
        if (_acceptLoop is not null)
        {
            await _acceptLoop.ConfigureAwait(false);
        }

        Member[] members = _context.Hub.Close();
        Log.ShuttingDown(_logger, members.Length, _options.DrainTimeout);

        Task allClosed = _context.WhenAllClosed();
        int aborted = 0;
        try
        {
            await allClosed.WaitAsync(_options.DrainTimeout, _time, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is TimeoutException or OperationCanceledException)
        {
            foreach (Connection connection in _context.Connections)
            {
                aborted++;
                connection.Abort(CloseReason.DrainTimeout);
            }
        }

        // Lingering closes end now; aborted connections finish their cleanup promptly.
        _context.Linger.Dispose();
        try
        {
            await allClosed.WaitAsync(TimeSpan.FromSeconds(5), CancellationToken.None).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // A bug if it happens; the counting pools will show what leaked.
        }

        _context.Hub.DisposeLog();
        _watchdog?.Dispose();
        if (_statsTimer is not null)
        {
            await _statsTimer.DisposeAsync().ConfigureAwait(false);
        }

        LogStats();
        Log.ShutdownComplete(_logger, aborted);
        _context.Counters.Dispose();
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync() => await StopAsync().ConfigureAwait(false);

    private void LogStats()
    {
        ServerCounters c = _context.Counters;
        Log.Stats(_logger, _context.Hub.MemberCount, c.MessagesIn, c.MessagesOut, c.BytesIn, c.BytesOut, c.SlowConsumers, c.RejectedFull);
    }
}
