using FastChat.LoadTest.Internal;
using FastChat.LoadTest.Reporting;

namespace FastChat.LoadTest.Tests.Unit;

/// <summary>
/// The typed results map to exactly the names each scenario reported before the typed model existed
/// (from short runs against a spawned server), so --assert and every report keep them.
/// </summary>
public class MetricMapTests
{
    private const string FanoutOpen =
        "clients clients_ready connections_failed connect_s deliveries deliveries/s deliveries_per_read drain_s " +
        "dropped_missed_msgs dup expected_deliveries/s foreign_msgs healthy_members lag_max lag_mean lag_p50 " +
        "lag_p90 lag_p99 lag_p99.9 lag_p99.99 latency_count loop_lag_p99 lost lost_gaps " +
        "lost_tail lost_total machine_cpus max MB/s mean messages/s order " +
        "order_hash_groups order_mismatch_receivers order_receivers_compared order_sample p50 p90 p99 p99.9 " +
        "p99.99 payload_bytes per_sender_order pings_answered receivers_dropped refused_full refused_full_per_address reordered " +
        "same_order senders send_batches sent server_anon_growth_after_warmup_mb server_bytes_per_conn server_cpu_pct server_errors " +
        "server_rss_before_mb server_rss_connected_mb server_rss_end_mb server_rss_growth_after_warmup_mb server_rss_growth_mb server_rss_max_mb service_max service_mean " +
        "service_p50 service_p90 service_p99 service_p99.9 service_p99.99 spread_broadcasts spread_first_p50 spread_last_p50 " +
        "spread_last_p99 spread_median_p50 spread_width_p50 spread_width_p99 stalled_cut_off stalled_members stalled_not_cut tool_cpu_pct " +
        "unknown_lines ";
    private const string OpenModelOnly =
        "lag_max lag_mean lag_p50 lag_p90 lag_p99 lag_p99.9 lag_p99.99 " +
        "service_max service_mean service_p50 service_p90 service_p99 service_p99.9 service_p99.99 ";

    private const string GrowthAfterWarmup = "server_anon_growth_after_warmup_mb server_rss_growth_after_warmup_mb ";

    private const string LaggardNames =
        "laggard_end_s_max laggard_ended_while_throttled laggard_holes laggard_last_msg_s_max laggard_lost_not_cut laggard_read_limit_Bps " +
        "server_anon_growth_after_stall_mb server_rss_growth_after_stall_mb ";

    private const string ThrottledLaggardNames = "laggard_bytes_read laggard_read_Bps_max laggard_read_Bps_min ";

    private const string Churn =
        "churn_ended_by_server churn_failed churn_joined churn_pings_answered churn_refused_full churn_refused_full_per_address churn_started ";

    private const string SoakTrend =
        "soak_measured_s soak_rss_drift_mb soak_rss_drift_mb_per_h soak_rss_first_quarter_mb soak_rss_fit_r2 soak_rss_last_quarter_mb " +
        "soak_rss_samples soak_server_cpu_avg_pct ";

    // A run over several nodes adds each node's names (two nodes here), and nothing else.
    private const string NodeNames =
        "nodes order_nodes_compared " +
        "node1_deliveries node1_deliveries/s node1_lost_total node1_members node1_order_receivers_compared node1_receivers_dropped " +
        "node1_server_cpu_pct node1_server_rss_end_mb node1_server_rss_max_mb " +
        "node2_deliveries node2_deliveries/s node2_lost_total node2_members node2_order_receivers_compared node2_receivers_dropped " +
        "node2_server_cpu_pct node2_server_rss_end_mb node2_server_rss_max_mb ";

    private const string NodeSoakTrend = "node1_soak_rss_drift_mb_per_h node1_soak_rss_fit_r2 node2_soak_rss_drift_mb_per_h node2_soak_rss_fit_r2 ";

