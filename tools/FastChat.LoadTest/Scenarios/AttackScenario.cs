using System.Diagnostics;
using System.Globalization;
using System.Net;
using FastChat.LoadTest.Internal;
using FastChat.LoadTest.Scenarios.Attacks;
using HdrHistogram;

namespace FastChat.LoadTest.Scenarios;

/// <summary>
/// An honest room measured twice, once alone (baseline) and once while attacks run against the same
/// server (flood, slowloris, per-address exhaustion, amplification, other protocols): honest latency
/// from the intended send time, loss and one global order in each phase side by side, and how the
/// server answered each attack (docs/PROTOCOL.md section 11) and how long it took.
/// </summary>
/// <remarks>
/// Phases: connect, settle, warm-up, baseline, attack (the attacks start with it), then, while an
/// attack still waits for its answer (at most <see cref="AttackOptions.AttackTimeout"/> from its
/// start), the honest senders go on unmeasured; then the drain. Every honest message of the run is
/// verified; the phases' latency, loss and order are those of the messages intended in them.
/// </remarks>
internal static class AttackScenario
{
    private static readonly CultureInfo s_inv = CultureInfo.InvariantCulture;

    public static async Task<RunReport> RunAsync(CommonOptions common, AttackOptions o, IPEndPoint server, int? serverPid, IProgressView progress, CancellationToken ct)
    {
        o.Validate();
        if (common.Target != TargetKind.FastChat)
        {
            throw new ArgumentException("the attack scenario needs a FastChat server (--target fastchat://...)");
        }

        var report = new RunReport("attack");
        List<Attack> attacks = o.CreateAttacks();
        int flooders = attacks.OfType<FloodAttack>().Sum(a => a.Connections);
        int attackConnections = attacks.Sum(a => a.Connections);
        int n = o.Clients;
        int k = o.Senders;
        using var room = new HonestRoom(k, flooders);
        using var run = new FanoutRunState(k, 1);
        await using var monitor = new RunMonitor(serverPid);
        int maxLine = Math.Max(o.Size, PayloadCodec.MaxHeaderLength) + 256;
        using var connector = new Connector(common.ConnectSettingsFor(server, common.ReceiveBufferFor(n, maxLine), FanoutScenario.MaxServerLine), n);
        FanoutScenario.CheckFileLimit(n + attackConnections, report, progress);

        // 1. connect the honest room (the last member also writes down the room's LEAVE times).
        progress.Phase("connect", $"{n} honest members to {server}");
        var members = new HonestMember?[n];
        int ready = 0, full = 0, fullPerAddress = 0, failed = 0;
        long connectStart = Stopwatch.GetTimestamp();
        await Task.WhenAll(Enumerable.Range(0, n).Select(i => Task.Run(async () =>
        {
            var (_, outcome, _) = await connector.ConnectAsync(i, c => members[i] = new HonestMember(room, c, i, observer: i == n - 1), default, ct);
            switch (outcome)
            {
                case ConnectOutcome.Ready: Interlocked.Increment(ref ready); break;
                case ConnectOutcome.Full: Interlocked.Increment(ref full); break;
                case ConnectOutcome.FullPerAddress: Interlocked.Increment(ref fullPerAddress); break;
                default: Interlocked.Increment(ref failed); break;
            }
        }, ct)));
        report.Set("connect_s", FanoutScenario.Seconds(Stopwatch.GetTimestamp() - connectStart));
        report.Set("clients_ready", ready);
        report.Set("refused_full", full);
        report.Set("refused_full_per_address", fullPerAddress);
        report.Set("connections_failed", failed);
        report.Facts["source_addresses"] = FanoutScenario.SourceAddressFact(connector, n);
        progress.Phase("connect", $"{ready} ready, {full} FULL, {fullPerAddress} FULL per-address, {failed} failed");
        HonestMember[] honest = members.Where(m => m is not null && m.Connection.Handshake.IsCompletedSuccessfully && m.Connection.Handshake.Result == ConnectOutcome.Ready).ToArray()!;
        if (ready < n)
        {
            report.Aborted = true;
            report.AbortReason = $"only {ready} of {n} honest members got in ({full} FULL, {fullPerAddress} FULL per-address, {failed} failed)";
            Close(honest);
            return report;
        }

        // 2. settle: the JOIN storm is over (n(n-1)/2 JOINs, or 1 s without one, at most 10 s).
        long expectedJoins = (long)n * (n - 1) / 2;
        long settleStart = Stopwatch.GetTimestamp();
        room.LastJoinTicks = settleStart;
        while (FanoutScenario.Seconds(Stopwatch.GetTimestamp() - settleStart) < 10 &&
               honest.Sum(m => m.Joins) < expectedJoins && FanoutScenario.Seconds(Stopwatch.GetTimestamp() - room.LastJoinTicks) <= 1)
        {
            await Task.Delay(20, ct);
        }

        // 3. the honest senders, open model, from now to the end of the last phase and beyond while
        // an attack still runs; the phases are windows of intended send time.
        long epoch = Stopwatch.GetTimestamp();
        room.Epoch = run.Epoch = epoch;
        room.PhaseStart[0] = epoch + FanoutScenario.Ticks(o.Warmup);
        room.PhaseEnd[0] = room.PhaseStart[1] = room.PhaseStart[0] + FanoutScenario.Ticks(o.Phase);
        room.PhaseEnd[1] = room.PhaseStart[1] + FanoutScenario.Ticks(o.Phase);
        run.MeasureStart = room.PhaseStart[0];
        run.MeasureEnd = room.PhaseEnd[1];
        var target = new FastChatTarget();
        FanoutSender[] senders = honest.Take(k).Select((m, s) => new FanoutSender(run, target, m.Connection, s, o.Size)).ToArray();
        var schedule = new OpenModelSchedule(Stopwatch.Frequency, [new RateStage(o.Rate / k, Timeout.InfiniteTimeSpan)]);
        Task sendLoop = FanoutSender.RunScheduleAsync(senders, schedule);
        progress.Phase("send", string.Create(s_inv,
            $"{o.Rate:N0} msg/s over {k} senders to {n} members: warm-up {o.Warmup.TotalSeconds:0.#} s, baseline {o.Phase.TotalSeconds:0.#} s, then {o.Phase.TotalSeconds:0.#} s under attack ({string.Join(", ", attacks.Select(a => a.Name))})"));

        // Attackers come from addresses after the honest members'; the exhaustion from one more.
        using var attackConnector = new Connector(common.ConnectSettingsFor(server, 16 * 1024, FanoutScenario.MaxServerLine, connector.BlocksFor(n)), 0);
        IPAddress? exhaustAddress = SourceAddresses.CanSpread(server.Address)
            ? SourceAddresses.Block(connector.BlocksFor(n) + attackConnector.BlocksFor(attackConnections) + 1)
            : null;
        var context = new AttackContext(attackConnector, room, room.PhaseStart[1] + FanoutScenario.Ticks(o.AttackTimeout), room.PhaseEnd[1], exhaustAddress);
        Task? attacking = null;

        var totals = new[] { LatencyRecorders.NewHistogram(), LatencyRecorders.NewHistogram() };
        long lastDelivered = 0, lastSent = 0, lastTick = epoch;
        long timelineStart = epoch;
        void Tick(string phase)
        {
            long now = Stopwatch.GetTimestamp();
            double dt = Math.Max(1e-6, FanoutScenario.Seconds(now - lastTick));
            lastTick = now;
            var interval = LatencyRecorders.NewHistogram();
            var unused = LatencyRecorders.NewHistogram();
            for (int p = 0; p < HonestRoom.Phases; p++)
            {
                var drained = LatencyRecorders.NewHistogram();
                foreach (LatencyRecorders.Pair pair in room.Latency[p].All)
                {
                    pair.DrainInto(drained, unused);
                }

                totals[p].Add(drained);
                interval.Add(drained);
            }

            long delivered = honest.Sum(m => m.Delivered);
            long sentNow = senders.Sum(s => s.Sent);
            int open = honest.Count(m => !m.Connection.IsClosed) + OpenLoops(attackConnector);
            HealthSample h = monitor.Sample();
            bool any = interval.TotalCount > 0;
            var row = new TimelineRow(FanoutScenario.Seconds(now - timelineStart), phase, (delivered - lastDelivered) / dt, (sentNow - lastSent) / dt,
                any ? interval.GetValueAtPercentile(50) / 1000.0 : 0, any ? interval.GetValueAtPercentile(99) / 1000.0 : 0, any ? interval.GetMaxValue() / 1000.0 : 0,
                h.ServerRssMb, h.ServerCpuPercent, h.ToolCpuPercent, h.LoopLagMs, open);
            lastDelivered = delivered;
            lastSent = sentNow;
            report.Timeline.Add(row);
            progress.Row(row);
        }

        string PhaseNow(long now) =>
            now < room.PhaseStart[0] ? "warmup" : now < room.PhaseEnd[0] ? "baseline" : now < room.PhaseEnd[1] ? "attack" : "outcome";

        long nextTick = epoch + Stopwatch.Frequency;
        while (!ct.IsCancellationRequested)
        {
            long now = Stopwatch.GetTimestamp();
            if (attacking is null && now >= room.PhaseStart[1])
            {
                progress.Phase("attack", string.Join("; ", attacks.Select(a => a.Description)));
                attacking = Task.WhenAll(attacks.Select(a => Task.Run(() => a.RunAsync(context, ct), ct)));
            }

            bool phasesOver = now >= room.PhaseEnd[1];
            bool attacksOver = attacking is not null && (attacking.IsCompleted || now >= context.DeadlineTicks);
            if (phasesOver && attacksOver)
            {
                break;
            }

            await FanoutScenario.WaitUntilAsync(Math.Min(nextTick, attacking is null ? room.PhaseStart[1] : nextTick), ct);
            if (Stopwatch.GetTimestamp() >= nextTick)
            {
                Tick(PhaseNow(nextTick - 1));
                nextTick += Stopwatch.Frequency;
            }
        }

        // 4. drain: the senders stop; every honest member must get every message sent.
        foreach (FanoutSender s in senders)
        {
            s.Stop = true;
        }

        await sendLoop.WaitAsync(TimeSpan.FromSeconds(10), ct).ContinueWith(static _ => { }, TaskScheduler.Default);
        long[] sent = senders.Select(s => s.Sent).ToArray();
        long drainStart = Stopwatch.GetTimestamp();
        while (FanoutScenario.Seconds(Stopwatch.GetTimestamp() - drainStart) < o.Drain.TotalSeconds &&
               !honest.All(m => m.Connection.IsClosed || m.Verifier.HasAll(sent)))
        {
            await Task.Delay(5, ct);
        }

        report.Set("drain_s", FanoutScenario.Seconds(Stopwatch.GetTimestamp() - drainStart));
        Tick("drain");
        if (attacking is not null)
        {
            // Each attack bounds its own waits by the deadline; this only guards against a hang.
            await attacking.WaitAsync(TimeSpan.FromSeconds(30) + o.AttackTimeout, ct).ContinueWith(static _ => { }, TaskScheduler.Default);
        }

        // Results.
        ReportHonest(report, o, honest, senders, schedule, room, sent, totals);
        ReportAttacks(report, attacks, honest);
        report.Set("ok", report.Metrics["lost_total"] == 0 && report.Metrics["order"] == 1 && report.Metrics["honest_dropped"] == 0 &&
            report.Metrics["foreign_msgs"] == 0 && report.Metrics["flood_disorder"] == 0 && report.Metrics.GetValueOrDefault("flood_relayed_over_limit") == 0 &&
            report.Metrics["attacks_as_documented"] == 1 ? 1 : 0);

        var lag = LatencyRecorders.NewHistogram();
        foreach (FanoutSender s in senders)
        {
            lag.Add(s.Lag);
        }

        report.Histograms["schedule-lag"] = lag;
        report.AddLatency("lag_", lag);
        report.Histograms["loop-lag"] = monitor.LoopLag;
        report.Set("loop_lag_p99", monitor.LoopLag.TotalCount == 0 ? 0 : monitor.LoopLag.GetValueAtPercentile(99) / 1000.0);
        if (serverPid is not null)
        {
            report.Set("server_rss_max_mb", monitor.ServerRssMaxKb / 1024.0);
            report.Set("server_rss_end_mb", monitor.ServerRssNowKb() / 1024.0);
        }

        FanoutScenario.SelfHealth(report, openModel: true, 0, monitor);
        report.Facts["target"] = $"{common.Target} {server}";
        report.Facts["exhaust_address"] = exhaustAddress?.ToString() ?? "the kernel's (the server is not loopback IPv4)";
        report.Facts["config"] = string.Create(s_inv,
            $"clients={n} senders={k} rate={o.Rate} size={o.Size} warmup={o.Warmup.TotalSeconds}s phase={o.Phase.TotalSeconds}s attack-timeout={o.AttackTimeout.TotalSeconds}s " +
            $"attacks={string.Join(",", attacks.Select(a => $"{a.Name}:{a.Connections}"))} server-line-rate={o.ServerLineRate} server-burst={o.ServerBurst}");
        Close(honest);
        await Task.WhenAny(Task.WhenAll(connector.ReceiveLoops), Task.Delay(2000, CancellationToken.None));
        return report;
    }

