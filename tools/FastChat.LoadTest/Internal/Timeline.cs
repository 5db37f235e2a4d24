using System.Diagnostics;
using HdrHistogram;

namespace FastChat.LoadTest.Internal;

/// <summary>
/// The once-a-second sampler of a fanout run: rates from counter deltas, latency percentiles from
/// the per-thread recorders' interval histograms (which also add up to the run's total), and the
/// health sample of tool and server.
/// </summary>
internal sealed class Timeline
{
    private readonly RunReport _report;
    private readonly RunMonitor _monitor;
    private readonly FanoutRunState _run;
    private readonly FanoutReceiver[] _members;
    private readonly FanoutSender[] _senders;
    private readonly IProgressView _progress;
    private readonly long _start;
    private long _lastTicks;
    private long _lastDeliveries;
    private long _lastSent;

    public Timeline(RunReport report, RunMonitor monitor, FanoutRunState run, FanoutReceiver[] members, FanoutSender[] senders, IProgressView progress)
    {
        _report = report;
        _monitor = monitor;
        _run = run;
        _members = members;
        _senders = senders;
        _progress = progress;
        _start = _lastTicks = Stopwatch.GetTimestamp();
        NextTick = _start + Stopwatch.Frequency;
    }

    public long NextTick { get; private set; }

    public LongHistogram LatencyTotal { get; } = LatencyRecorders.NewHistogram();

    public LongHistogram ServiceTotal { get; } = LatencyRecorders.NewHistogram();

    public void Tick(string phase)
    {
        long now = Stopwatch.GetTimestamp();
        double dt = Math.Max(1e-6, (now - _lastTicks) / (double)Stopwatch.Frequency);
        _lastTicks = now;
        NextTick = now + Stopwatch.Frequency;
        long deliveries = 0;
        int open = 0;
        foreach (FanoutReceiver m in _members)
        {
            deliveries += m.TotalDeliveries;
            open += m.Connection.IsClosed ? 0 : 1;
        }

        long sent = 0;
        foreach (FanoutSender s in _senders)
        {
            sent += s.Sent;
        }

        var interval = LatencyRecorders.NewHistogram();
        foreach (LatencyRecorders.Pair pair in _run.Recorders.All)
        {
            pair.DrainInto(interval, ServiceTotal);
        }

        LatencyTotal.Add(interval);
        HealthSample h = _monitor.Sample();
        bool any = interval.TotalCount > 0;
        var row = new TimelineRow(
            (now - _start) / (double)Stopwatch.Frequency,
            phase,
            (deliveries - _lastDeliveries) / dt,
            (sent - _lastSent) / dt,
            any ? interval.GetValueAtPercentile(50) / 1000.0 : 0,
            any ? interval.GetValueAtPercentile(99) / 1000.0 : 0,
            any ? interval.GetMaxValue() / 1000.0 : 0,
            h.ServerRssMb,
            h.ServerCpuPercent,
            h.ToolCpuPercent,
            h.LoopLagMs,
            open);
        _lastDeliveries = deliveries;
        _lastSent = sent;
        _report.Timeline.Add(row);
        _progress.Row(row);
    }
}
