using FastChat.Server.Tests;

namespace FastChat.Cluster.Tests.Integration;

/// <summary>One global order: every member of every node sees the same lines in the same order.</summary>
public sealed class OrderTests
{
    [Fact]
    public async Task Every_member_of_every_node_sees_every_line_in_one_order()
    {
        await using ClusterFixture cluster = await ClusterFixture.StartAsync(3);
        var clients = new List<TestClient>();
        for (int i = 0; i < 6; i++)
        {
            clients.Add(await cluster.JoinAsync(i % 3));
        }

        RoomView[] views = [.. clients.Select(c => c.View())];
        await Task.WhenAll(clients.Select((c, i) => c.UntilMembersAsync(views[i], 6)));

        // Everybody sends at once, in bursts, so lines of different nodes interleave in the stream.
        const int perClient = 60;
        await Task.WhenAll(clients.Select(async (c, i) =>
        {
            for (int k = 0; k < perClient; k += 10)
            {
                await c.SendAsync(string.Concat(Enumerable.Range(k, 10).Select(n => $"c{i} line {n}\n")));
            }
        }));
        await Task.WhenAll(clients.Select((c, i) => c.UntilMessagesAsync(views[i], 6 * perClient)));

        for (int i = 1; i < views.Length; i++)
        {
            Assert.Equal(views[0].Messages, views[i].Messages);
        }

        // Each sender's lines keep the order it sent them in, under its cluster-wide id.
        for (int i = 0; i < clients.Count; i++)
        {
            string prefix = clients[i].Id + " ";
            string[] own = [.. views[0].Messages.Where(m => m.StartsWith(prefix, StringComparison.Ordinal)).Select(m => m[prefix.Length..])];
            Assert.Equal(Enumerable.Range(0, perClient).Select(n => $"c{i} line {n}"), own);
        }

        Assert.Equal(6, clients.Select(c => c.Id).Distinct().Count());
        foreach (TestClient client in clients)
        {
            await client.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_members_replies_come_after_the_echo_of_its_earlier_lines()
    {
        await using ClusterFixture cluster = await ClusterFixture.StartAsync(2);
        await using TestClient a = await cluster.JoinAsync(0);
        await using TestClient b = await cluster.JoinAsync(1);
        await a.UntilMembersAsync(a.View(), 2);

        // The line goes round the stream; the PONG is decided here, and must not overtake the echo.
        await a.SendAsync("one\n/ping x\ntwo\n/users\n");
        List<string> lines = await a.ReadUntilAsync(l => l.StartsWith("USERS", StringComparison.Ordinal));
        string users = lines[^1];
        lines.RemoveAt(lines.Count - 1);
        Assert.Equal([$"MSG {a.Id} one", "PONG x", $"MSG {a.Id} two"], lines);
        Assert.Equal(new[] { a.Id, b.Id }.Order(StringComparer.Ordinal), users.Split(' ')[1..].Order(StringComparer.Ordinal));
    }
}
