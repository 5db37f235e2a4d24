using System.Diagnostics;
using HdrHistogram;

namespace FastChat.LoadTest.Internal;

/// <summary>One once-a-second health sample of the tool and the server.</summary>
internal readonly record struct HealthSample(double ServerRssMb, double ServerCpuPercent, double ToolCpuPercent, double LoopLagMs);

/// <summary>
/// The tool's own health (CPU, and event-loop lag: how long a work item waits for a pool thread, probed
/// every 50 ms) and the server's RSS and CPU from /proc.
/// </summary>
internal sealed class RunMonitor : IAsyncDisposable
{
    private readonly int? _serverPid;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _lagProbe;
    private readonly Process _self = Process.GetCurrentProcess();
    private long _lastTicks;
    private TimeSpan _lastToolCpu;
    private double _lastServerCpu;
    private long _intervalLagMax;

    public RunMonitor(int? serverPid)
    {
        _serverPid = serverPid;
        _lastTicks = Stopwatch.GetTimestamp();
        _self.Refresh();
        _lastToolCpu = _self.TotalProcessorTime;
        if (serverPid is int pid && ProcSampler.Read(pid) is ProcSample s)
        {
            _lastServerCpu = s.CpuSeconds;
            ServerRssStartKb = s.RssKb;
        }

        _lagProbe = ProbeLagAsync(_stop.Token);
    }

    public long ServerRssStartKb { get; }

    public long ServerRssMaxKb { get; private set; }

    public long ServerRssLastKb { get; private set; }

    /// <summary>Largest private data part of the server's RSS seen (see <see cref="ProcSample.RssAnonKb"/>).</summary>
    public long ServerRssAnonMaxKb { get; private set; }

    /// <summary>Event-loop lag over the whole run, microseconds.</summary>
    public LongHistogram LoopLag { get; } = LatencyRecorders.NewHistogram();

    /// <summary>The event-loop lag's p99 so far, milliseconds (0 before the first probe).</summary>
    public double LoopLagP99Ms => LoopLag.TotalCount == 0 ? 0 : LoopLag.GetValueAtPercentile(99) / 1000.0;

    public double ToolCpuSecondsTotal
    {
        get
        {
            _self.Refresh();
            return _self.TotalProcessorTime.TotalSeconds;
        }
    }

    public HealthSample Sample()
    {
        long now = Stopwatch.GetTimestamp();
        double wall = Math.Max(1e-6, (now - _lastTicks) / (double)Stopwatch.Frequency);
        _lastTicks = now;
        _self.Refresh();
        TimeSpan cpu = _self.TotalProcessorTime;
        double toolPct = (cpu - _lastToolCpu).TotalSeconds / wall * 100;
        _lastToolCpu = cpu;
        double rssMb = 0;
        double serverPct = 0;
        if (_serverPid is int pid && ProcSampler.Read(pid) is ProcSample s)
        {
            rssMb = s.RssKb / 1024.0;
            serverPct = (s.CpuSeconds - _lastServerCpu) / wall * 100;
            _lastServerCpu = s.CpuSeconds;
            ServerRssLastKb = s.RssKb;
            ServerRssMaxKb = Math.Max(ServerRssMaxKb, s.RssKb);
            ServerRssAnonMaxKb = Math.Max(ServerRssAnonMaxKb, s.RssAnonKb);
        }

        double lagMs = Interlocked.Exchange(ref _intervalLagMax, 0) / 1000.0;
        return new HealthSample(rssMb, serverPct, toolPct, lagMs);
    }

    /// <summary>The server's RSS now (kB), or 0 without a server pid.</summary>
    public long ServerRssNowKb() => ServerMemoryNowKb().RssKb;

    /// <summary>The server's RSS and its private data part now (kB), or zeros without a server pid.</summary>
    public (long RssKb, long AnonKb) ServerMemoryNowKb() =>
        _serverPid is int pid && ProcSampler.Read(pid) is ProcSample s ? (s.RssKb, s.RssAnonKb) : (0, 0);

    private async Task ProbeLagAsync(CancellationToken ct)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(50));
        try
        {
            while (await timer.WaitForNextTickAsync(ct))
            {
                long queued = Stopwatch.GetTimestamp();
                long ran = await Task.Run(Stopwatch.GetTimestamp, ct);
                long micros = LatencyRecorders.TicksToMicros(ran - queued);
                lock (LoopLag)
                {
                    LoopLag.RecordValue(micros);
                }

                long prev;
                do
                {
                    prev = Volatile.Read(ref _intervalLagMax);
                }
                while (micros > prev && Interlocked.CompareExchange(ref _intervalLagMax, micros, prev) != prev);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _lagProbe;
        _stop.Dispose();
        _self.Dispose();
    }
}
