using FastChat.LoadTest.Reporting;
using FastChat.LoadTest.Scenarios;
using FastChat.Server;

namespace FastChat.LoadTest.Tests.Integration;

/// <summary>The same against the real server with its default limits (10 connections per address).</summary>
[Collection("real-server")]
public class SourceAddressRealServerTests
{
    [Fact]
    public async Task All_from_one_address_the_cap_answers_FULL_per_address_and_it_is_counted()
    {
        await using var server = new ChatServer(new ChatServerOptions { Port = 0 });
        RunReport r = await ScenarioRunner.ConnectAsync(server.Start(), new ConnectOptions { Clients = 14 }, clientsPerAddress: 0);

        Assert.Equal(10, r.Metrics["ready"]);
        Assert.Equal(4, r.Metrics["refused_full_per_address"]);
        Assert.Equal(0, r.Metrics["refused_full"]);
        Assert.Equal(0, r.Metrics["connections_failed"]);
    }

    [Fact]
    public async Task Spread_over_addresses_every_member_gets_in_and_loses_nothing()
    {
        await using var server = new ChatServer(new ChatServerOptions { Port = 0 });
        // 40 members, 8 per address: 5 addresses under the default cap of 10; 2 senders at 10 lines/s
        // each, under the default flood limit of 25 lines/s.
        RunReport r = await ScenarioRunner.FanoutAsync(server.Start(), new FanoutOptions
        {
            Clients = 40, Senders = 2, Rate = 20, Warmup = TimeSpan.FromSeconds(0.5), Duration = TimeSpan.FromSeconds(2),
        });
        string all = ScenarioRunner.Describe(r);

        Assert.Equal(40, r.Metrics["clients_ready"]);
        Assert.Equal(0, r.Metrics["refused_full_per_address"]);
        Assert.True(r.Metrics["lost_total"] == 0, all);
        Assert.True(r.Metrics["order"] == 1, all);
        Assert.Equal(0, r.Metrics["receivers_dropped"]);
    }
}
