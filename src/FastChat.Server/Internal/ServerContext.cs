using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace FastChat.Server.Internal;

/// <summary>What every connection of one server shares: the hub, the pools, the limits, counters, logging.</summary>
internal sealed class ServerContext
{
    private readonly ConcurrentDictionary<Connection, byte> _connections = new();
    private long _nextId;
    private long _nextPing;
    private TaskCompletionSource? _allClosed;

    /// <summary>Refused connections now in their grace period (<see cref="RejectedConnection.MaxLingering"/>).</summary>
    public int RejectsLingering;

    /// <summary>Builds the context of one server: pools sized for the options, counters, the hub.</summary>
    public static ServerContext Create(ChatServerOptions options, ILogger logger, System.Diagnostics.Metrics.IMeterFactory? meterFactory = null,
        TimeProvider? time = null, int socketBudget = int.MaxValue)
    {
        // A log segment holds at least one longest line (lines never straddle segments).
        int segmentSize = Math.Max(options.LogSegmentSize,
            PinnedBlocks.RoundUpToPage(FastChat.Protocol.ServerLineWriter.MaxLineBytes(options.MaxLineLength)));
        var pools = new ServerPools(options.MaxLineLength, options.MaxClients, segmentSize, options.MaxPendingBytes);
        return new ServerContext(options, pools, new ServerCounters(meterFactory), logger, time ?? TimeProvider.System, socketBudget);
    }

    public ServerContext(ChatServerOptions options, ServerPools pools, ServerCounters counters, ILogger logger,
        TimeProvider time, int socketBudget = int.MaxValue)
    {
        Options = options;
        Pools = pools;
        Counters = counters;
        Logger = logger;
        Time = time;
        Limits = new ConnectionLimits(options, time.TimestampFrequency);
        Totals = new OutputTotals();
        Hub = new ChatHub(new BroadcastLog(pools.Segments), options.MaxClients, options.MaxLineLength,
            options.MaxPendingBytes, options.MaxTotalPendingBytes, Totals, counters, NextId, logger);
        Linger = new Lingerer(time);
        Gate = new AcceptGate(socketBudget);
        Addresses = new AddressLimiter(options.MaxClientsPerAddress);
    }

    public ChatServerOptions Options { get; }

    public ServerPools Pools { get; }

    public ServerCounters Counters { get; }

    public ILogger Logger { get; }

    /// <summary>The clock every deadline is measured on (a fake one in tests).</summary>
    public TimeProvider Time { get; }

    /// <summary>The per-connection limits in clock ticks.</summary>
    public ConnectionLimits Limits { get; }

    public OutputTotals Totals { get; }

    public ChatHub Hub { get; }

    public Lingerer Linger { get; }

    /// <summary>The sockets the server holds against its file-descriptor budget.</summary>
    public AcceptGate Gate { get; }

    public AddressLimiter Addresses { get; }

    /// <summary>Connections whose loops have not both ended yet (members and leaving ones).</summary>
    public int LiveConnections => _connections.Count;

    /// <summary>Ids are decimal integers from 1, never reused while the server runs.</summary>
    public long NextId() => Interlocked.Increment(ref _nextId);

    /// <summary>PING tokens: a counter, so an answer can be matched to its PING in a capture.</summary>
    public long NextPingToken() => Interlocked.Increment(ref _nextPing);

    public void Track(Connection connection) => _connections.TryAdd(connection, 0);

    public void Untrack(Connection connection)
    {
        _connections.TryRemove(connection, out _);
        if (_connections.IsEmpty)
        {
            Volatile.Read(ref _allClosed)?.TrySetResult();
        }
    }

    /// <summary>Completes when no connection is live (call after the hub is closed).</summary>
    public Task WhenAllClosed()
    {
        var tcs = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Volatile.Write(ref _allClosed, tcs);
        if (_connections.IsEmpty)
        {
            tcs.TrySetResult();
        }

        return tcs.Task;
    }

    /// <summary>The live connections (a moment's view; the watchdog walks it).</summary>
    public IEnumerable<Connection> Connections => _connections.Keys;
}

/// <summary>
/// A connection's limits converted once into clock ticks, so a deadline check is a subtraction and
/// a compare; 0 means "off".
/// </summary>
internal sealed class ConnectionLimits
{
    public ConnectionLimits(ChatServerOptions options, long ticksPerSecond)
    {
        TicksPerSecond = ticksPerSecond;
        RegistrationTimeout = Ticks(options.RegistrationTimeout);
        IdleTimeout = Ticks(options.IdleTimeout);
        PongTimeout = Ticks(options.PongTimeout);
        LineTimeout = Ticks(options.LineTimeout);
        FloodTimeout = Ticks(options.FloodTimeout);

        // A leaving member gets the drain timeout to take what it is owed, plus the close grace period.
        LeaveTimeout = Ticks(options.DrainTimeout + Lingerer.GracePeriod);
        MaxLinesPerSecond = options.MaxLinesPerSecond;
        Burst = options.Burst;
        ThrottledBatch = Ticks(ThrottledBatchPeriod);

        long Ticks(TimeSpan span) => (long)(span.TotalSeconds * ticksPerSecond);
    }

    public long TicksPerSecond { get; }

    public long RegistrationTimeout { get; }

    public long IdleTimeout { get; }

    public long PongTimeout { get; }

    public long LineTimeout { get; }

    public long FloodTimeout { get; }

