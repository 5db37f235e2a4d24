using System.Diagnostics;
using System.Globalization;
using System.Net;
using FastChat.LoadTest.Internal;
using HdrHistogram;

namespace FastChat.LoadTest.Scenarios;

/// <summary>Options of the fanout scenario; defaults mirror the shared C harness (../shared/tools/fanout).</summary>
internal sealed record FanoutOptions
{
    /// <summary>Receiver connections (members).</summary>
    public int Clients { get; init; } = 100;

    /// <summary>FastChat: members 0..K-1 also send. Redis/NATS: K extra publish-only connections.</summary>
    public int Senders { get; init; } = 1;

    /// <summary>Total messages per second over all senders (open model); 0 = closed model.</summary>
    public double Rate { get; init; }

    /// <summary>Open model with stages (total rate per stage); overrides <see cref="Rate"/>.</summary>
    public IReadOnlyList<RateStage> Stages { get; init; } = [];

    /// <summary>Closed model: messages in flight per sender (sent, not yet seen by the probe).</summary>
    public int Window { get; init; } = 64;

    /// <summary>Probe receiver index; -1 = the last receiver.</summary>
    public int Probe { get; init; } = -1;

    public int Size { get; init; } = 32;

    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(10);

    public TimeSpan Warmup { get; init; } = TimeSpan.FromSeconds(2);

    public TimeSpan Drain { get; init; } = TimeSpan.FromSeconds(2);

    public int OrderSample { get; init; } = 1000;

    public string Channel { get; init; } = "chat";

    /// <summary>Laggards (slow-consumer scenario): the last members, which stop reading (or read at
    /// <see cref="LaggardBytesPerSecond"/>) once sending starts.</summary>
    public int StalledMembers { get; init; }

    /// <summary>0: the laggards stop reading. Above 0: they read at most this many bytes per second.</summary>
    public double LaggardBytesPerSecond { get; init; }

    /// <summary>SO_RCVBUF of stalled members (small: the server's pending limit is reached sooner).</summary>
    public int StalledReceiveBuffer { get; init; } = 4096;

    /// <summary>FastChat: extra members joining per second while sending runs (0 = none); each stays <see cref="ChurnHold"/>.</summary>
    public double ChurnRate { get; init; }

    public TimeSpan ChurnHold { get; init; } = TimeSpan.FromSeconds(5);
}

/// <summary>
/// The headline measurement: N members, K senders, deliveries/s, messages/s, MB/s and latency, with
/// every delivery verified. Phases as in the C harness: connect, settle (JOIN storm over), warm-up,
/// measure, drain.
/// </summary>
internal static class FanoutScenario
{
    /// <summary>Longest server line accepted: a USERS line of 19k ids is ~120 KB (held in a rented buffer only while it arrives).</summary>
    public const int MaxServerLine = 4 * 1024 * 1024;

    public static async Task<RunReport> RunAsync(CommonOptions common, FanoutOptions o, IPEndPoint server, int? serverPid, IProgressView progress, CancellationToken ct)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(o.Clients);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(o.Senders);
        FanoutTarget target = FanoutTarget.Create(common.Target, o.Channel);
        if (target.SendersAreMembers && o.Senders > o.Clients)
        {
            throw new ArgumentException("--senders must not exceed --clients (FastChat senders are members)");
        }

        var report = new RunReport("fanout");
        int k = o.Senders;

        // JIT warm-up of the receive path (frame, parse, verify, record) before the clock starts: tier-0
        // code fell seconds behind at 2 M deliveries/s (latency p99 1.5 s in the first 4 s of config (c),
        // then 140 ms); after this the hot methods are tier-1 with dynamic PGO.
        VerifyBenchmark.Run(Math.Max(1, Math.Min(k, 16)), o.Size, TimeSpan.FromMilliseconds(300));
        await Task.Delay(200, ct); // let the background tier-1 compiles finish
        int samplePerSender = Math.Max(1, (o.OrderSample + k - 1) / k);
        using var run = new FanoutRunState(k, samplePerSender);
        int extraSenders = target.SendersAreMembers ? 0 : k;
        int total = o.Clients + extraSenders;
        int maxLine = Math.Max(o.Size, PayloadCodec.MaxHeaderLength) + 256;
        using var connector = new Connector(common.ConnectSettingsFor(server, common.ReceiveBufferFor(total, maxLine), MaxServerLine), total);
        bool churn = o.ChurnRate > 0 && common.Target == TargetKind.FastChat;
        CheckFileLimit(total + (churn ? Churner.Concurrent(o.ChurnRate, o.ChurnHold) : 0), report, progress);

