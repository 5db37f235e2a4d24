using System.Diagnostics.Metrics;

namespace FastChat.Server.Internal;

/// <summary>Why a connection ended: each connection records exactly one (the first that happened).</summary>
/// <remarks>Append only: the values index <see cref="ServerCounters"/>' per-reason counts.</remarks>
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

    /// <summary>The member stayed over --max-lines-per-second for longer than --flood-timeout.</summary>
    Flood,

    /// <summary>No line came within --pong-timeout of a PING.</summary>
    PingTimeout,

    /// <summary>A member that never sent a line did not answer its first PING.</summary>
    RegistrationTimeout,

    /// <summary>A started line did not end within --line-timeout.</summary>
    LineTimeout,

    /// <summary>The first bytes were another protocol (TLS, HTTP, PROXY, SSH).</summary>
    WrongProtocol,

    /// <summary>All members' unsent output passed --max-total-pending-bytes and this one was furthest behind.</summary>
    TotalPending,
}

/// <summary>Close reasons as they appear on the wire (BYE), in logs and in metric tags.</summary>
internal static class CloseReasons
{
    /// <summary>The kebab-case name: the metric tag, and the BYE reason of an enforcement.</summary>
    public static string Name(CloseReason reason) => reason switch
    {
        CloseReason.None => "none",
        CloseReason.Quit => "quit",
        CloseReason.ClientClosed => "client-closed",
        CloseReason.ConnectionReset => "connection-reset",
        CloseReason.SlowConsumer => "slow-consumer",
        CloseReason.Shutdown => "shutdown",
        CloseReason.DrainTimeout => "drain-timeout",
        CloseReason.InternalError => "internal-error",
        CloseReason.Flood => "flood",
        CloseReason.PingTimeout => "ping-timeout",
        CloseReason.RegistrationTimeout => "registration-timeout",
        CloseReason.LineTimeout => "line-timeout",
        CloseReason.WrongProtocol => "wrong-protocol",
        CloseReason.TotalPending => "total-pending",
        _ => reason.ToString(),
    };

    /// <summary>The BYE line a member gets when the server ends its connection for this reason.</summary>
    public static ReadOnlySpan<byte> ByeReason(CloseReason reason) => reason switch
    {
        CloseReason.Flood => FastChat.Protocol.ProtocolTokens.FloodReason,
        CloseReason.PingTimeout => FastChat.Protocol.ProtocolTokens.PingTimeoutReason,
        CloseReason.RegistrationTimeout => FastChat.Protocol.ProtocolTokens.RegistrationTimeoutReason,
        CloseReason.LineTimeout => FastChat.Protocol.ProtocolTokens.LineTimeoutReason,
        CloseReason.WrongProtocol => FastChat.Protocol.ProtocolTokens.WrongProtocolReason,
        CloseReason.Quit => FastChat.Protocol.ProtocolTokens.QuitReason,
        CloseReason.Shutdown => FastChat.Protocol.ProtocolTokens.ShutdownReason,
        _ => FastChat.Protocol.ProtocolTokens.SlowConsumerReason, // slow-consumer, total-pending
    };

    /// <summary>
    /// True when the connection ended by leaving through the room (its stream has an end, and the
    /// sender still flushes what it is owed); false when the socket failed and is aborted.
    /// </summary>
    public static bool IsCleanLeave(CloseReason reason) =>
        reason is not (CloseReason.None or CloseReason.ConnectionReset or CloseReason.DrainTimeout or CloseReason.InternalError);

    public static readonly int Count = Enum.GetValues<CloseReason>().Length;
}

/// <summary>Why a connection was refused before it became a member.</summary>
internal enum RejectReason
{
    /// <summary>--max-clients members are present.</summary>
    Full,

    /// <summary>The client's address holds --max-clients-per-address connections.</summary>
    PerAddress,

    /// <summary>The server is shutting down.</summary>
    Shutdown,

    /// <summary>A cluster node could not reach the shared order in time.</summary>
    Unavailable,
}

/// <summary>Why the accept loop paused.</summary>
internal enum AcceptPause
{
    /// <summary>The server holds as many sockets as its file-descriptor budget allows.</summary>
    FdBudget,

    /// <summary>accept(2) failed with EMFILE/ENFILE: the process or the system is out of descriptors.</summary>
    FdExhausted,

    /// <summary>accept(2) failed for lack of kernel memory (ENOBUFS/ENOMEM).</summary>
    NoMemory,

    /// <summary>Any other accept error.</summary>
    Error,
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
    private long _rejectedPerAddress;
    private long _rejectedUnavailable;
    private long _floodDelays;
    private long _pingsSent;
    private readonly long[] _closed = new long[CloseReasons.Count];
    private readonly long[] _acceptPauses = new long[4];
    private readonly Histogram<double> _walkDuration;

