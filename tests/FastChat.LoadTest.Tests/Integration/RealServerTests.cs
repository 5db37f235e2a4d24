using System.Net;
using FastChat.LoadTest.Internal;
using FastChat.LoadTest.Reporting;
using FastChat.LoadTest.Scenarios;
using FastChat.Server;

namespace FastChat.LoadTest.Tests.Integration;

/// <summary>Short runs of the scenarios against the real in-process server, asserting zero loss.</summary>
[Collection("real-server")]
public class RealServerTests
{
    [Fact]
    public async Task Fanout_open_model_delivers_everything_in_one_order()
    {
        await using var server = new ChatServer(LoadOptions(o => { }));
        IPEndPoint ep = server.Start();
        // 10 connections per source address: members use 127.0.0.1, 127.0.0.2 and 127.0.0.3.
        RunReport r = await ScenarioRunner.FanoutAsync(ep, new FanoutOptions
        {
            Clients = 30, Senders = 3, Rate = 3000, Warmup = TimeSpan.FromSeconds(0.5), Duration = TimeSpan.FromSeconds(2),
        }, perSourceAddress: 10);
        string all = ScenarioRunner.Describe(r);

        Assert.False(r.Aborted, r.AbortReason);
        Assert.Equal(0, r.Metrics["lost_total"]);
        Assert.Equal(0, r.Metrics["dup"]);
        Assert.Equal(1, r.Metrics["order"]);
        Assert.Equal(30, r.Metrics["order_receivers_compared"]);
        // 3000 msg/s to 30 members for 2 s: about 180 000 deliveries in the window (wide bounds for a busy CI box).
        Assert.InRange(r.Metrics["deliveries"], 100_000, 220_000);
        Assert.True(r.Metrics["latency_count"] > 100_000, all);
        Assert.True(r.Metrics["p50"] > 0 && r.Metrics["p50"] <= r.Metrics["p99"] && r.Metrics["p99"] <= r.Metrics["max"], all);
    }

    [Fact]
    public async Task Fanout_closed_model_keeps_the_window_and_loses_nothing()
    {
        await using var server = new ChatServer(LoadOptions(o => { }));
        RunReport r = await ScenarioRunner.FanoutAsync(server.Start(), new FanoutOptions
        {
            Clients = 20, Senders = 2, Window = 16, Warmup = TimeSpan.FromSeconds(0.5), Duration = TimeSpan.FromSeconds(2),
        });

        Assert.Equal(0, r.Metrics["lost_total"]);
        Assert.Equal(1, r.Metrics["order"]);
        Assert.True(r.Metrics["deliveries/s"] > 10_000, ScenarioRunner.Describe(r));
        // Closed model: deliveries = sent x members (each message reaches all 20, senders included).
        Assert.InRange(r.Metrics["deliveries/s"] / r.Metrics["expected_deliveries/s"], 0.9, 1.1);
    }

    [Fact]
    public async Task Overflow_refuses_exactly_the_excess_and_disturbs_nobody()
    {
        await using var server = new ChatServer(LoadOptions(o => { o.MaxClients = 20; }));
        RunReport r = await ScenarioRunner.RunAsync(OverflowScenario.RunAsync, server.Start(), new OverflowOptions { MaxClients = 20, Excess = 5, Messages = 50 });
        string all = ScenarioRunner.Describe(r);

        Assert.True(r.Metrics["ok"] == 1, all);
        Assert.Equal(20, r.Metrics["members_admitted"]);
        Assert.Equal(5, r.Metrics["excess_full"]);
        Assert.Equal(0, r.Metrics["excess_admitted"]);
        Assert.Equal(0, r.Metrics["full_max_mismatch"]);
        Assert.Equal(0, r.Metrics["members_disturbed"]);
        Assert.Equal(0, r.Metrics["lost"]);
        Assert.Equal(1, r.Metrics["slot_reused"]);
        Assert.Equal(0, r.Metrics["consistency_errors"]);
    }

    [Fact]
    public async Task Slow_consumers_are_cut_off_and_healthy_members_lose_nothing()
    {
        RunReport r = await SlowConsumersAsync(laggardBytesPerSecond: 0, TimeSpan.FromSeconds(3));
        string all = ScenarioRunner.Describe(r);

        Assert.Equal(2, r.Metrics["stalled_members"]);
        Assert.True(r.Metrics["stalled_cut_off"] == 2, all);
        Assert.Equal(0, r.Metrics["lost_total"]);
        Assert.Equal(0, r.Metrics["receivers_dropped"]);
        Assert.Equal(1, r.Metrics["order"]);
        Assert.Equal(10, r.Metrics["healthy_members"]);
    }

