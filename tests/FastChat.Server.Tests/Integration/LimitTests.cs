using System.Net;
using FastChat.Server.Internal;
using Microsoft.Extensions.Time.Testing;

namespace FastChat.Server.Tests;

/// <summary>
/// The limits of docs/PROTOCOL.md "Limits" against the real server on loopback, on a fake clock:
/// every deadline is reached by advancing time, never by waiting for it.
/// </summary>
public class LimitTests
{
    private static readonly IPAddress Other = IPAddress.Parse("127.0.0.2");

    [Fact]
    public async Task One_address_gets_its_limit_of_connections_and_the_next_gets_FULL_per_address()
    {
        await using var server = ServerFixture.Start(o => o.MaxClientsPerAddress = 2);
        await using TestClient observer = await TestClient.JoinAsync(server.EndPoint, Other);
        await using TestClient a = await server.JoinAsync();
        await using TestClient b = await server.JoinAsync();
        await using TestClient c = await TestClient.ConnectAsync(server.EndPoint);

        Assert.Equal(["FULL 2 per-address"], await c.ReadToEndAsync());
        Assert.Equal([$"JOIN {a.Id}", $"JOIN {b.Id}"], await observer.SyncAsync()); // nobody heard of c
        Assert.Equal(1, server.Counters.RejectedPerAddress);

        // The slot frees when a member's socket closes: the address gets in again.
        await a.SendAsync("/quit\n");
        Assert.Equal([$"JOIN {b.Id}", "BYE quit"], await a.ReadToEndAsync());
        await ServerFixture.WaitUntilAsync(() => server.Server.Gate.Open == 2, "a's socket closed");
        await using TestClient d = await server.JoinAsync();
        Assert.NotNull(d.Id);
    }

    [Theory]
    [InlineData("127.0.0.1", "127.0.0.1", true)]
    [InlineData("127.0.0.1", "127.0.0.2", false)]
    [InlineData("::ffff:10.0.0.1", "10.0.0.1", true)]
    [InlineData("2001:db8::1", "2001:db8::ffff:1", true)]
    [InlineData("2001:db8::1", "2001:db8:0:1::1", false)]
    [InlineData("::ffff:0:0", "::", false)]
    public void Addresses_count_per_IPv4_address_and_per_IPv6_64(string first, string second, bool same) =>
        Assert.Equal(same, AddressLimiter.KeyOf(IPAddress.Parse(first)) == AddressLimiter.KeyOf(IPAddress.Parse(second)));

    [Fact]
    public async Task Lines_over_the_rate_wait_unread_then_flow_at_the_rate_and_a_member_over_it_too_long_gets_BYE_flood()
    {
        var time = new FakeTimeProvider();
        await using var server = ServerFixture.Start(o =>
        {
            o.MaxLinesPerSecond = 10;
            o.Burst = 5;
            o.FloodTimeout = TimeSpan.FromSeconds(2);
        }, time);
        await using TestClient observer = await server.JoinAsync();
        await using TestClient flooder = await server.JoinAsync();
        await observer.SyncAsync();

        await flooder.SendAsync(string.Concat(Enumerable.Range(0, 40).Select(i => $"{i}\n")));

        // The burst goes at once; the rest waits for tokens the clock has not made yet.
        string[] burst = [.. Enumerable.Range(0, 5).Select(i => $"MSG {flooder.Id} {i}")];
        Assert.Equal(burst, await ReadMessagesAsync(observer, 5));
        Assert.Empty(await observer.SyncAsync());
        // Its loop marks the start of the wait after broadcasting the burst; the clock must not move before that.
        await ServerFixture.WaitUntilAsync(() => server.Counters.FloodDelays == 1, "the flooder waits for its rate");

        // One token per 100 ms; the waiting lines are read a batch at a time, every 200 ms, until it
        // has been over the rate for longer than 2 s. Then BYE flood, and the lines it sent beyond
        // that are dropped. The clock moves a step once the receive loop has taken the last one (a
        // batch broadcast, or the cut), so a busy machine cannot let it run ahead; the count keeps a
        // batch of slack at each end for where the steps fall, the order none.
        for (int step = 0; step < 100 && server.Server.MemberCount == 2; step++)
        {
            long before = server.Counters.MessagesIn;
            time.Advance(Internal.ConnectionLimits.ThrottledBatchPeriod);
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
            wait.CancelAfter(TimeSpan.FromSeconds(2)); // a step that makes no batch moves on after this
            while (server.Counters.MessagesIn == before && server.Server.MemberCount == 2 && !wait.IsCancellationRequested)
            {
                await Task.Delay(2, TestContext.Current.CancellationToken); // polling: the receive loop runs on its own thread
            }
        }

        List<string> seen = await observer.ReadUntilAsync(l => l == $"LEAVE {flooder.Id}");
        Assert.Equal(Enumerable.Range(5, seen.Count - 1).Select(i => $"MSG {flooder.Id} {i}"), seen[..^1]);
        Assert.InRange(seen.Count - 1, 10, 23); // 10 a second for 2 s, +-a batch at each end
        Assert.Equal("BYE flood", (await flooder.ReadToEndAsync())[^1]);
        Assert.Equal(1, server.Counters.FloodDelays);
        await CloseLingeringAsync(server, time, live: 1);
        Assert.Equal(1, server.Counters.ClosedFor(CloseReason.Flood));
    }

