using System.Diagnostics;
using System.Net;
using FastChat.LoadTest.Internal;

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
/// Connection storm and churn: how fast N clients get in (connect rate, time to WELCOME+USERS, how
/// many succeed), then members leave and new ones join at a fixed rate; afterwards every member's
/// view of the member set (USERS replayed with JOIN/LEAVE) must equal the real set.
/// </summary>
internal static class ConnectScenario
{
    public static async Task<RunReport> RunAsync(CommonOptions common, ConnectOptions o, IPEndPoint server, int? serverPid, IProgressView progress, CancellationToken ct)
    {
        var report = new RunReport("connect");
        int churnTotal = (int)Math.Min(200_000, o.ChurnSeconds * o.ChurnRate);
        FanoutScenario.CheckFileLimit(o.Clients, report, progress);
        await using var monitor = new RunMonitor(serverPid);
        long rssBefore = monitor.ServerRssNowKb();
        using var pool = new MemberPool(common, server, o.Clients + churnTotal + 16);

        progress.Phase("storm", $"{o.Clients} connections, {common.ConnectConcurrency} handshakes at a time");
        long start = Stopwatch.GetTimestamp();
        await pool.ConnectAsync(o.Clients, ct);
        double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        report.Set("connect_s", seconds);
        report.Set("connects/s", pool.Ready / Math.Max(1e-6, seconds));
        long rssConnected = monitor.ServerRssNowKb();
        if (serverPid is not null && pool.Ready > 0)
        {
            report.Set("server_bytes_per_conn", (rssConnected - rssBefore) * 1024.0 / pool.Ready);
            report.Set("server_rss_connected_mb", rssConnected / 1024.0);
        }

        int stormMismatch = await pool.WaitConsistentAsync(TimeSpan.FromSeconds(15), ct);
        report.Set("views_mismatched_after_storm", stormMismatch);
        progress.Phase("storm", $"{pool.Ready} ready, {pool.Full} FULL, {pool.Failed} failed in {seconds:F2} s; {stormMismatch} member views differ from the real set");

        if (churnTotal > 0)
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
            report.Set("churn_cycles", cycles);
            report.Set("churn_s", Stopwatch.GetElapsedTime(churnStart).TotalSeconds);
            int churnMismatch = await pool.WaitConsistentAsync(TimeSpan.FromSeconds(15), ct);
            report.Set("views_mismatched_after_churn", churnMismatch);
        }

        pool.Report(report);
        report.Set("live_members", pool.Live.Count(m => !m.Connection.IsClosed));
        report.Set("server_rss_end_mb", monitor.ServerRssNowKb() / 1024.0);
        report.Facts["config"] = $"clients={o.Clients} churn={o.ChurnSeconds}s at {o.ChurnRate}/s concurrency={common.ConnectConcurrency}";
        return report;
    }
}
