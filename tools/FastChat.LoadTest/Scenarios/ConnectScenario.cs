using System.Diagnostics;
using FastChat.LoadTest.Internal;
using FastChat.LoadTest.Reporting;
using FastChat.LoadTest.Scenarios.Phases;

namespace FastChat.LoadTest.Scenarios;

/// <summary>Options of the connect scenario.</summary>
internal sealed record ConnectOptions
{
    public int Clients { get; init; } = 1000;

    /// <summary>Seconds of churn after the storm (0 = storm only).</summary>
    public double ChurnSeconds { get; init; }

    /// <summary>Members replaced per second during churn.</summary>
    public double ChurnRate { get; init; } = 100;
}

/// <summary>
/// Connection storm, then churn: how fast N clients get in, and every member's view of the member set
/// must end equal to the real set (docs/LOADTEST.md, connect).
/// </summary>
internal static class ConnectScenario
{
    public static async Task<RunReport> RunAsync(CommonOptions common, ConnectOptions o, ServerNodes servers, IProgressView progress, CancellationToken ct)
    {
        var report = new RunReport("connect");
        int churnTotal = (int)Math.Min(200_000, o.ChurnSeconds * o.ChurnRate);
        FileLimit.Check(o.Clients, report, progress);
        await using var monitor = new RunMonitor(servers.Pids);
        long rssBefore = monitor.ServerRssNowKb();
        using var pool = new MemberPool(common, servers, o.Clients + churnTotal + 16);

        progress.Phase("storm", $"{o.Clients} connections, {common.ConnectConcurrency} handshakes at a time");
        long start = Stopwatch.GetTimestamp();
        await pool.ConnectAsync(o.Clients, ct);
        double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        ConnectionCounts storm = pool.Counts;
        long rssConnected = monitor.ServerRssNowKb();
        bool perConnection = servers.Sampled && storm.Ready > 0;
        int stormMismatch = await pool.WaitConsistentAsync(TimeSpan.FromSeconds(15), ct);
        progress.Phase("storm", $"{storm.Ready} ready, {storm.Full} FULL, {storm.Failed} failed in {seconds:F2} s; {stormMismatch} member views differ from the real set");

        ConnectChurnResult? churn = churnTotal > 0 ? await ChurnAsync(pool, o, churnTotal, progress, ct) : null;
        pool.Report(report);
        report.Results.ConnectStorm = new ConnectStormResult(seconds, storm.Ready / Math.Max(1e-6, seconds), stormMismatch, churn,
            pool.Live.Count(m => !m.Connection.IsClosed));
        report.Results.Server = new ServerResources
        {
            BytesPerConnection = perConnection ? (rssConnected - rssBefore) * 1024.0 / storm.Ready : null,
            RssConnectedMb = perConnection ? rssConnected / 1024.0 : null,
            RssEndMb = monitor.ServerRssNowKb() / 1024.0,
        };
        report.Facts["config"] = $"clients={o.Clients} churn={o.ChurnSeconds}s at {o.ChurnRate}/s concurrency={common.ConnectConcurrency}";
        return report;
    }

    /// <summary>Replaces random members at <see cref="ConnectOptions.ChurnRate"/> per second, then waits for the views to agree again.</summary>
    private static async Task<ConnectChurnResult> ChurnAsync(MemberPool pool, ConnectOptions o, int churnTotal, IProgressView progress, CancellationToken ct)
    {
        progress.Phase("churn", $"{o.ChurnRate:N0} leave+join per second for {o.ChurnSeconds:F0} s");
        var rng = new Random(42);
        long churnStart = Stopwatch.GetTimestamp();
        int cycles = 0;
        var pending = new List<Task>();
        while (cycles < churnTotal && !ct.IsCancellationRequested)
        {
            double due = Stopwatch.GetElapsedTime(churnStart).TotalSeconds * o.ChurnRate;
            if (cycles >= due)
            {
                await Task.Delay(1, ct);
                continue;
            }

            MemberView victim;
            lock (pool.Live)
            {
                victim = pool.Live[rng.Next(pool.Live.Count)];
            }

            pool.Close(victim);
            pending.Add(pool.ConnectOneAsync(ct));
            cycles++;
        }

        await Task.WhenAll(pending);
        double seconds = Stopwatch.GetElapsedTime(churnStart).TotalSeconds;
        int mismatched = await pool.WaitConsistentAsync(TimeSpan.FromSeconds(15), ct);
        return new ConnectChurnResult(cycles, seconds, mismatched);
    }
}
