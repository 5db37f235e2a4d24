using System.Net;
using FastChat.LoadTest.Internal;

namespace FastChat.LoadTest.Tests.Unit;

public class ConnectorTests
{
    [Fact]
    public void Connections_past_the_per_address_limit_use_the_next_loopback_address()
    {
        Assert.Null(Connector.SourceAddressFor(0, 25_000, IPAddress.Loopback));
        Assert.Null(Connector.SourceAddressFor(24_999, 25_000, IPAddress.Loopback));
        Assert.Equal(IPAddress.Parse("127.0.0.2"), Connector.SourceAddressFor(25_000, 25_000, IPAddress.Loopback));
        Assert.Equal(IPAddress.Parse("127.0.0.3"), Connector.SourceAddressFor(50_000, 25_000, IPAddress.Loopback));
    }

    [Fact]
    public void Non_loopback_servers_let_the_kernel_choose()
    {
        Assert.Null(Connector.SourceAddressFor(30_000, 25_000, IPAddress.Parse("10.0.0.1")));
        Assert.Null(Connector.SourceAddressFor(30_000, 25_000, IPAddress.IPv6Loopback));
    }
}
