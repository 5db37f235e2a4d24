using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using FastChat.Client.Tests.Infrastructure;
using FastChat.Processes;

namespace FastChat.Client.Tests.Integration;

/// <summary>
/// The real fastchat-client process against the real FastChat.Server process, driven through
/// stdin/stdout/stderr and exit codes the way a person or a script uses them.
/// </summary>
public class ClientProgramTests
{
    private static async Task<ChatClient> JoinAsync(ServerProcess server)
    {
        ChatClient c = await ChatClient.ConnectAsync(server.Host, server.Port).WaitAsync(Timeouts.Short);
        await c.UntilAsync<UsersEvent>();
        return c;
    }

    [Fact]
    public async Task Piped_stdin_is_sent_line_by_line_echoed_and_the_client_exits_0()
    {
        await using ServerProcess server = await Programs.StartServerAsync();
        await using ChatClient watcher = await JoinAsync(server);

        (int code, ChildProcess client) = await Programs.RunClientAsync("hello\n\n/slash is text\nbye now\n", "--port", server.PortText());
        await using (client)
        {
            Assert.True(code == 0, $"exit {code}\n{client.Stdout.Text}\n{client.Stderr.Text}");
            (JoinEvent join, _) = await watcher.UntilAsync<JoinEvent>();
            string id = join.Id;

            // The other member sees exactly the non-empty lines, a leading '/' kept as text, then the leave.
            (LeaveEvent _, List<ChatEvent> seen) = await watcher.UntilAsync<LeaveEvent>(l => l.Id == id);
            Assert.Equal(["hello", "/slash is text", "bye now"], seen.OfType<MessageEvent>().Where(m => m.Id == id).Select(m => m.Text));

            // Its own screen: who it is, who is online, its messages marked as its own.
            Assert.Contains($"* connected to 127.0.0.1:{server.PortText()} as {id}", client.Stdout.Lines);
            Assert.Contains(client.Stdout.Lines, l => l.StartsWith("* 2 online: ", StringComparison.Ordinal) && l.Contains($"{id} (you)", StringComparison.Ordinal));
            Assert.Contains(client.Stdout.Lines, l => l.EndsWith($"] {id} (you): /slash is text", StringComparison.Ordinal) && l[0] == '[' && l[9] == ']');
            Assert.Equal("", client.Stderr.Text);
        }
    }

    [Fact]
    public async Task Two_client_processes_chat_and_see_joins_and_leaves()
    {
        await using ServerProcess server = await Programs.StartServerAsync();

        // A listens (stdin stays open, so it stays connected) ...
        await using ChildProcess listener = Programs.StartClient("--port", server.PortText());
        string welcome = await listener.NextLineAsync(l => l.StartsWith("* connected to", StringComparison.Ordinal), Timeouts.ProcessStart);
        string listenerId = welcome[(welcome.LastIndexOf(' ') + 1)..];

        // ... B says one thing with --send and leaves.
        (int code, ChildProcess sender) = await Programs.RunClientAsync("", "--port", server.PortText(), "--send", "hi from B");
        await using (sender)
        {
            Assert.True(code == 0, $"exit {code}\n{sender.Stdout.Text}\n{sender.Stderr.Text}");
            string senderId = sender.Stdout.Lines[0][(sender.Stdout.Lines[0].LastIndexOf(' ') + 1)..];
            Assert.NotEqual(listenerId, senderId);
            Assert.Contains(sender.Stdout.Lines, l => l.EndsWith($"{senderId} (you): hi from B", StringComparison.Ordinal));

            await listener.NextLineAsync(l => l == $"* {senderId} joined (2 online)");
            await listener.NextLineAsync(l => l.EndsWith($"] {senderId}: hi from B", StringComparison.Ordinal));
            await listener.NextLineAsync(l => l == $"* {senderId} left (1 online)");
        }

        // Closing A's input is the end of its script: it quits cleanly.
        listener.CloseInput();
        Assert.Equal(0, await listener.WaitForExitAsync(Timeouts.Short));
        Assert.Equal("* bye", listener.Stdout.Lines[^1]);
    }

