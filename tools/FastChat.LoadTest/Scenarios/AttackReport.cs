using System.Globalization;
using FastChat.LoadTest.Internal;
using FastChat.LoadTest.Reporting;
using FastChat.LoadTest.Scenarios.Attacks;
using HdrHistogram;

namespace FastChat.LoadTest.Scenarios;

/// <summary>The attack scenario's results: the honest room over the run and per phase, each attack's answers, and their two tables.</summary>
internal static class AttackReport
{
    private const int MaxAnomalies = 200;
    private static readonly CultureInfo s_inv = CultureInfo.InvariantCulture;
    private static readonly string[] s_phaseNames = ["baseline", "attack"];

    /// <summary>Honest loss, order and latency over the run and per phase, and the side-by-side table.</summary>
    public static (HonestVerification Verification, IReadOnlyList<PhaseResult> Phases) Honest(RunReport report, AttackOptions o, HonestMember[] honest,
        OpenModelSchedule schedule, HonestRoom room, long[] sent, LongHistogram[] phaseLatency)
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
            var d = MemberDelivery.Of(m.Verifier, sent);
            gaps += d.Gaps;
            tail += d.Tail;
            dup += d.Duplicates;
            late += d.Reordered;
            if (d.Missed + d.Duplicates + d.Reordered + m.Foreign + m.FloodDisorder > 0 && report.Anomalies.Count < MaxAnomalies)
            {
                report.Anomalies.Add($"member {m.Index}: lost {d.Gaps} in gaps + {d.Tail} at the tail, dup {d.Duplicates}, late {d.Reordered}, foreign {m.Foreign}, flood disorder {m.FloodDisorder}");
            }
        }

        long droppedMissed = 0;
        foreach (HonestMember m in honest.Where(m => m.Connection.IsClosed))
        {
            long missed = MemberDelivery.Of(m.Verifier, sent).Missed;
            droppedMissed += missed;
            report.Anomalies.Add($"honest member {m.Index} was disconnected ({m.Connection.CloseReason}), missed {missed}");
        }

        OrderComparison order = OrderComparison.Compare(open.Select(m => m.Verifier).ToList(), sent);
        report.Facts["order"] = $"{(order.SameOrder ? "same order" : "ORDER DIFFERS")}: hash chain over every honest message and every relayed flood line identical across {order.HashCompared} complete members of {open.Length} ({order.HashGroups} distinct); per phase below";
        var verification = new HonestVerification(honest.Length, honest.Length - open.Length, sent.Sum(), gaps + tail, droppedMissed, dup, late, order,
            foreign, floodDisorder, floodRelayed, honest.Sum(m => m.Connection.PongsSent));

        var phases = new List<PhaseResult>();
        for (int p = 0; p < HonestRoom.Phases; p++)
        {
            long expected = 0;
            for (int s = 0; s < sent.Length; s++)
            {
                expected += AttackScenario.CountIntended(schedule, room.Epoch, room.PhaseStart[p], room.PhaseEnd[p], sent[s]);
            }

            long lost = open.Sum(m => Math.Max(0, expected - m.PhaseReceived(p)));
            HonestMember[] complete = open.Where(m => m.PhaseReceived(p) == expected).ToArray();
            int groups = complete.Select(m => m.PhaseHash(p)).Distinct().Count();
            bool same = groups <= 1 && complete.Length == open.Length;
            string name = s_phaseNames[p];
            report.Histograms[$"{name}-latency"] = phaseLatency[p];
            phases.Add(new PhaseResult(name, expected * open.Length, lost, same, groups, LatencySummary.Of(phaseLatency[p])));
        }

        report.Histograms["latency"] = phaseLatency[1];
        report.Tables.Add(SideBySide(o, honest.Length, open.Length, phases[0], phases[1]));
        return (verification, phases);
    }

    /// <summary>Each attack's answers, times and own measures, and the outcome table.</summary>
    public static IReadOnlyList<AttackOutcome> Attacks(RunReport report, List<Attack> attacks, HonestMember[] honest)
    {
        var table = new ReportTable("Attacks: what the server answered", ["attack", "what it did", "connections", "server's answers", "as documented", "time to answer (s): min / max", "notes"]);
        var outcomes = new List<AttackOutcome>();
        foreach (Attack a in attacks)
        {
            IReadOnlyList<AttackerResult> results = a.Results;
            AttackNote? note = a.Note(honest);
            int documented = results.Count(r => r.AsDocumented);
            double[] times = results.Select(r => r.Seconds).Where(double.IsFinite).ToArray();
            string answers = string.Join(", ", results.GroupBy(r => r.Answer).OrderByDescending(g => g.Count()).Select(g => $"{g.Count()} x {g.Key}"));
            string details = string.Join(", ", results.Where(r => r.Detail is not null).GroupBy(r => r.Detail).Select(g => $"{g.Count()} x {g.Key}"));
            outcomes.Add(new AttackOutcome(a.Name, a.Connections, documented, results.Count, results.Count(r => r.Answer == "no answer"),
                times.Length > 0 ? times.Min() : 0, times.Length > 0 ? times.Max() : 0,
                results.GroupBy(r => AttackScenario.Slug(r.Answer)).Select(g => new AnswerCount(g.Key, g.Count())).ToList(), note?.Extra));
            table.Add(a.Name, a.Description, a.Connections.ToString(s_inv), answers.Length > 0 ? answers : "-",
                $"{documented} of {a.Connections} (expected: {a.Expected})",
                times.Length > 0 ? string.Create(s_inv, $"{times.Min():0.000} / {times.Max():0.000}") : "-",
                string.Join("; ", new[] { note?.Text ?? "", details }.Where(s => s.Length > 0)));
        }

        if (attacks.Count > 0)
        {
            report.Tables.Add(table);
        }

        return outcomes;
    }

    private static ReportTable SideBySide(AttackOptions o, int members, int stillConnected, PhaseResult baseline, PhaseResult underAttack)
    {
        static string Ms(double ms) => ms.ToString("0.00", s_inv);
        static string Yes(bool ok) => ok ? "yes" : "NO";
        var table = new ReportTable("Honest members: baseline vs under attack", ["honest members", "baseline (no attack)", "under attack", "ratio"]);
        table.Add("members / senders", $"{members} / {o.Senders}", $"{stillConnected} still connected", "");
        table.Add("deliveries expected (messages x members)", ReportWriter.Fmt(baseline.ExpectedDeliveries), ReportWriter.Fmt(underAttack.ExpectedDeliveries), "");
        (string Name, Func<LatencySummary, double> Value)[] quantiles =
            [("p50", l => l.P50), ("p90", l => l.P90), ("p99", l => l.P99), ("p99.9", l => l.P999), ("max", l => l.Max)];
        foreach ((string q, Func<LatencySummary, double> value) in quantiles)
        {
            double b = value(baseline.Latency), a = value(underAttack.Latency);
            table.Add($"latency {q} (ms)", Ms(b), Ms(a), b > 0 ? (a / b).ToString("0.00", s_inv) : "");
        }

        table.Add("lost", ReportWriter.Fmt(baseline.Lost), ReportWriter.Fmt(underAttack.Lost), "");
        table.Add("same order", Yes(baseline.SameOrder), Yes(underAttack.SameOrder), "");
        return table;
    }
}
