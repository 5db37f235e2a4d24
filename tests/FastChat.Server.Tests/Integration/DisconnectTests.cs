namespace FastChat.Server.Tests;

/// <summary>Resets, half-closes and slow consumers (docs/PROTOCOL.md "Leaving").</summary>
public class DisconnectTests
{
    [Fact]
    public async Task A_partial_line_from_a_reset_connection_is_never_broadcast()
    {
        await using var server = ServerFixture.Start();
        TestClient[] c = await server.JoinManyAsync(2);
        await c[0].SendAsync("complete\npartial without lf");
        Assert.Equal("MSG 1 complete", await c[1].ReadLineAsync());
        c[0].Reset();
        Assert.Equal("LEAVE 1", await c[1].ReadLineAsync());
        Assert.Empty(await c[1].SyncAsync());
    }

    [Fact]
    public async Task Half_close_is_leaving_after_the_server_flushes_what_it_owes()
    {
        await using var server = ServerFixture.Start();
        TestClient[] c = await server.JoinManyAsync(2);
        string many = string.Concat(Enumerable.Range(0, 2000).Select(i => $"line {i}\n"));
        await c[0].SendAsync(many + "unterminated");
        c[0].ShutdownSend();

        List<string> mine = await c[0].ReadToEndAsync();
        Assert.Equal(Enumerable.Range(0, 2000).Select(i => $"MSG 1 line {i}"), mine);

        List<string> theirs = await c[1].ReadUntilAsync(l => l == "LEAVE 1");
        Assert.Equal(Enumerable.Range(0, 2000).Select(i => $"MSG 1 line {i}").Append("LEAVE 1"), theirs);
    }

    [Fact]
    public async Task A_slow_consumer_is_cut_off_and_the_others_lose_nothing()
    {
        const int maxPending = 1024 * 1024;
        await using var server = ServerFixture.Start(o => o.MaxPendingBytes = maxPending);
        await using TestClient healthy = await server.JoinAsync();
        await using TestClient sender = await server.JoinAsync();
        await using TestClient slow = await TestClient.ConnectAsync(server.EndPoint, receiveBufferSize: 4096);
        await slow.ReadWelcomeAsync();
        await healthy.SyncAsync();
        await sender.SyncAsync();

        // The slow member now stops reading. 8 MB of chat goes out; it cannot take it all. The
        // sender paces itself on its own echo and on the healthy reader (at most 2 batches of 100
        // lines, 180 KB, ahead of what the healthy member has read), so the members who read are
        // never behind by more than the limit, however slowly this test's reader runs.
        string payload = new('x', 900);
        const int count = 9000;
        const int batch = 100;
        using var healthyRead = new SemaphoreSlim(0);
        CancellationToken ct = TestContext.Current.CancellationToken;
        Task send = Task.Run(async () =>
        {
            for (int i = 0; i < count; i += batch)
            {
                if (i >= 2 * batch)
                {
                    await healthyRead.WaitAsync(ct);
                }

                await sender.SendAsync(string.Concat(Enumerable.Range(i, batch).Select(k => $"{k} {payload}\n")));
                await sender.ReadUntilAsync(l => l == $"MSG 2 {i + batch - 1} {payload}");
            }
        }, ct);

        // The healthy members keep full delivery, in order, and hear the slow one leave.
        List<string> got = await healthy.ReadMessagesAsync(count, batch, healthyRead);

        await send;
        Assert.Equal(Enumerable.Range(0, count).Select(k => $"MSG 2 {k} {payload}"),
            got.Where(l => l.StartsWith("MSG", StringComparison.Ordinal)));
        Assert.Contains($"LEAVE {slow.Id}", got.Concat(await healthy.SyncAsync()));
        Assert.Equal(1, server.Counters.SlowConsumers);

        // The slow member's connection ends (after whatever the kernel had buffered for it).
        List<string> slowLines = await slow.ReadToEndAsync(TimeSpan.FromSeconds(30));
        Assert.True(slowLines.Count < count, "the slow consumer cannot have received everything");
        Assert.DoesNotContain(slowLines, l => l.StartsWith("LEAVE", StringComparison.Ordinal));

        // Memory stays bounded: once it is gone, the log holds no backlog for it.
        await ServerFixture.WaitUntilAsync(() => server.Pools.Segments.Outstanding <= 2, "log segments are released");
    }
}
