using System.Net;
using System.Net.Sockets;
using FastChat.Client.Tests.Infrastructure;

namespace FastChat.Client.Tests.Integration;

/// <summary>The library against a scripted fake server: exact bytes in and out.</summary>
public class ChatClientTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<(FakeServer Server, ChatClient Client)> ConnectAsync(ChatClientOptions? options = null)
    {
        var server = new FakeServer();
        Task<Socket> accepted = server.AcceptAsync();
        ChatClient client = await ChatClient.ConnectAsync("127.0.0.1", server.Port, options, Ct).WaitAsync(Timeouts.Short, Ct);
        await accepted;
        return (server, client);
    }

    [Fact]
    public async Task Lines_split_at_every_byte_give_the_same_events()
    {
        (FakeServer server, ChatClient client) = await ConnectAsync(new ChatClientOptions { ReceiveBufferSize = 8 });
        await using (server)
        await using (client)
        {
            await server.SendBytewiseAsync("WELCOME 7\r\nUSERS 3 7\r\nJOIN 12\r\nMSG 12 a longer line than the buffer\r\nLEAVE 3\r\n");
            Assert.Equal(new WelcomeEvent("7", default), await client.NextAsync() with { Time = default });
            Assert.Equal(["3", "7"], Assert.IsType<UsersEvent>(await client.NextAsync()).Ids);
            Assert.Equal(new JoinEvent("12", 3, default), await client.NextAsync() with { Time = default });
            Assert.Equal(new MessageEvent("12", "a longer line than the buffer", false, default), await client.NextAsync() with { Time = default });
            Assert.Equal(new LeaveEvent("3", 2, default), await client.NextAsync() with { Time = default });
            Assert.Equal("7", client.Id);
            Assert.Equal(["7", "12"], client.Members);
        }
    }

    [Fact]
    public async Task A_server_ping_is_answered_with_pong_and_its_token_before_the_event_is_read()
    {
        (FakeServer server, ChatClient client) = await ConnectAsync();
        await using (server)
        await using (client)
        {
            await server.SendAsync("WELCOME 7\r\nUSERS 7\r\nPING 41\r\n");

            // Nobody reads the events yet: the answer must not wait for the application.
            Assert.Equal("/pong 41\n", await server.ReadLineAsync());
            await client.NextAsync();
            await client.NextAsync();
            Assert.Equal(new PingEvent("41", default), await client.NextAsync() with { Time = default });
        }
    }

    [Theory]
    [InlineData("FULL 10 per-address\r\n", 10, "per-address", true)]
    [InlineData("FULL 10000\r\n", 10000, "", false)]
    public async Task Full_carries_its_scope(string line, int max, string scope, bool perAddress)
    {
        (FakeServer server, ChatClient client) = await ConnectAsync();
        await using (server)
        await using (client)
        {
            await server.SendAsync(line);
            FullEvent full = Assert.IsType<FullEvent>(await client.NextAsync());
            Assert.Equal((max, scope, perAddress), (full.Max, full.Scope, full.IsPerAddress));
        }
    }

    [Fact]
    public async Task A_users_line_far_longer_than_the_receive_buffer_is_read_whole()
    {
        (FakeServer server, ChatClient client) = await ConnectAsync(new ChatClientOptions { ReceiveBufferSize = 64 });
        await using (server)
        await using (client)
        {
            string[] ids = [.. Enumerable.Range(1, 20_000).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture))];
            await server.SendAsync("WELCOME 1\r\nUSERS " + string.Join(' ', ids) + "\r\nJOIN 20001\r\n");
            await client.NextAsync();
            Assert.Equal(ids, Assert.IsType<UsersEvent>(await client.NextAsync()).Ids);
            Assert.Equal(20_001, Assert.IsType<JoinEvent>(await client.NextAsync()).Online);
        }
    }

    [Fact]
    public async Task Text_starting_with_a_slash_is_escaped_and_commands_are_sent_as_commands()
    {
        (FakeServer server, ChatClient client) = await ConnectAsync();
        await using (server)
        await using (client)
        {
            await client.SendAsync("/quit is just text", Ct);
            await client.SendAsync("plain", Ct);
            await client.SendAsync("caf\u00e9\r\nsecond line", Ct);
            await client.RequestUsersAsync(Ct);
            await client.PingAsync("tok", Ct);
            await client.QuitAsync(Ct);
            Assert.Equal("//quit is just text\n", await server.ReadLineAsync());
            Assert.Equal("plain\n", await server.ReadLineAsync());
            Assert.Equal("caf???second line\n", await server.ReadLineAsync()); // never two lines
            Assert.Equal("/users\n", await server.ReadLineAsync());
            Assert.Equal("/ping tok\n", await server.ReadLineAsync());
            Assert.Equal("/quit\n", await server.ReadLineAsync());
            await Assert.ThrowsAsync<ArgumentException>(async () => await client.SendAsync("", Ct));
        }
    }

    [Fact]
    public async Task Close_after_bye_is_a_clean_close_and_ends_the_stream()
    {
        (FakeServer server, ChatClient client) = await ConnectAsync();
        await using (server)
        await using (client)
        {
            await server.SendAsync("WELCOME 1\r\nUSERS 1\r\nBYE shutdown\r\n");
            server.Close();
            (DisconnectedEvent d, List<ChatEvent> seen) = await client.UntilAsync<DisconnectedEvent>();
            Assert.Equal(DisconnectReason.Closed, d.Reason);
            Assert.IsType<ByeEvent>(seen[^2]);
            Assert.False(await client.Events.WaitToReadAsync(Ct).AsTask().WaitAsync(Timeouts.Short, Ct));
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task End_of_stream_or_reset_without_a_final_line_is_a_lost_connection(bool reset)
    {
        (FakeServer server, ChatClient client) = await ConnectAsync();
        await using (server)
        await using (client)
        {
            await server.SendAsync("WELCOME 1\r\nUSERS 1\r\nMSG 1 half a li");
            await client.UntilAsync<UsersEvent>();
            if (reset)
            {
                server.Reset();
            }
            else
            {
                server.Close();
            }

            // The partial line is not handed out as a message.
            (DisconnectedEvent d, List<ChatEvent> seen) = await client.UntilAsync<DisconnectedEvent>();
            Assert.Equal(DisconnectReason.ConnectionLost, d.Reason);
            Assert.Single(seen);
        }
    }

    [Fact]
    public async Task Full_then_close_is_reported_as_full_and_closed()
    {
        (FakeServer server, ChatClient client) = await ConnectAsync();
        await using (server)
        await using (client)
        {
            await server.SendAsync("FULL 1\r\n");
            server.Close();
            Assert.Equal(1, Assert.IsType<FullEvent>(await client.NextAsync()).Max);
            Assert.Equal(DisconnectReason.Closed, Assert.IsType<DisconnectedEvent>(await client.NextAsync()).Reason);
            Assert.Null(client.Id);
        }
    }

    [Fact]
    public async Task A_reader_that_falls_behind_still_gets_every_event_and_the_disconnect_last()
    {
        (FakeServer server, ChatClient client) = await ConnectAsync(new ChatClientOptions { EventCapacity = 4 });
        await using (server)
        await using (client)
        {
            // More events than the channel holds, then the connection drops, before anyone reads.
            await server.SendAsync("WELCOME 1\r\nUSERS 1\r\n" + string.Concat(Enumerable.Range(0, 50).Select(i => $"MSG 1 m{i}\r\n")));
            server.Close();
            (DisconnectedEvent d, List<ChatEvent> seen) = await client.UntilAsync<DisconnectedEvent>();
            Assert.Equal(DisconnectReason.ConnectionLost, d.Reason);
            Assert.Equal(Enumerable.Range(0, 50).Select(i => $"m{i}"), seen.OfType<MessageEvent>().Select(m => m.Text));
        }
    }

    [Fact]
    public async Task Dispose_ends_the_stream_as_closed_locally()
    {
        (FakeServer server, ChatClient client) = await ConnectAsync();
        await using (server)
        {
            await client.DisposeAsync();
            var d = Assert.IsType<DisconnectedEvent>(await client.NextAsync());
            Assert.Equal(DisconnectReason.ClosedLocally, d.Reason);
            await Assert.ThrowsAsync<ObjectDisposedException>(async () => await client.SendAsync("x", Ct));
        }
    }

    [Fact]
    public async Task Nothing_listening_is_a_refused_connect()
    {
        int port = Ports.NothingListening();
        var e = await Assert.ThrowsAsync<ChatConnectException>(() => ChatClient.ConnectAsync("127.0.0.1", port, null, Ct).WaitAsync(Timeouts.Short, Ct));
        Assert.Equal(ConnectFailure.Refused, e.Failure);
        Assert.Contains("connection refused", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_connect_that_hangs_times_out()
    {
        using HungListener hung = await HungListener.StartAsync();
        var e = await Assert.ThrowsAsync<ChatConnectException>(() => ChatClient.ConnectAsync(
            "127.0.0.1", hung.Port, new ChatClientOptions { ConnectTimeout = TimeSpan.FromMilliseconds(300) }, Ct).WaitAsync(Timeouts.Short, Ct));
        Assert.Equal(ConnectFailure.TimedOut, e.Failure);
    }

    [Fact]
    public async Task Cancellation_stops_connecting()
    {
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => ChatClient.ConnectAsync("127.0.0.1", 6000, null, cts.Token));
    }

    [Fact]
    public async Task Host_names_and_ipv6_literals_connect()
    {
        await using var server = new FakeServer();
        Task<Socket> accepted = server.AcceptAsync();
        await using ChatClient byName = await ChatClient.ConnectAsync("localhost", server.Port, null, Ct).WaitAsync(Timeouts.Short, Ct);
        await accepted;
        IPEndPoint remote = Assert.IsType<IPEndPoint>(byName.RemoteEndPoint);
        Assert.True(IPAddress.IsLoopback(remote.Address), remote.ToString());

        // IPv6 where the machine has a loopback for it.
        if (Socket.OSSupportsIPv6)
        {
            using var v6 = new TcpListener(IPAddress.IPv6Loopback, 0);
            try
            {
                v6.Start();
            }
            catch (SocketException)
            {
                return; // no ::1 on this machine
            }

            int port = ((IPEndPoint)v6.LocalEndpoint).Port;
            Task<Socket> a6 = v6.AcceptSocketAsync(Ct).AsTask();
            await using ChatClient c6 = await ChatClient.ConnectAsync("[::1]", port, null, Ct).WaitAsync(Timeouts.Short, Ct);
            using Socket s6 = await a6.WaitAsync(Timeouts.Short, Ct);
            Assert.Equal(System.Net.Sockets.AddressFamily.InterNetworkV6, c6.RemoteEndPoint!.AddressFamily);
        }
    }
}
