using System.Net;
using FastChat.LoadTest.Reporting;
using FastChat.LoadTest.Scenarios;

namespace FastChat.LoadTest.Tests.Integration;

/// <summary>Connections spread over loopback source addresses, as a fake server sees them.</summary>
public class SourceAddressLoopbackTests
{
    [Fact]
    public async Task The_server_sees_the_connections_come_from_several_addresses()
    {
        await using var server = new FakeChatServer();
        RunReport r = await ScenarioRunner.FanoutAsync(server.Start(), new FanoutOptions
        {
            Clients = 10, Senders = 1, Rate = 100, Warmup = TimeSpan.FromSeconds(0.1), Duration = TimeSpan.FromSeconds(0.3), Drain = TimeSpan.FromSeconds(1),
        }, clientsPerAddress: 3);

        var byAddress = server.RemoteAddresses.GroupBy(a => a).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(0, r.Metrics["lost_total"]);
        Assert.Equal(4, byAddress.Count);
        Assert.All(byAddress, kv => Assert.True(kv.Value <= 3, $"{kv.Key}: {kv.Value}"));
        Assert.Contains(IPAddress.Loopback, byAddress.Keys);
        Assert.Contains(IPAddress.Parse("127.0.0.4"), byAddress.Keys);
    }

    [Fact]
    public async Task A_fanout_of_FULL_per_address_refusals_is_counted_apart_from_FULL()
    {
        await using var server = new FakeChatServer { MaxPerAddress = 4 };
        RunReport r = await ScenarioRunner.FanoutAsync(server.Start(), new FanoutOptions
        {
            Clients = 6, Senders = 1, Rate = 100, Warmup = TimeSpan.FromSeconds(0.1), Duration = TimeSpan.FromSeconds(0.3), Drain = TimeSpan.FromSeconds(1),
        }, clientsPerAddress: 0);

        Assert.Equal(4, r.Metrics["clients_ready"]);
        Assert.Equal(2, r.Metrics["refused_full_per_address"]);
        Assert.Equal(0, r.Metrics["refused_full"]);
        Assert.Equal(0, r.Metrics["connections_failed"]);
    }
}
