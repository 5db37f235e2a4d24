namespace FastChat.Server.Tests;

/// <summary>Joining, chatting and the text rules (docs/PROTOCOL.md).</summary>
public class ChatTests
{
    [Fact]
    public async Task Newcomer_gets_welcome_then_users_and_others_get_join()
    {
        await using var server = ServerFixture.Start();
        await using TestClient a = await server.JoinAsync();
        Assert.Equal("1", a.Id);
        Assert.Equal(["1"], a.InitialUsers);

        await using TestClient b = await server.JoinAsync();
        Assert.Equal("2", b.Id);
        Assert.Equal(["1", "2"], b.InitialUsers.Order());
        Assert.Equal("JOIN 2", await a.ReadLineAsync());

        // b never hears of its own JOIN: the next line it gets is the answer to its ping.
        Assert.Empty(await b.SyncAsync());
    }

    [Fact]
    public async Task Chat_line_reaches_every_member_including_the_sender()
    {
        await using var server = ServerFixture.Start();
        TestClient[] clients = await server.JoinManyAsync(3);
        await clients[1].SendAsync("hello there\r\n");
        foreach (TestClient client in clients)
        {
            Assert.Equal($"MSG {clients[1].Id} hello there", await client.ReadLineAsync());
        }

        foreach (TestClient client in clients)
        {
            await client.DisposeAsync();
        }
    }

    [Fact]
    public async Task Lf_and_crlf_both_end_a_line_and_empty_lines_are_ignored()
    {
        await using var server = ServerFixture.Start();
        await using TestClient a = await server.JoinAsync();
        await a.SendAsync("one\n\r\n\ntwo\r\nthree\r\r\n");
        List<string> lines = await a.SyncAsync();

        // "three\r\r\n": only the CR right before LF is dropped; the other is text, relayed as '?'.
        Assert.Equal(["MSG 1 one", "MSG 1 two", "MSG 1 three?"], lines);
    }

    [Fact]
    public async Task Double_slash_sends_text_starting_with_one_slash()
    {
        await using var server = ServerFixture.Start();
        await using TestClient a = await server.JoinAsync();
        await a.SendAsync("//hi\n//\n");
        Assert.Equal(["MSG 1 /hi", "MSG 1 /"], await a.SyncAsync());
    }

    [Fact]
    public async Task Every_byte_outside_printable_ascii_is_relayed_as_question_mark()
    {
        await using var server = ServerFixture.Start();
        await using TestClient a = await server.JoinAsync();
        await using TestClient b = await server.JoinAsync();
        await a.ReadLineAsync(); // JOIN 2

        // Every byte value except LF (and a CR at the end, which is dropped), after a printable prefix.
        byte[] line = [(byte)'x', .. Enumerable.Range(0, 256).Where(v => v != '\n').Select(v => (byte)v), (byte)'y', (byte)'\n'];
        await a.SendRawAsync(line);
        string expected = "MSG 1 x" + new string(Enumerable.Range(0, 256).Where(v => v != '\n')
            .Select(v => v is >= 0x20 and <= 0x7E ? (char)v : '?').ToArray()) + "y";
        Assert.Equal(expected, await b.ReadLineAsync());
        Assert.Equal(expected, await a.ReadLineAsync());
    }

    [Fact]
    public async Task Leading_and_inner_spaces_of_chat_text_are_kept()
    {
        await using var server = ServerFixture.Start();
        await using TestClient a = await server.JoinAsync();
        await a.SendAsync("  two  spaces\n");
        Assert.Equal(["MSG 1   two  spaces"], await a.SyncAsync());
    }

    [Fact]
    public async Task Ids_are_never_reused()
    {
        await using var server = ServerFixture.Start();
        TestClient a = await server.JoinAsync();
        await using TestClient b = await server.JoinAsync();
        await a.SendAsync("/quit\n");
        await a.ReadToEndAsync();
        await a.DisposeAsync();
        await using TestClient c = await server.JoinAsync();
        Assert.Equal("3", c.Id);
        Assert.Equal(["2", "3"], c.InitialUsers.Order());
    }

    [Fact]
    public async Task A_line_split_into_single_bytes_arrives_whole()
    {
        await using var server = ServerFixture.Start();
        await using TestClient a = await server.JoinAsync();
        foreach (byte b in "split\r\n"u8.ToArray())
        {
            await a.SendRawAsync([b]);
        }

        Assert.Equal(["MSG 1 split"], await a.SyncAsync());
    }
}
