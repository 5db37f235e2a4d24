using FastChat.Server;

namespace FastChat.Cluster.Tests.Unit;

/// <summary>The cluster's settings are checked before anything starts, each problem named.</summary>
public sealed class ClusterOptionsTests
{
    [Fact]
    public void Valid_cluster_settings_pass()
    {
        var options = new ChatServerOptions { Cluster = "nats://10.0.0.1:4222, nats://nats-2:4222", NodeId = "eu-1", Room = "lobby_2" };
        Assert.Empty(options.Validate());
    }

    [Theory]
    [InlineData("http://h:4222", "--cluster must be nats://host:port")]
    [InlineData("nats://", "--cluster must be nats://host:port")]
    [InlineData("nats://a:4222,", "--cluster must be nats://host:port")]
    public void A_bad_cluster_url_is_named(string cluster, string error)
    {
        Assert.Contains(new ChatServerOptions { Cluster = cluster }.Validate(), e => e.StartsWith(error, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("", "--node-id")]
    [InlineData("much-too-long-name", "--node-id")]
    [InlineData("a.b", "--node-id")]
    [InlineData("a b", "--node-id")]
    public void A_node_id_must_be_a_short_token_without_dots(string nodeId, string error)
    {
        Assert.Contains(new ChatServerOptions { Cluster = "nats://h:4222", NodeId = nodeId }.Validate(), e => e.StartsWith(error, StringComparison.Ordinal));
    }

    [Fact]
    public void Storage_room_limits_and_timeout_are_checked()
    {
        IReadOnlyList<string> errors = new ChatServerOptions
        {
            Cluster = "nats://h:4222",
            Room = "a.b",
            ClusterStorage = "disk",
            ClusterMaxMessages = 10,
            ClusterMaxAge = TimeSpan.Zero,
            NodeTimeout = TimeSpan.FromSeconds(-1),
        }.Validate();

        foreach (string option in new[] { "--room", "--cluster-storage", "--cluster-max-messages", "--cluster-max-age", "--node-timeout" })
        {
            Assert.Contains(errors, e => e.StartsWith(option, StringComparison.Ordinal));
        }
    }
}
