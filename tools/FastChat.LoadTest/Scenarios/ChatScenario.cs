using System.Diagnostics;
using FastChat.LoadTest.Internal;
using FastChat.LoadTest.Reporting;
using FastChat.LoadTest.Scenarios.Phases;
using HdrHistogram;

namespace FastChat.LoadTest.Scenarios;

/// <summary>Options of the chat scenario.</summary>
internal sealed record ChatOptions
{
    public int Clients { get; init; } = 100;

    /// <summary>Members join evenly spread over this ramp.</summary>
    public TimeSpan Ramp { get; init; } = TimeSpan.FromSeconds(5);

    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>Mean think time between a member's messages (exponentially distributed).</summary>
    public TimeSpan Think { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Probability that a member leaves after a message (and rejoins after <see cref="Away"/>).</summary>
    public double LeaveProbability { get; init; } = 0.02;

    public TimeSpan Away { get; init; } = TimeSpan.FromSeconds(1);

    public int Size { get; init; } = 64;
}

/// <summary>
/// Rooms-like traffic (ramped joins, think times, leave and rejoin): every member's member set stays
/// consistent and each sender's messages arrive in order (docs/LOADTEST.md, chat).
/// </summary>
internal static class ChatScenario
{
    public static async Task<RunReport> RunAsync(CommonOptions common, ChatOptions o, ServerNodes servers, IProgressView progress, CancellationToken ct)
    {
        var report = new RunReport("chat");
        await using var monitor = new RunMonitor(servers.Pids);
        var latency = LatencyRecorders.NewHistogram();
        long epoch = Stopwatch.GetTimestamp();
        double expectedMessages = o.Clients * o.Duration.TotalSeconds / Math.Max(0.001, o.Think.TotalSeconds);
        int capacity = o.Clients + (int)Math.Min(1_000_000, (expectedMessages * o.LeaveProbability * 2) + 100);
        using var pool = new MemberPool(common, servers, capacity, epoch, ticks =>
        {
            lock (latency)
            {
                latency.RecordValue(LatencyRecorders.TicksToMicros(ticks));
            }
        });
        FileLimit.Check(o.Clients, report, progress);
        progress.Phase("chat", $"{o.Clients} members joining over {o.Ramp.TotalSeconds:F0} s, think {o.Think.TotalMilliseconds:F0} ms, leave p={o.LeaveProbability}, for {o.Duration.TotalSeconds:F0} s");

        long end = epoch + RunClock.Ticks(o.Ramp + o.Duration);
        long sent = 0, leaves = 0, rejoinFailed = 0;
        async Task MemberAsync(int slot)
        {
            var rng = new Random(slot);
            await Task.Delay(o.Ramp * ((double)slot / o.Clients), ct);
            long seq = 0;
            MemberView? me = await pool.ConnectOneAsync(ct);
            while (me is not null && Stopwatch.GetTimestamp() < end && !ct.IsCancellationRequested)
            {
                double think = -Math.Log(1 - rng.NextDouble()) * o.Think.TotalMilliseconds;
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(think, 60_000)), ct);
                if (Stopwatch.GetTimestamp() >= end || me.Connection.IsClosed)
                {
                    break;
                }

                await me.SendChatAsync(slot, seq++, epoch, o.Size);
                Interlocked.Increment(ref sent);
                if (rng.NextDouble() < o.LeaveProbability)
                {
                    pool.Close(me);
                    Interlocked.Increment(ref leaves);
                    await Task.Delay(o.Away, ct);
                    me = await pool.ConnectOneAsync(ct);
                    if (me is null)
                    {
                        Interlocked.Increment(ref rejoinFailed);
                    }
                }
            }
        }

        // The timeline shows the messages sent so far and the latency of the run so far, each second.
        var timeline = new TimelineWriter(report, monitor, progress, epoch);
        Task all = Task.WhenAll(Enumerable.Range(0, o.Clients).Select(MemberAsync));
        while (!all.IsCompleted)
        {
            await Task.WhenAny(all, Task.Delay(1000, ct));
            HistogramBase snapshot;
            lock (latency)
            {
                snapshot = latency.Copy();
            }

            timeline.Add(Stopwatch.GetTimestamp(), "chat", 0, Interlocked.Read(ref sent), snapshot, pool.Live.Count);
        }

        await all;
        int mismatched = await pool.WaitConsistentAsync(TimeSpan.FromSeconds(5), ct);
        pool.Report(report);
        report.Results.Chat = new ChatResult(sent, pool.Live.Sum(m => m.Messages), leaves, rejoinFailed,
            pool.ClosedOutOfOrder + pool.Live.Sum(m => m.OutOfOrder), mismatched, LatencySummary.Of(latency));
        report.Histograms["latency"] = latency;
        report.Facts["config"] = $"clients={o.Clients} ramp={o.Ramp.TotalSeconds}s duration={o.Duration.TotalSeconds}s think={o.Think.TotalMilliseconds}ms leave={o.LeaveProbability} away={o.Away.TotalMilliseconds}ms size={o.Size}";
        return report;
    }
}
