using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using HdrHistogram;

namespace FastChat.LoadTest.Reporting;

/// <summary>Writes a <see cref="RunReport"/> as Markdown, JSON, CSV, .hgrm and an HTML page with ScottPlot charts.</summary>
internal static class ReportWriter
{
    private static readonly CultureInfo s_inv = CultureInfo.InvariantCulture;

    /// <summary>Writes every format into <paramref name="dir"/>; returns the files written.</summary>
    public static List<string> WriteAll(RunReport report, string dir)
    {
        Directory.CreateDirectory(dir);
        var files = new List<string>();
        string Write(string name, string content)
        {
            string path = Path.Combine(dir, name);
            File.WriteAllText(path, content);
            files.Add(path);
            return path;
        }

        Write("report.md", Markdown(report));
        Write("report.json", Json(report));
        Write("timeline.csv", TimelineCsv(report));
        Write("metrics.csv", MetricsCsv(report));
        foreach ((string name, HistogramBase h) in report.Histograms)
        {
            if (h.TotalCount > 0)
            {
                Write(name + ".hgrm", Hgrm(h));
            }
        }

        List<string> charts = Charts.Render(report, dir, out string? chartError);
        files.AddRange(charts);
        Write("report.html", Html(report, charts.Select(Path.GetFileName).ToList()!, chartError));
        return files;
    }

    public static string Hgrm(HistogramBase h)
    {
        using var w = new StringWriter(s_inv);
        h.OutputPercentileDistribution(w, 5, 1000.0, false); // microseconds recorded, milliseconds printed
        return w.ToString();
    }

    public static string Markdown(RunReport r)
    {
        var sb = new StringBuilder();
        sb.Append(s_inv, $"# fastchat-loadtest: {r.Scenario}\n\n");
        sb.Append(s_inv, $"Started {r.StartedAt:yyyy-MM-dd HH:mm:ss} UTC on {Environment.MachineName}, {Environment.ProcessorCount} CPUs.\n\n");
        if (r.Aborted)
        {
            sb.Append(s_inv, $"**ABORTED**: {r.AbortReason}\n\n");
        }

        if (r.ToolBottleneck)
        {
            sb.Append("**WARNING: the load generator itself was the bottleneck; the numbers understate the server.**\n\n");
        }

        foreach (string w in r.Warnings)
        {
            sb.Append(s_inv, $"- warning: {w}\n");
        }

        if (r.Warnings.Count > 0)
        {
            sb.Append('\n');
        }

        if (r.Facts.Count > 0)
        {
            foreach ((string k, string v) in r.Facts)
            {
                sb.Append(s_inv, $"- **{k}**: {v}\n");
            }

            sb.Append('\n');
        }

        foreach (ReportTable t in r.Tables)
        {
            sb.Append(s_inv, $"## {t.Title}\n\n| {string.Join(" | ", t.Columns)} |\n|{string.Concat(t.Columns.Select(_ => "---|"))}\n");
            foreach (IReadOnlyList<string> row in t.Rows)
            {
                sb.Append(s_inv, $"| {string.Join(" | ", row.Select(c => c.Replace("|", "\\|", StringComparison.Ordinal)))} |\n");
            }

            sb.Append('\n');
        }

        if (r.Tables.Count > 0)
        {
            sb.Append("## Metrics\n\n");
        }

        sb.Append("| metric | value |\n|---|---|\n");
        foreach ((string k, double v) in r.Metrics)
        {
            sb.Append(s_inv, $"| {k} | {Fmt(v)} |\n");
        }

        if (r.AssertionPasses.Count + r.AssertionFailures.Count > 0)
        {
            sb.Append("\n## Assertions\n\n");
            foreach (string a in r.AssertionPasses.Concat(r.AssertionFailures))
            {
                sb.Append(s_inv, $"- {a}\n");
            }
        }

        if (r.Anomalies.Count > 0)
        {
            sb.Append("\n## Members with verification problems\n\n");
            foreach (string a in r.Anomalies)
            {
                sb.Append(s_inv, $"- {a}\n");
            }
        }

        if (r.Timeline.Count > 0)
        {
            sb.Append("\n## Timeline\n\n| t (s) | phase | deliveries/s | sent/s | p50 ms | p99 ms | max ms | conns | server RSS MB | server CPU % | tool CPU % | loop lag ms |\n|---|---|---|---|---|---|---|---|---|---|---|---|\n");
            foreach (TimelineRow t in r.Timeline)
            {
                sb.Append(s_inv, $"| {t.Seconds:F1} | {t.Phase} | {t.DeliveriesPerSecond:F0} | {t.SentPerSecond:F0} | {t.P50Ms:F2} | {t.P99Ms:F2} | {t.MaxMs:F2} | {t.Connections} | {t.ServerRssMb:F1} | {t.ServerCpuPercent:F0} | {t.ToolCpuPercent:F0} | {t.LoopLagMs:F1} |\n");
            }
        }

        return sb.ToString();
    }

