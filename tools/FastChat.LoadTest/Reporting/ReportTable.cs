namespace FastChat.LoadTest.Reporting;

/// <summary>
/// A small table of a report (the attack scenario's side-by-side comparison and attack outcomes):
/// written as a Markdown table, a JSON array of rows, an HTML table and aligned console columns.
/// </summary>
internal sealed record ReportTable(string Title, IReadOnlyList<string> Columns)
{
    public List<IReadOnlyList<string>> Rows { get; } = [];

    public ReportTable Add(params string[] cells)
    {
        if (cells.Length != Columns.Count)
        {
            throw new ArgumentException($"a row of '{Title}' needs {Columns.Count} cells, not {cells.Length}", nameof(cells));
        }

        Rows.Add(cells);
        return this;
    }

    /// <summary>The table as aligned plain-text lines (header, rule, rows).</summary>
    public IEnumerable<string> TextLines()
    {
        int[] widths = Columns.Select((c, i) => Rows.Select(r => r[i].Length).Append(c.Length).Max()).ToArray();
        string Line(IReadOnlyList<string> cells) => string.Join("  ", cells.Select((c, i) => c.PadRight(widths[i]))).TrimEnd();
        yield return Line(Columns);
        yield return string.Join("  ", widths.Select(w => new string('-', w)));
        foreach (IReadOnlyList<string> r in Rows)
        {
            yield return Line(r);
        }
    }
}
