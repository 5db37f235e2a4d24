using FastChat.LoadTest.Reporting;
using FastChat.LoadTest.Scenarios;

namespace FastChat.LoadTest.Tests.Unit;

/// <summary>The soak's RSS drift.</summary>
public class SoakTrendTests
{
    [Fact]
    public void The_drift_is_the_slope_of_a_least_squares_line_in_MB_per_hour()
    {
        var r = new RunReport("soak");
        // 1 MB per minute with a spike: 60 MB/h; the spike moves the fit little.
        for (int s = 0; s < 120; s++)
        {
            r.Timeline.Add(new TimelineRow(s, "measure", 0, 0, 0, 0, 0, 100 + (s / 60.0) + (s == 60 ? 30 : 0), 10, 10, 0, 1));
        }

        SoakScenario.Trend(r);
        Assert.InRange(r.Metrics["soak_rss_drift_mb_per_h"], 55, 70);
        Assert.Equal(120, r.Metrics["soak_rss_samples"]);
        Assert.Equal((0.0, 0.0), SoakScenario.LinearFit([(1, 5), (2, 5), (3, 5)]));
    }

    [Fact]
    public void Over_several_nodes_the_trend_is_of_their_sum_and_each_node_gets_its_own()
    {
        var r = new RunReport("soak");
        // Node 1 grows 1 MB per minute, node 2 stays flat: 60 MB/h in all, all of it node 1's.
        for (int s = 0; s < 120; s++)
        {
            double[] nodes = [100 + (s / 60.0), 80];
            r.Timeline.Add(new TimelineRow(s, "measure", 0, 0, 0, 0, 0, nodes.Sum(), 10, 10, 0, 1) { NodeRssMb = nodes });
        }

        SoakScenario.Trend(r);
        Assert.Equal(60, r.Metrics["soak_rss_drift_mb_per_h"], 6);
        Assert.Equal(60, r.Metrics["node1_soak_rss_drift_mb_per_h"], 6);
        Assert.Equal(0, r.Metrics["node2_soak_rss_drift_mb_per_h"], 6);
        Assert.False(r.Metrics.ContainsKey("node3_soak_rss_drift_mb_per_h"));
    }
}