    private const string Overflow =
        "connections_failed consistency_errors excess_admitted excess_full full_max_mismatch handshake_max handshake_p50 handshake_p99 " +
        "inconsistent_views lost members_admitted members_disturbed ok pings_answered ready refused_full " +
        "refused_full_per_address reordered server_rss_mb slot_reused ";
    private const string Connect =
        "churn_cycles churn_s connections_failed connects/s connect_s consistency_errors handshake_max handshake_p50 " +
        "handshake_p99 live_members pings_answered ready refused_full refused_full_per_address server_bytes_per_conn server_rss_connected_mb " +
        "server_rss_end_mb views_mismatched_after_churn views_mismatched_after_storm ";
    private const string Chat =
        "connections_failed consistency_errors handshake_max handshake_p50 handshake_p99 leaves max mean " +
        "messages_received messages_sent p50 p90 p99 p99.9 p99.99 pings_answered " +
        "ready refused_full refused_full_per_address rejoin_failed reordered views_mismatched ";
    private const string Attack =
        "amplify_answer_s_max amplify_answer_s_min amplify_as_documented amplify_bye_flood amplify_bytes_read_mb amplify_connections amplify_not_as_documented amplify_users_replies_read " +
        "attacks_as_documented attacks_unanswered attack_expected_deliveries attack_latency_count attack_lost attack_max attack_mean attack_order_hash_groups " +
        "attack_p50 attack_p90 attack_p99 attack_p99.9 attack_p99.99 attack_same_order baseline_expected_deliveries baseline_latency_count " +
        "baseline_lost baseline_max baseline_mean baseline_order_hash_groups baseline_p50 baseline_p90 baseline_p99 baseline_p99.9 " +
        "baseline_p99.99 baseline_same_order clients_ready connections_failed connect_s drain_s dup exhaust_admitted " +
        "exhaust_answer_s_max exhaust_answer_s_min exhaust_as_documented exhaust_cap exhaust_connections exhaust_full_per_address exhaust_not_as_documented flood_answer_s_max " +
        "flood_answer_s_min flood_as_documented flood_bye_flood flood_connections flood_disorder flood_msgs_relayed flood_not_as_documented flood_relayed_disagree " +
        "flood_relayed_max flood_relayed_over_limit foreign_answer_s_max foreign_answer_s_min foreign_as_documented foreign_bye_wrong_protocol foreign_connections foreign_msgs " +
        "foreign_not_as_documented honest_dropped honest_members lag_max lag_mean lag_p50 lag_p90 lag_p99 " +
        "lag_p99.9 lag_p99.99 loop_lag_p99 lost lost_total ok order order_hash_groups " +
        "p50_ratio p99_ratio pings_answered refused_full refused_full_per_address reordered same_order sent " +
        "server_rss_end_mb server_rss_max_mb slowloris_answer_s_max slowloris_answer_s_min slowloris_as_documented slowloris_bye_line_timeout slowloris_connections slowloris_not_as_documented ";

    private static readonly LatencySummary s_latency = new(1, 2, 3, 4, 5, 6, 7, 8);

    private static readonly ConnectionCounts s_counts = new(20, 1, 2, 3);

    // The fanout variants: the open-model fanout's names, with some added and some taken away.
    public static TheoryData<string, string, string> Scenarios => new()
    {
        { "fanout-open", "", "" },
        { "fanout-closed", "", OpenModelOnly },
        { "slow-consumer-stopped", LaggardNames, GrowthAfterWarmup },
        { "slow-consumer-throttled", LaggardNames + ThrottledLaggardNames, GrowthAfterWarmup },
        { "fanout-churn", Churn, "" },
        { "soak", SoakTrend, "" },
        { "fanout-nodes", NodeNames, "" },
        { "soak-nodes", SoakTrend + NodeNames + NodeSoakTrend, "" },
        { "overflow", Overflow, FanoutOpen },
        { "connect", Connect, FanoutOpen },
        { "chat", Chat, FanoutOpen },
        { "attack", Attack, FanoutOpen },
    };

    [Theory]
    [MemberData(nameof(Scenarios))]
    public void Each_scenario_reports_the_names_it_always_has(string scenario, string added, string removed)
    {
        static IEnumerable<string> Names(string text) => text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        IEnumerable<string> expected = Names(FanoutOpen).Except(Names(removed)).Concat(Names(added)).Order(StringComparer.OrdinalIgnoreCase);
        Assert.Equal(expected, MetricMap.Flatten(Results(scenario)).Keys);
    }

