namespace FastChat.Server.Tests;

/// <summary>FULL at --max-clients, and slot reuse (docs/PROTOCOL.md "FULL").</summary>
public class OverflowTests
{
    [Fact]
    public async Task The_connection_past_max_gets_full_then_eof_and_nobody_hears_of_it()
    {
        await using var server = ServerFixture.Start(o => o.MaxClients = 3);
        TestClient[] members = await server.JoinManyAsync(3);

        await using TestClient extra = await TestClient.ConnectAsync(server.EndPoint);
        Assert.Equal(["FULL 3"], await extra.ReadToEndAsync());

        foreach (TestClient member in members)
        {
            Assert.Empty(await member.SyncAsync());
        }

        Assert.Equal(1, server.Counters.RejectedFull);
    }

    [Fact]
    public async Task A_slot_frees_as_soon_as_a_member_leaves()
    {
        await using var server = ServerFixture.Start(o => o.MaxClients = 2);
        TestClient[] members = await server.JoinManyAsync(2);
        await members[0].SendAsync("/quit\n");
        await members[0].ReadToEndAsync();

        await using TestClient next = await server.JoinAsync();
        Assert.Equal("3", next.Id); // FULL connections use no id, and ids are never reused
        Assert.Equal(["2", "3"], next.InitialUsers.Order());
        Assert.Equal(["LEAVE 1", "JOIN 3"], await members[1].SyncAsync());
    }

    [Fact]
    public async Task Full_connections_use_no_id()
    {
        await using var server = ServerFixture.Start(o => o.MaxClients = 1);
        await using TestClient a = await server.JoinAsync();
        for (int i = 0; i < 3; i++)
        {
            await using TestClient rejected = await TestClient.ConnectAsync(server.EndPoint);
            Assert.Equal(["FULL 1"], await rejected.ReadToEndAsync());
        }

        await a.SendAsync("/quit\n");
        await a.ReadToEndAsync();
        await using TestClient b = await server.JoinAsync();
        Assert.Equal("2", b.Id);
    }
}
