using FastChat.LoadTest.Internal;
using FastChat.LoadTest.Reporting;

namespace FastChat.LoadTest.Scenarios;

/// <summary>A long, steady fanout run; the server's RSS trend over it is the result (docs/LOADTEST.md, soak).</summary>
internal static class SoakScenario
{
    public static async Task<RunReport> RunAsync(CommonOptions common, FanoutOptions o, ServerNodes servers, IProgressView progress, CancellationToken ct)
    {
        RunReport r = await FanoutScenario.RunAsync(common, o, servers, progress, ct);
        r.Scenario = "soak";
        Trend(r);
        return r;
    }

    /// <summary>
    /// The RSS trend over the measured seconds: the quarters, and the slope of a least-squares line through
    /// every per-second sample, which one spike moves far less (docs/LOADTEST.md, soak). Over several
    /// nodes the trend is of their sum, and each node gets a line of its own.
    /// </summary>
    internal static void Trend(RunReport r)
    {
        var measured = r.Timeline.Where(t => t.Phase == "measure" && t.ServerRssMb > 0).ToList();
        SoakQuarters? quarters = null;
        SoakFit? fit = null;
        if (measured.Count >= 4)
        {
            int q = measured.Count / 4;
            double first = measured.Take(q).Average(t => t.ServerRssMb);
            double last = measured.Skip(measured.Count - q).Average(t => t.ServerRssMb);
            quarters = new SoakQuarters(first, last, measured.Average(t => t.ServerCpuPercent));
        }

        SoakFit Fit(Func<TimelineRow, double> rss)
        {
            (double slope, double r2) = LinearFit(measured.Select(t => (t.Seconds, rss(t))).ToList());
            return new SoakFit(slope, r2, measured.Count, measured[^1].Seconds - measured[0].Seconds);
        }

        SoakFit[]? nodes = null;
        if (measured.Count >= 2)
        {
            fit = Fit(t => t.ServerRssMb);
            int count = measured[0].NodeRssMb?.Count ?? 0;
            if (count > 1 && measured.All(t => t.NodeRssMb?.Count == count))
            {
                nodes = Enumerable.Range(0, count).Select(n => Fit(t => t.NodeRssMb![n])).ToArray();
            }
        }

        if (quarters is not null || fit is not null)
        {
            r.Results.Soak = new SoakResult(quarters, fit, nodes);
        }
    }

    /// <summary>Least-squares slope of y over x and the fit's R^2 (0 when y does not vary).</summary>
    internal static (double Slope, double R2) LinearFit(IReadOnlyList<(double X, double Y)> points)
    {
        double mx = points.Average(p => p.X);
        double my = points.Average(p => p.Y);
        double sxy = 0, sxx = 0, syy = 0;
        foreach ((double x, double y) in points)
        {
            sxy += (x - mx) * (y - my);
            sxx += (x - mx) * (x - mx);
            syy += (y - my) * (y - my);
        }

        double slope = sxx == 0 ? 0 : sxy / sxx;
        double r2 = sxx == 0 || syy == 0 ? 0 : sxy * sxy / (sxx * syy);
        return (slope, r2);
    }
}