        await using var monitor = new RunMonitor(serverPid);
        long rssBefore = monitor.ServerRssNowKb();

        // 1. connect
        progress.Phase("connect", $"{o.Clients} members + {extraSenders} publish-only senders to {server} ({common.Target})");
        var receivers = new FanoutReceiver?[total];
        long connectStart = Stopwatch.GetTimestamp();
        var handshakeMicros = LatencyRecorders.NewHistogram();
        var tasks = new Task[total];
        int ready = 0, full = 0, fullPerAddress = 0, failed = 0;
        int firstStalled = o.Clients - o.StalledMembers;
        if (o.StalledMembers > 0 && (firstStalled < 1 || (target.SendersAreMembers && firstStalled <= k)))
        {
            throw new ArgumentException("--stalled must leave the senders and at least one other healthy member");
        }

        for (int i = 0; i < total; i++)
        {
            int index = i;
            bool isReceiver = index < o.Clients;
            bool isStalled = isReceiver && index >= firstStalled;
            tasks[i] = Task.Run(async () =>
            {
                var (conn, outcome, ticks) = await connector.ConnectAsync(
                    index,
                    c =>
                    {
                        var r = new FanoutReceiver(run, c, index, verifies: isReceiver);
                        receivers[index] = r;
                        return isReceiver ? target.CreateReceiver(r) : target.CreateSenderOnly(r);
                    },
                    isReceiver ? target.ReceiverHello : target.SenderHello,
                    ct,
                    isStalled ? o.StalledReceiveBuffer : 0);
                lock (handshakeMicros)
                {
                    if (outcome == ConnectOutcome.Ready)
                    {
                        ready++;
                        handshakeMicros.RecordValue(LatencyRecorders.TicksToMicros(ticks));
                    }
                    else if (outcome == ConnectOutcome.Full)
                    {
                        full++;
                    }
                    else if (outcome == ConnectOutcome.FullPerAddress)
                    {
                        fullPerAddress++;
                    }
                    else
                    {
                        failed++;
                    }
                }
            }, ct);
        }

        await Task.WhenAll(tasks);
        double connectSeconds = Seconds(Stopwatch.GetTimestamp() - connectStart);
        long rssConnected = monitor.ServerRssNowKb();
        report.Set("connect_s", connectSeconds);
        report.Set("clients_ready", ready);
        report.Set("refused_full", full);
        report.Set("refused_full_per_address", fullPerAddress);
        report.Set("connections_failed", failed);
        report.Histograms["handshake"] = handshakeMicros;
        progress.Phase("connect", $"{ready} ready, {full} FULL, {fullPerAddress} FULL per-address, {failed} failed in {connectSeconds:F2} s");
        report.Facts["source_addresses"] = SourceAddressFact(connector, total);

        var senderConns = new List<(FanoutReceiver Recv, int SenderIndex)>();
        for (int s = 0; s < k; s++)
        {
            int ci = target.SendersAreMembers ? s : o.Clients + s;
            FanoutReceiver? r = receivers[ci];
            if (r is null || r.Connection.IsClosed || !r.Connection.Handshake.IsCompletedSuccessfully || r.Connection.Handshake.Result != ConnectOutcome.Ready)
            {
                report.Aborted = true;
                report.AbortReason = $"sender {s} could not connect";
                Cleanup(receivers);
                return report;
            }

            senderConns.Add((r, s));
        }

        // 2. settle: wait for the JOIN storm (N(N-1)/2 JOIN lines, or 1 s without a JOIN, at most 10 s).
        if (common.Target == TargetKind.FastChat)
        {
            long expectedJoins = (long)ready * (ready - 1) / 2;
            long settleStart = Stopwatch.GetTimestamp();
            run.LastJoinTicks = settleStart;
            while (Seconds(Stopwatch.GetTimestamp() - settleStart) < 10)
            {
                long joins = receivers.Sum(r => r?.Joins ?? 0);
                if (joins >= expectedJoins || Seconds(Stopwatch.GetTimestamp() - run.LastJoinTicks) > 1)
                {
                    break;
                }

                await Task.Delay(20, ct);
            }
        }

