using Spectre.Console;

namespace FastChat.LoadTest;

/// <summary>The end-of-run summary on the console: headline metrics, verification, warnings in red.</summary>
internal static class Summary
{
    private static readonly string[] s_headline =
    [
        "deliveries/s", "messages/s", "MB/s", "expected_deliveries/s", "p50", "p90", "p99", "p99.9", "p99.99", "max",
        "service_p99", "lag_p99", "spread_width_p99", "lost", "lost_total", "dup", "reordered", "same_order", "order",
        "receivers_dropped", "stalled_members", "stalled_cut_off", "stalled_not_cut", "laggard_read_Bps_max", "laggard_last_msg_s_max", "laggard_holes", "laggard_lost_not_cut", "server_rss_growth_mb", "server_rss_growth_after_stall_mb", "server_anon_growth_after_stall_mb", "server_rss_growth_after_warmup_mb", "server_anon_growth_after_warmup_mb", "soak_rss_drift_mb", "soak_rss_drift_mb_per_h", "churn_joined", "churn_refused_full_per_address", "churn_failed", "pings_answered", "refused_full", "refused_full_per_address", "connections_failed", "connect_s", "tool_cpu_pct", "server_cpu_pct", "server_rss_max_mb",
    ];

    public static void Print(RunReport r)
    {
        bool color = !Console.IsOutputRedirected;
        void Line(string text, bool bad)
        {
            if (color)
            {
                AnsiConsole.MarkupLine(bad ? $"[red]{Markup.Escape(text)}[/]" : Markup.Escape(text));
            }
            else
            {
                Console.WriteLine(text);
            }
        }

        Line($"== {r.Scenario} ==", false);
        foreach ((string k, string v) in r.Facts)
        {
            Line($"{k}: {v}", false);
        }

        foreach (Internal.ReportTable t in r.Tables)
        {
            Line("", false);
            Line(t.Title, false);
            foreach (string l in t.TextLines())
            {
                Line(l, false);
            }
        }

        if (r.Tables.Count > 0)
        {
            Line("", false);
        }

        IEnumerable<string> keys = s_headline.Where(r.Metrics.ContainsKey).Concat(r.Metrics.Keys.Where(k => !s_headline.Contains(k) && r.Scenario is not ("fanout" or "slow-consumer" or "soak")));
        foreach (string k in keys.Distinct())
        {
            Line($"{k,-26} {ReportWriter.Fmt(r.Metrics[k])}", false);
        }

        foreach (string a in r.Anomalies.Take(20))
        {
            Line(a, true);
        }

        if (r.Aborted)
        {
            Line("ABORTED: " + r.AbortReason, true);
        }

        if (r.ToolBottleneck)
        {
            Line("WARNING: the load generator itself was the bottleneck", true);
        }

        foreach (string w in r.Warnings)
        {
            Line("warning: " + w, true);
        }

        foreach (string p in r.AssertionPasses)
        {
            Line(p, false);
        }
    }
}
