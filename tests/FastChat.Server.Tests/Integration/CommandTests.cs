namespace FastChat.Server.Tests;

/// <summary>Client commands (docs/PROTOCOL.md "Commands"; PROTOCOL-NOTES 3).</summary>
public class CommandTests
{
    [Fact]
    public async Task Users_answers_a_fresh_member_list_to_the_asker_only()
    {
        await using var server = ServerFixture.Start();
        TestClient[] c = await server.JoinManyAsync(3);
        await c[2].SendAsync("/quit\n");
        // Two connections race at the server, so wait until the asker has seen the leave: its
        // USERS answer must then reflect it (the stream-order guarantee of PROTOCOL.md).
        Assert.Equal(["LEAVE 3"], await c[0].ReadUntilAsync(l => l == "LEAVE 3"));
        await c[0].SendAsync("/users ignored args\n");
        Assert.Equal("USERS 1 2", await c[0].ReadLineAsync());

        // Nobody else got a USERS line.
        Assert.Equal(["LEAVE 3"], await c[1].SyncAsync());
    }

    [Theory]
    [InlineData("/ping abc", "PONG abc")]
    [InlineData("/ping", "PONG")]
    [InlineData("/ping ", "PONG")]
    [InlineData("/ping a b ", "PONG a b")]
    [InlineData("/ping \u0001x", "PONG ?x")]
    public async Task Ping_answers_pong_with_the_token(string line, string expected)
    {
        await using var server = ServerFixture.Start();
        await using TestClient a = await server.JoinAsync();
        await a.SendAsync(line + "\n");
        Assert.Equal(expected, await a.ReadLineAsync());
    }

    [Theory]
    [InlineData("/foo", "ERR unknown-command foo")]
    [InlineData("/foo bar baz", "ERR unknown-command foo")]
    [InlineData("/", "ERR unknown-command")]
    [InlineData("/ x", "ERR unknown-command")]
    [InlineData("/USERS", "ERR unknown-command USERS")]
    [InlineData("/f\u0001o", "ERR unknown-command f?o")]
    public async Task Unknown_commands_get_an_error_and_the_connection_stays_open(string line, string expected)
    {
        await using var server = ServerFixture.Start();
        await using TestClient a = await server.JoinAsync();
        await a.SendAsync(line + "\n");
        Assert.Equal(expected, await a.ReadLineAsync());
        await a.SendAsync("still here\n");
        Assert.Equal("MSG 1 still here", await a.ReadLineAsync());
    }

    [Fact]
    public async Task Quit_says_bye_closes_and_the_others_get_leave()
    {
        await using var server = ServerFixture.Start();
        TestClient[] c = await server.JoinManyAsync(2);
        await c[0].SendAsync("before\n/quit now\nafter\n");
        Assert.Equal(["MSG 1 before", "BYE quit"], await c[0].ReadToEndAsync());
        Assert.Equal(["MSG 1 before", "LEAVE 1"], await c[1].SyncAsync());
    }

    [Fact]
    public async Task Pong_comes_after_the_echo_of_every_earlier_message()
    {
        await using var server = ServerFixture.Start();
        await using TestClient a = await server.JoinAsync();
        string batch = string.Concat(Enumerable.Range(0, 500).Select(i => $"m{i}\n"));
        await a.SendAsync(batch + "/ping done\n");
        List<string> lines = await a.ReadUntilAsync(l => l.StartsWith("PONG", StringComparison.Ordinal));
        Assert.Equal(Enumerable.Range(0, 500).Select(i => $"MSG 1 m{i}").Append("PONG done"), lines);
    }
}