        FanoutReceiver[] members = receivers.Take(o.Clients).Where(r => r is not null && r.Connection.Handshake.IsCompletedSuccessfully && r.Connection.Handshake.Result == ConnectOutcome.Ready).ToArray()!;
        // Stalled members (slow-consumer): the last --stalled ones; the probe is the last healthy one.
        var stalled = members.Where(m => m.Index >= firstStalled).ToHashSet();
        FanoutReceiver[] healthy = members.Where(m => !stalled.Contains(m)).ToArray();
        int probeIndex = o.Probe >= 0 ? o.Probe : firstStalled - 1;
        run.Probe = healthy.FirstOrDefault(m => m.Index == probeIndex) ?? healthy.LastOrDefault();

        foreach (FanoutReceiver m in stalled)
        {
            m.IsLaggard = true;
        }

        // Laggards read normally through the warm-up and stop (or slow down) when the measured window
        // starts: the server's RSS at that moment is the baseline of what one laggard may add
        // (issue 6: "RSS stays within --max-pending-bytes of its baseline").
        long rssAtStall = 0;
        long anonAtStall = 0;
        void Stall()
        {
            (rssAtStall, anonAtStall) = monitor.ServerMemoryNowKb();
            foreach (FanoutReceiver m in stalled)
            {
                if (o.LaggardBytesPerSecond > 0)
                {
                    m.Connection.Throttle = new ReadThrottle(o.LaggardBytesPerSecond, Stopwatch.Frequency, Stopwatch.GetTimestamp());
                }
                else
                {
                    m.Connection.PauseReading();
                }
            }
        }

        // 3. warm-up and 4. measure
        var senders = senderConns.Select(sc => new FanoutSender(run, target, sc.Recv.Connection, sc.SenderIndex, o.Size)).ToArray();
        IReadOnlyList<RateStage> stages = o.Stages.Count > 0 ? o.Stages
            : o.Rate > 0 ? [new RateStage(o.Rate, Timeout.InfiniteTimeSpan)] : [];
        bool openModel = stages.Count > 0;
        run.Epoch = Stopwatch.GetTimestamp();
        long measureStart = run.Epoch + Ticks(o.Warmup);
        long measureEnd = measureStart + Ticks(o.Duration);
        run.MeasureStart = measureStart;
        run.MeasureEnd = measureEnd;
        Task[] sendLoops = openModel
            ? [FanoutSender.RunScheduleAsync(senders, new OpenModelSchedule(Stopwatch.Frequency,
                stages.Select(st => st with { RatePerSecond = st.RatePerSecond / k }).ToList()))]
            : senders.Select(s => Task.Run(() => s.RunWindowAsync(o.Window), ct)).ToArray();
        progress.Phase("send", openModel
            ? $"open model, {string.Join(", ", stages.Select(st => $"{st.RatePerSecond:N0} msg/s" + (st.Duration == Timeout.InfiniteTimeSpan ? "" : $" for {st.Duration.TotalSeconds:F0} s")))} over {k} senders, warm-up {o.Warmup.TotalSeconds:F0} s, measure {o.Duration.TotalSeconds:F0} s"
            : $"closed model, window {o.Window} per sender x {k}, warm-up {o.Warmup.TotalSeconds:F0} s, measure {o.Duration.TotalSeconds:F0} s");

        // Churners come and go from the start of sending to the end of the measured window, from
        // source addresses after the members' own.
        using Churner? churner = churn
            ? new Churner(common.ConnectSettingsFor(server, 4096, MaxServerLine, connector.BlocksFor(total)), o.ChurnRate, o.ChurnHold)
            : null;
        Task churnLoop = churner?.RunAsync(measureEnd, ct) ?? Task.CompletedTask;

