using System.Net;
using FastChat.LoadTest.Internal;

namespace FastChat.LoadTest.Tests.Unit;

/// <summary>
/// <c>--target</c>, <c>--port</c> and <c>--server-pid</c> as lists (the nodes of one cluster room), and
/// the round-robin that spreads a run's connections over them.
/// </summary>
public class TargetListTests
{
    private static IPEndPoint Loopback(int port) => new(IPAddress.Loopback, port);

    [Fact]
    public void One_target_means_what_it_always_did()
    {
        AssertParsed(TargetKind.FastChat, [Loopback(6000)], null, "127.0.0.1", "6000");
        AssertParsed(TargetKind.FastChat, [Loopback(7001)], "127.0.0.1:7001", "127.0.0.1", "6000");
        AssertParsed(TargetKind.Redis, [Loopback(6379)], "redis://127.0.0.1", "127.0.0.1", "6000");
        AssertParsed(TargetKind.Nats, [Loopback(4223)], "nats://127.0.0.1:4223", "127.0.0.1", "6000");
    }

    [Fact]
    public void A_list_of_ports_or_of_fastchat_urls_names_the_nodes_in_order()
    {
        AssertParsed(TargetKind.FastChat, [Loopback(7001), Loopback(7002), Loopback(7003)], null, "127.0.0.1", "7001,7002,7003");
        AssertParsed(TargetKind.FastChat, [new IPEndPoint(IPAddress.IPv6Loopback, 7001), new IPEndPoint(IPAddress.IPv6Loopback, 7002)], null, "::1", "7001, 7002");
        AssertParsed(TargetKind.FastChat, [Loopback(7001), Loopback(7002), Loopback(7003)], "fastchat://127.0.0.1:7001,fastchat://127.0.0.1:7002,127.0.0.1:7003", "127.0.0.1", "6000");
    }

    [Theory]
    [InlineData("fastchat://127.0.0.1:7001,redis://127.0.0.1:6379", "6000", "--target mixes fastchat:// and redis://")]
    [InlineData("nats://127.0.0.1:4222,fastchat://127.0.0.1:7001", "6000", "--target mixes nats:// and fastchat://")]
    [InlineData("redis://127.0.0.1:6379,redis://127.0.0.1:6380", "6000", "--target lists 2 redis:// servers: only FastChat targets")]
    [InlineData("nats://127.0.0.1:4222,nats://127.0.0.1:4223,nats://127.0.0.1:4224", "6000", "--target lists 3 nats:// servers: only FastChat targets")]
    [InlineData(null, "7001,,7002", "--port '7001,,7002' has an empty entry")]
    [InlineData(null, "7001,x", "--port 'x' is not a port")]
    [InlineData(null, "70000", "--port '70000' is not a port")]
    [InlineData("fastchat://127.0.0.1:7001,", "6000", "--target 'fastchat://127.0.0.1:7001,' has an empty entry")]
    public void Lists_that_cannot_be_one_run_are_refused_with_the_reason(string? targets, string ports, string message)
    {
        var e = Assert.Throws<ArgumentException>(() => TargetList.Parse(targets, "127.0.0.1", ports));
        Assert.StartsWith(message, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Server_pids_are_a_list_with_one_pid_per_server()
    {
        Assert.Empty(TargetList.ParsePids(null));
        Assert.Equal([41, 42, 43], TargetList.ParsePids("41,42,43"));
        Assert.StartsWith("--server-pid 'x' is not a process id", Assert.Throws<ArgumentException>(() => TargetList.ParsePids("41,x")).Message, StringComparison.Ordinal);
        Assert.StartsWith("--server-pid '0' is not a process id", Assert.Throws<ArgumentException>(() => TargetList.ParsePids("0")).Message, StringComparison.Ordinal);

        Assert.Equal([41, 42], new ServerNodes([Loopback(7001), Loopback(7002)], [41, 42]).Pids);
        Assert.False(new ServerNodes([Loopback(7001), Loopback(7002)]).Sampled);
        var e = Assert.Throws<ArgumentException>(() => new ServerNodes([Loopback(7001), Loopback(7002), Loopback(7003)], [41, 42]));
        Assert.StartsWith("--server-pid names 2 processes for 3 servers", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Connections_go_round_robin_so_senders_land_on_different_nodes()
    {
        var nodes = new ServerNodes([Loopback(7001), Loopback(7002), Loopback(7003)]);

        Assert.Equal([0, 1, 2, 0, 1, 2, 0], Enumerable.Range(0, 7).Select(nodes.NodeOf));
        Assert.Equal([7001, 7002, 7003, 7001], Enumerable.Range(0, 4).Select(i => nodes.EndPointFor(i).Port));
        // FastChat senders are members 0..K-1: three senders, one on each node.
        Assert.Equal(3, Enumerable.Range(0, 3).Select(nodes.NodeOf).Distinct().Count());
        Assert.True(nodes.IsCluster);
        Assert.False(ServerNodes.One(Loopback(7001)).IsCluster);
        Assert.Equal(0, ServerNodes.One(Loopback(7001)).NodeOf(5));
        Assert.Equal("127.0.0.1:7001 (pid 41), 127.0.0.1:7002 (pid 42)", new ServerNodes([Loopback(7001), Loopback(7002)], [41, 42]).Describe());
        Assert.Equal("127.0.0.1:7001 (pid 41)", ServerNodes.One(Loopback(7001), 41).Describe());
    }

    [Fact]
    public void Source_addresses_spread_over_the_nodes_as_over_one_server()
    {
        var settings = new ConnectSettings(new ServerNodes([Loopback(7001), Loopback(7002), Loopback(7003)]), ClientsPerAddress: 8);
        using var connector = new Connector(settings, 0);

        // Eight connections per address as before; consecutive ones go to different nodes, so no node
        // sees more than three of them from one address.
        Assert.Null(connector.SourceAddressOf(7));
        Assert.Equal(IPAddress.Parse("127.0.0.2"), connector.SourceAddressOf(8));
        Assert.Equal(2, connector.BlocksFor(16));

        // A node that is not loopback IPv4 turns the spread off for all: the kernel picks.
        var mixed = new ConnectSettings(new ServerNodes([Loopback(7001), new IPEndPoint(IPAddress.Parse("10.0.0.1"), 7002)]), ClientsPerAddress: 8);
        using var other = new Connector(mixed, 0);
        Assert.Null(other.SourceAddressOf(8));
        Assert.Equal(0, other.BlocksFor(16));
        Assert.StartsWith("the kernel's choice (not every server is loopback IPv4)", other.DescribeSpread(16), StringComparison.Ordinal);
    }

    private static void AssertParsed(TargetKind kind, IPEndPoint[] endPoints, string? targets, string host, string ports)
    {
        (TargetKind parsedKind, IReadOnlyList<IPEndPoint> parsed) = TargetList.Parse(targets, host, ports);
        Assert.Equal(kind, parsedKind);
        Assert.Equal(endPoints, parsed);
    }
}
