using FastChat.LoadTest.Internal;
using FastChat.LoadTest.Reporting;
using FastChat.LoadTest.Scenarios;

namespace FastChat.LoadTest.Tests.Integration;

/// <summary>
/// A fanout over several servers without a cluster behind them: the connections go round-robin, and
/// servers that are not one room are caught, node by node, because every member is checked against
/// every sender wherever it is connected.
/// </summary>
public class NodeSpreadTests
{
    [Fact]
    public async Task Members_go_round_robin_and_servers_that_are_not_one_room_lose_the_other_nodes_messages()
    {
        await using var a = new FakeChatServer();
        await using var b = new FakeChatServer();
        await using var c = new FakeChatServer();
        var servers = new ServerNodes([a.Start(), b.Start(), c.Start()]);

        RunReport r = await ScenarioRunner.RunAsync(FanoutScenario.RunAsync, servers, new FanoutOptions
        {
            Clients = 7, Senders = 3, Rate = 150, Warmup = TimeSpan.FromSeconds(0.2), Duration = TimeSpan.FromSeconds(1),
            Drain = TimeSpan.FromSeconds(0.5), OrderSample = 90,
        });
        string all = ScenarioRunner.Describe(r);

        // Members 0, 3, 6 on the first server, 1, 4 on the second, 2, 5 on the third; sender s is member s.
        Assert.Equal([3, 2, 2], new[] { a, b, c }.Select(s => s.RemoteAddresses.Count));
        Assert.Equal([3, 2, 2], Enumerable.Range(1, 3).Select(n => r.Metrics[$"node{n}_members"]));
        Assert.False(r.Aborted, r.AbortReason);

        // Each member gets only its own server's sender: two thirds of every node's deliveries are missing.
        for (int n = 1; n <= 3; n++)
        {
            Assert.True(r.Metrics[$"node{n}_deliveries"] > 0, all);
            Assert.True(r.Metrics[$"node{n}_lost_total"] >= r.Metrics[$"node{n}_deliveries"], all);
        }

        Assert.True(r.Metrics["lost"] > 0, all);
        Assert.Equal(0, r.Metrics["order_hash_groups"]); // no member has every message to compare
    }
}