        var timeline = new Timeline(report, monitor, run, members, senders, progress);
        double toolCpuStart = 0, toolCpuEnd = 0;
        double serverCpuStart = 0, serverCpuEnd = 0;
        bool measuring = false;
        while (Stopwatch.GetTimestamp() < measureEnd && !ct.IsCancellationRequested)
        {
            if (!measuring && Stopwatch.GetTimestamp() >= measureStart)
            {
                measuring = true;
                Stall();
                toolCpuStart = monitor.ToolCpuSecondsTotal;
                serverCpuStart = serverPid is int p1 ? ProcSampler.Read(p1)?.CpuSeconds ?? 0 : 0;
            }

            await WaitUntilAsync(Math.Min(timeline.NextTick, measureEnd), ct);
            if (Stopwatch.GetTimestamp() >= timeline.NextTick)
            {
                timeline.Tick(Stopwatch.GetTimestamp() < measureStart ? "warmup" : "measure");
            }

            // A probe that was cut off must not freeze the closed model: move it to a live member.
            if (run.Probe is { } probe && probe.Connection.IsClosed)
            {
                run.Probe = healthy.FirstOrDefault(m => !m.Connection.IsClosed);
                run.WakeSenders();
            }
        }

        toolCpuEnd = monitor.ToolCpuSecondsTotal;
        serverCpuEnd = serverPid is int p2 ? ProcSampler.Read(p2)?.CpuSeconds ?? 0 : 0;

        // 5. drain: stop, wait until every live member has every message sent (or --drain).
        foreach (FanoutSender s in senders)
        {
            s.Stop = true;
        }

        run.WakeSenders();
        await Task.WhenAll(sendLoops).WaitAsync(TimeSpan.FromSeconds(10), ct).ContinueWith(static _ => { }, TaskScheduler.Default);
        long[] sent = senders.Select(s => s.Sent).ToArray();
        long drainStart = Stopwatch.GetTimestamp();
        while (Seconds(Stopwatch.GetTimestamp() - drainStart) < o.Drain.TotalSeconds)
        {
            if (healthy.All(m => m.Connection.IsClosed || m.Verifier!.HasAll(sent)))
            {
                break;
            }

            await Task.Delay(5, ct);
            if (Stopwatch.GetTimestamp() >= timeline.NextTick)
            {
                timeline.Tick("drain");
            }
        }

        report.Set("drain_s", Seconds(Stopwatch.GetTimestamp() - drainStart));
        await churnLoop;
        churner?.Report(report);

        // A laggard cannot see that the server cut it off before it has read what the kernels still
        // hold ahead of the BYE / EOF (at a throttled rate that can take minutes): lift the throttle
        // or resume reading, and wait (at most 3 s, the server lingers about 1 s) for the end, or,
        // for a laggard the server kept, for every message.
        LaggardOutcome[] laggards = [];
        if (stalled.Count > 0)
        {
            long lifted = Stopwatch.GetTimestamp();
            laggards = stalled.OrderBy(m => m.Index).Select(m => LaggardOutcome.Capture(m, lifted)).ToArray();
            foreach (FanoutReceiver m in stalled)
            {
                m.Connection.Throttle = null;
                m.Connection.ResumeReading();
            }

            long resumeStart = Stopwatch.GetTimestamp();
            while (Seconds(Stopwatch.GetTimestamp() - resumeStart) < 3 && stalled.Any(m => !m.Connection.IsClosed && !m.Verifier!.HasAll(sent)))
            {
                await Task.Delay(20, ct);
            }

            report.Facts["stalled_close_reasons"] = string.Join(", ", stalled.GroupBy(m => m.Connection.IsClosed ? m.Connection.CloseReason ?? "closed" : "still open").Select(g => $"{g.Count()} {g.Key}"));
        }
        (long rssEnd, long anonEnd) = monitor.ServerMemoryNowKb();

        // Results.
        double window = o.Duration.TotalSeconds;
        long sentInWindow = senders.Sum(s => s.SentInWindow);
        long deliveries = members.Sum(m => m.WindowDeliveries);
        long bytes = members.Sum(m => m.WindowBytes);
        report.Set("senders", k);
        report.Set("clients", o.Clients);
        report.Set("sent", sent.Sum());
        report.Set("messages/s", sentInWindow / window);
        report.Set("deliveries", deliveries);
        report.Set("deliveries/s", deliveries / window);
        report.Set("expected_deliveries/s", sentInWindow * (double)healthy.Length / window);
        report.Set("MB/s", bytes / window / 1e6);
        report.Set("payload_bytes", PayloadCodec.Length(o.Size, run.MeasureEnd - run.Epoch, k - 1, sent.Max(), 0));
        report.Set("send_batches", senders.Sum(s => s.Batches));
        report.Set("pings_answered", receivers.Sum(r => r?.Connection.PongsSent ?? 0));
        long reads = members.Sum(m => m.Connection.Reads);
        report.Set("deliveries_per_read", reads == 0 ? 0 : members.Sum(m => m.TotalDeliveries) / (double)reads);

