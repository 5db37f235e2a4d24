using FastChat.LoadTest.Reporting;
using FastChat.LoadTest.Scenarios;

namespace FastChat.LoadTest.Tests.Integration;

/// <summary>The verifier must catch a server that drops, duplicates and reorders messages.</summary>
public class BrokenServerTests
{
    private static readonly FanoutOptions s_run = new()
    {
        Clients = 6,
        Senders = 2,
        Rate = 400,
        Warmup = TimeSpan.FromSeconds(0.2),
        Duration = TimeSpan.FromSeconds(1),
        Drain = TimeSpan.FromSeconds(1),
        OrderSample = 100,
    };

    [Fact]
    public async Task A_correct_fake_passes_every_check()
    {
        await using var server = new FakeChatServer();
        RunReport r = await ScenarioRunner.FanoutAsync(server.Start(), s_run);

        Assert.False(r.Aborted, r.AbortReason);
        Assert.True(r.Metrics["deliveries"] > 0, ScenarioRunner.Describe(r));
        Assert.Equal(0, r.Metrics["lost"]);
        Assert.Equal(0, r.Metrics["dup"]);
        Assert.Equal(1, r.Metrics["order"]);
    }

    [Fact]
    public async Task Drop_duplicate_and_reorder_are_each_caught()
    {
        await using var server = new FakeChatServer
        {
            DropMember = 3, DropAt = 100,
            DuplicateMember = 4, DuplicateAt = 120,
            ReorderMember = 5, ReorderAt = 140,
        };
        RunReport r = await ScenarioRunner.FanoutAsync(server.Start(), s_run);
        string all = ScenarioRunner.Describe(r);

        Assert.Equal(1, r.Metrics["lost"]);
        Assert.Equal(1, r.Metrics["dup"]);
        Assert.Equal(0, r.Metrics["order"]);
        // The fake numbers members by accept order, the tool by connect order: match by content.
        Assert.Contains(r.Anomalies, a => a.Contains(": lost 1 in gaps", StringComparison.Ordinal));
        Assert.Contains(r.Anomalies, a => a.Contains("dup 1", StringComparison.Ordinal));
        // Swapping two broadcasts either breaks one sender's order (late) or, across senders, the
        // global order (the member's hash chain differs from everyone else's).
        Assert.True(r.Metrics["reordered"] == 1 || r.Metrics["order_hash_groups"] == 2, all);
    }
}
