using HdrHistogram;

namespace FastChat.LoadTest.Reporting;

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
    int Connections)
{
    /// <summary>Each node's RSS (MB) in a run over several sampled nodes, in their order; else null.</summary>
    public IReadOnlyList<double>? NodeRssMb { get; init; }
}

/// <summary>
/// The outcome of one run: typed <see cref="Results"/> (flattened into <see cref="Metrics"/>), facts,
/// warnings, the timeline, latency histograms and tables.
/// </summary>
internal sealed class RunReport(string scenario)
{
    public string Scenario { get; set; } = scenario;

    public DateTimeOffset StartedAt { get; } = DateTimeOffset.UtcNow;

    public RunResults Results { get; } = new();

    /// <summary>Metric name to value (names compare case-insensitively), as <see cref="MetricMap"/> names the results.</summary>
    public IReadOnlyDictionary<string, double> Metrics => MetricMap.Flatten(Results);

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

    /// <summary>Ends the run early: nothing after this point was measured.</summary>
    public void Abort(string reason)
    {
        Aborted = true;
        AbortReason = reason;
    }

    /// <summary>
    /// Flags a run in which the tool was the bottleneck, so its numbers understate the server: it fell
    /// behind its schedule, its thread pool lagged, or it used nearly every core.
    /// </summary>
    public void CheckToolHealth(bool openModel, double toolCpuPercent, double loopLagP99)
    {
        double lagP99 = Results.ScheduleLag?.P99 ?? 0;
        int cores = Environment.ProcessorCount;
        if (openModel && lagP99 > 10)
        {
            ToolBottleneck = true;
            Warnings.Add($"the tool fell behind its send schedule (schedule lag p99 {lagP99:F1} ms): latency includes the tool's own delay");
        }

        if (loopLagP99 > 20)
        {
            ToolBottleneck = true;
            Warnings.Add($"the tool's event loop lagged (thread-pool queue delay p99 {loopLagP99:F1} ms)");
        }

        if (toolCpuPercent > 90.0 * cores)
        {
            ToolBottleneck = true;
            Warnings.Add($"the tool used {toolCpuPercent:F0}% CPU of {cores * 100}%: it was probably the bottleneck");
        }
    }
}
