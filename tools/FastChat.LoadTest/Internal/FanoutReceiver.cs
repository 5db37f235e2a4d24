using FastChat.Threading;

namespace FastChat.LoadTest.Internal;

/// <summary>
/// What the receive loops and senders of one fanout run share; the phase boundaries are written by the
/// run before sending starts.
/// </summary>
internal sealed class FanoutRunState(int senders, int samplePerSender) : IDisposable, IJoinStorm
{
    private long _measureStart = long.MaxValue;
    private long _measureEnd = long.MaxValue;

    /// <summary>Send start: payload timestamps are ticks after this.</summary>
    public long Epoch { get; set; }

    public long MeasureStart
    {
        get => Volatile.Read(ref _measureStart);
        set => Volatile.Write(ref _measureStart, value);
    }

    public long MeasureEnd
    {
        get => Volatile.Read(ref _measureEnd);
        set => Volatile.Write(ref _measureEnd, value);
    }

    public long LastJoinTicks { get; set; }

    public LatencyRecorders Recorders { get; } = new();

    public int SamplePerSender { get; } = samplePerSender;

    /// <summary>Per sender: the first sequence of the order/spread sample (set when measuring starts).</summary>
    public long[] SampleBase { get; } = Enumerable.Repeat(long.MaxValue, senders).ToArray();

    /// <summary>Intended send tick (relative to <see cref="Epoch"/>) of each sample message.</summary>
    public long[] SampleIntended { get; } = new long[senders * samplePerSender];

    /// <summary>The receiver whose progress bounds the closed-model window.</summary>
    public FanoutReceiver? Probe { get; set; }

    public AsyncSignal[] SenderSignals { get; } = Enumerable.Range(0, senders).Select(_ => new AsyncSignal()).ToArray();

    public void WakeSenders()
    {
        foreach (AsyncSignal s in SenderSignals)
        {
            s.Set();
        }
    }

    public void Dispose() => Recorders.Dispose();
}

/// <summary>
/// One fanout member's receive side: verification, latency and counters. Only its receive loop writes
/// them; the once-a-second sampler reads the 64-bit counters racily.
/// </summary>
internal sealed class FanoutReceiver : IVerifiedMember
{
    private LatencyRecorders.Pair? _pair;
    private bool _advanced;

    // Run-length pending records: a read() mostly carries runs of messages of one sender batch,
    // which share a timestamp in the closed model, so equal values are recorded once with a count.
    private long _pendingLatency;
    private long _pendingService;
    private long _pendingCount;

    public FanoutReceiver(FanoutRunState run, ClientConnection connection, int index, bool verifies)
    {
        Run = run;
        Connection = connection;
        Index = index;
        Verifier = verifies ? new DeliveryVerifier(run.SampleBase.Length, run.SamplePerSender) : null;
    }

    public FanoutRunState Run { get; }

    public ClientConnection Connection { get; }

    public int Index { get; }

    public DeliveryVerifier? Verifier { get; }

    public long Welcomes { get; set; }

    public long Users { get; set; }

    public long Joins { get; set; }

    public long Leaves { get; set; }

    public long UnknownLines { get; set; }

    public long ServerErrors { get; set; }

    public long ForeignMessages { get; set; }

    public long WindowDeliveries { get; private set; }

    public long WindowBytes { get; private set; }

    public long TotalDeliveries { get; private set; }

    /// <summary>A slow-consumer laggard: verified, but its latency is not recorded (the report's latency is the healthy members').</summary>
    public bool IsLaggard { get; set; }

    /// <summary>Laggards: the latest intended send tick (relative to the epoch) of a message received.</summary>
    public long LastIntendedTicks { get; private set; } = -1;

    public void BeginBatch() => _pair = null;

    public void EndBatch()
    {
        if (_pair is not null)
        {
            Flush(_pair);
            _pair.Gate.Exit();
            _pair = null;
        }

        if (_advanced)
        {
            _advanced = false;
            if (ReferenceEquals(Run.Probe, this))
            {
                Run.WakeSenders();
            }
        }
    }

    /// <summary>One message payload arrived at <paramref name="now"/>.</summary>
    public void OnPayload(ReadOnlySpan<byte> payload, long now)
    {
        if (Verifier is null || !PayloadCodec.TryParse(payload, out PayloadFields f) || (uint)f.Sender >= (uint)Verifier.Senders)
        {
            ForeignMessages++;
            return;
        }

        DeliveryClass c = Verifier.OnMessage(f.Sender, f.Sequence, now, Volatile.Read(ref Run.SampleBase[f.Sender]));
        if (c == DeliveryClass.Duplicate)
        {
            return;
        }

        _advanced = true;
        TotalDeliveries++;
        FanoutRunState run = Run;
        if (now >= run.MeasureStart && now < run.MeasureEnd)
        {
            WindowDeliveries++;
            WindowBytes += payload.Length;
        }

        if (IsLaggard)
        {
            LastIntendedTicks = Math.Max(LastIntendedTicks, f.IntendedTicks);
            return;
        }

        long intended = run.Epoch + f.IntendedTicks;
        if (intended >= run.MeasureStart && intended < run.MeasureEnd)
        {
            if (_pair is null)
            {
                _pair = run.Recorders.Current;
                _pair.Gate.Enter(); // held until EndBatch: one lock per read(), not per message
            }

            long latency = LatencyRecorders.TicksToMicros(now - intended);
            long service = f.LagTicks == 0 ? latency : LatencyRecorders.TicksToMicros(now - intended - f.LagTicks);
            if (latency != _pendingLatency || service != _pendingService)
            {
                Flush(_pair);
                _pendingLatency = latency;
                _pendingService = service;
            }

            _pendingCount++;
        }
    }

    private void Flush(LatencyRecorders.Pair pair)
    {
        if (_pendingCount > 0)
        {
            pair.Latency.RecordValueWithCount(_pendingLatency, _pendingCount);
            pair.Service.RecordValueWithCount(_pendingService, _pendingCount);
            _pendingCount = 0;
        }
    }
}
