using System.Diagnostics;
using FastChat.LoadTest.Internal;
using FastChat.LoadTest.Reporting;
using HdrHistogram;

namespace FastChat.LoadTest.Scenarios;

/// <summary>
/// A fanout run's timeline, a row a second: rates from counter deltas, latency from the recorders'
/// interval histograms, which also add up to the run's total.
/// </summary>
internal sealed class FanoutTimeline
{
    private readonly TimelineWriter _writer;
    private readonly FanoutRunState _run;
    private readonly FanoutReceiver[] _members;
    private readonly FanoutSender[] _senders;

    public FanoutTimeline(RunReport report, RunMonitor monitor, FanoutRunState run, FanoutReceiver[] members, FanoutSender[] senders, IProgressView progress)
    {
        long start = Stopwatch.GetTimestamp();
        _writer = new TimelineWriter(report, monitor, progress, start);
        _run = run;
        _members = members;
        _senders = senders;
        NextTick = start + Stopwatch.Frequency;
    }

    public long NextTick { get; private set; }

    public LongHistogram LatencyTotal { get; } = LatencyRecorders.NewHistogram();

    public LongHistogram ServiceTotal { get; } = LatencyRecorders.NewHistogram();

    /// <summary>Adds a row when one is due.</summary>
    public void TickIfDue(string phase)
    {
        if (Stopwatch.GetTimestamp() >= NextTick)
        {
            Tick(phase);
        }
    }

    public void Tick(string phase)
    {
        long now = Stopwatch.GetTimestamp();
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
        _writer.AddRates(now, phase, deliveries, sent, interval, open);
    }
}