    [Fact]
    public async Task An_honest_chatter_at_20_lines_a_second_in_bursts_of_10_never_waits_under_the_default_limits()
    {
        var time = new FakeTimeProvider();
        await using var server = ServerFixture.Start(o =>
        {
            ChatServerOptions defaults = new();
            o.MaxLinesPerSecond = defaults.MaxLinesPerSecond;
            o.Burst = defaults.Burst;
        }, time);
        await using TestClient observer = await server.JoinAsync();
        await using TestClient chatter = await server.JoinAsync();
        await observer.SyncAsync();

        for (int round = 0; round < 40; round++)
        {
            await chatter.SendAsync(string.Concat(Enumerable.Range(0, 10).Select(i => $"r{round} {i}\n")));
            Assert.Equal(Enumerable.Range(0, 10).Select(i => $"MSG {chatter.Id} r{round} {i}"), await ReadMessagesAsync(observer, 10));
            time.Advance(TimeSpan.FromMilliseconds(500));
        }

        Assert.Equal(0, server.Counters.FloodDelays);
    }

    [Fact]
    public async Task A_member_that_never_speaks_gets_PING_and_is_cut_off_when_it_does_not_answer()
    {
        var time = new FakeTimeProvider();
        await using var server = ServerFixture.Start(o =>
        {
            o.RegistrationTimeout = TimeSpan.FromSeconds(5);
            o.PongTimeout = TimeSpan.FromSeconds(10);
        }, time);
        await using TestClient observer = await server.JoinAsync();
        await using TestClient silent = await server.JoinAsync();
        await observer.SyncAsync(); // the observer has spoken: it is not pinged at 5 s

        Advance(time, TimeSpan.FromSeconds(5.5));
        Assert.Matches("^PING [0-9]+$", await silent.ReadLineAsync());
        Advance(time, TimeSpan.FromSeconds(10.5));
        Assert.Equal(["BYE registration-timeout"], await silent.ReadToEndAsync());
        Assert.Equal([$"LEAVE {silent.Id}"], await observer.SyncAsync());
        await CloseLingeringAsync(server, time, live: 1);
        Assert.Equal(1, server.Counters.ClosedFor(CloseReason.RegistrationTimeout));
    }

    [Fact]
    public async Task A_member_that_answers_its_PINGs_stays_and_one_that_stops_answering_gets_BYE_ping_timeout()
    {
        var time = new FakeTimeProvider();
        await using var server = ServerFixture.Start(o =>
        {
            o.RegistrationTimeout = TimeSpan.FromSeconds(5);
            o.IdleTimeout = TimeSpan.FromSeconds(60);
            o.PongTimeout = TimeSpan.FromSeconds(10);
        }, time);
        await using TestClient member = await server.JoinAsync();

        Advance(time, TimeSpan.FromSeconds(6));
        string ping = await member.ReadLineAsync();
        await member.SendAsync($"/pong {ping["PING ".Length..]}\n");
        await member.SyncAsync(); // the answer is read: no reply, and nothing else pending

        Advance(time, TimeSpan.FromSeconds(55)); // silent, but under the idle timeout
        Assert.Empty(await member.SyncAsync()); // ... and this /ping counts as a line too

        Advance(time, TimeSpan.FromSeconds(61));
        Assert.Matches("^PING [0-9]+$", await member.ReadLineAsync());
        Advance(time, TimeSpan.FromSeconds(11));
        Assert.Equal(["BYE ping-timeout"], await member.ReadToEndAsync());
        Assert.Equal(2, server.Counters.PingsSent);
    }

