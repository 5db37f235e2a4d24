namespace FastChat.LoadTest.Reporting;

/// <summary>
/// The one place that names the metrics: a run's typed results as the flat names --assert checks and
/// every report lists (docs/LOADTEST.md). Latencies in ms, rates per second, sizes in MB.
/// </summary>
internal static class MetricMap
{
    /// <summary>The metrics the console summary shows first, in this order.</summary>
    public static readonly IReadOnlyList<string> Headline =
    [
        "deliveries/s", "messages/s", "MB/s", "expected_deliveries/s", "p50", "p90", "p99", "p99.9", "p99.99", "max",
        "service_p99", "lag_p99", "spread_width_p99", "lost", "lost_total", "dup", "reordered", "same_order", "order",
        "receivers_dropped", "stalled_members", "stalled_cut_off", "stalled_not_cut", "laggard_read_Bps_max", "laggard_last_msg_s_max", "laggard_holes", "laggard_lost_not_cut", "server_rss_growth_mb", "server_rss_growth_after_stall_mb", "server_anon_growth_after_stall_mb", "server_rss_growth_after_warmup_mb", "server_anon_growth_after_warmup_mb", "soak_rss_drift_mb", "soak_rss_drift_mb_per_h", "churn_joined", "churn_refused_full_per_address", "churn_failed", "pings_answered", "refused_full", "refused_full_per_address", "connections_failed", "connect_s", "tool_cpu_pct", "server_cpu_pct", "server_rss_max_mb",
    ];

    public static SortedDictionary<string, double> Flatten(RunResults r)
    {
        ArgumentNullException.ThrowIfNull(r);
        var m = new SortedDictionary<string, double>(StringComparer.OrdinalIgnoreCase);
        if (r.Connect is { } connect)
        {
            m["connect_s"] = connect.Seconds;
            m["clients_ready"] = connect.Counts.Ready;
            Refusals(m, connect.Counts);
        }

        if (r.Pool is { } pool)
        {
            m["ready"] = pool.Counts.Ready;
            Refusals(m, pool.Counts);
            m["pings_answered"] = pool.PingsAnswered;
            m["handshake_p50"] = pool.Handshake.P50;
            m["handshake_p99"] = pool.Handshake.P99;
            m["handshake_max"] = pool.Handshake.Max;
            m["consistency_errors"] = pool.ConsistencyErrors;
        }

        if (r.Throughput is { } t)
        {
            Throughput(m, t);
        }

        if (r.Verification is { } v)
        {
            Verification(m, v);
        }

        if (r.Laggards is { } l)
        {
            Laggards(m, l);
        }

        if (r.Latency is { } latency)
        {
            Latency(m, "", latency);
            m["latency_count"] = latency.Count;
        }

        if (r.Service is { } service)
        {
            Latency(m, "service_", service);
        }

        if (r.ScheduleLag is { } lag)
        {
            Latency(m, "lag_", lag);
        }

        if (r.Spread is { } spread)
        {
            m["spread_broadcasts"] = spread.Broadcasts;
            m["spread_first_p50"] = spread.FirstP50;
            m["spread_median_p50"] = spread.MedianP50;
            m["spread_last_p50"] = spread.LastP50;
            m["spread_last_p99"] = spread.LastP99;
            m["spread_width_p50"] = spread.WidthP50;
            m["spread_width_p99"] = spread.WidthP99;
        }

        if (r.DrainSeconds is double drain)
        {
            m["drain_s"] = drain;
        }

        if (r.Tool is { } tool)
        {
            Optional(m, "tool_cpu_pct", tool.CpuPercent);
            m["loop_lag_p99"] = tool.LoopLagP99;
            Optional(m, "machine_cpus", tool.MachineCpus);
        }

        if (r.Server is { } server)
        {
            Server(m, server);
        }

        if (r.Nodes is { } nodes)
        {
            Nodes(m, nodes);
        }

        if (r.Churn is { } churn)
        {
            m["churn_started"] = churn.Started;
            m["churn_joined"] = churn.Counts.Ready;
            m["churn_refused_full"] = churn.Counts.Full;
            m["churn_refused_full_per_address"] = churn.Counts.FullPerAddress;
            m["churn_failed"] = churn.Counts.Failed;
            m["churn_ended_by_server"] = churn.EndedByServer;
            m["churn_pings_answered"] = churn.PingsAnswered;
        }

        if (r.Soak is { } soak)
        {
            Soak(m, soak);
        }

        if (r.Attack is { } attack)
        {
            Attack(m, attack);
        }

        if (r.Chat is { } chat)
        {
            m["messages_sent"] = chat.MessagesSent;
            m["messages_received"] = chat.MessagesReceived;
            m["leaves"] = chat.Leaves;
            m["rejoin_failed"] = chat.RejoinFailed;
            m["reordered"] = chat.Reordered;
            m["views_mismatched"] = chat.ViewsMismatched;
            Latency(m, "", chat.Latency);
        }

        if (r.ConnectStorm is { } storm)
        {
            m["connect_s"] = storm.Seconds;
            m["connects/s"] = storm.ConnectsPerSecond;
            m["views_mismatched_after_storm"] = storm.ViewsMismatchedAfterStorm;
            if (storm.Churn is { } c)
            {
                m["churn_cycles"] = c.Cycles;
                m["churn_s"] = c.Seconds;
                m["views_mismatched_after_churn"] = c.ViewsMismatched;
            }

            m["live_members"] = storm.LiveMembers;
        }

        if (r.Overflow is { } o)
        {
            m["members_admitted"] = o.MembersAdmitted;
            m["excess_full"] = o.ExcessFull;
            m["excess_admitted"] = o.ExcessAdmitted;
            m["full_max_mismatch"] = o.FullMaxMismatch;
            m["members_disturbed"] = o.MembersDisturbed;
            m["lost"] = o.Lost;
            m["reordered"] = o.Reordered;
            m["slot_reused"] = o.SlotReused;
            m["inconsistent_views"] = o.InconsistentViews;
            m["ok"] = o.Ok ? 1 : 0;
        }

        return m;
    }