    [Fact]
    public void Derived_metrics_are_computed_from_the_parts()
    {
        var order = new OrderComparison(false, 100, 20, 1, 2, 19);
        var results = new RunResults
        {
            Verification = new FanoutVerification(LostGaps: 3, LostTail: 4, DroppedMissed: 5, Duplicates: 1, Reordered: 0, ReceiversDropped: 1,
                StalledMembers: 3, StalledCutOff: 2, ForeignMessages: 0, UnknownLines: 0, ServerErrors: 0, HealthyMembers: 17, order),
            Soak = new SoakResult(new SoakQuarters(100, 110, 20), new SoakFit(0.01, 0.9, 60, 59)),
        };

        IReadOnlyDictionary<string, double> m = MetricMap.Flatten(results);
        Assert.Equal(7, m["lost"]);
        Assert.Equal(12, m["lost_total"]);
        Assert.Equal(1, m["stalled_not_cut"]);
        Assert.Equal(0, m["same_order"]);
        Assert.Equal(1, m["per_sender_order"]);
        Assert.Equal(0, m["order"]);
        Assert.Equal(10, m["soak_rss_drift_mb"]);
        Assert.Equal(36, m["soak_rss_drift_mb_per_h"], 9);
    }

    [Fact]
    public void Names_are_looked_up_without_regard_to_case()
    {
        var report = new RunReport("fanout");
        report.Results.Throughput = new FanoutThroughput(1, 2, 3, 4, 5, 6, 7, 8.5, 9, 10, 11, 12);
        Assert.Equal(8.5, report.Metrics["mb/S"]);
    }

    [Fact]
    public void The_attack_is_ok_only_when_the_room_is_intact_and_every_answer_is_as_documented()
    {
        AttackResult ok = AttackResults();
        Assert.True(ok.Ok);
        Assert.Equal(1, MetricMap.Flatten(new RunResults { Attack = ok })["ok"]);
        Assert.False((ok with { Honest = ok.Honest with { Dropped = 1 } }).Ok);
        Assert.False((ok with { Attacks = [.. ok.Attacks.Select(a => a.Extra is FloodRelayExtra f ? a with { Extra = f with { OverLimit = 1 } } : a)] }).Ok);
        Assert.False((ok with { Attacks = [ok.Attacks[0] with { AsDocumented = 1 }] }).Ok);
        Assert.Equal(2, ok.P99Ratio);
    }

    private static RunResults Results(string scenario) => scenario switch
    {
        "fanout-open" => Fanout(openModel: true),
        "fanout-closed" => Fanout(openModel: false),
        "slow-consumer-stopped" => Fanout(openModel: true, laggards: Laggards(throttled: false)),
        "slow-consumer-throttled" => Fanout(openModel: true, laggards: Laggards(throttled: true)),
        "fanout-churn" => Fanout(openModel: true, churn: true),
        "soak" => Fanout(openModel: true, soak: true),
        "fanout-nodes" => Nodes(Fanout(openModel: true)),
        "soak-nodes" => Nodes(Fanout(openModel: true, soak: true, soakNodes: 2)),
        "overflow" => new RunResults
        {
            Pool = Pool(),
            Overflow = new OverflowResult(20, 5, 0, 0, 0, 0, 0, 1, 0, Ok: true),
            Server = new ServerResources { RssMb = 50 },
        },
        "connect" => new RunResults
        {
            Pool = Pool(),
            ConnectStorm = new ConnectStormResult(1, 100, 0, new ConnectChurnResult(50, 1, 0), 100),
            Server = new ServerResources { BytesPerConnection = 1000, RssConnectedMb = 50, RssEndMb = 51 },
        },
        "chat" => new RunResults { Pool = Pool(), Chat = new ChatResult(100, 2000, 3, 0, 0, 0, s_latency) },
        "attack" => new RunResults
        {
            Connect = new RoomConnectResult(0.1, s_counts),
            Attack = AttackResults(),
            ScheduleLag = s_latency,
            DrainSeconds = 0.1,
            Tool = new ToolHealth(null, 1, null),
            Server = new ServerResources { RssMaxMb = 50, RssEndMb = 49 },
        },
        _ => throw new ArgumentException(scenario, nameof(scenario)),
    };