    [Fact]
    public async Task A_line_that_does_not_end_within_the_line_timeout_gets_BYE_line_timeout()
    {
        var time = new FakeTimeProvider();
        await using var server = ServerFixture.Start(o => o.LineTimeout = TimeSpan.FromSeconds(10), time);
        await using TestClient observer = await server.JoinAsync();
        await using TestClient slow = await server.JoinAsync();
        await observer.SyncAsync();

        // One byte a second: each byte is progress, but the line is never done.
        int sent = 0;
        foreach (char c in "slowloris")
        {
            await slow.SendAsync(c.ToString());
            await server.WaitUntilAppliedAsync(slow.Id, ++sent);
            Advance(time, TimeSpan.FromSeconds(1));
        }

        Advance(time, TimeSpan.FromSeconds(2));
        Assert.Equal(["BYE line-timeout"], await slow.ReadToEndAsync());
        Assert.Equal([$"LEAVE {slow.Id}"], await observer.SyncAsync());
    }

    [Fact]
    public async Task A_line_finished_in_time_is_relayed_and_a_new_line_gets_its_own_time()
    {
        var time = new FakeTimeProvider();
        await using var server = ServerFixture.Start(o => o.LineTimeout = TimeSpan.FromSeconds(10), time);
        await using TestClient observer = await server.JoinAsync();
        await using TestClient typist = await server.JoinAsync();
        await observer.SyncAsync();

        await typist.SendAsync("hel");
        await server.WaitUntilAppliedAsync(typist.Id, 3);
        Advance(time, TimeSpan.FromSeconds(8));
        await typist.SendAsync("lo\nwor");
        Assert.Equal($"MSG {typist.Id} hello", await observer.ReadLineAsync());
        Advance(time, TimeSpan.FromSeconds(8)); // 16 s since "hel", 8 s since "wor": within the limit
        await typist.SendAsync("ld\n");
        Assert.Equal($"MSG {typist.Id} world", await observer.ReadLineAsync());
    }