    [Fact]
    public async Task Throttled_readers_are_cut_off_read_at_their_rate_and_healthy_members_lose_nothing()
    {
        // Each member is sent about 4000 x 540 B = 2.2 MB/s; the 2 laggards read 4000 B/s (500x slower).
        const double limit = 4000;
        RunReport r = await SlowConsumersAsync(limit, TimeSpan.FromSeconds(2));
        string all = ScenarioRunner.Describe(r) + " | " + string.Join(" | ", r.Facts.Select(kv => $"{kv.Key}: {kv.Value}"));

        // Healthy members: everything, in one order.
        Assert.False(r.Aborted, r.AbortReason);
        Assert.Equal(10, r.Metrics["healthy_members"]);
        Assert.True(r.Metrics["lost_total"] == 0, all);
        Assert.True(r.Metrics["receivers_dropped"] == 0, all);
        Assert.True(r.Metrics["order"] == 1, all);
        Assert.True(r.Metrics["latency_count"] > 50_000, all);

        // Laggards: they did read, never faster than the throttle (bucket: 0.1 s burst over 2.5 s)...
        Assert.True(r.Metrics["laggard_read_Bps_max"] <= limit * 1.1, all);
        Assert.True(r.Metrics["laggard_read_Bps_min"] >= limit * 0.25, all);
        // ...and the server cut both off early in the 2 s measured after the 0.5 s warm-up (laggards read
        // at full speed through the warm-up), after a clean prefix of the stream.
        Assert.True(r.Metrics["stalled_cut_off"] == 2, all);
        Assert.True(r.Metrics["laggard_last_msg_s_max"] < 0.5 + 1.5, all);
        Assert.True(r.Metrics["laggard_holes"] == 0, all);
    }

    [Fact]
    public async Task Chat_with_churn_keeps_every_member_view_consistent()
    {
        await using var server = new ChatServer(LoadOptions(o => { }));
        RunReport r = await ScenarioRunner.RunAsync(ChatScenario.RunAsync, server.Start(), new ChatOptions
        {
            Clients = 40, Ramp = TimeSpan.FromSeconds(0.5), Duration = TimeSpan.FromSeconds(2), Think = TimeSpan.FromMilliseconds(50),
            LeaveProbability = 0.1, Away = TimeSpan.FromMilliseconds(100),
        });
        string all = ScenarioRunner.Describe(r);

        Assert.True(r.Metrics["leaves"] > 10, all);
        Assert.True(r.Metrics["messages_received"] > 1000, all);
        Assert.Equal(0, r.Metrics["rejoin_failed"]);
        Assert.Equal(0, r.Metrics["consistency_errors"]);
        Assert.Equal(0, r.Metrics["views_mismatched"]);
        Assert.Equal(0, r.Metrics["reordered"]);
    }

    [Fact]
    public async Task Connect_storm_and_churn_succeed_and_views_converge()
    {
        await using var server = new ChatServer(LoadOptions(o => { }));
        RunReport r = await ScenarioRunner.ConnectAsync(server.Start(), new ConnectOptions { Clients = 300, ChurnSeconds = 1, ChurnRate = 100 });
        string all = ScenarioRunner.Describe(r);

        Assert.Equal(400, r.Metrics["ready"]);
        Assert.Equal(0, r.Metrics["connections_failed"]);
        Assert.Equal(300, r.Metrics["live_members"]);
        Assert.Equal(0, r.Metrics["views_mismatched_after_storm"]);
        Assert.Equal(0, r.Metrics["views_mismatched_after_churn"]);
        Assert.Equal(0, r.Metrics["consistency_errors"]);
        Assert.True(r.Metrics["handshake_p50"] > 0, all);
    }

    /// <summary>12 members, the last 2 laggards (stopped, or throttled to <paramref name="laggardBytesPerSecond"/>), 2 senders at 4000 msg/s of 512 bytes.</summary>
    private static async Task<RunReport> SlowConsumersAsync(double laggardBytesPerSecond, TimeSpan duration)
    {
        // 256 KiB of unsent output per member leaves a healthy member some slack on a busy machine.
        await using var server = new ChatServer(LoadOptions(o => { o.MaxPendingBytes = 256 * 1024; }));
        return await ScenarioRunner.FanoutAsync(server.Start(), new FanoutOptions
        {
            Clients = 12, Senders = 2, Rate = 4000, Size = 512, StalledMembers = 2, LaggardBytesPerSecond = laggardBytesPerSecond,
            Warmup = TimeSpan.FromSeconds(0.5), Duration = duration,
        });
    }

    /// <summary>
    /// The server as perf/compare.sh runs it for load: the per-client limits are off, since the scenarios
    /// open many clients from one address and send as fast as they can.
    /// </summary>
    private static ChatServerOptions LoadOptions(Action<ChatServerOptions> configure)
    {
        var options = new ChatServerOptions
        {
            Port = 0,
            MaxClientsPerAddress = 0,
            MaxLinesPerSecond = 0,
            RegistrationTimeout = TimeSpan.Zero,
            IdleTimeout = TimeSpan.Zero,
        };
        configure(options);
        return options;
    }
}
