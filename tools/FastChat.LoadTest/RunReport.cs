using FastChat.LoadTest.Internal;
using HdrHistogram;

namespace FastChat.LoadTest;

/// <summary>One row of the once-a-second timeline.</summary>
internal sealed record TimelineRow(
    double Seconds,
    string Phase,
    double DeliveriesPerSecond,
    double SentPerSecond,
    double P50Ms,
    double P99Ms,
    double MaxMs,
    double ServerRssMb,
    double ServerCpuPercent,
    double ToolCpuPercent,
    double LoopLagMs,
    int Connections);

/// <summary>
/// The outcome of one scenario run: named numeric metrics (what <c>--assert</c> checks), text facts,
/// warnings, a timeline, and latency histograms for the .hgrm export and the percentile chart.
/// </summary>
internal sealed class RunReport(string scenario)
{
    public string Scenario { get; set; } = scenario;

    public DateTimeOffset StartedAt { get; } = DateTimeOffset.UtcNow;

    /// <summary>Metric name to value. Latencies in milliseconds, rates per second, sizes in MB.</summary>
    public SortedDictionary<string, double> Metrics { get; } = new(StringComparer.OrdinalIgnoreCase);

    public SortedDictionary<string, string> Facts { get; } = new(StringComparer.Ordinal);

    public List<string> Warnings { get; } = [];

    /// <summary>True when the generator itself was the bottleneck (shown in red).</summary>
    public bool ToolBottleneck { get; set; }

    public List<TimelineRow> Timeline { get; } = [];

    /// <summary>Named latency histograms in microseconds (e.g. "latency", "service", "schedule-lag").</summary>
    public Dictionary<string, HistogramBase> Histograms { get; } = new(StringComparer.Ordinal);

    /// <summary>Tables shown before the metrics (the attack scenario's comparison and outcomes).</summary>
    public List<ReportTable> Tables { get; } = [];

    /// <summary>Members with a verification problem, one line each (at most a few hundred kept).</summary>
    public List<string> Anomalies { get; } = [];

    public List<string> AssertionFailures { get; } = [];

    public List<string> AssertionPasses { get; } = [];

    public bool Aborted { get; set; }

    public string? AbortReason { get; set; }

    public void Set(string name, double value) => Metrics[name] = value;

    public void AddLatency(string prefix, HistogramBase h)
    {
        bool empty = h.TotalCount == 0;
        Set(prefix + "p50", empty ? 0 : h.GetValueAtPercentile(50) / 1000.0);
        Set(prefix + "p90", empty ? 0 : h.GetValueAtPercentile(90) / 1000.0);
        Set(prefix + "p99", empty ? 0 : h.GetValueAtPercentile(99) / 1000.0);
        Set(prefix + "p99.9", empty ? 0 : h.GetValueAtPercentile(99.9) / 1000.0);
        Set(prefix + "p99.99", empty ? 0 : h.GetValueAtPercentile(99.99) / 1000.0);
        Set(prefix + "max", empty ? 0 : h.GetMaxValue() / 1000.0);
        Set(prefix + "mean", empty ? 0 : h.GetMean() / 1000.0);
    }
}
