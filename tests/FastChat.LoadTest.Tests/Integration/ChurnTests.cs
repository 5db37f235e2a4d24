using FastChat.LoadTest.Reporting;
using FastChat.LoadTest.Scenarios;
using FastChat.Server;

namespace FastChat.LoadTest.Tests.Integration;

/// <summary>Members coming and going during a fanout, against the real server with its default limits.</summary>
[Collection("real-server")]
public class ChurnTests
{
    [Fact]
    public async Task Churning_members_come_and_go_against_default_limits_and_the_room_loses_nothing()
    {
        await using var server = new ChatServer(new ChatServerOptions { Port = 0, StatsInterval = TimeSpan.Zero });
        RunReport r = await ScenarioRunner.FanoutAsync(server.Start(), new FanoutOptions
        {
            Clients = 20, Senders = 2, Rate = 20, Warmup = TimeSpan.FromSeconds(0.5), Duration = TimeSpan.FromSeconds(2),
            ChurnRate = 20, ChurnHold = TimeSpan.FromSeconds(0.5),
        });
        string all = ScenarioRunner.Describe(r);

        Assert.True(r.Metrics["churn_joined"] >= 30, all);
        Assert.True(r.Metrics["churn_joined"] == r.Metrics["churn_started"], all);
        Assert.True(r.Metrics["churn_refused_full_per_address"] == 0 && r.Metrics["churn_failed"] == 0, all);
        Assert.True(r.Metrics["lost_total"] == 0 && r.Metrics["order"] == 1, all);
    }
}