    public static string Json(RunReport r)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteString("scenario", r.Scenario);
            w.WriteString("started_at", r.StartedAt);
            w.WriteBoolean("aborted", r.Aborted);
            if (r.AbortReason is not null)
            {
                w.WriteString("abort_reason", r.AbortReason);
            }

            w.WriteBoolean("tool_bottleneck", r.ToolBottleneck);
            w.WriteStartObject("metrics");
            foreach ((string k, double v) in r.Metrics)
            {
                w.WriteNumber(k, double.IsFinite(v) ? Math.Round(v, 6) : 0);
            }

            w.WriteEndObject();
            w.WriteStartObject("facts");
            foreach ((string k, string v) in r.Facts)
            {
                w.WriteString(k, v);
            }

            w.WriteEndObject();
            WriteStrings(w, "warnings", r.Warnings);
            WriteStrings(w, "assertions_failed", r.AssertionFailures);
            WriteStrings(w, "assertions_passed", r.AssertionPasses);
            WriteStrings(w, "anomalies", r.Anomalies);
            w.WriteStartArray("tables");
            foreach (ReportTable t in r.Tables)
            {
                w.WriteStartObject();
                w.WriteString("title", t.Title);
                WriteStrings(w, "columns", t.Columns);
                w.WriteStartArray("rows");
                foreach (IReadOnlyList<string> row in t.Rows)
                {
                    w.WriteStartObject();
                    for (int i = 0; i < t.Columns.Count; i++)
                    {
                        w.WriteString(t.Columns[i], row[i]);
                    }

                    w.WriteEndObject();
                }

                w.WriteEndArray();
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteStartArray("timeline");
            foreach (TimelineRow t in r.Timeline)
            {
                w.WriteStartObject();
                w.WriteNumber("t", Math.Round(t.Seconds, 3));
                w.WriteString("phase", t.Phase);
                w.WriteNumber("deliveries_per_s", Math.Round(t.DeliveriesPerSecond));
                w.WriteNumber("sent_per_s", Math.Round(t.SentPerSecond));
                w.WriteNumber("p50_ms", Math.Round(t.P50Ms, 3));
                w.WriteNumber("p99_ms", Math.Round(t.P99Ms, 3));
                w.WriteNumber("max_ms", Math.Round(t.MaxMs, 3));
                w.WriteNumber("connections", t.Connections);
                w.WriteNumber("server_rss_mb", Math.Round(t.ServerRssMb, 2));
                w.WriteNumber("server_cpu_pct", Math.Round(t.ServerCpuPercent, 1));
                w.WriteNumber("tool_cpu_pct", Math.Round(t.ToolCpuPercent, 1));
                w.WriteNumber("loop_lag_ms", Math.Round(t.LoopLagMs, 2));
                if (t.NodeRssMb is { } nodes)
                {
                    w.WriteStartArray("node_rss_mb");
                    foreach (double rss in nodes)
                    {
                        w.WriteNumberValue(Math.Round(rss, 2));
                    }

                    w.WriteEndArray();
                }

                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(ms.ToArray());
    }

    private static void WriteStrings(Utf8JsonWriter w, string name, IEnumerable<string> values)
    {
        w.WriteStartArray(name);
        foreach (string v in values)
        {
            w.WriteStringValue(v);
        }

        w.WriteEndArray();
    }

    public static string TimelineCsv(RunReport r)
    {
        var sb = new StringBuilder("t_s,phase,deliveries_per_s,sent_per_s,p50_ms,p99_ms,max_ms,connections,server_rss_mb,server_cpu_pct,tool_cpu_pct,loop_lag_ms\n");
        foreach (TimelineRow t in r.Timeline)
        {
            sb.Append(s_inv, $"{t.Seconds:F3},{t.Phase},{t.DeliveriesPerSecond:F0},{t.SentPerSecond:F0},{t.P50Ms:F3},{t.P99Ms:F3},{t.MaxMs:F3},{t.Connections},{t.ServerRssMb:F2},{t.ServerCpuPercent:F1},{t.ToolCpuPercent:F1},{t.LoopLagMs:F2}\n");
        }

        return sb.ToString();
    }

    public static string MetricsCsv(RunReport r)
    {
        var sb = new StringBuilder("metric,value\n");
        foreach ((string k, double v) in r.Metrics)
        {
            sb.Append(s_inv, $"{k},{v.ToString("R", s_inv)}\n");
        }

        return sb.ToString();
    }

    private static string Html(RunReport r, List<string> charts, string? chartError)
    {
        var sb = new StringBuilder();
        sb.Append(s_inv, $"<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>fastchat-loadtest {r.Scenario}</title>");
        sb.Append("<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 8px;text-align:right}.bad{color:#c00;font-weight:bold}img{max-width:100%}</style></head><body>");
        sb.Append(s_inv, $"<h1>fastchat-loadtest: {WebUtility.HtmlEncode(r.Scenario)}</h1><p>{r.StartedAt:yyyy-MM-dd HH:mm:ss} UTC</p>");
        if (r.Aborted)
        {
            sb.Append(s_inv, $"<p class=\"bad\">ABORTED: {WebUtility.HtmlEncode(r.AbortReason)}</p>");
        }

        if (r.ToolBottleneck)
        {
            sb.Append("<p class=\"bad\">The load generator itself was the bottleneck; the numbers understate the server.</p>");
        }

        foreach (string line in r.Warnings.Concat(r.AssertionFailures))
        {
            sb.Append(s_inv, $"<p class=\"bad\">{WebUtility.HtmlEncode(line)}</p>");
        }

        sb.Append("<ul>");
        foreach ((string k, string v) in r.Facts)
        {
            sb.Append(s_inv, $"<li><b>{WebUtility.HtmlEncode(k)}</b>: {WebUtility.HtmlEncode(v)}</li>");
        }

        sb.Append("</ul>");
        foreach (string c in charts)
        {
            sb.Append(s_inv, $"<p><img src=\"{WebUtility.HtmlEncode(c)}\" alt=\"{WebUtility.HtmlEncode(c)}\"></p>");
        }

        if (chartError is not null)
        {
            sb.Append(s_inv, $"<p>Charts unavailable: {WebUtility.HtmlEncode(chartError)}</p>");
        }

        foreach (ReportTable t in r.Tables)
        {
            sb.Append(s_inv, $"<h2>{WebUtility.HtmlEncode(t.Title)}</h2><table><tr>{string.Concat(t.Columns.Select(c => $"<th>{WebUtility.HtmlEncode(c)}</th>"))}</tr>");
            foreach (IReadOnlyList<string> row in t.Rows)
            {
                sb.Append(s_inv, $"<tr>{string.Concat(row.Select(c => $"<td style=\"text-align:left\">{WebUtility.HtmlEncode(c)}</td>"))}</tr>");
            }

            sb.Append("</table>");
        }

        sb.Append("<table><tr><th>metric</th><th>value</th></tr>");
        foreach ((string k, double v) in r.Metrics)
        {
            sb.Append(s_inv, $"<tr><td style=\"text-align:left\">{WebUtility.HtmlEncode(k)}</td><td>{Fmt(v)}</td></tr>");
        }

        sb.Append("</table></body></html>\n");
        return sb.ToString();
    }

    public static string Fmt(double v) =>
        v == Math.Floor(v) && Math.Abs(v) < 1e15 ? v.ToString("N0", s_inv) : v.ToString(Math.Abs(v) >= 100 ? "N1" : "0.###", s_inv);
}
