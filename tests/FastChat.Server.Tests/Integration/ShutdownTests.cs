namespace FastChat.Server.Tests;

/// <summary>Graceful shutdown (docs/PROTOCOL.md "Shutdown"; PROTOCOL-NOTES 7) and pooled-object accounting.</summary>
public class ShutdownTests
{
    [Fact]
    public async Task Every_received_line_is_broadcast_then_bye_shutdown_is_the_last_line()
    {
        var server = ServerFixture.Start();
        TestClient[] c = await server.JoinManyAsync(3);
        for (int i = 0; i < 3; i++)
        {
            await c[i].SendAsync($"from {i}\n");
        }

        // Every line is fully received once its sender has seen its own echo.
        for (int i = 0; i < 3; i++)
        {
            await c[i].ReadUntilAsync(l => l == $"MSG {c[i].Id} from {i}");
        }

        await using TestClient d = await server.JoinAsync();
        Task stop = server.Server.StopAsync(TestContext.Current.CancellationToken);
        foreach (TestClient client in c.Append(d))
        {
            List<string> rest = await client.ReadToEndAsync();
            Assert.Equal("BYE shutdown", rest[^1]);
            Assert.DoesNotContain(rest, l => l.StartsWith("LEAVE", StringComparison.Ordinal));
            Assert.False(client.WasReset);
        }

        await stop.WaitAsync(TimeSpan.FromSeconds(15), TestContext.Current.CancellationToken);
        Assert.Empty(server.Pools.Outstanding());
        foreach (TestClient client in c)
        {
            await client.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_member_that_never_reads_cannot_hold_shutdown_past_the_drain_timeout()
    {
        var server = ServerFixture.Start(o =>
        {
            o.DrainTimeout = TimeSpan.FromMilliseconds(500);
            o.MaxPendingBytes = 64 * 1024 * 1024;
        });
        await using TestClient stuck = await TestClient.ConnectAsync(server.EndPoint, receiveBufferSize: 4096);
        await using TestClient talker = await server.JoinAsync();
        string big = new('z', 1000);
        for (int i = 0; i < 40; i++)
        {
            await talker.SendAsync(string.Concat(Enumerable.Repeat(big + "\n", 200)));
        }

        await talker.SyncAsync();
        var watch = System.Diagnostics.Stopwatch.StartNew();
        await server.Server.StopAsync(TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromSeconds(15), TestContext.Current.CancellationToken);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"shutdown took {watch.Elapsed}");
        Assert.Empty(server.Pools.Outstanding());
    }

    [Fact]
    public async Task Every_pooled_object_comes_back_after_clients_leave_and_after_shutdown()
    {
        var server = ServerFixture.Start();
        var pools = server.Pools;
        TestClient[] c = await server.JoinManyAsync(20);
        for (int i = 0; i < c.Length; i++)
        {
            await c[i].SendAsync($"hello {i}\n/users\n/ping x\n/nope\n" + new string('q', 5000) + "\npartial");
        }

        // Leave in every way: quit, half-close, reset.
        for (int i = 0; i < c.Length; i++)
        {
            switch (i % 3)
            {
                case 0:
                    await c[i].SendAsync("\n/quit\n");
                    await c[i].ReadToEndAsync();
                    break;
                case 1:
                    c[i].ShutdownSend();
                    await c[i].ReadToEndAsync();
                    break;
                default:
                    c[i].Reset();
                    break;
            }

            await c[i].DisposeAsync();
        }

        await ServerFixture.WaitUntilAsync(() => server.LiveConnections == 0, "every connection is closed");

        // Only the log's current segment is still rented while the server runs.
        Assert.Equal(new Dictionary<string, long> { ["log-segments"] = 1 }, pools.Outstanding());

        await server.Server.StopAsync(TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromSeconds(15), TestContext.Current.CancellationToken);
        Assert.Empty(pools.Outstanding());
    }
}