    /// <summary>Honest loss, order and latency per phase and over the run, and the side-by-side table.</summary>
    private static void ReportHonest(RunReport report, AttackOptions o, HonestMember[] honest, FanoutSender[] senders, OpenModelSchedule schedule,
        HonestRoom room, long[] sent, LongHistogram[] totals)
    {
        HonestMember[] open = honest.Where(m => !m.Connection.IsClosed).ToArray();
        long gaps = 0, tail = 0, dup = 0, late = 0, foreign = 0, floodDisorder = 0, floodRelayed = 0;
        foreach (HonestMember m in honest)
        {
            foreign += m.Foreign;
            floodDisorder += m.FloodDisorder;
            floodRelayed += m.FloodRelayed;
        }

        foreach (HonestMember m in open)
        {
            DeliveryVerifier v = m.Verifier;
            long memberTail = Enumerable.Range(0, sent.Length).Sum(s => v.TailMissing(s, sent[s]));
            gaps += v.Gaps;
            tail += memberTail;
            dup += v.Duplicates;
            late += v.Late + v.TooOld;
            if (v.Gaps + memberTail + v.Duplicates + v.Late + v.TooOld + m.Foreign + m.FloodDisorder > 0 && report.Anomalies.Count < 200)
            {
                report.Anomalies.Add($"member {m.Index}: lost {v.Gaps} in gaps + {memberTail} at the tail, dup {v.Duplicates}, late {v.Late + v.TooOld}, foreign {m.Foreign}, flood disorder {m.FloodDisorder}");
            }
        }

        long droppedMissed = 0;
        foreach (HonestMember m in honest.Where(m => m.Connection.IsClosed))
        {
            DeliveryVerifier v = m.Verifier;
            long missed = v.Gaps + Enumerable.Range(0, sent.Length).Sum(s => v.TailMissing(s, sent[s]));
            droppedMissed += missed;
            report.Anomalies.Add($"honest member {m.Index} was disconnected ({m.Connection.CloseReason}), missed {missed}");
        }

        OrderComparison order = OrderComparison.Compare(open.Select(m => m.Verifier).ToList(), sent);
        report.Set("honest_members", honest.Length);
        report.Set("honest_dropped", honest.Length - open.Length);
        report.Set("sent", sent.Sum());
        report.Set("lost", gaps + tail);
        report.Set("lost_total", gaps + tail + droppedMissed);
        report.Set("dup", dup);
        report.Set("reordered", late);
        report.Set("same_order", order.SameOrder ? 1 : 0);
        report.Set("order_hash_groups", order.HashGroups);
        report.Set("order", order.SameOrder && late == 0 ? 1 : 0);
        report.Set("foreign_msgs", foreign);
        report.Set("flood_disorder", floodDisorder);
        report.Set("flood_msgs_relayed", floodRelayed);
        report.Set("pings_answered", honest.Sum(m => m.Connection.PongsSent));
        report.Facts["order"] = $"{(order.SameOrder ? "same order" : "ORDER DIFFERS")}: hash chain over every honest message and every relayed flood line identical across {order.HashCompared} complete members of {open.Length} ({order.HashGroups} distinct); per phase below";

        string[] names = ["baseline", "attack"];
        for (int p = 0; p < HonestRoom.Phases; p++)
        {
            long expected = 0;
            for (int s = 0; s < sent.Length; s++)
            {
                expected += CountIntended(schedule, room.Epoch, room.PhaseStart[p], room.PhaseEnd[p], sent[s]);
            }

            long lost = open.Sum(m => Math.Max(0, expected - m.PhaseReceived(p)));
            HonestMember[] complete = open.Where(m => m.PhaseReceived(p) == expected).ToArray();
            int groups = complete.Select(m => m.PhaseHash(p)).Distinct().Count();
            bool same = groups <= 1 && complete.Length == open.Length;
            string name = names[p];
            report.Set($"{name}_expected_deliveries", expected * open.Length);
            report.Set($"{name}_lost", lost);
            report.Set($"{name}_same_order", same ? 1 : 0);
            report.Set($"{name}_order_hash_groups", groups);
            report.Histograms[$"{name}-latency"] = totals[p];
            report.AddLatency($"{name}_", totals[p]);
            report.Set($"{name}_latency_count", totals[p].TotalCount);
        }

        report.Histograms["latency"] = totals[1];
        double Ratio(string q) => report.Metrics[$"baseline_{q}"] > 0 ? report.Metrics[$"attack_{q}"] / report.Metrics[$"baseline_{q}"] : 0;
        report.Set("p50_ratio", Ratio("p50"));
        report.Set("p99_ratio", Ratio("p99"));

        string Ms(string metric) => report.Metrics[metric].ToString("0.00", s_inv);
        string Yes(string metric) => report.Metrics[metric] == 1 ? "yes" : "NO";
        var table = new ReportTable("Honest members: baseline vs under attack", ["honest members", "baseline (no attack)", "under attack", "ratio"]);
        table.Add("members / senders", $"{honest.Length} / {o.Senders}", $"{open.Length} still connected", "");
        table.Add("deliveries expected (messages x members)", ReportWriter.Fmt(report.Metrics["baseline_expected_deliveries"]), ReportWriter.Fmt(report.Metrics["attack_expected_deliveries"]), "");
        foreach (string q in new[] { "p50", "p90", "p99", "p99.9", "max" })
        {
            table.Add($"latency {q} (ms)", Ms($"baseline_{q}"), Ms($"attack_{q}"),
                report.Metrics[$"baseline_{q}"] > 0 ? (report.Metrics[$"attack_{q}"] / report.Metrics[$"baseline_{q}"]).ToString("0.00", s_inv) : "");
        }

        table.Add("lost", ReportWriter.Fmt(report.Metrics["baseline_lost"]), ReportWriter.Fmt(report.Metrics["attack_lost"]), "");
        table.Add("same order", Yes("baseline_same_order"), Yes("attack_same_order"), "");
        report.Tables.Add(table);
    }