        Verify(report, members, healthy, stalled, sent);
        LaggardOutcome.Report(report, laggards, run, o.LaggardBytesPerSecond, sent);
        var latency = LatencyRecorders.NewHistogram();
        var service = LatencyRecorders.NewHistogram();
        foreach (LatencyRecorders.Pair pair in run.Recorders.All)
        {
            pair.DrainInto(latency, service);
        }

        latency.Add(timeline.LatencyTotal);
        service.Add(timeline.ServiceTotal);

        var lag = LatencyRecorders.NewHistogram();
        foreach (FanoutSender s in senders)
        {
            lag.Add(s.Lag);
        }

        report.Histograms["latency"] = latency;
        report.AddLatency("", latency);
        report.Set("latency_count", latency.TotalCount);
        if (openModel)
        {
            report.Histograms["service"] = service;
            report.Histograms["schedule-lag"] = lag;
            report.AddLatency("service_", service);
            report.AddLatency("lag_", lag);
        }

        Spread(report, run, healthy);

        // Server and tool.
        double toolCpu = (toolCpuEnd - toolCpuStart) / window * 100;
        report.Set("tool_cpu_pct", toolCpu);
        report.Histograms["loop-lag"] = monitor.LoopLag;
        report.Set("loop_lag_p99", monitor.LoopLag.TotalCount == 0 ? 0 : monitor.LoopLag.GetValueAtPercentile(99) / 1000.0);
        report.Set("machine_cpus", Environment.ProcessorCount);
        if (serverPid is not null)
        {
            report.Set("server_cpu_pct", (serverCpuEnd - serverCpuStart) / window * 100);
            report.Set("server_rss_before_mb", rssBefore / 1024.0);
            report.Set("server_rss_connected_mb", rssConnected / 1024.0);
            report.Set("server_rss_end_mb", rssEnd / 1024.0);
            report.Set("server_rss_max_mb", monitor.ServerRssMaxKb / 1024.0);
            report.Set("server_rss_growth_mb", (Math.Max(monitor.ServerRssMaxKb, rssEnd) - rssConnected) / 1024.0);
            if (rssAtStall > 0)
            {
                // With no laggard the same figures are the control: what the server grows by in that
                // window anyway (a young process still compiles code and starts runtime services).
                string when = stalled.Count > 0 ? "stall" : "warmup";
                report.Set($"server_rss_growth_after_{when}_mb", (Math.Max(monitor.ServerRssMaxKb, rssEnd) - rssAtStall) / 1024.0);
                // The data part alone: the first cut-off in a process also maps code pages it never ran.
                report.Set($"server_anon_growth_after_{when}_mb", (Math.Max(monitor.ServerRssAnonMaxKb, anonEnd) - anonAtStall) / 1024.0);
            }
            if (ready > 0)
            {
                report.Set("server_bytes_per_conn", (rssConnected - rssBefore) * 1024.0 / ready);
            }
        }

