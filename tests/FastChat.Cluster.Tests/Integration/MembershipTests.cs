using FastChat.Server.Tests;

namespace FastChat.Cluster.Tests.Integration;

/// <summary>One member list: USERS, JOIN and LEAVE agree across nodes; ids are the cluster's.</summary>
public sealed class MembershipTests
{
    [Fact]
    public async Task Joins_and_leaves_on_any_node_are_seen_on_every_node()
    {
        await using ClusterFixture cluster = await ClusterFixture.StartAsync(3);
        await using TestClient a = await cluster.JoinAsync(0);
        Assert.StartsWith("n1.", a.Id);
        Assert.Equal([a.Id], a.InitialUsers);

        await using TestClient b = await cluster.JoinAsync(1);
        Assert.StartsWith("n2.", b.Id);
        Assert.Equal(new[] { a.Id, b.Id }.Order(), b.InitialUsers.Order());
        Assert.Equal($"JOIN {b.Id}", await a.ReadLineAsync());

        await using TestClient c = await cluster.JoinAsync(2);
        Assert.Equal(new[] { a.Id, b.Id, c.Id }.Order(), c.InitialUsers.Order());
        Assert.Equal($"JOIN {c.Id}", await a.ReadLineAsync());
        Assert.Equal($"JOIN {c.Id}", await b.ReadLineAsync());

        await a.SendAsync("/users\n");
        string users = await a.ReadLineAsync();
        Assert.Equal(new[] { a.Id, b.Id, c.Id }.Order(), users.Split(' ')[1..].Order());

        // /quit: BYE quit for b, LEAVE for everybody else on both other nodes.
        await b.SendAsync("/quit\n");
        Assert.Equal(["BYE quit"], await b.ReadToEndAsync());
        Assert.Equal($"LEAVE {b.Id}", await a.ReadLineAsync());
        Assert.Equal($"LEAVE {b.Id}", await c.ReadLineAsync());

        // A closed connection leaves the same way.
        c.ShutdownSend();
        Assert.Equal($"LEAVE {c.Id}", await a.ReadLineAsync());
    }

    [Fact]
    public async Task A_newcomers_USERS_is_the_room_at_its_JOIN_on_every_node()
    {
        await using ClusterFixture cluster = await ClusterFixture.StartAsync(3);
        TestClient[] observers = [await cluster.JoinAsync(0), await cluster.JoinAsync(1), await cluster.JoinAsync(2)];
        RoomView[] views = [.. observers.Select(o => o.View())];
        await Task.WhenAll(observers.Select((o, i) => o.UntilMembersAsync(views[i], 3)));

        // Newcomers join on all nodes at once and half of them leave right away: JOINs and LEAVEs interleave.
        const int newcomers = 24;
        TestClient[] joined = await Task.WhenAll(Enumerable.Range(0, newcomers).Select(async i =>
        {
            TestClient client = await cluster.JoinAsync(i % 3);
            if (i % 2 == 0)
            {
                client.ShutdownSend();
            }

            return client;
        }));

        // Everybody who stayed sends one line after its JOIN; the observers read until all are in.
        foreach (TestClient client in joined.Where((_, i) => i % 2 == 1))
        {
            await client.SendAsync("here\n");
        }

        await Task.WhenAll(observers.Select((o, i) => o.UntilMessagesAsync(views[i], newcomers / 2)));
        await Task.WhenAll(observers.Select((o, i) => o.UntilMembersAsync(views[i], 3 + newcomers / 2)));

        foreach (TestClient client in joined)
        {
            foreach (RoomView view in views)
            {
                // What the newcomer was told is what every node's stream shows right after its JOIN.
                Assert.True(view.SetAtJoin.TryGetValue(client.Id!, out HashSet<string>? atJoin), $"no JOIN {client.Id}");
                Assert.Equal(atJoin.Order(), client.InitialUsers.Order());
            }
        }

        Assert.Equal(views[0].Messages, views[1].Messages);
        Assert.Equal(views[0].Messages, views[2].Messages);
        Assert.Equal(views[0].Members.Order(), views[1].Members.Order());
        Assert.Equal(views[0].Members.Order(), views[2].Members.Order());
        foreach (TestClient client in joined.Concat(observers))
        {
            await client.DisposeAsync();
        }
    }