    /// <summary>Messages of one sender intended in [start, end) among its first <paramref name="sent"/>.</summary>
    internal static long CountIntended(OpenModelSchedule schedule, long epoch, long start, long end, long sent)
    {
        // DueCount(t) = messages intended at or before t, so "before t" is DueCount(t - 1).
        long before = Math.Min(sent, schedule.DueCount(start - epoch - 1));
        long until = Math.Min(sent, schedule.DueCount(end - epoch - 1));
        return Math.Max(0, until - before);
    }

    /// <summary>Each attack's answers, times and metrics, and the outcome table.</summary>
    private static void ReportAttacks(RunReport report, List<Attack> attacks, HonestMember[] honest)
    {
        var table = new ReportTable("Attacks: what the server answered", ["attack", "what it did", "connections", "server's answers", "as documented", "time to answer (s): min / max", "notes"]);
        bool allDocumented = true;
        int unanswered = 0;
        foreach (Attack a in attacks)
        {
            IReadOnlyList<AttackerResult> results = a.Results;
            string note = a.Note(report, honest) ?? "";
            int documented = results.Count(r => r.AsDocumented);
            unanswered += results.Count(r => r.Answer == "no answer");
            allDocumented &= documented == a.Connections && results.Count == a.Connections;
            double[] times = results.Select(r => r.Seconds).Where(double.IsFinite).ToArray();
            string answers = string.Join(", ", results.GroupBy(r => r.Answer).OrderByDescending(g => g.Count()).Select(g => $"{g.Count()} x {g.Key}"));
            string details = string.Join(", ", results.Where(r => r.Detail is not null).GroupBy(r => r.Detail).Select(g => $"{g.Count()} x {g.Key}"));
            report.Set($"{a.Name}_connections", a.Connections);
            report.Set($"{a.Name}_as_documented", documented);
            report.Set($"{a.Name}_not_as_documented", a.Connections - documented);
            report.Set($"{a.Name}_answer_s_min", times.Length > 0 ? times.Min() : 0);
            report.Set($"{a.Name}_answer_s_max", times.Length > 0 ? times.Max() : 0);
            foreach (IGrouping<string, AttackerResult> g in results.GroupBy(r => Slug(r.Answer)))
            {
                report.Set($"{a.Name}_{g.Key}", g.Count());
            }

            table.Add(a.Name, a.Description, a.Connections.ToString(s_inv), answers.Length > 0 ? answers : "-",
                $"{documented} of {a.Connections} (expected: {a.Expected})",
                times.Length > 0 ? string.Create(s_inv, $"{times.Min():0.000} / {times.Max():0.000}") : "-",
                string.Join("; ", new[] { note, details }.Where(s => s.Length > 0)));
        }

        report.Set("attacks_as_documented", allDocumented ? 1 : 0);
        report.Set("attacks_unanswered", unanswered);
        if (attacks.Count > 0)
        {
            report.Tables.Add(table);
        }
    }

    /// <summary><c>BYE flood</c> -> <c>bye_flood</c>, <c>FULL 10 per-address</c> -> <c>full_per_address</c>, <c>closed (eof)</c> -> <c>closed_eof</c>.</summary>
    internal static string Slug(string answer)
    {
        IEnumerable<string> words = answer.ToLowerInvariant()
            .Split([' ', '(', ')', '-', ':'], StringSplitOptions.RemoveEmptyEntries)
            .Where(w => !w.All(char.IsAsciiDigit));
        return string.Join('_', words);
    }

    private static int OpenLoops(Connector connector)
    {
        lock (connector.ReceiveLoops)
        {
            return connector.ReceiveLoops.Count(t => !t.IsCompleted);
        }
    }

    private static void Close(IEnumerable<HonestMember> honest)
    {
        foreach (HonestMember m in honest)
        {
            m.Connection.Dispose();
        }
    }
}