    private static void Refusals(SortedDictionary<string, double> m, ConnectionCounts c)
    {
        m["refused_full"] = c.Full;
        m["refused_full_per_address"] = c.FullPerAddress;
        m["connections_failed"] = c.Failed;
    }

    private static void Latency(SortedDictionary<string, double> m, string prefix, LatencySummary s)
    {
        m[prefix + "p50"] = s.P50;
        m[prefix + "p90"] = s.P90;
        m[prefix + "p99"] = s.P99;
        m[prefix + "p99.9"] = s.P999;
        m[prefix + "p99.99"] = s.P9999;
        m[prefix + "max"] = s.Max;
        m[prefix + "mean"] = s.Mean;
    }

    private static void Optional(SortedDictionary<string, double> m, string name, double? value)
    {
        if (value is double v)
        {
            m[name] = v;
        }
    }

    private static void Throughput(SortedDictionary<string, double> m, FanoutThroughput t)
    {
        m["senders"] = t.Senders;
        m["clients"] = t.Clients;
        m["sent"] = t.Sent;
        m["messages/s"] = t.MessagesPerSecond;
        m["deliveries"] = t.Deliveries;
        m["deliveries/s"] = t.DeliveriesPerSecond;
        m["expected_deliveries/s"] = t.ExpectedDeliveriesPerSecond;
        m["MB/s"] = t.MegabytesPerSecond;
        m["payload_bytes"] = t.PayloadBytes;
        m["send_batches"] = t.SendBatches;
        m["pings_answered"] = t.PingsAnswered;
        m["deliveries_per_read"] = t.DeliveriesPerRead;
    }

