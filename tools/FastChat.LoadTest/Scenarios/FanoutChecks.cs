using FastChat.LoadTest.Internal;
using FastChat.LoadTest.Reporting;

namespace FastChat.LoadTest.Scenarios;

/// <summary>What the members connected to one node got (a run over several nodes reports each).</summary>
/// <param name="Deliveries">Messages its members received in the measured window.</param>
/// <param name="LostTotal">Messages its healthy members lacked, those of members the server closed included.</param>
/// <param name="OrderCompared">Its members in the global-order comparison (healthy, still connected).</param>
internal readonly record struct NodeDelivery(int Members, long Deliveries, long LostTotal, long Dropped, int OrderCompared);

/// <summary>The verification of a fanout run: every member's deliveries, one global order, and the fan-out spread.</summary>
internal static class FanoutChecks
{
    private const int MaxAnomalies = 200;

    /// <summary>
    /// Loss, duplicates and order over the members of every node (one global order: all of them
    /// compared with each other): a healthy member closed with messages missing counts as dropped (its
    /// loss only in <c>lost_total</c>), a laggard only as cut off or not. Also what each node's members got.
    /// </summary>
    public static (FanoutVerification Verification, IReadOnlyList<NodeDelivery> Nodes) Verify(RunReport report, ServerNodes servers,
        FanoutReceiver[] members, FanoutReceiver[] healthy, HashSet<FanoutReceiver> laggards, long[] sent)
    {
        long gaps = 0, tail = 0, dup = 0, reordered = 0, foreign = 0, unknown = 0, errors = 0;
        long dropped = 0, droppedMissed = 0, laggardsCut = 0;
        var nodes = new NodeDelivery[servers.Count];
        int anomalies = 0;
        void Anomaly(string text)
        {
            if (anomalies++ < MaxAnomalies)
            {
                report.Anomalies.Add(text);
            }
        }

        foreach (FanoutReceiver m in members)
        {
            var d = MemberDelivery.Of(m.Verifier!, sent);
            ref NodeDelivery node = ref nodes[servers.NodeOf(m.Index)];
            node = node with { Members = node.Members + 1, Deliveries = node.Deliveries + m.WindowDeliveries };
            foreign += m.ForeignMessages;
            unknown += m.UnknownLines;
            errors += m.ServerErrors;
            if (laggards.Contains(m))
            {
                laggardsCut += m.Connection.IsClosed ? 1 : 0;
                continue;
            }

            dup += d.Duplicates;
            reordered += d.Reordered;
            if (m.Connection.IsClosed && d.Tail > 0)
            {
                dropped++;
                droppedMissed += d.Missed;
                node = node with { LostTotal = node.LostTotal + d.Missed, Dropped = node.Dropped + 1 };
                Anomaly($"member {m.Index}: connection closed ({m.Connection.CloseReason}), missed {d.Missed}");
                continue;
            }

            gaps += d.Gaps;
            tail += d.Tail;
            node = node with { LostTotal = node.LostTotal + d.Missed };
            if (!d.Clean)
            {
                Anomaly($"member {m.Index}: lost {d.Gaps} in gaps + {d.Tail} at the tail, dup {d.Duplicates}, late {d.Reordered}");
            }
        }

        FanoutReceiver[] compared = healthy.Where(m => !m.Connection.IsClosed).ToArray();
        OrderComparison order = OrderComparison.Compare(compared.Select(m => m.Verifier!).ToList(), sent);
        foreach (FanoutReceiver m in compared)
        {
            ref NodeDelivery node = ref nodes[servers.NodeOf(m.Index)];
            node = node with { OrderCompared = node.OrderCompared + 1 };
        }

        report.Facts["order"] = order.Describe() + (servers.IsCluster
            ? $"; the receivers compared are on {nodes.Count(n => n.OrderCompared > 0)} of {servers.Count} nodes ({string.Join(" + ", nodes.Select(n => n.OrderCompared))})"
            : "");
        return (new FanoutVerification(gaps, tail, droppedMissed, dup, reordered, dropped, laggards.Count, laggardsCut, foreign, unknown, errors, healthy.Length, order), nodes);
    }

    /// <summary>Fan-out spread per sampled broadcast: when the first, median and last healthy member got it.</summary>
    public static SpreadResult Spread(FanoutRunState run, FanoutReceiver[] healthy)
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

        LatencySummary f = LatencySummary.Of(first), md = LatencySummary.Of(median), l = LatencySummary.Of(last), w = LatencySummary.Of(width);
        return new SpreadResult(first.TotalCount, f.P50, md.P50, l.P50, l.P99, w.P50, w.P99);
    }
}
