using System.Diagnostics.Metrics;

namespace FastChat.Server.Internal;

/// <summary>Why a connection ended: each connection records exactly one (the first that happened).</summary>
internal enum CloseReason
{
    None,

    /// <summary>The client sent /quit.</summary>
    Quit,

    /// <summary>The client closed its side (EOF).</summary>
    ClientClosed,

    /// <summary>The client reset the connection or the socket failed.</summary>
    ConnectionReset,

    /// <summary>The member's unsent output passed --max-pending-bytes.</summary>
    SlowConsumer,

    /// <summary>The server is shutting down.</summary>
    Shutdown,

    /// <summary>The drain timeout passed before the member took its last bytes.</summary>
    DrainTimeout,

    /// <summary>An unexpected error in the server (a bug); logged with its exception.</summary>
    InternalError,
}

/// <summary>
/// The server's counters, kept as plain interlocked fields (cheap on the hot path, readable for the
/// periodic stats line and the tests) and exposed as observable instruments on the
/// <c>FastChat.Server</c> meter, so <c>dotnet-counters monitor --counters FastChat.Server</c> shows them.
/// </summary>
internal sealed class ServerCounters : IDisposable
{
    public const string MeterName = "FastChat.Server";

    private readonly Meter _meter;
    private long _active;
    private long _accepted;
    private long _rejectedFull;
    private long _rejectedShutdown;
    private long _messagesIn;
    private long _messagesOut;
    private long _bytesIn;
    private long _bytesOut;
    private long _slowConsumers;
    private long _linesTooLong;
    private readonly Histogram<double> _walkDuration;

    public ServerCounters(IMeterFactory? meterFactory = null)
    {
        _meter = meterFactory?.Create(MeterName) ?? new Meter(MeterName);

        // A line published just after the flusher passed a member waits for the next walk to reach
        // it, so the walk's length is the floor under broadcast latency at many members (issue 6,
        // config (d): p99 is about one walk plus the client's own delay, docs/PERFORMANCE.md).
        // One measurement per walk, not per member or message: 37 walks/s at 5000 members, ~1 300/s
        // at 100 members in config (a) (sends/s over members, perf/extras.sh step 4).
        // Explicit buckets for exporters (OpenTelemetry's defaults start at 0, 5, 10 and would put
        // every walk in the first); dotnet-counters computes its percentiles without them.
        _walkDuration = _meter.CreateHistogram<double>("fastchat.flush.walk.duration", "s",
            "Time one flusher walk over the members takes (with the passes a cut-off adds): what a broadcast line may wait before its send to a member starts.",
            tags: null,
            advice: new InstrumentAdvice<double>
            {
                HistogramBucketBoundaries = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
            });
        _meter.CreateObservableUpDownCounter("fastchat.connections.active", () => Active, "{connection}",
            "Members currently connected.");
        _meter.CreateObservableCounter("fastchat.connections.accepted", () => Interlocked.Read(ref _accepted), "{connection}",
            "Connections accepted (members and rejected ones).");
        _meter.CreateObservableCounter("fastchat.connections.rejected", () => new[]
        {
            new Measurement<long>(Interlocked.Read(ref _rejectedFull), new KeyValuePair<string, object?>("reason", "full")),
            new Measurement<long>(Interlocked.Read(ref _rejectedShutdown), new KeyValuePair<string, object?>("reason", "shutdown")),
        }, "{connection}", "Connections refused, by reason.");
        _meter.CreateObservableCounter("fastchat.messages.in", () => MessagesIn, "{message}",
            "Chat lines received and broadcast.");
        _meter.CreateObservableCounter("fastchat.messages.out", () => MessagesOut, "{message}",
            "MSG deliveries queued (one per recipient of each broadcast).");
        _meter.CreateObservableCounter("fastchat.bytes.in", () => BytesIn, "By", "Bytes received from clients.");
        _meter.CreateObservableCounter("fastchat.bytes.out", () => BytesOut, "By", "Bytes handed to the kernel.");
        _meter.CreateObservableCounter("fastchat.slow_consumers", () => SlowConsumers, "{connection}",
            "Members cut off because their unsent output passed --max-pending-bytes.");
        _meter.CreateObservableCounter("fastchat.lines_too_long", () => Interlocked.Read(ref _linesTooLong), "{line}",
            "Client lines refused with ERR line-too-long.");
    }

    public long Active => Interlocked.Read(ref _active);

    public long MessagesIn => Interlocked.Read(ref _messagesIn);

    public long MessagesOut => Interlocked.Read(ref _messagesOut);

    public long BytesIn => Interlocked.Read(ref _bytesIn);

    public long BytesOut => Interlocked.Read(ref _bytesOut);

    public long SlowConsumers => Interlocked.Read(ref _slowConsumers);

    public long RejectedFull => Interlocked.Read(ref _rejectedFull);

    public void Accepted() => Interlocked.Increment(ref _accepted);

    public void Joined() => Interlocked.Increment(ref _active);

    public void Left() => Interlocked.Decrement(ref _active);

    public void RejectedBecauseFull() => Interlocked.Increment(ref _rejectedFull);

    public void RejectedBecauseShutdown() => Interlocked.Increment(ref _rejectedShutdown);

    // Called under the hub lock, once per broadcast line: no contention beyond the lock itself.
    public void MessageBroadcast(int recipients)
    {
        _messagesIn++;
        _messagesOut += recipients;
    }

    public void Received(int bytes) => Interlocked.Add(ref _bytesIn, bytes);

    public void Sent(int bytes) => Interlocked.Add(ref _bytesOut, bytes);

    public void SlowConsumerCut() => Interlocked.Increment(ref _slowConsumers);

    public void LineTooLong() => Interlocked.Increment(ref _linesTooLong);

    /// <summary>The meter the instruments are on (tests listen to this instance, not to the name).</summary>
    public Meter Meter => _meter;

    /// <summary>Whether anyone listens to the walk histogram (the flusher skips its clock reads if not).</summary>
    public bool WalkDurationEnabled => _walkDuration.Enabled;

    public void Walked(TimeSpan duration) => _walkDuration.Record(duration.TotalSeconds);

    public void Dispose() => _meter.Dispose();
}