    private static void Verification(SortedDictionary<string, double> m, FanoutVerification v)
    {
        m["lost"] = v.Lost;
        m["lost_gaps"] = v.LostGaps;
        m["lost_tail"] = v.LostTail;
        m["lost_total"] = v.LostTotal;
        m["dup"] = v.Duplicates;
        m["reordered"] = v.Reordered;
        m["receivers_dropped"] = v.ReceiversDropped;
        m["dropped_missed_msgs"] = v.DroppedMissed;
        m["stalled_members"] = v.StalledMembers;
        m["stalled_cut_off"] = v.StalledCutOff;
        m["stalled_not_cut"] = v.StalledMembers - v.StalledCutOff;
        m["foreign_msgs"] = v.ForeignMessages;
        m["unknown_lines"] = v.UnknownLines;
        m["server_errors"] = v.ServerErrors;
        m["healthy_members"] = v.HealthyMembers;
        m["same_order"] = v.Order.SameOrder ? 1 : 0;
        m["order_sample"] = v.Order.SampleSize;
        m["order_receivers_compared"] = v.Order.Compared;
        m["order_mismatch_receivers"] = v.Order.Mismatches;
        m["order_hash_groups"] = v.Order.HashGroups;
        m["per_sender_order"] = v.PerSenderOrder ? 1 : 0;
        m["order"] = v.InOrder ? 1 : 0;
    }

    private static void Laggards(SortedDictionary<string, double> m, LaggardResult l)
    {
        m["laggard_read_limit_Bps"] = l.ReadLimitBytesPerSecond;
        m["laggard_ended_while_throttled"] = l.EndedWhileThrottled;
        m["laggard_end_s_max"] = l.EndSecondsMax;
        m["laggard_last_msg_s_max"] = l.LastMessageSecondsMax;
        m["laggard_holes"] = l.Holes;
        m["laggard_lost_not_cut"] = l.LostNotCut;
        if (l.Throttled)
        {
            m["laggard_bytes_read"] = l.BytesRead;
            m["laggard_read_Bps_min"] = l.ReadBytesPerSecondMin;
            m["laggard_read_Bps_max"] = l.ReadBytesPerSecondMax;
        }
    }

    private static void Server(SortedDictionary<string, double> m, ServerResources s)
    {
        Optional(m, "server_cpu_pct", s.CpuPercent);
        Optional(m, "server_rss_before_mb", s.RssBeforeMb);
        Optional(m, "server_rss_connected_mb", s.RssConnectedMb);
        Optional(m, "server_rss_end_mb", s.RssEndMb);
        Optional(m, "server_rss_max_mb", s.RssMaxMb);
        Optional(m, "server_rss_growth_mb", s.RssGrowthMb);
        Optional(m, "server_rss_mb", s.RssMb);
        if (s.GrowthAfter is { } g)
        {
            string when = g.Baseline == GrowthBaseline.Stall ? "stall" : "warmup";
            m[$"server_rss_growth_after_{when}_mb"] = g.RssMb;
            m[$"server_anon_growth_after_{when}_mb"] = g.AnonMb;
        }

        Optional(m, "server_bytes_per_conn", s.BytesPerConnection);
    }

    // node1_..., node2_...: in the order of the targets.
    private static void Nodes(SortedDictionary<string, double> m, IReadOnlyList<NodeResult> nodes)
    {
        m["nodes"] = nodes.Count;
        m["order_nodes_compared"] = nodes.Count(n => n.OrderCompared > 0);
        foreach (NodeResult n in nodes)
        {
            string p = $"node{n.Node + 1}_";
            m[p + "members"] = n.Members;
            m[p + "deliveries"] = n.Deliveries;
            m[p + "deliveries/s"] = n.DeliveriesPerSecond;
            m[p + "lost_total"] = n.LostTotal;
            m[p + "receivers_dropped"] = n.ReceiversDropped;
            m[p + "order_receivers_compared"] = n.OrderCompared;
            if (n.Process is { } process)
            {
                m[p + "server_cpu_pct"] = process.CpuPercent;
                m[p + "server_rss_max_mb"] = process.RssMaxMb;
                m[p + "server_rss_end_mb"] = process.RssEndMb;
            }
        }
    }

