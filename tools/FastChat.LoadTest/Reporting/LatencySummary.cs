using HdrHistogram;

namespace FastChat.LoadTest.Reporting;

/// <summary>Percentiles of one latency histogram (recorded in microseconds), in milliseconds; all 0 when it is empty.</summary>
internal sealed record LatencySummary(double P50, double P90, double P99, double P999, double P9999, double Max, double Mean, long Count)
{
    public static LatencySummary Of(HistogramBase h)
    {
        ArgumentNullException.ThrowIfNull(h);
        if (h.TotalCount == 0)
        {
            return new LatencySummary(0, 0, 0, 0, 0, 0, 0, 0);
        }

        return new LatencySummary(
            h.GetValueAtPercentile(50) / 1000.0,
            h.GetValueAtPercentile(90) / 1000.0,
            h.GetValueAtPercentile(99) / 1000.0,
            h.GetValueAtPercentile(99.9) / 1000.0,
            h.GetValueAtPercentile(99.99) / 1000.0,
            h.GetMaxValue() / 1000.0,
            h.GetMean() / 1000.0,
            h.TotalCount);
    }
}
