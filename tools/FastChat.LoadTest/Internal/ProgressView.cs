using System.Globalization;
using FastChat.LoadTest.Reporting;

namespace FastChat.LoadTest.Internal;

/// <summary>Where a running scenario reports progress.</summary>
internal interface IProgressView
{
    void Phase(string phase, string detail);

    void Row(TimelineRow row);

    void Note(string text);
}

/// <summary>Plain progress lines (stderr), for pipes, CI logs and tests.</summary>
internal sealed class PlainProgress(TextWriter writer) : IProgressView
{
    public static PlainProgress Silent { get; } = new(TextWriter.Null);

    public void Phase(string phase, string detail) => writer.WriteLine($"[{phase}] {detail}");

    public void Row(TimelineRow r) => writer.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"t={r.Seconds,6:F1}s {r.Phase,-8} deliv/s={r.DeliveriesPerSecond,12:N0} sent/s={r.SentPerSecond,9:N0} p50={r.P50Ms,8:F2}ms p99={r.P99Ms,8:F2}ms max={r.MaxMs,8:F2}ms conns={r.Connections} srvRSS={r.ServerRssMb:F0}MB srvCPU={r.ServerCpuPercent:F0}% toolCPU={r.ToolCpuPercent:F0}% lag={r.LoopLagMs:F1}ms"));

    public void Note(string text) => writer.WriteLine(text);
}
