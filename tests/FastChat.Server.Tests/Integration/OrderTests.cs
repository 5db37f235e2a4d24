namespace FastChat.Server.Tests;

/// <summary>One global order for JOIN, LEAVE and MSG (docs/PROTOCOL.md "Ordering").</summary>
public class OrderTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(4)]
    public async Task Concurrent_senders_produce_one_identical_sequence_at_every_member(int fanOutThreads)
    {
        // With several fan-out threads each walks its own members: still one order for all.
        const int members = 8, senders = 5, perSender = 300;
        await using var server = ServerFixture.Start(o => o.FanOutThreads = fanOutThreads);
        TestClient[] c = await server.JoinManyAsync(members);

        await Task.WhenAll(Enumerable.Range(0, senders).Select(s => Task.Run(async () =>
        {
            for (int i = 0; i < perSender; i += 10)
            {
                // Several lines per write, so batches of different senders interleave.
                await c[s].SendAsync(string.Concat(Enumerable.Range(i, 10).Select(k => $"s{s}-{k}\n")));
            }
        })));

        var sequences = await Task.WhenAll(c.Select(async client =>
        {
            var seen = new List<string>();
            while (seen.Count < senders * perSender)
            {
                seen.Add(await client.ReadLineAsync());
            }

            return seen;
        }));

        foreach (List<string> sequence in sequences)
        {
            Assert.Equal(sequences[0], sequence);
        }

        // Each sender's messages keep their order.
        for (int s = 0; s < senders; s++)
        {
            string id = c[s].Id!;
            var mine = sequences[0].Where(l => l.StartsWith($"MSG {id} ", StringComparison.Ordinal)).ToList();
            Assert.Equal(Enumerable.Range(0, perSender).Select(k => $"MSG {id} s{s}-{k}"), mine);
        }

        foreach (TestClient client in c)
        {
            await client.DisposeAsync();
        }
    }

    [Fact]
    public async Task Users_plus_join_and_leave_replay_is_consistent_under_churn()
    {
        await using var server = ServerFixture.Start();
        await using TestClient observer = await server.JoinAsync();
        var known = new HashSet<string>(observer.InitialUsers);

        // Churners join, talk, and leave in different ways, concurrently.
        await Task.WhenAll(Enumerable.Range(0, 6).Select(worker => Task.Run(async () =>
        {
            for (int round = 0; round < 15; round++)
            {
                TestClient client = await server.JoinAsync();

                // Its USERS never names someone twice.
                Assert.Equal(client.InitialUsers.Length, client.InitialUsers.Distinct().Count());
                await client.SendAsync($"hi from {client.Id}\n");
                switch (round % 3)
                {
                    case 0:
                        await client.SendAsync("/quit\n");
                        await client.ReadToEndAsync();
                        await client.DisposeAsync();
                        break;
                    case 1:
                        client.ShutdownSend();
                        await client.ReadToEndAsync();
                        await client.DisposeAsync();
                        break;
                    default:
                        client.Reset();
                        break;
                }
            }
        })));

        // Replay the observer's stream on top of its USERS: never a duplicate JOIN, never an unknown LEAVE.
        List<string> lines = await observer.SyncAsync();
        foreach (string line in lines)
        {
            if (line.StartsWith("JOIN ", StringComparison.Ordinal))
            {
                Assert.True(known.Add(line[5..]), $"JOIN of a known member: {line}");
            }
            else if (line.StartsWith("LEAVE ", StringComparison.Ordinal))
            {
                Assert.True(known.Remove(line[6..]), $"LEAVE of an unknown member: {line}");
            }
            else if (line.StartsWith("MSG ", StringComparison.Ordinal))
            {
                string id = line.Split(' ')[1];
                Assert.Contains(id, known);
            }
        }

        // Everybody left: the replayed set is the observer alone, as /users says.
        await ServerFixture.WaitUntilAsync(() => server.Server.MemberCount == 1, "1 member remains");
        await observer.SendAsync("/users\n");
        List<string> tail = await observer.ReadUntilAsync(l => l.StartsWith("USERS", StringComparison.Ordinal));
        foreach (string line in tail.Where(l => l.StartsWith("LEAVE ", StringComparison.Ordinal)))
        {
            Assert.True(known.Remove(line[6..]));
        }

        Assert.Equal($"USERS {string.Join(' ', known)}", tail[^1]);
        Assert.Equal([observer.Id!], known);
    }
}