    public ServerCounters(IMeterFactory? meterFactory = null)
    {
        _meter = meterFactory?.Create(MeterName) ?? new Meter(MeterName);

        // A line published just after a walker passed a member waits for the next walk, so a walk's
        // length is the floor under broadcast latency at many members; one measurement per walk.
        // Explicit buckets, because exporters' defaults (0, 5, 10 s ...) would put every walk in the first.
        _walkDuration = _meter.CreateHistogram<double>("fastchat.flush.walk.duration", "s",
            "Time one fan-out walk over the members takes (with the passes a cut-off adds): what a broadcast line may wait before its send to a member starts.",
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
            new Measurement<long>(Interlocked.Read(ref _rejectedPerAddress), new KeyValuePair<string, object?>("reason", "per-address")),
            new Measurement<long>(Interlocked.Read(ref _rejectedShutdown), new KeyValuePair<string, object?>("reason", "shutdown")),
            new Measurement<long>(Interlocked.Read(ref _rejectedUnavailable), new KeyValuePair<string, object?>("reason", "unavailable")),
        }, "{connection}", "Connections refused, by reason.");
        _meter.CreateObservableCounter("fastchat.connections.closed", ClosedMeasurements, "{connection}",
            "Member connections ended, by close reason (quit, client-closed, flood, ping-timeout, ...).");
        _meter.CreateObservableCounter("fastchat.accept.pauses", () => new[]
        {
            new Measurement<long>(Interlocked.Read(ref _acceptPauses[(int)AcceptPause.FdBudget]), new KeyValuePair<string, object?>("reason", "fd-budget")),
            new Measurement<long>(Interlocked.Read(ref _acceptPauses[(int)AcceptPause.FdExhausted]), new KeyValuePair<string, object?>("reason", "fd-exhausted")),
            new Measurement<long>(Interlocked.Read(ref _acceptPauses[(int)AcceptPause.NoMemory]), new KeyValuePair<string, object?>("reason", "no-memory")),
            new Measurement<long>(Interlocked.Read(ref _acceptPauses[(int)AcceptPause.Error]), new KeyValuePair<string, object?>("reason", "error")),
        }, "{pause}", "Times the accept loop stopped accepting for a while, by reason.");
        _meter.CreateObservableCounter("fastchat.flood.delays", () => Interlocked.Read(ref _floodDelays), "{delay}",
            "Times a member's lines had to wait for --max-lines-per-second (its socket was not read meanwhile).");
        _meter.CreateObservableCounter("fastchat.pings.sent", () => Interlocked.Read(ref _pingsSent), "{ping}",
            "PING lines sent to silent members.");
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

    public void Rejected(RejectReason reason)
    {
        switch (reason)
        {
            case RejectReason.Full:
                Interlocked.Increment(ref _rejectedFull);
                break;
            case RejectReason.PerAddress:
                Interlocked.Increment(ref _rejectedPerAddress);
                break;
            case RejectReason.Unavailable:
                Interlocked.Increment(ref _rejectedUnavailable);
                break;
            default:
                Interlocked.Increment(ref _rejectedShutdown);
                break;
        }
    }

    public long RejectedPerAddress => Interlocked.Read(ref _rejectedPerAddress);

    /// <summary>A member connection ended (once per connection, with its one close reason).</summary>
    public void Closed(CloseReason reason) => Interlocked.Increment(ref _closed[(int)reason]);

    public long ClosedFor(CloseReason reason) => Interlocked.Read(ref _closed[(int)reason]);

    public void AcceptPaused(AcceptPause reason) => Interlocked.Increment(ref _acceptPauses[(int)reason]);

    public long AcceptPauses(AcceptPause reason) => Interlocked.Read(ref _acceptPauses[(int)reason]);

    public void FloodDelayed() => Interlocked.Increment(ref _floodDelays);

    public long FloodDelays => Interlocked.Read(ref _floodDelays);

    public void PingSent() => Interlocked.Increment(ref _pingsSent);

    public long PingsSent => Interlocked.Read(ref _pingsSent);

    private IEnumerable<Measurement<long>> ClosedMeasurements()
    {
        for (int i = 1; i < _closed.Length; i++)
        {
            yield return new Measurement<long>(Interlocked.Read(ref _closed[i]),
                new KeyValuePair<string, object?>("reason", CloseReasons.Name((CloseReason)i)));
        }
    }

    // Called under the room lock, once per broadcast line: no contention beyond the lock itself.
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

    /// <summary>Whether anyone listens to the walk histogram (the walkers skip their clock reads if not).</summary>
    public bool WalkDurationEnabled => _walkDuration.Enabled;

    public void Walked(TimeSpan duration) => _walkDuration.Record(duration.TotalSeconds);

    public void Dispose() => _meter.Dispose();
}
