using System.Net;
using FastChat.LoadTest.Internal;
using FastChat.LoadTest.Reporting;
using FastChat.LoadTest.Scenarios;
using FastChat.Server;

namespace FastChat.LoadTest.Tests.Integration;

/// <summary>The attack scenario against the real server with its default limits.</summary>
[Collection("real-server")]
public class AttackScenarioTests
{
    [Fact]
    public async Task Every_attack_gets_its_documented_answer_and_the_honest_room_loses_nothing()
    {
        // Default limits: 10 per address, 25 lines/s (burst 50) and BYE flood after 10 s, line
        // timeout 10 s, PING after 5 s of silence. The phases are short; the attack timeout leaves
        // room for the 10 s answers.
        await using var server = new ChatServer(new ChatServerOptions { Port = 0, StatsInterval = TimeSpan.Zero });
        RunReport r = await ScenarioRunner.RunAsync(AttackScenario.RunAsync, server.Start(), new AttackOptions
        {
            Clients = 30, Senders = 3, Rate = 30, Warmup = TimeSpan.FromSeconds(0.5), Phase = TimeSpan.FromSeconds(3), Drain = TimeSpan.FromSeconds(3),
            AttackTimeout = TimeSpan.FromSeconds(25), Flooders = 2, Slowloris = 3, Exhaust = 14, Amplifiers = 1, Foreign = 2,
        }, Environment.ProcessId, limit: TimeSpan.FromSeconds(120));
        string all = ScenarioRunner.Describe(r) + " | " + string.Join(" | ", r.Tables.SelectMany(t => t.TextLines()));

        Assert.False(r.Aborted, r.AbortReason);

        // The honest room, in both phases: nothing lost, one order, nobody cut off, nothing foreign.
        Assert.True(r.Metrics["baseline_lost"] == 0 && r.Metrics["attack_lost"] == 0, all);
        Assert.True(r.Metrics["baseline_same_order"] == 1 && r.Metrics["attack_same_order"] == 1, all);
        Assert.True(r.Metrics["lost_total"] == 0 && r.Metrics["dup"] == 0 && r.Metrics["order"] == 1, all);
        Assert.True(r.Metrics["honest_dropped"] == 0, all);
        Assert.True(r.Metrics["foreign_msgs"] == 0, all);
        Assert.True(r.Metrics["baseline_latency_count"] > 0 && r.Metrics["attack_latency_count"] > 0, all);
        Assert.True(r.Metrics["baseline_p99"] > 0 && r.Metrics["p99_ratio"] > 0, all);

        // Each attack got the answer docs/PROTOCOL.md section 11 gives it.
        Assert.True(r.Metrics["flood_bye_flood"] == 2, all);
        Assert.True(r.Metrics["flood_disorder"] == 0 && r.Metrics["flood_relayed_over_limit"] == 0 && r.Metrics["flood_relayed_disagree"] == 0, all);
        Assert.True(r.Metrics["flood_relayed_max"] >= 50, all); // at least the burst was relayed, by design
        Assert.True(r.Metrics["slowloris_bye_line_timeout"] == 3, all);
        Assert.True(r.Metrics["exhaust_admitted"] == 10 && r.Metrics["exhaust_full_per_address"] == 4 && r.Metrics["exhaust_cap"] == 10, all);
        Assert.True(r.Metrics["amplify_as_documented"] == 1, all);
        Assert.True(r.Metrics["foreign_bye_wrong_protocol"] == 2, all);
        Assert.True(r.Metrics["attacks_as_documented"] == 1 && r.Metrics["attacks_unanswered"] == 0, all);
        Assert.True(r.Metrics["ok"] == 1, all);

        // How long the answers took: the flood and slowloris ones the server's 10 s timeouts.
        Assert.InRange(r.Metrics["flood_answer_s_max"], 9.5, 20);
        Assert.InRange(r.Metrics["slowloris_answer_s_max"], 9.5, 20);
        Assert.InRange(r.Metrics["foreign_answer_s_max"], 0, 5);
        Assert.Equal(2, r.Tables.Count);
        Assert.Equal(5, r.Tables[1].Rows.Count);
    }
}