    private static void Soak(SortedDictionary<string, double> m, SoakResult s)
    {
        if (s.Quarters is { } q)
        {
            m["soak_rss_first_quarter_mb"] = q.FirstMb;
            m["soak_rss_last_quarter_mb"] = q.LastMb;
            m["soak_rss_drift_mb"] = q.DriftMb;
            m["soak_server_cpu_avg_pct"] = q.ServerCpuAveragePercent;
        }

        if (s.Fit is { } f)
        {
            m["soak_rss_drift_mb_per_h"] = f.DriftMbPerHour;
            m["soak_rss_fit_r2"] = f.R2;
            m["soak_rss_samples"] = f.Samples;
            m["soak_measured_s"] = f.Seconds;
        }

        for (int n = 0; n < (s.Nodes?.Count ?? 0); n++)
        {
            m[$"node{n + 1}_soak_rss_drift_mb_per_h"] = s.Nodes![n].DriftMbPerHour;
            m[$"node{n + 1}_soak_rss_fit_r2"] = s.Nodes[n].R2;
        }
    }

    private static void Attack(SortedDictionary<string, double> m, AttackResult a)
    {
        HonestVerification h = a.Honest;
        m["honest_members"] = h.Members;
        m["honest_dropped"] = h.Dropped;
        m["sent"] = h.Sent;
        m["lost"] = h.Lost;
        m["lost_total"] = h.LostTotal;
        m["dup"] = h.Duplicates;
        m["reordered"] = h.Reordered;
        m["same_order"] = h.Order.SameOrder ? 1 : 0;
        m["order_hash_groups"] = h.Order.HashGroups;
        m["order"] = h.InOrder ? 1 : 0;
        m["foreign_msgs"] = h.ForeignMessages;
        m["flood_disorder"] = h.FloodDisorder;
        m["flood_msgs_relayed"] = h.FloodRelayed;
        m["pings_answered"] = h.PingsAnswered;
        foreach (PhaseResult p in a.Phases)
        {
            m[$"{p.Name}_expected_deliveries"] = p.ExpectedDeliveries;
            m[$"{p.Name}_lost"] = p.Lost;
            m[$"{p.Name}_same_order"] = p.SameOrder ? 1 : 0;
            m[$"{p.Name}_order_hash_groups"] = p.OrderHashGroups;
            Latency(m, $"{p.Name}_", p.Latency);
            m[$"{p.Name}_latency_count"] = p.Latency.Count;
        }

        m["p50_ratio"] = a.P50Ratio;
        m["p99_ratio"] = a.P99Ratio;
        foreach (AttackOutcome o in a.Attacks)
        {
            // An attack's own measures first: a same-named answer count below wins.
            switch (o.Extra)
            {
                case FloodRelayExtra f:
                    m["flood_relayed_max"] = f.RelayedMax;
                    m["flood_relayed_over_limit"] = f.OverLimit;
                    m["flood_relayed_disagree"] = f.Disagree;
                    break;
                case ExhaustCapExtra e:
                    m["exhaust_cap"] = e.Cap;
                    break;
                case AmplifierReadExtra r:
                    m["amplify_users_replies_read"] = r.UsersRepliesRead;
                    m["amplify_bytes_read_mb"] = r.MegabytesRead;
                    break;
                default:
                    break;
            }

            m[$"{o.Name}_connections"] = o.Connections;
            m[$"{o.Name}_as_documented"] = o.AsDocumented;
            m[$"{o.Name}_not_as_documented"] = o.Connections - o.AsDocumented;
            m[$"{o.Name}_answer_s_min"] = o.AnswerSecondsMin;
            m[$"{o.Name}_answer_s_max"] = o.AnswerSecondsMax;
            foreach (AnswerCount answer in o.Answers)
            {
                m[$"{o.Name}_{answer.Slug}"] = answer.Count;
            }
        }

        m["attacks_as_documented"] = a.AllAsDocumented ? 1 : 0;
        m["attacks_unanswered"] = a.Unanswered;
        m["ok"] = a.Ok ? 1 : 0;
    }
}