    [Fact]
    public async Task Json_prints_one_object_per_event()
    {
        await using ServerProcess server = await Programs.StartServerAsync();
        await using ChatClient other = await JoinAsync(server);
        (int code, ChildProcess client) = await Programs.RunClientAsync("", "--port", server.PortText(), "--json", "--send", "hi");
        await using (client)
        {
            Assert.True(code == 0, $"exit {code}\n{client.Stdout.Text}\n{client.Stderr.Text}");
            List<JsonElement> events = [.. client.Stdout.Lines.Select(l => JsonDocument.Parse(l).RootElement)];
            Assert.All(events, e => Assert.True(e.GetProperty("time").TryGetDateTimeOffset(out _)));
            Assert.Equal(["welcome", "users", "message", "bye", "disconnected"], events.Select(e => e.GetProperty("event").GetString()));
            string id = events[0].GetProperty("id").GetString()!;
            Assert.Equal([other.Id!, id], events[1].GetProperty("ids").EnumerateArray().Select(x => x.GetString()!).Order());
            Assert.Equal(id, events[2].GetProperty("id").GetString());
            Assert.Equal("hi", events[2].GetProperty("text").GetString());
            Assert.True(events[2].GetProperty("self").GetBoolean());
            Assert.Equal("quit", events[3].GetProperty("reason").GetString());
            Assert.Equal("closed", events[4].GetProperty("reason").GetString());
        }
    }

