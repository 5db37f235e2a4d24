using System.Net;
using FastChat.LoadTest.Internal;

namespace FastChat.LoadTest.Tests.Unit;

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
        ServerNodes server = ServerNodes.One(new IPEndPoint(IPAddress.Loopback, 1));
        Assert.Equal(8, new ConnectSettings(server, PerSourceAddress: 25_000, ClientsPerAddress: 8).PerAddress);
        Assert.Equal(5, new ConnectSettings(server, PerSourceAddress: 5, ClientsPerAddress: 8).PerAddress);
        Assert.Equal(25_000, new ConnectSettings(server, PerSourceAddress: 25_000, ClientsPerAddress: 0).PerAddress);
    }
}
