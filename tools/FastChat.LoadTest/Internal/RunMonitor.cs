using System.Diagnostics;
using HdrHistogram;

namespace FastChat.LoadTest.Internal;

/// <summary>One once-a-second health sample of the tool and the server (the servers together; <paramref name="NodeRssMb"/>: each, when there are several).</summary>
internal readonly record struct HealthSample(double ServerRssMb, double ServerCpuPercent, double ToolCpuPercent, double LoopLagMs, IReadOnlyList<double>? NodeRssMb = null);

/// <summary>
/// The tool's own health (CPU, and event-loop lag: how long a work item waits for a pool thread, probed
/// every 50 ms) and the servers' RSS and CPU from /proc: their sum, and each node's where there are several.
/// </summary>
internal sealed class RunMonitor : IAsyncDisposable
{
    private readonly IReadOnlyList<int> _serverPids;
    private readonly long[] _nodeRssMaxKb;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _lagProbe;
    private readonly Process _self = Process.GetCurrentProcess();
    private long _lastTicks;
    private TimeSpan _lastToolCpu;
    private double _lastServerCpu;
    private long _intervalLagMax;

    /// <param name="serverPids">The server's process, or each node's; empty: none is sampled.</param>
    public RunMonitor(IReadOnlyList<int> serverPids)
    {
        _serverPids = serverPids;
        _nodeRssMaxKb = new long[serverPids.Count];
        _lastTicks = Stopwatch.GetTimestamp();
        _self.Refresh();
        _lastToolCpu = _self.TotalProcessorTime;
        if (ReadServers() is ProcSample s)
        {
            _lastServerCpu = s.CpuSeconds;
        }

        _lagProbe = ProbeLagAsync(_stop.Token);
    }

    /// <summary>Largest RSS of the servers together seen by <see cref="Sample"/>.</summary>
    public long ServerRssMaxKb { get; private set; }

    /// <summary>Largest private data part of the servers' RSS seen (see <see cref="ProcSample.RssAnonKb"/>).</summary>
    public long ServerRssAnonMaxKb { get; private set; }

    /// <summary>Each node's largest RSS seen by <see cref="Sample"/>, in the order of the pids.</summary>
    public IReadOnlyList<long> NodeRssMaxKb => _nodeRssMaxKb;

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
        double[]? nodeRssMb = _serverPids.Count > 1 ? new double[_serverPids.Count] : null;
        if (ReadServers(_nodeRssMaxKb, nodeRssMb) is ProcSample s)
        {
            rssMb = s.RssKb / 1024.0;
            serverPct = (s.CpuSeconds - _lastServerCpu) / wall * 100;
            _lastServerCpu = s.CpuSeconds;
            ServerRssMaxKb = Math.Max(ServerRssMaxKb, s.RssKb);
            ServerRssAnonMaxKb = Math.Max(ServerRssAnonMaxKb, s.RssAnonKb);
        }

        double lagMs = Interlocked.Exchange(ref _intervalLagMax, 0) / 1000.0;
        return new HealthSample(rssMb, serverPct, toolPct, lagMs, nodeRssMb);
    }

    /// <summary>The servers' RSS now (kB), or 0 without a server pid.</summary>
    public long ServerRssNowKb() => ServerMemoryNowKb().RssKb;

    /// <summary>The servers' RSS and its private data part now (kB), or zeros without a server pid.</summary>
    public (long RssKb, long AnonKb) ServerMemoryNowKb() => ReadServers() is ProcSample s ? (s.RssKb, s.RssAnonKb) : (0, 0);

    /// <summary>The servers' CPU seconds so far (user + system, summed over the nodes), or 0 without a server pid.</summary>
    public double ServerCpuSecondsNow() => ReadServers()?.CpuSeconds ?? 0;

    /// <summary>Each node's process now, in the order of the pids (null where it cannot be read).</summary>
    public ProcSample?[] NodesNow() => _serverPids.Select(pid => ProcSampler.Read(pid)).ToArray();

    // The sum over the nodes (null: no process could be read); each node's RSS also raises its maximum
    // and goes into nodeRssMb.
    private ProcSample? ReadServers(long[]? nodeRssMaxKb = null, double[]? nodeRssMb = null)
    {
        long rss = 0, anon = 0;
        double cpu = 0;
        bool any = false;
        for (int i = 0; i < _serverPids.Count; i++)
        {
            if (ProcSampler.Read(_serverPids[i]) is ProcSample s)
            {
                any = true;
                rss += s.RssKb;
                anon += s.RssAnonKb;
                cpu += s.CpuSeconds;
                if (nodeRssMaxKb is not null)
                {
                    nodeRssMaxKb[i] = Math.Max(nodeRssMaxKb[i], s.RssKb);
                }

                if (nodeRssMb is not null)
                {
                    nodeRssMb[i] = s.RssKb / 1024.0;
                }
            }
        }

        return any ? new ProcSample(rss, cpu, anon) : null;
    }

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
