using System.Diagnostics;
using System.Globalization;
using FastChat.LoadTest.Internal;
using FastChat.LoadTest.Reporting;
using FastChat.LoadTest.Scenarios.Phases;
using HdrHistogram;

namespace FastChat.LoadTest.Scenarios;

/// <summary>A fanout run's connections after the connect, by role.</summary>
/// <param name="Connections">Every connection: the members, then (Redis, NATS) the publish-only senders.</param>
/// <param name="Healthy">The members that are not laggards: the report's latency and loss are theirs.</param>
/// <param name="Laggards">The last <c>--stalled</c> members.</param>
/// <param name="Ready">Connections admitted, senders included.</param>
internal sealed record FanoutRoom(
    FanoutReceiver?[] Connections,
    FanoutReceiver[] Members,
    FanoutReceiver[] Healthy,
    HashSet<FanoutReceiver> Laggards,
    FanoutReceiver[] Senders,
    int Ready,
    long RssConnectedKb);

/// <summary>The send phase of a fanout run: the senders and their loops, the model, and what was sampled when measuring started and ended.</summary>
/// <param name="NodeCpuSeconds">Each node's CPU seconds in the measured window (several sampled nodes; else empty).</param>
internal sealed record FanoutSending(
    FanoutSender[] Senders,
    IReadOnlyList<RateStage> Stages,
    Task SendLoops,
    Task ChurnLoop,
    FanoutTimeline Timeline,
    double ToolCpuSeconds,
    double ServerCpuSeconds,
    IReadOnlyList<double> NodeCpuSeconds,
    long RssAtStallKb,
    long AnonAtStallKb)
{
    public bool OpenModel => Stages.Count > 0;
}

/// <summary>
/// The state of one fanout run and its phases in order: connect, settle, send (warm-up, then the
/// measured window), drain, release the laggards, report, close.
/// </summary>
internal sealed class FanoutRun : IAsyncDisposable
{
    private readonly ScenarioContext _context;
    private readonly FanoutOptions _o;
    private readonly FanoutTarget _target;
    private readonly FanoutRunState _state;
    private readonly Connector _connector;
    private readonly RunMonitor _monitor;
    private readonly int _extraSenders;
    private readonly int _total;
    private readonly bool _churn;
    private readonly long _rssBeforeKb;
    private Churner? _churner;

    public FanoutRun(ScenarioContext context, FanoutOptions o, FanoutTarget target)
    {
        (CommonOptions common, ServerNodes servers, RunReport report, IProgressView progress) = context;
        _context = context;
        _o = o;
        _target = target;
        int samplePerSender = Math.Max(1, (o.OrderSample + o.Senders - 1) / o.Senders);
        _state = new FanoutRunState(o.Senders, samplePerSender);
        _extraSenders = target.SendersAreMembers ? 0 : o.Senders;
        _total = o.Clients + _extraSenders;
        int maxLine = Math.Max(o.Size, PayloadCodec.MaxHeaderLength) + 256;
        _connector = new Connector(common.ConnectSettingsFor(servers, common.ReceiveBufferFor(_total, maxLine), Connector.MaxServerLine), _total);
        _churn = o.ChurnRate > 0 && common.Target == TargetKind.FastChat;
        FileLimit.Check(_total + (_churn ? Churner.Concurrent(o.ChurnRate, o.ChurnHold) : 0), report, progress);
        _monitor = new RunMonitor(servers.Pids);
        _rssBeforeKb = _monitor.ServerRssNowKb();
    }

    private int SenderCount => _o.Senders;

    /// <summary>The first laggard's index: the laggards are the last <c>--stalled</c> members.</summary>
    private int FirstLaggard => _o.Clients - _o.StalledMembers;

