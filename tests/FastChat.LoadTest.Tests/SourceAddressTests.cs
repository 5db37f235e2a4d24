using System.Net;
using FastChat.LoadTest.Internal;
using FastChat.LoadTest.Scenarios;
using FastChat.Server;

namespace FastChat.LoadTest.Tests;

/// <summary>Connections spread over loopback source addresses, so a server's per-address cap refuses none of them.</summary>
public class SourceAddressTests
{
    [Fact]
    public void Blocks_count_up_from_127_0_0_2_and_skip_the_last_octets_0_and_255()
    {
        Assert.Null(SourceAddresses.Block(0));
        Assert.Equal(IPAddress.Parse("127.0.0.2"), SourceAddresses.Block(1));
        Assert.Equal(IPAddress.Parse("127.0.0.254"), SourceAddresses.Block(253));
        Assert.Equal(IPAddress.Parse("127.0.1.1"), SourceAddresses.Block(254));
        Assert.Equal(IPAddress.Parse("127.0.1.2"), SourceAddresses.Block(255));
        Assert.Equal(IPAddress.Parse("127.255.255.254"), SourceAddresses.Block(SourceAddresses.MaxBlocks - 1));
        Assert.Null(SourceAddresses.Block(SourceAddresses.MaxBlocks));
    }

    [Fact]
    public void Each_address_carries_its_share_from_the_first_block_on()
    {
        Assert.Null(SourceAddresses.For(7, 8, 0, IPAddress.Loopback));
        Assert.Equal(IPAddress.Parse("127.0.0.2"), SourceAddresses.For(8, 8, 0, IPAddress.Loopback));
        Assert.Equal(IPAddress.Parse("127.0.0.11"), SourceAddresses.For(7, 8, 10, IPAddress.Loopback));
        Assert.Equal(IPAddress.Parse("127.0.0.12"), SourceAddresses.For(8, 8, 10, IPAddress.Loopback));
        Assert.Equal(13, SourceAddresses.BlocksFor(100, 8));
        // Nothing is bound for IPv6, other hosts, or with spreading off.
        Assert.Null(SourceAddresses.For(100, 8, 0, IPAddress.IPv6Loopback));
        Assert.Null(SourceAddresses.For(100, 8, 0, IPAddress.Parse("10.1.2.3")));
        Assert.Null(SourceAddresses.For(100, 0, 5, IPAddress.Loopback));
    }

    [Fact]
    public void Clients_per_address_is_capped_by_the_ephemeral_port_spread()
    {
        var server = new IPEndPoint(IPAddress.Loopback, 1);
        Assert.Equal(8, new ConnectSettings(server, PerSourceAddress: 25_000, ClientsPerAddress: 8).PerAddress);
        Assert.Equal(5, new ConnectSettings(server, PerSourceAddress: 5, ClientsPerAddress: 8).PerAddress);
        Assert.Equal(25_000, new ConnectSettings(server, PerSourceAddress: 25_000, ClientsPerAddress: 0).PerAddress);
    }

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
