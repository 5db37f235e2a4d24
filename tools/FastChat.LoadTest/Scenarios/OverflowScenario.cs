using System.Diagnostics;
using System.Globalization;
using FastChat.LoadTest.Internal;
using FastChat.LoadTest.Reporting;
using FastChat.LoadTest.Scenarios.Phases;

namespace FastChat.LoadTest.Scenarios;

/// <summary>Options of the overflow scenario.</summary>
internal sealed record OverflowOptions
{
    /// <summary>The server's --max-clients.</summary>
    public int MaxClients { get; init; } = 100;

    /// <summary>Connections beyond the limit.</summary>
    public int Excess { get; init; } = 10;

    /// <summary>Messages broadcast afterwards to show the members were not disturbed.</summary>
    public int Messages { get; init; } = 100;
}

/// <summary>
/// More clients than <c>--max-clients</c>: exactly the excess gets FULL, nobody else notices, the members
/// still chat without loss, and a freed slot is reused (docs/LOADTEST.md, overflow).
/// </summary>
internal static class OverflowScenario
{
    public static async Task<RunReport> RunAsync(CommonOptions common, OverflowOptions o, ServerNodes servers, IProgressView progress, CancellationToken ct)
    {
        var report = new RunReport("overflow");
        await using var monitor = new RunMonitor(servers.Pids);
        using var pool = new MemberPool(common, servers, o.MaxClients + o.Excess + 64, Stopwatch.GetTimestamp());
        FileLimit.Check(o.MaxClients + o.Excess, report, progress);

        progress.Phase("fill", $"{o.MaxClients} members (the server's --max-clients)");
        List<MemberView> members = await pool.ConnectAsync(o.MaxClients, ct);
        int inconsistent = await pool.WaitConsistentAsync(TimeSpan.FromSeconds(10), ct);
        long[] joins = members.Select(m => m.Joins).ToArray();
        long[] leaves = members.Select(m => m.Leaves).ToArray();

        progress.Phase("overflow", $"{o.Excess} more connections, each must get FULL {o.MaxClients}");
        ConnectionCounts before = pool.Counts;
        List<MemberView> excessAdmitted = await pool.ConnectAsync(o.Excess, ct);
        ConnectionCounts after = pool.Counts;
        int fullMaxMismatch = pool.FullMax.Count(m => m != o.MaxClients.ToString(CultureInfo.InvariantCulture));

        // Give any stray JOIN/LEAVE time to arrive before checking nobody heard of the refused ones.
        await Task.Delay(300, ct);
        int disturbed = 0;
        for (int i = 0; i < members.Count; i++)
        {
            MemberView m = members[i];
            if (m.Connection.IsClosed || m.Joins != joins[i] || m.Leaves != leaves[i])
            {
                disturbed++;
                if (disturbed <= 20)
                {
                    report.Anomalies.Add($"member {m.Id}: disturbed by the overflow (closed={m.Connection.IsClosed}, +{m.Joins - joins[i]} JOIN, +{m.Leaves - leaves[i]} LEAVE)");
                }
            }
        }

        progress.Phase("chat", $"{o.Messages} messages from one member to all {members.Count}");
        (long lost, long outOfOrder) = await ChatAsync(pool, members, o.Messages, ct);
        int slotReused = await ReuseSlotAsync(pool, members, ct);
        pool.Report(report);
        report.Results.Overflow = new OverflowResult(members.Count, after.Full - before.Full, after.Ready - before.Ready, fullMaxMismatch, disturbed,
            lost, outOfOrder, slotReused, inconsistent,
            Ok: members.Count == o.MaxClients && excessAdmitted.Count == 0 && pool.Counts.Full >= o.Excess && disturbed == 0 && lost == 0 && slotReused == 1);
        report.Results.Server = new ServerResources { RssMb = monitor.ServerRssNowKb() / 1024.0 };
        report.Facts["config"] = $"max-clients={o.MaxClients} excess={o.Excess} messages={o.Messages}";
        return report;
    }

    /// <summary>The members still chat: member 0 broadcasts, everyone must get every message in order.</summary>
    private static async Task<(long Lost, long OutOfOrder)> ChatAsync(MemberPool pool, List<MemberView> members, int messages, CancellationToken ct)
    {
        if (members.Count == 0)
        {
            return (0, 0);
        }

        long[] before = members.Select(m => m.Messages).ToArray();
        for (int i = 0; i < messages; i++)
        {
            await members[0].SendChatAsync(0, i, pool.Epoch, 32);
        }

        await RunClock.PollUntilAsync(() => !members.Where((m, i) => m.Messages - before[i] < messages && !m.Connection.IsClosed).Any(),
            TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(10), ct);
        return (members.Select((m, i) => Math.Max(0, messages - (m.Messages - before[i]))).Sum(), members.Sum(m => m.OutOfOrder));
    }

    /// <summary>1 when a slot freed by a leaving member is given to a new connection within 5 s.</summary>
    private static async Task<int> ReuseSlotAsync(MemberPool pool, List<MemberView> members, CancellationToken ct)
    {
        int slotReused = 0;
        if (members.Count > 1)
        {
            pool.Close(members[^1]);
            long start = Stopwatch.GetTimestamp();
            while (Stopwatch.GetElapsedTime(start) < TimeSpan.FromSeconds(5) && slotReused == 0 && pool.Used < pool.Capacity)
            {
                MemberView? again = await pool.ConnectOneAsync(ct);
                slotReused = again is null ? 0 : 1;
                if (again is null)
                {
                    await Task.Delay(20, ct); // the server may not have processed the leave yet
                }
            }
        }

        return slotReused;
    }
}
