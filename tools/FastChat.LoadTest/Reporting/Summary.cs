using Spectre.Console;

namespace FastChat.LoadTest.Reporting;

/// <summary>The end-of-run summary on the console: headline metrics, verification, warnings in red.</summary>
internal static class Summary
{
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

        foreach (ReportTable t in r.Tables)
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

        IReadOnlyDictionary<string, double> metrics = r.Metrics;
        IEnumerable<string> keys = MetricMap.Headline.Where(metrics.ContainsKey).Concat(metrics.Keys.Where(k => !MetricMap.Headline.Contains(k) && r.Scenario is not ("fanout" or "slow-consumer" or "soak")));
        foreach (string k in keys.Distinct())
        {
            Line($"{k,-26} {ReportWriter.Fmt(metrics[k])}", false);
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