        SelfHealth(report, openModel, toolCpu, monitor);
        report.Facts["target"] = $"{common.Target} {server}";
        report.Facts["model"] = openModel ? "open (rate)" : $"closed (window {o.Window})";
        report.Facts["config"] = string.Create(CultureInfo.InvariantCulture,
            $"clients={o.Clients} senders={k} {(openModel ? $"rate={stages[0].RatePerSecond}" : $"window={o.Window}")} size={o.Size} warmup={o.Warmup.TotalSeconds}s duration={window}s drain={o.Drain.TotalSeconds}s") +
            (churn ? string.Create(CultureInfo.InvariantCulture, $" churn={o.ChurnRate}/s hold={o.ChurnHold.TotalSeconds}s") : "");
        Cleanup(receivers);
        await Task.WhenAny(Task.WhenAll(connector.ReceiveLoops), Task.Delay(2000, CancellationToken.None));
        return report;
    }

    private static void Verify(RunReport report, FanoutReceiver[] members, FanoutReceiver[] healthy,
        HashSet<FanoutReceiver> stalled, long[] sent)
    {
        long gaps = 0, tail = 0, dup = 0, late = 0, tooOld = 0, foreign = 0, unknown = 0, errors = 0;
        long dropped = 0, droppedMissed = 0, stalledCut = 0;
        int anomalies = 0;
        foreach (FanoutReceiver m in members)
        {
            DeliveryVerifier v = m.Verifier!;
            long memberTail = 0;
            for (int s = 0; s < sent.Length; s++)
            {
                memberTail += v.TailMissing(s, sent[s]);
            }

            foreign += m.ForeignMessages;
            unknown += m.UnknownLines;
            errors += m.ServerErrors;
            if (stalled.Contains(m))
            {
                if (m.Connection.IsClosed)
                {
                    stalledCut++;
                }

                continue;
            }

            dup += v.Duplicates;
            late += v.Late;
            tooOld += v.TooOld;
            if (m.Connection.IsClosed && memberTail > 0)
            {
                dropped++;
                droppedMissed += memberTail + v.Gaps;
                Anomaly(report, ref anomalies, $"member {m.Index}: connection closed ({m.Connection.CloseReason}), missed {memberTail + v.Gaps}");
                continue;
            }

            gaps += v.Gaps;
            tail += memberTail;
            if (v.Gaps + memberTail + v.Duplicates + v.Late + v.TooOld > 0)
            {
                Anomaly(report, ref anomalies, $"member {m.Index}: lost {v.Gaps} in gaps + {memberTail} at the tail, dup {v.Duplicates}, late {v.Late + v.TooOld}");
            }
        }

        report.Set("lost", gaps + tail);
        report.Set("lost_gaps", gaps);
        report.Set("lost_tail", tail);
        report.Set("lost_total", gaps + tail + droppedMissed);
        report.Set("dup", dup);
        report.Set("reordered", late + tooOld);
        report.Set("receivers_dropped", dropped);
        report.Set("dropped_missed_msgs", droppedMissed);
        report.Set("stalled_members", stalled.Count);
        report.Set("stalled_cut_off", stalledCut);
        report.Set("stalled_not_cut", stalled.Count - stalledCut);
        report.Set("foreign_msgs", foreign);
        report.Set("unknown_lines", unknown);
        report.Set("server_errors", errors);
        report.Set("healthy_members", healthy.Length);

        OrderComparison order = OrderComparison.Compare(healthy.Where(m => !m.Connection.IsClosed).Select(m => m.Verifier!).ToList(), sent);
        report.Set("same_order", order.SameOrder ? 1 : 0);
        report.Set("order_sample", order.SampleSize);
        report.Set("order_receivers_compared", order.Compared);
        report.Set("order_mismatch_receivers", order.Mismatches);
        report.Set("order_hash_groups", order.HashGroups);
        report.Set("per_sender_order", late + tooOld == 0 ? 1 : 0);
        report.Set("order", order.SameOrder && late + tooOld == 0 ? 1 : 0);
        report.Facts["order"] = order.Describe();
    }

    private static void Anomaly(RunReport report, ref int count, string text)
    {
        if (count++ < 200)
        {
            report.Anomalies.Add(text);
        }
    }

    /// <summary>Fan-out spread per sampled broadcast: when the first, median and last recipient got it.</summary>
    private static void Spread(RunReport report, FanoutRunState run, FanoutReceiver[] healthy)
    {
        var first = LatencyRecorders.NewHistogram();
        var median = LatencyRecorders.NewHistogram();
        var last = LatencyRecorders.NewHistogram();
        var width = LatencyRecorders.NewHistogram();
        int keys = run.SampleIntended.Length;
        var arrivals = new List<long>(healthy.Length);
        for (int key = 0; key < keys; key++)
        {
            int sender = key / run.SamplePerSender;
            if (run.SampleBase[sender] == long.MaxValue)
            {
                continue;
            }

            arrivals.Clear();
            foreach (FanoutReceiver m in healthy)
            {
                long t = m.Verifier!.SampleArrival[key];
                if (t != 0)
                {
                    arrivals.Add(t);
                }
            }

            if (arrivals.Count == 0)
            {
                continue;
            }

            arrivals.Sort();
            long intended = run.Epoch + run.SampleIntended[key];
            first.RecordValue(LatencyRecorders.TicksToMicros(arrivals[0] - intended));
            median.RecordValue(LatencyRecorders.TicksToMicros(arrivals[arrivals.Count / 2] - intended));
            last.RecordValue(LatencyRecorders.TicksToMicros(arrivals[^1] - intended));
            width.RecordValue(LatencyRecorders.TicksToMicros(arrivals[^1] - arrivals[0]));
        }

        report.Set("spread_broadcasts", first.TotalCount);
        report.Set("spread_first_p50", first.TotalCount == 0 ? 0 : first.GetValueAtPercentile(50) / 1000.0);
        report.Set("spread_median_p50", median.TotalCount == 0 ? 0 : median.GetValueAtPercentile(50) / 1000.0);
        report.Set("spread_last_p50", last.TotalCount == 0 ? 0 : last.GetValueAtPercentile(50) / 1000.0);
        report.Set("spread_last_p99", last.TotalCount == 0 ? 0 : last.GetValueAtPercentile(99) / 1000.0);
        report.Set("spread_width_p50", width.TotalCount == 0 ? 0 : width.GetValueAtPercentile(50) / 1000.0);
        report.Set("spread_width_p99", width.TotalCount == 0 ? 0 : width.GetValueAtPercentile(99) / 1000.0);
    }

    internal static void SelfHealth(RunReport report, bool openModel, double toolCpuPct, RunMonitor monitor)
    {
        double lagP99 = report.Metrics.GetValueOrDefault("lag_p99");
        double loopP99 = monitor.LoopLag.TotalCount == 0 ? 0 : monitor.LoopLag.GetValueAtPercentile(99) / 1000.0;
        int cores = Environment.ProcessorCount;
        if (openModel && lagP99 > 10)
        {
            report.ToolBottleneck = true;
            report.Warnings.Add($"the tool fell behind its send schedule (schedule lag p99 {lagP99:F1} ms): latency includes the tool's own delay");
        }

        if (loopP99 > 20)
        {
            report.ToolBottleneck = true;
            report.Warnings.Add($"the tool's event loop lagged (thread-pool queue delay p99 {loopP99:F1} ms)");
        }

        if (toolCpuPct > 90.0 * cores)
        {
            report.ToolBottleneck = true;
            report.Warnings.Add($"the tool used {toolCpuPct:F0}% CPU of {cores * 100}%: it was probably the bottleneck");
        }
    }

    private static void Cleanup(FanoutReceiver?[] receivers)
    {
        foreach (FanoutReceiver? r in receivers)
        {
            r?.Connection.Dispose();
        }
    }

    /// <summary>How the connections of <paramref name="connector"/> were spread over source addresses (a report fact).</summary>
    internal static string SourceAddressFact(Connector connector, int connections)
    {
        ConnectSettings s = connector.Settings;
        if (!SourceAddresses.CanSpread(s.Server.Address))
        {
            return $"the kernel's choice (the server {s.Server.Address} is not loopback IPv4)";
        }

        int blocks = connector.BlocksFor(connections);
        string first = SourceAddresses.Block(s.FirstAddressBlock)?.ToString() ?? "127.0.0.1";
        string last = SourceAddresses.Block(s.FirstAddressBlock + blocks - 1)?.ToString() ?? "127.0.0.1";
        return s.ClientsPerAddress > 0
            ? $"{connections} connections, at most {s.PerAddress} per address, over {blocks} loopback addresses {first} .. {last} (--clients-per-address)"
            : $"{connections} connections, at most {s.PerAddress} per address, over {blocks} loopback addresses {first} .. {last} (--clients-per-address 0: spread only for ephemeral ports)";
    }

    internal static void CheckFileLimit(int connections, RunReport report, IProgressView progress)
    {
        long limit = Connector.OpenFileLimit();
        if (limit > 0 && connections + 64 > limit)
        {
            string w = $"{connections} connections need more open files than the limit {limit}: raise it (ulimit -n) or split the run over processes";
            report.Warnings.Add(w);
            progress.Note("warning: " + w);
        }
    }

    internal static double Seconds(long ticks) => ticks / (double)Stopwatch.Frequency;

    internal static long Ticks(TimeSpan t) => (long)(t.TotalSeconds * Stopwatch.Frequency);

    internal static async Task WaitUntilAsync(long ticks, CancellationToken ct)
    {
        long wait = ticks - Stopwatch.GetTimestamp();
        if (wait > 0)
        {
            await Task.Delay(TimeSpan.FromSeconds(Math.Min(0.25, Seconds(wait))), ct);
        }
    }
}