    /// <summary>Connects every member and publish-only sender; null (the run aborted) when a sender did not get in.</summary>
    public async Task<FanoutRoom?> ConnectAsync(CancellationToken ct)
    {
        ServerNodes servers = _context.Servers;
        _context.Progress.Phase("connect", $"{_o.Clients} members + {_extraSenders} publish-only senders to {servers} ({_context.Common.Target}" +
            (servers.IsCluster ? $", round-robin over {servers.Count} nodes)" : ")"));
        int firstLaggard = FirstLaggard;
        if (_o.StalledMembers > 0 && (firstLaggard < 1 || (_target.SendersAreMembers && firstLaggard <= SenderCount)))
        {
            throw new ArgumentException("--stalled must leave the senders and at least one other healthy member");
        }

        ConnectedRoom<FanoutReceiver> connected = await ConnectPhase.RunAsync(
            _connector,
            _total,
            (index, c) =>
            {
                bool isMember = index < _o.Clients;
                var r = new FanoutReceiver(_state, c, index, verifies: isMember);
                return (r, isMember ? _target.CreateReceiver(r) : _target.CreateSenderOnly(r));
            },
            ct,
            hello: index => index < _o.Clients ? _target.ReceiverHello : _target.SenderHello,
            receiveBufferSize: index => index < _o.Clients && index >= firstLaggard ? _o.StalledReceiveBuffer : 0);
        long rssConnected = _monitor.ServerRssNowKb();
        _context.Report.Results.Connect = connected.Result;
        _context.Report.Histograms["handshake"] = connected.Handshake;
        _context.Progress.Phase("connect", $"{connected.Counts} in {connected.Seconds:F2} s");
        _context.Report.Facts["source_addresses"] = _connector.DescribeSpread(_total);

        var senders = new FanoutReceiver[SenderCount];
        for (int s = 0; s < SenderCount; s++)
        {
            FanoutReceiver? r = connected.Members[_target.SendersAreMembers ? s : _o.Clients + s];
            if (r is null || r.Connection.IsClosed || !r.Connection.IsReady)
            {
                _context.Report.Abort($"sender {s} could not connect");
                Close(connected.Members);
                return null;
            }

            senders[s] = r;
        }

        FanoutReceiver[] members = connected.Admitted(_o.Clients);
        HashSet<FanoutReceiver> laggards = members.Where(m => m.Index >= firstLaggard).ToHashSet();
        FanoutReceiver[] healthy = members.Where(m => !laggards.Contains(m)).ToArray();
        int probeIndex = _o.Probe >= 0 ? _o.Probe : firstLaggard - 1;
        _state.Probe = healthy.FirstOrDefault(m => m.Index == probeIndex) ?? healthy.LastOrDefault();
        foreach (FanoutReceiver m in laggards)
        {
            m.IsLaggard = true;
        }

        return new FanoutRoom(connected.Members, members, healthy, laggards, senders, connected.Counts.Ready, rssConnected);
    }

    /// <summary>FastChat: waits for the JOIN storm of the connect to end.</summary>
    public async Task SettleAsync(FanoutRoom room, CancellationToken ct)
    {
        if (_context.Common.Target == TargetKind.FastChat)
        {
            await SettlePhase.WaitAsync(_state, SettlePhase.ExpectedJoins(room.Ready), () => room.Connections.Sum(r => r?.Joins ?? 0), ct);
        }
    }