    [Fact]
    public async Task FULL_is_decided_for_the_whole_cluster()
    {
        await using ClusterFixture cluster = await ClusterFixture.StartAsync(3, o => o.MaxClients = 3);
        await using TestClient a = await cluster.JoinAsync(0);
        await using TestClient b = await cluster.JoinAsync(1);
        await using TestClient c = await cluster.JoinAsync(2);
        await a.UntilMembersAsync(a.View(), 3);

        // The fourth is refused on any node, though each node holds one member.
        for (int node = 0; node < 3; node++)
        {
            await using TestClient d = await TestClient.ConnectAsync(cluster.Nodes[node]);
            Assert.Equal(["FULL 3"], await d.ReadToEndAsync());
        }

        // A place freed on one node is free on all.
        await b.SendAsync("/quit\n");
        Assert.Equal($"LEAVE {b.Id}", await a.ReadLineAsync());
        await using TestClient e = await cluster.JoinAsync(2);
        Assert.Equal(new[] { a.Id, c.Id, e.Id }.Order(), e.InitialUsers.Order());
    }

    [Fact]
    public async Task Nodes_with_different_limits_still_agree_because_each_JOIN_carries_its_nodes()
    {
        await using ClusterFixture cluster = await ClusterFixture.StartAsync(1, o => o.MaxClients = 2);
        await cluster.AddNodeAsync("n2", o => o.MaxClients = 5);
        await using TestClient a = await cluster.JoinAsync(0);
        await using TestClient b = await cluster.JoinAsync(1);
        await using TestClient c = await cluster.JoinAsync(1); // the third: n2 admits up to 5
        RoomView view = a.View();
        await a.UntilMembersAsync(view, 3);

        // n1 admits up to 2, and the room holds 3: refused, and n2 agrees (nobody hears a JOIN).
        await using TestClient d = await TestClient.ConnectAsync(cluster.Nodes[0]);
        Assert.Equal(["FULL 2"], await d.ReadToEndAsync());
        await b.SendAsync("/users\n");
        string users = (await b.ReadUntilAsync(l => l.StartsWith("USERS ", StringComparison.Ordinal)))[^1]; // after JOIN c
        Assert.Equal(new[] { a.Id, b.Id, c.Id }.Order(), users.Split(' ')[1..].Order());
    }

    [Fact]
    public async Task Racing_joins_over_the_limit_admit_exactly_the_limit_and_every_node_agrees()
    {
        const int max = 4;
        await using ClusterFixture cluster = await ClusterFixture.StartAsync(3, o => o.MaxClients = max);
        TestClient[] racers = await Task.WhenAll(Enumerable.Range(0, 12).Select(i => TestClient.ConnectAsync(cluster.Nodes[i % 3])));
        string[] first = await Task.WhenAll(racers.Select(r => r.ReadLineAsync()));

        TestClient[] admitted = [.. racers.Where((_, i) => first[i].StartsWith("WELCOME ", StringComparison.Ordinal))];
        Assert.Equal(max, admitted.Length);
        Assert.All(first.Where(l => !l.StartsWith("WELCOME ", StringComparison.Ordinal)), l => Assert.Equal($"FULL {max}", l));

        // Every admitted member ends up with the same room, whichever node it is on.
        string[][] rooms = await Task.WhenAll(admitted.Select(async m =>
        {
            await m.SendAsync("/users\n");
            string users = (await m.ReadUntilAsync(l => l.StartsWith("USERS ", StringComparison.Ordinal) && l.Split(' ').Length == max + 1))[^1];
            return users.Split(' ')[1..].Order().ToArray();
        }));
        Assert.All(rooms, r => Assert.Equal(rooms[0], r));
        foreach (TestClient racer in racers)
        {
            await racer.DisposeAsync();
        }
    }
}
