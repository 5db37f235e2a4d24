using HdrHistogram;
using ScottPlot;

namespace FastChat.LoadTest.Reporting;

/// <summary>PNG charts of a run with ScottPlot: latency and throughput over time, percentile distribution, server RSS.</summary>
internal static class Charts
{
    public static List<string> Render(RunReport r, string dir, out string? error)
    {
        var files = new List<string>();
        error = null;
        try
        {
            double[] t = r.Timeline.Select(x => x.Seconds).ToArray();
            if (t.Length > 0)
            {
                files.Add(Save(dir, "latency-over-time.png", "Latency per second", "time (s)", "latency (ms)", p =>
                {
                    p.Add.ScatterLine(t, r.Timeline.Select(x => x.P50Ms).ToArray()).LegendText = "p50";
                    p.Add.ScatterLine(t, r.Timeline.Select(x => x.P99Ms).ToArray()).LegendText = "p99";
                    p.Add.ScatterLine(t, r.Timeline.Select(x => x.MaxMs).ToArray()).LegendText = "max";
                    p.ShowLegend();
                }));
                files.Add(Save(dir, "throughput-over-time.png", "Throughput per second", "time (s)", "per second", p =>
                {
                    p.Add.ScatterLine(t, r.Timeline.Select(x => x.DeliveriesPerSecond).ToArray()).LegendText = "deliveries/s";
                    p.Add.ScatterLine(t, r.Timeline.Select(x => x.SentPerSecond).ToArray()).LegendText = "messages sent/s";
                    p.ShowLegend();
                }));
                if (r.Timeline.Any(x => x.ServerRssMb > 0))
                {
                    files.Add(Save(dir, "server-rss.png", "Server RSS and CPU", "time (s)", "MB / %", p =>
                    {
                        p.Add.ScatterLine(t, r.Timeline.Select(x => x.ServerRssMb).ToArray()).LegendText = "server RSS (MB)";
                        p.Add.ScatterLine(t, r.Timeline.Select(x => x.ServerCpuPercent).ToArray()).LegendText = "server CPU (%)";
                        p.Add.ScatterLine(t, r.Timeline.Select(x => x.ToolCpuPercent).ToArray()).LegendText = "tool CPU (%)";
                        p.ShowLegend();
                    }));
                }
            }

            if (r.Histograms.TryGetValue("latency", out HistogramBase? h) && h.TotalCount > 0)
            {
                // x = "nines": 1 = 90 %, 2 = 99 %, 3 = 99.9 % ...
                // The iterator reuses one value object: project before materialising.
                var pts = h.Percentiles(5).Select(p => (p.Percentile, Value: p.ValueIteratedTo)).Where(p => p.Percentile < 100).ToList();
                double[] x = pts.Select(p => -Math.Log10(1 - (p.Percentile / 100.0))).ToArray();
                double[] y = pts.Select(p => h.HighestEquivalentValue(p.Value) / 1000.0).ToArray();
                files.Add(Save(dir, "latency-percentiles.png", "Latency by percentile (x: 1 = p90, 2 = p99, 3 = p99.9)", "nines", "latency (ms)", p =>
                    p.Add.ScatterLine(x, y)));
            }
        }
        catch (Exception e) when (e is TypeInitializationException or DllNotFoundException or InvalidOperationException or IOException)
        {
            error = e.GetType().Name + ": " + e.Message;
        }

        return files;
    }

    private static string Save(string dir, string name, string title, string xLabel, string yLabel, Action<Plot> draw)
    {
        var plot = new Plot();
        draw(plot);
        plot.Title(title);
        plot.XLabel(xLabel);
        plot.YLabel(yLabel);
        string path = Path.Combine(dir, name);
        plot.SavePng(path, 900, 450);
        return path;
    }
}