    /// <summary>
    /// Sends through the warm-up and the measured window, a timeline row a second; the laggards stall as
    /// measuring starts, and churners come and go until it ends.
    /// </summary>
    public async Task<FanoutSending> SendAsync(FanoutRoom room, CancellationToken ct)
    {
        int k = SenderCount;
        FanoutSender[] senders = room.Senders.Select((r, s) => new FanoutSender(_state, _target, r.Connection, s, _o.Size)).ToArray();
        IReadOnlyList<RateStage> stages = _o.Stages.Count > 0 ? _o.Stages
            : _o.Rate > 0 ? [new RateStage(_o.Rate, Timeout.InfiniteTimeSpan)] : [];
        bool openModel = stages.Count > 0;
        _state.Epoch = Stopwatch.GetTimestamp();
        long measureStart = _state.Epoch + RunClock.Ticks(_o.Warmup);
        long measureEnd = measureStart + RunClock.Ticks(_o.Duration);
        _state.MeasureStart = measureStart;
        _state.MeasureEnd = measureEnd;
        Task sendLoops = openModel
            ? FanoutSender.RunScheduleAsync(senders, new OpenModelSchedule(Stopwatch.Frequency,
                stages.Select(st => st with { RatePerSecond = st.RatePerSecond / k }).ToList()))
            : Task.WhenAll(senders.Select(s => Task.Run(() => s.RunWindowAsync(_o.Window), ct)));
        _context.Progress.Phase("send", openModel
            ? $"open model, {string.Join(", ", stages.Select(st => $"{st.RatePerSecond:N0} msg/s" + (st.Duration == Timeout.InfiniteTimeSpan ? "" : $" for {st.Duration.TotalSeconds:F0} s")))} over {k} senders, warm-up {_o.Warmup.TotalSeconds:F0} s, measure {_o.Duration.TotalSeconds:F0} s"
            : $"closed model, window {_o.Window} per sender x {k}, warm-up {_o.Warmup.TotalSeconds:F0} s, measure {_o.Duration.TotalSeconds:F0} s");

        // Churners join from source addresses after the members' own.
        _churner = _churn
            ? new Churner(_context.Common.ConnectSettingsFor(_context.Servers, 4096, Connector.MaxServerLine, _connector.BlocksFor(_total)), _o.ChurnRate, _o.ChurnHold)
            : null;
        Task churnLoop = _churner?.RunAsync(measureEnd, ct) ?? Task.CompletedTask;

        var timeline = new FanoutTimeline(_context.Report, _monitor, _state, room.Members, senders, _context.Progress);
        double toolCpuStart = 0, serverCpuStart = 0;
        ProcSample?[] nodesStart = [];
        long rssAtStall = 0, anonAtStall = 0;
        bool measuring = false;
        while (Stopwatch.GetTimestamp() < measureEnd && !ct.IsCancellationRequested)
        {
            if (!measuring && Stopwatch.GetTimestamp() >= measureStart)
            {
                measuring = true;
                (rssAtStall, anonAtStall) = StallLaggards(room);
                toolCpuStart = _monitor.ToolCpuSecondsTotal;
                serverCpuStart = _monitor.ServerCpuSecondsNow();
                nodesStart = _context.Servers.IsCluster ? _monitor.NodesNow() : [];
            }

            await RunClock.WaitUntilAsync(Math.Min(timeline.NextTick, measureEnd), ct);
            timeline.TickIfDue(Stopwatch.GetTimestamp() < measureStart ? "warmup" : "measure");

            // A probe that was cut off must not freeze the closed model: move it to a live member.
            if (_state.Probe is { } probe && probe.Connection.IsClosed)
            {
                _state.Probe = room.Healthy.FirstOrDefault(m => !m.Connection.IsClosed);
                _state.WakeSenders();
            }
        }

        double toolCpu = _monitor.ToolCpuSecondsTotal - toolCpuStart;
        double serverCpu = _monitor.ServerCpuSecondsNow() - serverCpuStart;
        double[] nodeCpu = nodesStart.Zip(_monitor.NodesNow(), (a, b) => (b?.CpuSeconds ?? 0) - (a?.CpuSeconds ?? 0)).ToArray();
        return new FanoutSending(senders, stages, sendLoops, churnLoop, timeline, toolCpu, serverCpu, nodeCpu, rssAtStall, anonAtStall);
    }

    /// <summary>Stops the senders and waits for every healthy member to have every message (or <c>--drain</c>); then the churn's end.</summary>
    public async Task<DrainResult> DrainAsync(FanoutRoom room, FanoutSending sending, CancellationToken ct)
    {
        DrainResult drained = await DrainPhase.RunAsync(_state, sending.Senders, sending.SendLoops, room.Healthy, _o.Drain,
            () => sending.Timeline.TickIfDue("drain"), ct);
        _context.Report.Results.DrainSeconds = drained.Seconds;
        await sending.ChurnLoop;
        _churner?.Report(_context.Report);
        return drained;
    }

    /// <summary>
    /// A laggard sees that the server cut it off only once it has read what the kernels still hold, so the
    /// throttle is lifted and each gets up to 3 s to reach its end or, if the server kept it, every message.
    /// </summary>
    public async Task<IReadOnlyList<LaggardOutcome>> ReleaseLaggardsAsync(FanoutRoom room, DrainResult drained, CancellationToken ct)
    {
        if (room.Laggards.Count == 0)
        {
            return [];
        }

        long lifted = Stopwatch.GetTimestamp();
        LaggardOutcome[] outcomes = room.Laggards.OrderBy(m => m.Index).Select(m => LaggardOutcome.Capture(m, lifted)).ToArray();
        foreach (FanoutReceiver m in room.Laggards)
        {
            m.Connection.Throttle = null;
            m.Connection.ResumeReading();
        }

        await RunClock.PollUntilAsync(() => !room.Laggards.Any(m => !m.Connection.IsClosed && !m.Verifier!.HasAll(drained.Sent)),
            TimeSpan.FromSeconds(3), TimeSpan.FromMilliseconds(20), ct);
        _context.Report.Facts["stalled_close_reasons"] = string.Join(", ", room.Laggards
            .GroupBy(m => m.Connection.IsClosed ? m.Connection.CloseReason ?? "closed" : "still open")
            .Select(g => $"{g.Count()} {g.Key}"));
        return outcomes;
    }

