using FastChat.LoadTest.Reporting;
using FastChat.LoadTest.Scenarios;

namespace FastChat.LoadTest.Tests.Integration;

/// <summary>Every connection answers the server's PING with /pong and its token, and nothing counts it as a message.</summary>
public class PingTests
{
    [Fact]
    public async Task Fanout_members_and_senders_answer_every_ping_without_disturbing_the_stream()
    {
        // PINGs every 50 ms to every member while the senders send: a /pong that landed inside a
        // sender's batch would break a chat line, which the fake would then relay as garbage.
        await using var server = new FakeChatServer { PingEvery = TimeSpan.FromMilliseconds(50) };
        RunReport r = await ScenarioRunner.FanoutAsync(server.Start(), new FanoutOptions
        {
            Clients = 6, Senders = 2, Rate = 400, Warmup = TimeSpan.FromSeconds(0.2), Duration = TimeSpan.FromSeconds(1), Drain = TimeSpan.FromSeconds(1),
        });
        string all = ScenarioRunner.Describe(r);
        (int pings, int pongs, int matched) = server.PingCounts();

        Assert.False(r.Aborted, r.AbortReason);
        // Each pong carries the token of a PING its member was sent; only the last few PINGs of
        // each member (sent as the tool closed it) may go unanswered.
        Assert.True(pongs >= 6 * 10, $"{pings} pings, {pongs} pongs | {all}");
        Assert.Equal(pongs, matched);
        Assert.True(pings - pongs <= 3 * 6, $"{pings} pings, {pongs} pongs");
        Assert.True(r.Metrics["pings_answered"] >= 6 * 10, all); // counted before the last ones came
        Assert.Equal(0, r.Metrics["lost_total"]);
        Assert.Equal(0, r.Metrics["foreign_msgs"]);
        Assert.Equal(0, r.Metrics["unknown_lines"]);
        Assert.Equal(1, r.Metrics["order"]);
    }

    [Fact]
    public async Task Chat_members_answer_pings_and_their_views_stay_consistent()
    {
        await using var server = new FakeChatServer { PingEvery = TimeSpan.FromMilliseconds(50) };
        RunReport r = await ScenarioRunner.RunAsync(ChatScenario.RunAsync, server.Start(), new ChatOptions
        {
            Clients = 5, Ramp = TimeSpan.FromSeconds(0.1), Duration = TimeSpan.FromSeconds(1), Think = TimeSpan.FromMilliseconds(50), LeaveProbability = 0,
        });
        (int pings, int pongs, int matched) = server.PingCounts();
        string all = ScenarioRunner.Describe(r);

        Assert.True(pongs >= 5 * 10, $"{pings} pings, {pongs} pongs | {all}");
        Assert.Equal(pongs, matched);
        Assert.True(pings - pongs <= 3 * 5, $"{pings} pings, {pongs} pongs");
        Assert.True(r.Metrics["pings_answered"] >= 5 * 10, all);
        Assert.True(r.Metrics["messages_received"] > 0, all);
        Assert.Equal(0, r.Metrics["consistency_errors"]);
        Assert.Equal(0, r.Metrics["reordered"]);
        Assert.Equal(0, r.Metrics["views_mismatched"]);
    }
}
