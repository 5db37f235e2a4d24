using System.Diagnostics;
using FastChat.Processes;
using FastChat.Server;
using FastChat.Server.Tests;

namespace FastChat.Cluster.Tests.Integration;

/// <summary>Nodes that die or shut down, and a NATS that goes away (docs/CLUSTER.md "Failures").</summary>
public sealed class FailureTests
{
    [Fact]
    public async Task A_killed_nodes_members_leave_everywhere_and_nobody_else_loses_a_line()
    {
        var nodeTimeout = TimeSpan.FromSeconds(2);
        await using ClusterFixture cluster = await ClusterFixture.StartAsync(2, o => o.NodeTimeout = nodeTimeout);
        ServerProcess doomed = await cluster.AddProcessNodeAsync("n3", "--node-timeout", "2");
        await using TestClient a = await cluster.JoinAsync(0);
        await using TestClient b = await cluster.JoinAsync(1);
        await using TestClient k1 = await cluster.JoinAsync(2);
        await using TestClient k2 = await cluster.JoinAsync(2);
        RoomView viewA = a.View();
        RoomView viewB = b.View();
        await a.UntilMembersAsync(viewA, 4);
        await b.UntilMembersAsync(viewB, 4);

        // a broadcasts throughout; n3 is killed in the middle of it.
        const int lines = 400;
        Task sending = Task.Run(async () =>
        {
            for (int n = 0; n < lines; n += 10)
            {
                await a.SendAsync(string.Concat(Enumerable.Range(n, 10).Select(i => $"line {i}\n")));
                await Task.Delay(10, TestContext.Current.CancellationToken); // pacing, so the kill lands mid-broadcast
            }
        }, TestContext.Current.CancellationToken);
        await a.UntilMessagesAsync(viewA, lines / 4);
        var sinceKill = Stopwatch.StartNew();
        doomed.Process.Kill();

        await Task.WhenAll(
            a.UntilMembersAsync(viewA, 2, TimeSpan.FromSeconds(20)),
            b.UntilMembersAsync(viewB, 2, TimeSpan.FromSeconds(20)));
        TimeSpan detected = sinceKill.Elapsed;
        await sending;
        await a.UntilMessagesAsync(viewA, lines);
        await b.UntilMessagesAsync(viewB, lines);

        Assert.Equal(new[] { a.Id, b.Id }.Order(), viewA.Members.Order());
        Assert.Equal(viewA.Members.Order(), viewB.Members.Order());
        Assert.Equal(Enumerable.Range(0, lines).Select(i => $"{a.Id} line {i}"), viewA.Messages);
        Assert.Equal(viewA.Messages, viewB.Messages);

        // The documented bound: the node timeout, one heartbeat tick, and a round trip through NATS.
        Assert.True(detected < nodeTimeout + TimeSpan.FromSeconds(3), $"LEAVE took {detected}");
    }

    [Fact]
    public async Task A_node_that_shuts_down_lets_its_members_go_at_once_after_their_lines()
    {
        // A long node timeout: the LEAVEs must come from the goodbye, not from the timeout.
        await using ClusterFixture cluster = await ClusterFixture.StartAsync(1, o => o.NodeTimeout = TimeSpan.FromMinutes(5));
        ChatServer leaving = await cluster.AddNodeAsync("n2", o => o.NodeTimeout = TimeSpan.FromMinutes(5));
        await using TestClient a = await cluster.JoinAsync(0);
        await using TestClient b = await cluster.JoinAsync(1);
        RoomView viewA = a.View();
        await a.UntilMembersAsync(viewA, 2);

        await b.SendAsync("last words\n");

        // Shutdown broadcasts every line already received: wait until this one was (not yet its echo).
        using (var cts = new CancellationTokenSource(TestClient.DefaultTimeout))
        {
            while (!leaving.Connections.Connections.Any(c => c.BytesApplied >= "last words\n".Length))
            {
                await Task.Delay(5, cts.Token);
            }
        }

        var stopping = Stopwatch.StartNew();
        Task stopped = leaving.StopAsync(TestContext.Current.CancellationToken);

        // b hears its own line, then BYE shutdown; a hears the line, then b's LEAVE.
        Assert.Equal([$"MSG {b.Id} last words", "BYE shutdown"], (await b.ReadToEndAsync()).Where(l => !l.StartsWith("JOIN", StringComparison.Ordinal)));
        await a.UntilMembersAsync(viewA, 1);
        Assert.Equal([$"{b.Id} last words"], viewA.Messages);
        Assert.True(stopping.Elapsed < TimeSpan.FromSeconds(10), $"LEAVE took {stopping.Elapsed}");
        await stopped;
    }