    /// <summary>The results: throughput, verification, laggards, latency, spread, the tool's and the server's health.</summary>
    public void Report(FanoutRoom room, FanoutSending sending, DrainResult drained, IReadOnlyList<LaggardOutcome> laggards)
    {
        (long rssEnd, long anonEnd) = _monitor.ServerMemoryNowKb();
        RunResults results = _context.Report.Results;
        double window = _o.Duration.TotalSeconds;
        FanoutSender[] senders = sending.Senders;
        long[] sent = drained.Sent;
        long sentInWindow = senders.Sum(s => s.SentInWindow);
        long deliveries = room.Members.Sum(m => m.WindowDeliveries);
        long bytes = room.Members.Sum(m => m.WindowBytes);
        long reads = room.Members.Sum(m => m.Connection.Reads);
        results.Throughput = new FanoutThroughput(
            SenderCount,
            _o.Clients,
            sent.Sum(),
            sentInWindow / window,
            deliveries,
            deliveries / window,
            sentInWindow * (double)room.Healthy.Length / window,
            bytes / window / 1e6,
            PayloadCodec.Length(_o.Size, _state.MeasureEnd - _state.Epoch, SenderCount - 1, sent.Max(), 0),
            senders.Sum(s => s.Batches),
            room.Connections.Sum(r => r?.Connection.PongsSent ?? 0),
            reads == 0 ? 0 : room.Members.Sum(m => m.TotalDeliveries) / (double)reads);
        (results.Verification, IReadOnlyList<NodeDelivery> nodes) = FanoutChecks.Verify(_context.Report, _context.Servers, room.Members, room.Healthy, room.Laggards, sent);
        results.Laggards = LaggardOutcome.Summarize(_context.Report, laggards, _state, _o.LaggardBytesPerSecond, sent);

        var latency = LatencyRecorders.NewHistogram();
        var service = LatencyRecorders.NewHistogram();
        foreach (LatencyRecorders.Pair pair in _state.Recorders.All)
        {
            pair.DrainInto(latency, service);
        }

        latency.Add(sending.Timeline.LatencyTotal);
        service.Add(sending.Timeline.ServiceTotal);
        LongHistogram lag = FanoutSender.MergeLag(senders);
        _context.Report.Histograms["latency"] = latency;
        results.Latency = LatencySummary.Of(latency);
        if (sending.OpenModel)
        {
            _context.Report.Histograms["service"] = service;
            _context.Report.Histograms["schedule-lag"] = lag;
            results.Service = LatencySummary.Of(service);
            results.ScheduleLag = LatencySummary.Of(lag);
        }

        results.Spread = FanoutChecks.Spread(_state, room.Healthy);

        double toolCpu = sending.ToolCpuSeconds / window * 100;
        double loopLagP99 = _monitor.LoopLagP99Ms;
        _context.Report.Histograms["loop-lag"] = _monitor.LoopLag;
        results.Tool = new ToolHealth(toolCpu, loopLagP99, Environment.ProcessorCount);
        if (_context.Servers.Sampled)
        {
            results.Server = ServerUsage(room, sending, window, rssEnd, anonEnd);
        }

        if (_context.Servers.IsCluster)
        {
            results.Nodes = PerNode(nodes, sending, window);
            _context.Report.Tables.Add(NodeResults.Table(results.Nodes, results.Server));
        }

        _context.Report.CheckToolHealth(sending.OpenModel, toolCpu, loopLagP99);
        _context.Report.Facts["target"] = $"{_context.Common.Target} {_context.Servers}";
        _context.Report.Facts["model"] = sending.OpenModel ? "open (rate)" : $"closed (window {_o.Window})";
        _context.Report.Facts["config"] = string.Create(CultureInfo.InvariantCulture,
            $"clients={_o.Clients} senders={SenderCount} {(sending.OpenModel ? $"rate={sending.Stages[0].RatePerSecond}" : $"window={_o.Window}")} size={_o.Size} warmup={_o.Warmup.TotalSeconds}s duration={window}s drain={_o.Drain.TotalSeconds}s") +
            (_churn ? string.Create(CultureInfo.InvariantCulture, $" churn={_o.ChurnRate}/s hold={_o.ChurnHold.TotalSeconds}s") : "");
    }

