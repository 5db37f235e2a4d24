namespace FastChat.Server.Tests;

/// <summary>The line-length limit (docs/PROTOCOL.md "Framing"; PROTOCOL-NOTES 4).</summary>
public class LineLengthTests
{
    private const int Max = 16;

    [Fact]
    public async Task A_line_of_exactly_max_bytes_plus_crlf_is_accepted()
    {
        await using var server = ServerFixture.Start(o => o.MaxLineLength = Max);
        await using TestClient a = await server.JoinAsync();
        string text = new('a', Max);
        await a.SendAsync(text + "\r\n");
        Assert.Equal($"MSG 1 {text}", await a.ReadLineAsync());
        await a.SendAsync(text + "\n");
        Assert.Equal($"MSG 1 {text}", await a.ReadLineAsync());
    }

    [Fact]
    public async Task A_longer_line_is_refused_discarded_and_not_broadcast()
    {
        await using var server = ServerFixture.Start(o => o.MaxLineLength = Max);
        TestClient[] c = await server.JoinManyAsync(2);
        await c[0].SendAsync(new string('b', Max + 1) + "\r\nnext\n");
        Assert.Equal([$"ERR line-too-long {Max}", "MSG 1 next"], await c[0].SyncAsync());
        Assert.Equal(["MSG 1 next"], await c[1].SyncAsync());
    }

    [Fact]
    public async Task Garbage_without_lf_is_refused_once_and_skipped_to_the_next_lf()
    {
        await using var server = ServerFixture.Start(o => o.MaxLineLength = Max);
        TestClient[] c = await server.JoinManyAsync(2);
        var random = new Random(42);
        byte[] garbage = new byte[100_000];
        random.NextBytes(garbage);
        garbage = garbage.Where(b => b != (byte)'\n').ToArray();

        await c[0].SendRawAsync(garbage);
        Assert.Equal($"ERR line-too-long {Max}", await c[0].ReadLineAsync());
        await c[0].SendAsync("tail of garbage\nok\n");
        Assert.Equal(["MSG 1 ok"], await c[0].SyncAsync());
        Assert.Equal(["MSG 1 ok"], await c[1].SyncAsync());
    }

    [Fact]
    public async Task Command_lines_obey_the_same_limit()
    {
        await using var server = ServerFixture.Start(o => o.MaxLineLength = Max);
        await using TestClient a = await server.JoinAsync();
        await a.SendAsync("/ping " + new string('p', Max) + "\n");
        Assert.Equal($"ERR line-too-long {Max}", await a.ReadLineAsync());
    }
}
