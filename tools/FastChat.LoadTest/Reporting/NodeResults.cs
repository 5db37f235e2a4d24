using System.Globalization;

namespace FastChat.LoadTest.Reporting;

/// <summary>One node of a run over several (docs/LOADTEST.md, several nodes): its members, what they got, and its process.</summary>
/// <param name="Node">0-based, in the order of the targets; the report names it <c>Node + 1</c>.</param>
/// <param name="Deliveries">Messages its members received in the measured window.</param>
/// <param name="OrderCompared">Its members in the global-order comparison, which takes every node's together.</param>
internal sealed record NodeResult(
    int Node,
    string EndPoint,
    int Members,
    long Deliveries,
    double DeliveriesPerSecond,
    long LostTotal,
    long ReceiversDropped,
    int OrderCompared,
    NodeProcess? Process);

/// <summary>A node's process (<c>--server-pid</c>): its CPU over the measured window (% of one core) and its RSS.</summary>
internal sealed record NodeProcess(int Pid, double CpuPercent, double RssMaxMb, double RssEndMb);

/// <summary>The per-node table of a run over several nodes, with a total row.</summary>
internal static class NodeResults
{
    private static readonly CultureInfo s_inv = CultureInfo.InvariantCulture;

    /// <param name="total">The servers together (CPU summed, RSS the largest sum sampled), or null when none was sampled.</param>
    public static ReportTable Table(IReadOnlyList<NodeResult> nodes, ServerResources? total)
    {
        var t = new ReportTable("nodes (members round-robin; one global order checked across all of them)",
            ["node", "server", "members", "deliveries/s", "deliveries", "lost", "dropped", "order compared", "server CPU", "server RSS max"]);
        foreach (NodeResult n in nodes)
        {
            t.Add((n.Node + 1).ToString(s_inv), n.EndPoint, N(n.Members), N(n.DeliveriesPerSecond), N(n.Deliveries), N(n.LostTotal), N(n.ReceiversDropped),
                N(n.OrderCompared), Percent(n.Process?.CpuPercent), Mb(n.Process?.RssMaxMb));
        }

        t.Add("total", "", N(nodes.Sum(n => n.Members)), N(nodes.Sum(n => n.DeliveriesPerSecond)), N(nodes.Sum(n => n.Deliveries)),
            N(nodes.Sum(n => n.LostTotal)), N(nodes.Sum(n => n.ReceiversDropped)), N(nodes.Sum(n => n.OrderCompared)),
            Percent(total?.CpuPercent), Mb(total?.RssMaxMb));
        return t;
    }

    private static string N(double value) => value.ToString("N0", s_inv);

    private static string Percent(double? value) => value is double v ? v.ToString("F0", s_inv) + " %" : "-";

    private static string Mb(double? value) => value is double v ? v.ToString("F1", s_inv) + " MB" : "-";
}
