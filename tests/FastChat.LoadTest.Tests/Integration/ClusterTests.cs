using FastChat.LoadTest.Reporting;
using FastChat.LoadTest.Scenarios;

namespace FastChat.LoadTest.Tests.Integration;

/// <summary>
/// The scenarios over three nodes of one cluster room (a private nats-server, see <see cref="TestCluster"/>):
/// members round-robin, one global order verified across the members of every node.
/// </summary>
[Collection("real-server")]
public class ClusterTests
{
    private static readonly TimeSpan s_limit = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task Fanout_over_three_nodes_delivers_everything_in_one_order_and_reports_each_node()
    {
        await using TestCluster cluster = await TestCluster.StartAsync(3, "--max-lines-per-second", "0");
        RunReport r = await ScenarioRunner.RunAsync(FanoutScenario.RunAsync, cluster.Servers, new FanoutOptions
        {
            Clients = 30, Senders = 3, Rate = 300, Warmup = TimeSpan.FromSeconds(0.5), Duration = TimeSpan.FromSeconds(2), Drain = TimeSpan.FromSeconds(3),
        }, limit: s_limit);
        string all = ScenarioRunner.Describe(r);
        IReadOnlyDictionary<string, double> m = r.Metrics;

        Assert.False(r.Aborted, r.AbortReason);
        Assert.True(m["lost_total"] == 0 && m["dup"] == 0 && m["order"] == 1, all);
        Assert.Equal(1, m["order_hash_groups"]);
        Assert.Equal(30, m["order_receivers_compared"]);
        Assert.Equal(3, m["nodes"]);
        Assert.Equal(3, m["order_nodes_compared"]);
        for (int n = 1; n <= 3; n++)
        {
            // Members 0..29 round-robin: ten on each node, one sender each.
            Assert.Equal(10, m[$"node{n}_members"]);
            Assert.Equal(10, m[$"node{n}_order_receivers_compared"]);
            Assert.Equal(0, m[$"node{n}_lost_total"]);
            Assert.True(m[$"node{n}_deliveries"] > 0 && m[$"node{n}_server_rss_max_mb"] > 0, all);
        }

        Assert.Equal(m["deliveries"], m["node1_deliveries"] + m["node2_deliveries"] + m["node3_deliveries"]);
        Assert.Contains("on 3 of 3 nodes", r.Facts["order"], StringComparison.Ordinal);
        ReportTable nodes = Assert.Single(r.Tables);
        Assert.Equal(["1", "2", "3", "total"], nodes.Rows.Select(row => row[0]));
    }

    [Fact]
    public async Task Chat_over_three_nodes_keeps_every_view_of_the_members_consistent()
    {
        await using TestCluster cluster = await TestCluster.StartAsync(3);
        RunReport r = await ScenarioRunner.RunAsync(ChatScenario.RunAsync, cluster.Servers, new ChatOptions
        {
            Clients = 24, Ramp = TimeSpan.FromSeconds(1), Duration = TimeSpan.FromSeconds(3), Think = TimeSpan.FromMilliseconds(150),
            LeaveProbability = 0.1, Away = TimeSpan.FromMilliseconds(100),
        }, limit: s_limit);
        string all = ScenarioRunner.Describe(r);

        // Ids like n2.k3f9a.7: JOIN/LEAVE/USERS of every node's members, in every view.
        Assert.True(r.Metrics["leaves"] > 0 && r.Metrics["messages_received"] > 0, all);
        Assert.True(r.Metrics["consistency_errors"] == 0 && r.Metrics["views_mismatched"] == 0 && r.Metrics["reordered"] == 0, all);
        Assert.Equal(0, r.Metrics["connections_failed"] + r.Metrics["rejoin_failed"]);
    }

    [Fact]
    public async Task Soak_over_three_nodes_fits_a_trend_to_their_sum_and_to_each()
    {
        await using TestCluster cluster = await TestCluster.StartAsync(3, "--max-lines-per-second", "0");
        RunReport r = await ScenarioRunner.RunAsync(SoakScenario.RunAsync, cluster.Servers, new FanoutOptions
        {
            Clients = 12, Senders = 3, Rate = 60, Warmup = TimeSpan.FromSeconds(0.5), Duration = TimeSpan.FromSeconds(3),
        }, limit: s_limit);
        string all = ScenarioRunner.Describe(r);

        Assert.True(r.Metrics["lost_total"] == 0 && r.Metrics["order"] == 1, all);
        Assert.True(r.Metrics["soak_rss_samples"] >= 2, all);
        for (int n = 1; n <= 3; n++)
        {
            Assert.True(r.Metrics.ContainsKey($"node{n}_soak_rss_drift_mb_per_h"), all);
        }

        Assert.All(r.Timeline, row => Assert.Equal(3, row.NodeRssMb?.Count));
    }
}