    public long LeaveTimeout { get; }

    public double MaxLinesPerSecond { get; }

    /// <summary>
    /// How long a member over its rate waits at least before its next lines are read: 0.2 s, so a
    /// flooder held at 25 lines/s costs 5 walks over the members a second, not 25 (measured in
    /// docs/PERFORMANCE.md "Attack").
    /// </summary>
    public static readonly TimeSpan ThrottledBatchPeriod = TimeSpan.FromMilliseconds(200);

    public long ThrottledBatch { get; }

    public int Burst { get; }

    public TimeSpan ToTimeSpan(long ticks) => TimeSpan.FromSeconds(ticks / (double)TicksPerSecond);
}

/// <summary>The pools of one server, each capped (brief, style rule 4).</summary>
internal sealed class ServerPools
{
    /// <summary>Most log segment bytes made at start (1024 of the default 64 KiB segments).</summary>
    public const int MaxPrefilledBytes = 64 * 1024 * 1024;

    public ServerPools(int maxLineLength, int maxClients, int segmentSize, long maxPendingBytes)
    {
        // A receive block holds one unfinished line (max+1 bytes, LineFramer.MaxBufferedBytes) plus
        // at least one byte of room, rounded up to whole pages.
        ReceiveBlockSize = PinnedBlocks.RoundUpToPage(Math.Max(PinnedBlocks.PageSize, maxLineLength + 2));
        int retained = Math.Clamp(maxClients, 16, 1024);

        // Blocks are held only while a receive is parsed or a private line waits to be sent, so
        // the steady state needs about one per busy thread; a burst (a JOIN storm's USERS lines)
        // rents far more, and keeping all of them would stay in RSS for good (issue 6 measures RSS
        // per idle member). 128 blocks = 512 KiB per pool.
        int retainedBlocks = Math.Min(retained, 128);
        ReceiveBlocks = PinnedBlocks.CreatePool("receive-blocks", ReceiveBlockSize, retainedBlocks);
        PrivateBlocks = PinnedBlocks.CreatePool("private-blocks", PinnedBlocks.PageSize, retainedBlocks);

        // Segments live from the newest line back to the slowest member's cursor, and all that one
        // member at the limit can hold is made now, not when a member first falls behind: made
        // then, ~4 MiB of new pinned segments used up the pinned heap's budget and ran a gen2 GC,
        // a pause for every member, at the moment one member stalled (issue 6; dotnet-counters
        // during `perf/extras.sh` step 2, 2026-11-26). The process's first gen2 now comes at start,
        // during this fill (a diagnostic build counted it there).
        // How many: lines never straddle segments, so each holds at least segment - longest line
        // + 1 bytes of backlog; on top, the cursor's partly read segment, what is published during
        // the walk that finds the member over the limit, and two for healthy readers still a
        // little behind the tail when the cut-off gives the backlog back: 70 with the defaults.
        // Above 64 MiB the fill stops at the cap, and a member that far behind allocates.
        // GC.AllocateUninitializedArray leaves the blocks unwritten, and the pool is last-in-first-
        // out, so a segment joins RSS only when a backlog first reaches it (the GC's header still
        // writes each one's first page): RSS at start measured 0.8 MB higher (docs/PERFORMANCE.md
        // "Memory").
        int longestLine = FastChat.Protocol.ServerLineWriter.MaxLineBytes(maxLineLength);
        long backlogPerSegment = Math.Max(1, segmentSize - longestLine + 1);
        long spanned = Math.Max(0, maxPendingBytes / backlogPerSegment + (maxPendingBytes % backlogPerSegment == 0 ? 0 : 1));
        int cap = Math.Max(4, MaxPrefilledBytes / segmentSize);
        SegmentsAtStart = (int)Math.Min(cap, spanned + 4);
        Segments = new CountingObjectPool<LogSegment>("log-segments", () => new LogSegment(segmentSize),
            static s => s.Reset(), maximumRetained: SegmentsAtStart, lastInFirstOut: true);
        Segments.Fill();
        ReceiveArgs = new CountingObjectPool<ReceiveArgs>("receive-args", static () => new ReceiveArgs(),
            static a => a.Clear(), retained);
        SendArgs = new CountingObjectPool<SendArgs>("send-args", static () => new SendArgs(),
            static a => a.Clear(), retained);
    }

    public int ReceiveBlockSize { get; }

    public CountingObjectPool<byte[]> ReceiveBlocks { get; }

    public CountingObjectPool<byte[]> PrivateBlocks { get; }

    public CountingObjectPool<LogSegment> Segments { get; }

    /// <summary>Log segments made at start and kept: one member max-pending behind needs no more.</summary>
    public int SegmentsAtStart { get; }

    public CountingObjectPool<ReceiveArgs> ReceiveArgs { get; }

    public CountingObjectPool<SendArgs> SendArgs { get; }

    /// <summary>Every rented object that has not come back, by pool; empty when all came back.</summary>
    public IReadOnlyDictionary<string, long> Outstanding()
    {
        var result = new Dictionary<string, long>();
        Add(ReceiveBlocks);
        Add(PrivateBlocks);
        Add(Segments);
        Add(ReceiveArgs);
        Add(SendArgs);
        return result;

        void Add<T>(CountingObjectPool<T> pool)
            where T : class
        {
            if (pool.Outstanding != 0)
            {
                result[pool.Name] = pool.Outstanding;
            }
        }
    }
}