    private static RunResults Nodes(RunResults r)
    {
        r.Nodes = [.. Enumerable.Range(0, 2).Select(n => new NodeResult(n, $"127.0.0.1:700{n}", 10, 1000, 500, 0, 0, 10, new NodeProcess(40 + n, 15, 50, 49)))];
        return r;
    }

    private static RunResults Fanout(bool openModel, LaggardResult? laggards = null, bool churn = false, bool soak = false, int soakNodes = 0) => new()
    {
        Connect = new RoomConnectResult(0.1, s_counts),
        Throughput = new FanoutThroughput(2, 20, 100, 50, 2000, 1000, 1000, 1.5, 64, 10, 0, 3),
        Verification = new FanoutVerification(0, 0, 0, 0, 0, 0, laggards is null ? 0 : 2, 0, 0, 0, 0, 20, new OrderComparison(true, 100, 20, 0, 1, 20)),
        Laggards = laggards,
        Latency = s_latency,
        Service = openModel ? s_latency : null,
        ScheduleLag = openModel ? s_latency : null,
        Spread = new SpreadResult(10, 1, 2, 3, 4, 5, 6),
        DrainSeconds = 0.1,
        Tool = new ToolHealth(40, 1, 2),
        Server = new ServerResources
        {
            CpuPercent = 30,
            RssBeforeMb = 40,
            RssConnectedMb = 45,
            RssEndMb = 46,
            RssMaxMb = 47,
            RssGrowthMb = 2,
            GrowthAfter = new ServerGrowth(laggards is null ? GrowthBaseline.Warmup : GrowthBaseline.Stall, 1, 0.5),
            BytesPerConnection = 4096,
        },
        Churn = churn ? new ChurnResult(30, new ConnectionCounts(30, 0, 0, 0), 0, 0) : null,
        Soak = soak ? new SoakResult(new SoakQuarters(100, 101, 5), new SoakFit(0.001, 0.5, 10, 9), soakNodes > 0 ? [.. Enumerable.Repeat(new SoakFit(0.001, 0.5, 10, 9), soakNodes)] : null) : null,
    };

    private static LaggardResult Laggards(bool throttled) =>
        new(throttled ? 4000 : 0, 2, 1.5, 1, 0, 0, throttled ? 6000 : 0, throttled ? 3900 : 0, throttled ? 4100 : 0);

    private static PoolResult Pool() => new(s_counts, 5, s_latency, 0);

    private static AttackResult AttackResults()
    {
        var honest = new HonestVerification(30, 0, 300, 0, 0, 0, 0, new OrderComparison(true, 0, 30, 0, 1, 30), 0, 0, 600, 4);
        PhaseResult[] phases =
        [
            new("baseline", 2700, 0, true, 1, s_latency),
            new("attack", 2700, 0, true, 1, s_latency with { P99 = 6 }),
        ];
        AttackOutcome[] attacks =
        [
            new("flood", 2, 2, 2, 0, 10, 10.1, [new AnswerCount("bye_flood", 2)], new FloodRelayExtra(302, 0, 0)),
            new("slowloris", 3, 3, 3, 0, 10, 10.2, [new AnswerCount("bye_line_timeout", 3)], null),
            new("exhaust", 14, 14, 14, 0, 0, 0.1, [new AnswerCount("admitted", 10), new AnswerCount("full_per_address", 4)], new ExhaustCapExtra(10)),
            new("amplify", 1, 1, 1, 0, 10, 10, [new AnswerCount("bye_flood", 1)], new AmplifierReadExtra(300, 0.1)),
            new("foreign", 2, 2, 2, 0, 0, 0.1, [new AnswerCount("bye_wrong_protocol", 2)], null),
        ];
        return new AttackResult(honest, phases, attacks);
    }
}
