using FastChat.LoadTest.Internal;
using HdrHistogram;

namespace FastChat.LoadTest.Reporting;

/// <summary>
/// Adds timeline rows and shows each as progress: latency of the histogram given, health sampled at that
/// moment, and rates from counter deltas (<see cref="AddRates"/>) or values as given (<see cref="Add"/>).
/// </summary>
internal sealed class TimelineWriter(RunReport report, RunMonitor monitor, IProgressView progress, long startTicks)
{
    private readonly long _start = startTicks;
    private long _lastTicks = startTicks;
    private long _lastDelivered;
    private long _lastSent;

    /// <summary>A row of deliveries and messages per second since the previous rate row.</summary>
    public TimelineRow AddRates(long nowTicks, string phase, long delivered, long sent, HistogramBase interval, int connections)
    {
        double dt = Math.Max(1e-6, RunClock.Seconds(nowTicks - _lastTicks));
        _lastTicks = nowTicks;
        TimelineRow row = Add(nowTicks, phase, (delivered - _lastDelivered) / dt, (sent - _lastSent) / dt, interval, connections);
        _lastDelivered = delivered;
        _lastSent = sent;
        return row;
    }

    public TimelineRow Add(long nowTicks, string phase, double deliveriesPerSecond, double sentPerSecond, HistogramBase latency, int connections)
    {
        HealthSample h = monitor.Sample();
        bool any = latency.TotalCount > 0;
        var row = new TimelineRow(
            RunClock.Seconds(nowTicks - _start),
            phase,
            deliveriesPerSecond,
            sentPerSecond,
            any ? latency.GetValueAtPercentile(50) / 1000.0 : 0,
            any ? latency.GetValueAtPercentile(99) / 1000.0 : 0,
            any ? latency.GetMaxValue() / 1000.0 : 0,
            h.ServerRssMb,
            h.ServerCpuPercent,
            h.ToolCpuPercent,
            h.LoopLagMs,
            connections)
        {
            NodeRssMb = h.NodeRssMb,
        };
        report.Timeline.Add(row);
        progress.Row(row);
        return row;
    }
}
