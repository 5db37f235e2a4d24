using FastChat.Processes;

namespace FastChat.Client.Tests.Unit;

/// <summary>The lines of a child's stream as the process library keeps them, fed by hand.</summary>
public class OutputLinesTests
{
    private static OutputLines Lines(int maxKept = 0) => new(maxKept, () => "(output)");

    [Fact]
    public async Task A_wait_from_the_start_sees_lines_written_before_and_after_it()
    {
        OutputLines lines = Lines();
        lines.Add("listening on 127.0.0.1:5000");
        Assert.Equal("listening on 127.0.0.1:5000", await lines.WaitForTextAsync("listening", TimeSpan.Zero));

        Task<string> later = lines.WaitForLineAsync(l => l.StartsWith("warn", StringComparison.Ordinal), TimeSpan.FromMinutes(1));
        Assert.False(later.IsCompleted);
        lines.Add("info a");
        lines.Add("warn b");
        Assert.Equal("warn b", await later);
    }

    [Fact]
    public async Task Next_line_reads_in_order_and_passes_over_what_does_not_match()
    {
        OutputLines lines = Lines();
        foreach (string l in new[] { "ping 1", "other", "ping 2", "ping 3" })
        {
            lines.Add(l);
        }

        Assert.Equal("ping 1", await lines.NextLineAsync(l => l.StartsWith("ping", StringComparison.Ordinal), TimeSpan.Zero));
        Assert.Equal("ping 2", await lines.NextLineAsync(l => l.StartsWith("ping", StringComparison.Ordinal), TimeSpan.Zero));
        Assert.Equal("ping 3", await lines.NextLineAsync(_ => true, TimeSpan.Zero));

        // A wait from the start is not moved by the cursor.
        Assert.Equal("ping 1", await lines.WaitForTextAsync("ping", TimeSpan.Zero));
    }

    [Fact]
    public async Task A_wait_that_times_out_leaves_the_cursor_where_it_was()
    {
        OutputLines lines = Lines();
        await Assert.ThrowsAsync<TimeoutException>(() => lines.NextLineAsync(l => l == "b", TimeSpan.Zero));
        lines.Add("a");
        lines.Add("b");
        Assert.Equal("a", await lines.NextLineAsync(_ => true, TimeSpan.Zero));
    }

    [Fact]
    public async Task The_end_of_the_stream_ends_waits_but_not_when_seen()
    {
        OutputLines lines = Lines();
        Task<string> waiting = lines.WaitForTextAsync("never", TimeSpan.FromMinutes(1));
        Task seen = lines.WhenSeen("never");
        lines.Add("last");
        lines.End();

        await Assert.ThrowsAsync<EndOfStreamException>(() => waiting);
        await Assert.ThrowsAsync<EndOfStreamException>(() => lines.NextLineAsync(l => l == "never", TimeSpan.FromMinutes(1)));
        Assert.True(lines.Completion.IsCompletedSuccessfully);
        Assert.False(seen.IsCompleted);
    }

    [Fact]
    public void Lines_are_counted_by_text_and_the_oldest_go_past_the_limit()
    {
        OutputLines lines = Lines(maxKept: 3);
        foreach (string l in new[] { "Accepting paused", "x", "Accepting resumed", "Accepting paused" })
        {
            lines.Add(l);
        }

        Assert.Equal(["x", "Accepting resumed", "Accepting paused"], lines.Lines);
        Assert.Equal(2, lines.Count("Accepting"));
        Assert.Equal("x\nAccepting resumed\nAccepting paused", lines.Text);
    }

    [Theory]
    [InlineData("listening on 127.0.0.1:6000", "127.0.0.1", 6000)]
    [InlineData("listening on [::1]:40123", "::1", 40123)]
    [InlineData("listening on :::7000", "::", 7000)]
    public void The_listening_line_gives_the_address(string line, string host, int port)
    {
        Assert.True(ServerProcess.TryParseListening(line, out string h, out int p));
        Assert.Equal((host, port), (h, p));
    }

    [Theory]
    [InlineData("listening on nowhere")]
    [InlineData("listening on 127.0.0.1:")]
    [InlineData("started on 127.0.0.1:6000")]
    public void Other_lines_are_not_a_listening_line(string line)
    {
        Assert.False(ServerProcess.TryParseListening(line, out _, out int port));
        Assert.Equal(0, port);
    }
}