    [Fact]
    public async Task A_leaving_member_that_never_reads_its_last_bytes_is_closed_after_the_drain_timeout()
    {
        var time = new FakeTimeProvider();
        await using var server = ServerFixture.Start(o =>
        {
            o.DrainTimeout = TimeSpan.FromSeconds(5);
            o.MaxPendingBytes = 64L * 1024 * 1024; // so it is not cut off as a slow consumer first
        }, time);
        await using TestClient sender = await server.JoinAsync();
        await using TestClient stuck = await TestClient.ConnectAsync(server.EndPoint, receiveBufferSize: 4096);
        await stuck.ReadWelcomeAsync();
        await sender.SyncAsync();

        // stuck stops reading with ~8 MB owed (more than the kernel's buffers take), then quits:
        // BYE quit waits behind that backlog.
        string line = new('x', 1000);
        for (int batch = 0; batch < 80; batch++)
        {
            await sender.SendAsync(string.Concat(Enumerable.Range(0, 100).Select(i => $"{batch}.{i} {line}\n")));
            await sender.ReadUntilAsync(l => l == $"MSG {sender.Id} {batch}.99 {line}");
        }

        await stuck.SendAsync("/quit\n");
        await ServerFixture.WaitUntilAsync(() => server.Server.MemberCount == 1, "stuck left");
        Assert.Equal(2, server.LiveConnections); // left, but its socket is still owed bytes

        // Not before the drain timeout and the close grace period...
        Advance(time, TimeSpan.FromSeconds(5.5));
        Assert.Equal(2, server.LiveConnections);

        // ... and then closed, though it never read.
        await CloseLingeringAsync(server, time, live: 1);
        Assert.Equal(1, server.Counters.ClosedFor(CloseReason.Quit));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)] // the two readers in different shards: the walkers compare across shards
    public async Task Over_the_total_pending_limit_the_member_furthest_behind_is_cut_off_first(int fanOutThreads)
    {
        const long limit = 4 * 1024 * 1024;
        await using var server = ServerFixture.Start(o =>
        {
            o.MaxPendingBytes = limit;
            o.MaxTotalPendingBytes = limit;
            o.FanOutThreads = fanOutThreads;
        });
        await using TestClient observer = await server.JoinAsync();
        await using TestClient small = await TestClient.ConnectAsync(server.EndPoint, receiveBufferSize: 4096);
        await small.ReadWelcomeAsync();
        await using TestClient big = await TestClient.ConnectAsync(server.EndPoint, receiveBufferSize: 4096);
        await big.ReadWelcomeAsync();
        await observer.SyncAsync();

        // Both ask for long PONGs and read nothing. The kernel takes the first megabytes of each
        // (how much it buffers varies), so small asks until the server itself holds 1.5 MiB for it.
        string ping = "/ping " + new string('p', 1000) + "\n";
        string batch = string.Concat(Enumerable.Repeat(ping, 500)); // ~0.5 MB of PONGs
        long sent = 0;
        for (int i = 0; i < 20 && server.Server.Totals.PrivateBytes < 1.5 * 1024 * 1024; i++)
        {
            await small.SendAsync(batch);
            await server.WaitUntilAppliedAsync(small.Id, sent += batch.Length);
        }

        // big then passes the total (at ~2.5 MiB of its own) long before its own 4 MiB limit.
        await big.SendAsync(string.Concat(Enumerable.Repeat(batch, 16)));
        Assert.Equal([$"LEAVE {big.Id}"], await observer.ReadUntilAsync(l => l.StartsWith("LEAVE", StringComparison.Ordinal)));
        Assert.Empty(await observer.SyncAsync()); // small stays: under the limit once big is gone
        Assert.Equal(2, server.Server.MemberCount);
        await ServerFixture.WaitUntilAsync(() => server.LiveConnections == 2, "big's socket closed");
        Assert.Equal(
            (CloseReason.TotalPending, 1L),
            Enum.GetValues<CloseReason>().Select(r => (r, server.Counters.ClosedFor(r))).Single(c => c.Item2 > 0));
    }

    [Fact]
    public async Task Unread_users_requests_in_a_room_of_2000_cut_off_only_the_member_that_asks_faster_than_it_reads()
    {
        await using var server = ServerFixture.Start(o => o.MaxClients = 2100);
        var members = new List<TestClient>();
        for (int i = 0; i < 1998; i++)
        {
            members.Add(await TestClient.ConnectAsync(server.EndPoint));
        }

        await using TestClient observer = await server.JoinAsync();
        await using TestClient asker = await TestClient.ConnectAsync(server.EndPoint, receiveBufferSize: 4096);
        await asker.ReadWelcomeAsync();
        await ServerFixture.WaitUntilAsync(() => server.Server.MemberCount == 2000, "2000 members");
        await observer.SyncAsync();

        // 5000 USERS lines of ~10 KB each (50 MB) for a member that reads none of them.
        await asker.SendAsync(string.Concat(Enumerable.Repeat("/users\n", 5000)));
        List<string> seen = await observer.ReadUntilAsync(l => l == $"LEAVE {asker.Id}");
        Assert.Equal([$"LEAVE {asker.Id}"], seen.Where(l => !l.StartsWith("JOIN", StringComparison.Ordinal)));
        await ServerFixture.WaitUntilAsync(() => server.Counters.ClosedFor(CloseReason.SlowConsumer) == 1, "the asker's close was counted");
        await ServerFixture.WaitUntilAsync(() => server.Server.Totals.PrivateBytes < 1024 * 1024, "the backlog was given back");
        Assert.Empty(await observer.SyncAsync());

        foreach (TestClient member in members)
        {
            await member.DisposeAsync();
        }
    }

    // Advances past close grace periods and drain timeouts until only `live` connections are left.
    private static async Task CloseLingeringAsync(ServerFixture server, FakeTimeProvider time, int live)
    {
        for (int i = 0; i < 100 && server.LiveConnections > live; i++)
        {
            Advance(time, TimeSpan.FromMilliseconds(500));
            await Task.Delay(5); // polling: the loops run on their own threads
        }

        await ServerFixture.WaitUntilAsync(() => server.LiveConnections == live, $"{live} live connections");
    }

    // Reads n MSG lines (other lines in between are an error here).
    private static async Task<string[]> ReadMessagesAsync(TestClient client, int n)
    {
        var lines = new string[n];
        for (int i = 0; i < n; i++)
        {
            lines[i] = await client.ReadLineAsync();
        }

        return lines;
    }

    // Past the watchdog's tick: a fake clock fires it once per period advanced.
    private static void Advance(FakeTimeProvider time, TimeSpan by)
    {
        TimeSpan step = Watchdog.TickPeriod;
        for (TimeSpan done = TimeSpan.Zero; done < by; done += step)
        {
            time.Advance(step);
        }
    }
}
