using System.Diagnostics;
using System.Net;
using FastChat.LoadTest.Internal;

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
/// More clients than the server's --max-clients: exactly the excess gets <c>FULL &lt;max&gt;</c>,
/// nobody else hears of it (no JOIN/LEAVE, nobody disconnected), the members still chat without
/// loss, and a slot freed by a leaving member is reused.
/// </summary>
internal static class OverflowScenario
{
    public static async Task<RunReport> RunAsync(CommonOptions common, OverflowOptions o, IPEndPoint server, int? serverPid, IProgressView progress, CancellationToken ct)
    {
        var report = new RunReport("overflow");
        await using var monitor = new RunMonitor(serverPid);
        using var pool = new MemberPool(common, server, o.MaxClients + o.Excess + 64, Stopwatch.GetTimestamp());
        FanoutScenario.CheckFileLimit(o.MaxClients + o.Excess, report, progress);

        progress.Phase("fill", $"{o.MaxClients} members (the server's --max-clients)");
        List<MemberView> members = await pool.ConnectAsync(o.MaxClients, ct);
        int inconsistent = await pool.WaitConsistentAsync(TimeSpan.FromSeconds(10), ct);
        report.Set("members_admitted", members.Count);
        long[] joins = members.Select(m => m.Joins).ToArray();
        long[] leaves = members.Select(m => m.Leaves).ToArray();

        progress.Phase("overflow", $"{o.Excess} more connections, each must get FULL {o.MaxClients}");
        int fullBefore = pool.Full;
        int readyBefore = pool.Ready;
        List<MemberView> excessAdmitted = await pool.ConnectAsync(o.Excess, ct);
        report.Set("excess_full", pool.Full - fullBefore);
        report.Set("excess_admitted", pool.Ready - readyBefore);
        report.Set("full_max_mismatch", pool.FullMax.Count(m => m != o.MaxClients.ToString(System.Globalization.CultureInfo.InvariantCulture)));

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

        report.Set("members_disturbed", disturbed);

        // The members still chat: member 0 broadcasts, everyone gets every message in order.
        progress.Phase("chat", $"{o.Messages} messages from one member to all {members.Count}");
        long lost = 0;
        long outOfOrder = 0;
        if (members.Count > 0)
        {
            long[] before = members.Select(m => m.Messages).ToArray();
            for (int i = 0; i < o.Messages; i++)
            {
                await members[0].SendChatAsync(0, i, pool.Epoch, 32);
            }

            long start = Stopwatch.GetTimestamp();
            while (Stopwatch.GetElapsedTime(start) < TimeSpan.FromSeconds(10) &&
                   members.Where((m, i) => m.Messages - before[i] < o.Messages && !m.Connection.IsClosed).Any())
            {
                await Task.Delay(10, ct);
            }

            lost = members.Select((m, i) => Math.Max(0, o.Messages - (m.Messages - before[i]))).Sum();
            outOfOrder = members.Sum(m => m.OutOfOrder);
        }

        report.Set("lost", lost);
        report.Set("reordered", outOfOrder);

        // A slot freed by a leaving member is reused.
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

        report.Set("slot_reused", slotReused);
        report.Set("inconsistent_views", inconsistent);
        pool.Report(report);
        report.Set("server_rss_mb", monitor.ServerRssNowKb() / 1024.0);
        report.Set("ok", members.Count == o.MaxClients && excessAdmitted.Count == 0 && pool.Full >= o.Excess && disturbed == 0 && lost == 0 && slotReused == 1 ? 1 : 0);
        report.Facts["config"] = $"max-clients={o.MaxClients} excess={o.Excess} messages={o.Messages}";
        return report;
    }
}