    /// <summary>Closes every connection and gives the receive loops a moment to end.</summary>
    public async Task CloseAsync(FanoutRoom room)
    {
        Close(room.Connections);
        await _connector.WaitForReceiveLoopsAsync(TimeSpan.FromSeconds(2));
    }

    public async ValueTask DisposeAsync()
    {
        _churner?.Dispose();
        await _monitor.DisposeAsync();
        _connector.Dispose();
        _state.Dispose();
    }

    private static void Close(FanoutReceiver?[] connections)
    {
        foreach (FanoutReceiver? r in connections)
        {
            r?.Connection.Dispose();
        }
    }

    /// <summary>
    /// Stops (or throttles) the laggards as measuring starts; the server's memory at that moment is
    /// the baseline of what they may make it grow by.
    /// </summary>
    private (long RssKb, long AnonKb) StallLaggards(FanoutRoom room)
    {
        (long RssKb, long AnonKb) baseline = _monitor.ServerMemoryNowKb();
        foreach (FanoutReceiver m in room.Laggards)
        {
            if (_o.LaggardBytesPerSecond > 0)
            {
                m.Connection.Throttle = new ReadThrottle(_o.LaggardBytesPerSecond, Stopwatch.Frequency, Stopwatch.GetTimestamp());
            }
            else
            {
                m.Connection.PauseReading();
            }
        }

        return baseline;
    }

    /// <summary>Each node's members and what they got, beside its process: CPU in the measured window, RSS (the largest sampled, as for the total, and now).</summary>
    private NodeResult[] PerNode(IReadOnlyList<NodeDelivery> nodes, FanoutSending sending, double window)
    {
        ServerNodes servers = _context.Servers;
        ProcSample?[] now = _monitor.NodesNow();
        NodeProcess? Process(int i) => servers.Sampled
            ? new NodeProcess(servers.Pids[i], sending.NodeCpuSeconds.ElementAtOrDefault(i) / window * 100,
                _monitor.NodeRssMaxKb[i] / 1024.0, (now[i]?.RssKb ?? 0) / 1024.0)
            : null;
        return nodes.Select((d, i) => new NodeResult(i, servers.EndPoints[i].ToString(), d.Members, d.Deliveries, d.Deliveries / window,
            d.LostTotal, d.Dropped, d.OrderCompared, Process(i))).ToArray();
    }

    private ServerResources ServerUsage(FanoutRoom room, FanoutSending sending, double window, long rssEnd, long anonEnd)
    {
        long rssPeak = Math.Max(_monitor.ServerRssMaxKb, rssEnd);

        // With no laggard the growth after the warm-up is the control: what the server grows by in
        // that window anyway (a young process still compiles code and starts runtime services). The
        // private data part alone leaves out the code pages the first cut-off in a process maps.
        ServerGrowth? growth = sending.RssAtStallKb > 0
            ? new ServerGrowth(room.Laggards.Count > 0 ? GrowthBaseline.Stall : GrowthBaseline.Warmup,
                (rssPeak - sending.RssAtStallKb) / 1024.0,
                (Math.Max(_monitor.ServerRssAnonMaxKb, anonEnd) - sending.AnonAtStallKb) / 1024.0)
            : null;
        return new ServerResources
        {
            CpuPercent = sending.ServerCpuSeconds / window * 100,
            RssBeforeMb = _rssBeforeKb / 1024.0,
            RssConnectedMb = room.RssConnectedKb / 1024.0,
            RssEndMb = rssEnd / 1024.0,
            RssMaxMb = _monitor.ServerRssMaxKb / 1024.0,
            RssGrowthMb = (rssPeak - room.RssConnectedKb) / 1024.0,
            GrowthAfter = growth,
            BytesPerConnection = room.Ready > 0 ? (room.RssConnectedKb - _rssBeforeKb) * 1024.0 / room.Ready : null,
        };
    }
}