    [Fact]
    public async Task The_room_carries_on_after_NATS_restarts_and_no_line_is_lost_unseen()
    {
        await using ClusterFixture cluster = await ClusterFixture.StartAsync(2, o => o.ClusterStorage = "file");
        await using TestClient a = await cluster.JoinAsync(0);
        await using TestClient b = await cluster.JoinAsync(1);
        RoomView viewA = a.View();
        RoomView viewB = b.View();
        await a.UntilMembersAsync(viewA, 2);
        await a.SendAsync("before\n");
        await a.UntilMessagesAsync(viewA, 1);
        await b.UntilMessagesAsync(viewB, 1);

        await cluster.Nats.StopAsync();
        await a.SendAsync(string.Concat(Enumerable.Range(0, 20).Select(i => $"during {i}\n")));
        await cluster.Nats.StartAgainAsync();
        await a.SendAsync("after\n");

        // Every line comes back in order (they waited in the node's queue), or would have been
        // answered ERR unavailable: nothing vanishes. Nobody left meanwhile.
        await a.UntilMessagesAsync(viewA, 22, TimeSpan.FromSeconds(30));
        await b.UntilMessagesAsync(viewB, 22, TimeSpan.FromSeconds(30));
        string[] expected = [$"{a.Id} before", .. Enumerable.Range(0, 20).Select(i => $"{a.Id} during {i}"), $"{a.Id} after"];
        Assert.Equal(expected, viewA.Messages);
        Assert.Equal(expected, viewB.Messages);
        Assert.Equal(2, viewA.Members.Count);
        Assert.Equal(2, viewB.Members.Count);
        Assert.DoesNotContain(viewA.Other, l => l.StartsWith("ERR", StringComparison.Ordinal));

        // Newcomers are admitted again, on both nodes, and see the whole room.
        await using TestClient c = await cluster.JoinAsync(1);
        Assert.Equal(new[] { a.Id, b.Id, c.Id }.Order(), c.InitialUsers.Order());
    }

    [Fact]
    public async Task Without_NATS_newcomers_are_told_the_room_is_unavailable()
    {
        await using ClusterFixture cluster = await ClusterFixture.StartAsync(1);
        await using TestClient a = await cluster.JoinAsync(0);
        await cluster.Nats.StopAsync();

        // Once the node has noticed (its next heartbeat fails), a newcomer gets a FULL that says why.
        string answer = "";
        var waited = Stopwatch.StartNew();
        while (answer != "FULL 10000 unavailable" && waited.Elapsed < TimeSpan.FromSeconds(20))
        {
            await using TestClient d = await TestClient.ConnectAsync(cluster.Nodes[0]);
            List<string> lines = await d.ReadToEndAsync(TimeSpan.FromSeconds(15));
            answer = lines.Count > 0 ? lines[0] : "";
            Assert.True(lines.Count == 1 && answer.StartsWith("FULL", StringComparison.Ordinal) || answer.StartsWith("WELCOME", StringComparison.Ordinal),
                string.Join(" | ", lines));
        }

        Assert.Equal("FULL 10000 unavailable", answer);
    }

    [Fact]
    public async Task A_node_whose_NATS_cannot_be_reached_does_not_start()
    {
        NatsServer nats = await NatsServer.StartAsync();
        string url = nats.Url;
        await nats.StopAsync();
        await nats.DisposeAsync();

        await using var server = new ChatServer(new ChatServerOptions { Port = 0, Cluster = url, StatsInterval = TimeSpan.Zero });
        var ex = await Assert.ThrowsAsync<ClusterUnavailableException>(() => server.StartAsync(TestContext.Current.CancellationToken));
        Assert.Equal("no NATS server answers", ex.Message);
        Assert.Throws<InvalidOperationException>(() => server.Start());
    }
}