    [Fact]
    public async Task Nothing_listening_exits_3_cannot_connect()
    {
        int port = Ports.NothingListening();
        (int code, ChildProcess client) = await Programs.RunClientAsync("hi\n", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await using (client)
        {
            Assert.Equal(3, code);
            Assert.Equal($"Cannot connect to the server at 127.0.0.1:{port}: connection refused.", client.Stderr.Text);
            Assert.Empty(client.Stdout.Lines);
        }
    }

    [Fact]
    public async Task Connect_timeout_exits_3_timed_out()
    {
        using HungListener hung = await HungListener.StartAsync();
        string port = hung.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        (int code, ChildProcess client) = await Programs.RunClientAsync("hi\n", "--port", port, "--connect-timeout", "0.5");
        await using (client)
        {
            Assert.Equal(3, code);
            Assert.Equal($"Cannot connect to the server at 127.0.0.1:{port}: timed out.", client.Stderr.Text);
        }
    }

    [Fact]
    public async Task Host_names_work()
    {
        await using ServerProcess server = await Programs.StartServerAsync();
        (int code, ChildProcess client) = await Programs.RunClientAsync("", "--host", "localhost", "--port", server.PortText(), "--send", "by name");
        await using (client)
        {
            Assert.True(code == 0, $"exit {code}\n{client.Stdout.Text}\n{client.Stderr.Text}");
            Assert.StartsWith($"* connected to localhost:{server.PortText()} as ", client.Stdout.Lines[0], StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Ipv6_works()
    {
        if (!Socket.OSSupportsIPv6)
        {
            Assert.Skip("no IPv6 on this machine");
        }

        await using ServerProcess server = await Programs.StartServerAsync("--bind", "::1");
        (int code, ChildProcess client) = await Programs.RunClientAsync("over v6\n", "--host", "::1", "--port", server.PortText());
        await using (client)
        {
            Assert.True(code == 0, $"exit {code}\n{client.Stdout.Text}\n{client.Stderr.Text}");
            Assert.StartsWith($"* connected to [::1]:{server.PortText()} as ", client.Stdout.Lines[0], StringComparison.Ordinal);
            Assert.Contains(client.Stdout.Lines, l => l.EndsWith("(you): over v6", StringComparison.Ordinal));
        }
    }

    [Theory]
    [InlineData("--max-clients", "The server is full (1 members); try again later.")]
    [InlineData("--max-clients-per-address", "Too many connections from this address (the server allows 1); try again later.")]
    public async Task A_full_server_or_address_exits_4_with_its_own_sentence(string limit, string sentence)
    {
        await using ServerProcess server = await Programs.StartServerAsync(limit, "1");
        await using ChatClient member = await JoinAsync(server);
        (int code, ChildProcess client) = await Programs.RunClientAsync("hi\n", "--port", server.PortText());
        await using (client)
        {
            Assert.Equal(4, code);
            Assert.Equal(sentence, client.Stderr.Text);
        }
    }

    [Fact]
    public async Task A_silent_client_answers_every_ping_and_stays_connected()
    {
        // PING 1 s after WELCOME, then after every 1 s of silence, 1 s to answer: a client that did
        // not answer the first would get BYE registration-timeout before a second PING could come.
        await using ServerProcess server = await Programs.StartServerAsync(
            "--registration-timeout", "1", "--idle-timeout", "1", "--pong-timeout", "1");
        await using ChildProcess client = Programs.StartClient("--port", server.PortText(), "--json");
        for (int pings = 0; pings < 2; pings++)
        {
            await client.NextLineAsync(l => l.StartsWith("""{"event":"ping",""", StringComparison.Ordinal), Timeouts.ProcessStart);
        }

        Assert.DoesNotContain(client.Stdout.Lines, l => l.Contains("\"bye\"", StringComparison.Ordinal));
        await client.TerminateAsync(TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task Server_killed_exits_5_connection_lost()
    {
        await using ServerProcess server = await Programs.StartServerAsync();
        await using ChildProcess client = Programs.StartClient("--port", server.PortText());
        await client.NextLineAsync(l => l.StartsWith("* connected to", StringComparison.Ordinal), Timeouts.ProcessStart);

        server.Process.Kill(); // SIGKILL: no BYE, the kernel closes the socket
        Assert.Equal(5, await client.WaitForExitAsync(Timeouts.Short));
        Assert.Equal("Connection to the server lost.", client.Stderr.Text);
    }

    [Fact]
    public async Task Server_terminated_exits_6_shutting_down()
    {
        await using ServerProcess server = await Programs.StartServerAsync();
        await using ChildProcess client = Programs.StartClient("--port", server.PortText());
        await client.NextLineAsync(l => l.StartsWith("* connected to", StringComparison.Ordinal), Timeouts.ProcessStart);

        await server.Process.TerminateAsync(TestContext.Current.CancellationToken); // SIGTERM: graceful shutdown, BYE shutdown to everyone
        Assert.Equal(6, await client.WaitForExitAsync(Timeouts.Short));
        Assert.Equal("The server is shutting down.", client.Stderr.Text);
        Assert.Equal(0, await server.Process.WaitForExitAsync(Timeouts.Short));
    }

    [Fact]
    public async Task Lines_the_server_refuses_exit_7_after_the_rest_was_sent()
    {
        await using ServerProcess server = await Programs.StartServerAsync("--max-line-length", "16");
        await using ChatClient watcher = await JoinAsync(server);
        (int code, ChildProcess client) = await Programs.RunClientAsync("short\n" + new string('x', 40) + "\nlast\n", "--port", server.PortText());
        await using (client)
        {
            Assert.Equal(7, code);
            Assert.Equal("The server refused 1 of 3 messages.", client.Stderr.Text);
            Assert.Contains("* server error: line-too-long 16", client.Stdout.Lines);
            (LeaveEvent _, List<ChatEvent> seen) = await watcher.UntilAsync<LeaveEvent>();
            Assert.Equal(["short", "last"], seen.OfType<MessageEvent>().Select(m => m.Text));
        }
    }

    [Theory]
    [InlineData("--port", "70000")]
    [InlineData("--port", "abc")]
    [InlineData("--send", "")]
    [InlineData("--connect-timeout", "0")]
    [InlineData("--no-such-option")]
    public async Task Bad_command_lines_exit_2(params string[] args)
    {
        (int code, ChildProcess client) = await Programs.RunClientAsync("", args);
        await using (client)
        {
            Assert.Equal(2, code);
            Assert.EndsWith("Run 'fastchat-client --help' for usage.", client.Stderr.Text, StringComparison.Ordinal);
        }
    }
}
