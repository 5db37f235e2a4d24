using System.Globalization;
using FastChat.LoadTest.Reporting;
using Spectre.Console;

namespace FastChat.LoadTest.Internal;

/// <summary>Live console for a terminal: a table of the last seconds, refreshed in place by Spectre.Console.</summary>
internal sealed class SpectreProgress : IProgressView
{
    private const int Rows = 12;
    private readonly Table _table;
    private readonly List<string> _notes = [];
    private LiveDisplayContext? _context;
    private string _phase = "";

    public SpectreProgress()
    {
        _table = new Table().Border(TableBorder.Rounded).Title("fastchat-loadtest");
        foreach (string c in new[] { "t (s)", "phase", "deliveries/s", "sent/s", "p50 ms", "p99 ms", "max ms", "conns", "srv RSS MB", "srv CPU", "tool CPU", "loop lag ms" })
        {
            _table.AddColumn(new TableColumn(c).RightAligned());
        }
    }

    public static Task<T> RunAsync<T>(Func<IProgressView, Task<T>> body)
    {
        var view = new SpectreProgress();
        return AnsiConsole.Live(view._table).AutoClear(false).StartAsync(async ctx =>
        {
            view._context = ctx;
            return await body(view);
        });
    }

    public void Phase(string phase, string detail)
    {
        _phase = $"[bold]{Markup.Escape(phase)}[/]: {Markup.Escape(detail)}";
        _table.Caption(_phase + (_notes.Count > 0 ? "\n" + string.Join("\n", _notes) : ""));
        _context?.Refresh();
    }

    public void Row(TimelineRow r)
    {
        static string F(double v, string f) => v.ToString(f, CultureInfo.InvariantCulture);
        string lag = r.LoopLagMs > 20 ? $"[red]{F(r.LoopLagMs, "F1")}[/]" : F(r.LoopLagMs, "F1");
        string cpu = r.ToolCpuPercent > 90.0 * Environment.ProcessorCount ? $"[red]{F(r.ToolCpuPercent, "F0")}%[/]" : F(r.ToolCpuPercent, "F0") + "%";
        _table.AddRow(F(r.Seconds, "F1"), Markup.Escape(r.Phase), F(r.DeliveriesPerSecond, "N0"), F(r.SentPerSecond, "N0"),
            F(r.P50Ms, "F2"), F(r.P99Ms, "F2"), F(r.MaxMs, "F2"), r.Connections.ToString(CultureInfo.InvariantCulture),
            F(r.ServerRssMb, "F0"), F(r.ServerCpuPercent, "F0") + "%", cpu, lag);
        while (_table.Rows.Count > Rows)
        {
            _table.Rows.RemoveAt(0);
        }

        _context?.Refresh();
    }

    public void Note(string text)
    {
        _notes.Add(Markup.Escape(text));
        _table.Caption(_phase + "\n" + string.Join("\n", _notes));
        _context?.Refresh();
    }
}
