using System.Diagnostics;
using System.Net;
using System.Text.RegularExpressions;

namespace FastChat.Server.Tests;

/// <summary>The real executable: command line, configuration, the listening line, SIGTERM.</summary>
public partial class ServerProcessTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Theory]
    [InlineData("--port 70000", "--port must be between 0 and 65535")]
    [InlineData("--max-clients -1", "--max-clients must be at least 1")]
    [InlineData("--max-line-length 0", "--max-line-length must be between")]
    [InlineData("--max-pending-bytes -5", "--max-pending-bytes must be at least")]
    [InlineData("--bind not-an-address", "--bind must be an IP address")]
    [InlineData("--drain-timeout -1", "--drain-timeout must be from 0 to 86400 seconds (got -1).")]
    public async Task Bad_settings_exit_non_zero_with_a_clear_message(string args, string message)
    {
        using Process process = Start(args.Split(' '));
        string stderr = await process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken).WaitAsync(Timeout, TestContext.Current.CancellationToken);
        Assert.NotEqual(0, process.ExitCode);
        Assert.Contains(message, stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--port abc", "error: --port must be a whole number, not 'abc'.")]
    [InlineData("--flood-timeout soon", "error: --flood-timeout must be a number of seconds, not 'soon'.")]
    [InlineData("--max-clients", "error: Required argument missing for option: '--max-clients'.")]
    [InlineData("--prot 6000", "error: unknown option '--prot' (did you mean --port?); see --help.")]
    [InlineData("--max-client 5", "error: unknown option '--max-client' (did you mean --max-clients?); see --help.")]
    [InlineData("--verbose", "error: unknown option '--verbose'; see --help.")]
    [InlineData("6000", "error: unexpected argument '6000'; the server takes options only (see --help).")]
    [InlineData("--port 70000", "error: --port must be between 0 and 65535 (got 70000).")]
    public async Task Command_line_mistakes_are_one_error_line_and_exit_2(string args, string line)
    {
        using Process process = Start(args.Split(' '));
        string stderr = await process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        string stdout = await process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken).WaitAsync(Timeout, TestContext.Current.CancellationToken);
        Assert.Equal(2, process.ExitCode);
        Assert.Equal(line, stderr.TrimEnd('\n'));
        Assert.Equal("", stdout);
    }

    [Fact]
    public async Task Sigterm_sends_bye_shutdown_to_every_member_and_exits_zero()
    {
        using Process process = Start("--port", "0");
        IPEndPoint endPoint = await ReadListeningLineAsync(process);
        await using TestClient a = await TestClient.JoinAsync(endPoint);
        await using TestClient b = await TestClient.JoinAsync(endPoint);
        await a.SendAsync("last words\n");
        await a.ReadUntilAsync(l => l == "MSG 1 last words");

        Terminate(process);
        Assert.Equal(["BYE shutdown"], await a.ReadToEndAsync());
        Assert.Equal(["MSG 1 last words", "BYE shutdown"], await b.ReadToEndAsync());
        await process.WaitForExitAsync(TestContext.Current.CancellationToken).WaitAsync(Timeout, TestContext.Current.CancellationToken);
        Assert.Equal(0, process.ExitCode);
    }

    [Fact]
    public async Task The_executable_fans_out_in_order_and_cuts_off_a_member_that_stops_reading()
    {
        // The executable runs socket completions inline on the engine thread (Program.cs), unlike
        // the in-process tests; the flusher's non-blocking sends and their hand-over to the SAEA
        // when a socket is full run in both. 8 MB of chat to 4 readers that keep up and one that
        // never reads (1 MiB limit). The sender sends as fast as it can: flood control is off.
        using Process process = Start("--port", "0", "--max-pending-bytes", "1048576", "--max-lines-per-second", "0");
        IPEndPoint endPoint = await ReadListeningLineAsync(process);
        CancellationToken ct = TestContext.Current.CancellationToken;
        var readers = new TestClient[4];
        for (int i = 0; i < readers.Length; i++)
        {
            readers[i] = await TestClient.JoinAsync(endPoint);
        }

        await using TestClient sender = await TestClient.JoinAsync(endPoint);
        await using TestClient slow = await TestClient.ConnectAsync(endPoint, receiveBufferSize: 4096);
        await slow.ReadWelcomeAsync();
        foreach (TestClient reader in readers)
        {
            await reader.SyncAsync();
        }

        string payload = new('y', 900);
        const int count = 9000;
        const int batch = 100;

        // Each reader releases its semaphore per batch read; the sender reads its own echo and stays
        // at most 2 batches ahead of the slowest reader, so only the member that stopped reading
        // can fall 1 MiB behind.
        SemaphoreSlim[] progress = [.. readers.Select(_ => new SemaphoreSlim(0))];
        Task send = Task.Run(async () =>
        {
            for (int i = 0; i < count; i += batch)
            {
                if (i >= 2 * batch)
                {
                    foreach (SemaphoreSlim read in progress)
                    {
                        Assert.True(await read.WaitAsync(TestClient.DefaultTimeout, ct), "a reader stopped making progress");
                    }
                }

                await sender.SendAsync(string.Concat(Enumerable.Range(i, batch).Select(k => $"{k} {payload}\n")));
                await sender.ReadUntilAsync(l => l == $"MSG {sender.Id} {i + batch - 1} {payload}"); // its own echo
            }
        }, ct);

        Task<List<string>>[] reads = [.. readers.Select((reader, r) => Task.Run(async () =>
        {
            List<string> lines = await reader.ReadMessagesAsync(count, batch, progress[r]);
            lines.AddRange(await reader.SyncAsync());
            return lines;
        }, ct))];

        await send;
        List<string>[] got = await Task.WhenAll(reads);
        string[] expected = [.. Enumerable.Range(0, count).Select(k => $"MSG {sender.Id} {k} {payload}")];
        foreach (List<string> lines in got)
        {
            Assert.Equal(expected, lines.Where(l => l.StartsWith("MSG", StringComparison.Ordinal)));
            Assert.Contains($"LEAVE {slow.Id}", lines);
        }

        List<string> slowLines = await slow.ReadToEndAsync(TimeSpan.FromSeconds(30));
        Assert.True(slowLines.Count < count, "the member that stopped reading cannot have received everything");

        foreach (TestClient reader in readers)
        {
            await reader.DisposeAsync();
        }

        foreach (SemaphoreSlim read in progress)
        {
            read.Dispose();
        }

        Terminate(process);
        await process.WaitForExitAsync(ct).WaitAsync(Timeout, ct);
        Assert.Equal(0, process.ExitCode);
    }

    [Fact]
    public async Task Environment_variables_configure_the_server_and_the_command_line_wins()
    {
        using Process process = Start(["--port", "0"], ("FastChat__MaxClients", "1"), ("FastChat__MaxLineLength", "8"));
        IPEndPoint endPoint = await ReadListeningLineAsync(process);
        await using TestClient a = await TestClient.JoinAsync(endPoint);
        await using TestClient b = await TestClient.ConnectAsync(endPoint);
        Assert.Equal(["FULL 1"], await b.ReadToEndAsync());
        await a.SendAsync("123456789\n");
        Assert.Equal("ERR line-too-long 8", await a.ReadLineAsync());
        Terminate(process);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken).WaitAsync(Timeout, TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task A_port_in_use_is_a_clear_error()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        using Process process = Start("--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        string stderr = await process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken).WaitAsync(Timeout, TestContext.Current.CancellationToken);
        Assert.Equal(1, process.ExitCode);
        Assert.Equal($"error: cannot listen on 127.0.0.1:{port}: address already in use", stderr.TrimEnd('\n'));
    }

    [Fact]
    public async Task An_address_that_is_not_on_this_machine_is_a_one_line_error_and_exit_1()
    {
        using Process process = Start("--bind", "192.0.2.1");
        string stderr = await process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken).WaitAsync(Timeout, TestContext.Current.CancellationToken);
        Assert.Equal(1, process.ExitCode);
        Assert.Equal("error: cannot listen on 192.0.2.1:6000: address not available on this machine", stderr.TrimEnd('\n'));
    }

    [Fact]
    public async Task Out_of_file_descriptors_the_server_pauses_accepting_serves_its_members_and_resumes_when_one_leaves()
    {
        // A 300-descriptor process (the runtime itself holds ~140): the server must stop accepting
        // while it still has descriptors for its own threads, instead of dying when accept fails.
        CancellationToken ct = TestContext.Current.CancellationToken;
        using Process process = StartShell("ulimit -n 300 && exec dotnet \"$0\" --port 0 --stats-interval 0 --max-clients-per-address 0 --registration-timeout 0",
            Path.Combine(AppContext.BaseDirectory, "FastChat.Server.dll"));
        var stderr = new StderrLines(process);
        IPEndPoint endPoint = await ReadListeningLineAsync(process, drainStderr: false);

        var admitted = new List<TestClient>();
        TestClient? waiting = null;
        Task<string>? waitingFirstLine = null;
        string? firstId = null;
        try
        {
            for (int i = 0; i < 400 && waiting is null; i++)
            {
                TestClient client = await TestClient.ConnectAsync(endPoint);
                Task<string> first = client.ReadLineAsync(Timeout);
                if (await Task.WhenAny(first, stderr.WhenSeen("Accepting paused")) == first)
                {
                    Assert.StartsWith("WELCOME ", await first);
                    await client.ReadLineAsync(); // USERS
                    admitted.Add(client);
                    firstId ??= (await first)["WELCOME ".Length..];
                }
                else
                {
                    waiting = client; // accepted by the kernel, not by the server: it waits in the queue
                    waitingFirstLine = first;
                }
            }

            Assert.NotNull(waiting);
            Assert.InRange(admitted.Count, 20, 300);
            Assert.InRange(Directory.GetFiles($"/proc/{process.Id}/fd").Length, 0, 300);

            // The members are served as usual meanwhile...
            await admitted[0].SendAsync("still here\n");
            Assert.Equal($"MSG {firstId} still here", (await admitted[0].ReadUntilAsync(l => l.StartsWith("MSG", StringComparison.Ordinal)))[^1]);

            // ... and one leaving lets the next in.
            await admitted[^1].DisposeAsync();
            admitted.RemoveAt(admitted.Count - 1);
            Assert.StartsWith("WELCOME ", await waitingFirstLine!);
            await stderr.WhenSeen("Accepting resumed").WaitAsync(Timeout, ct);
            // Once per episode, not per connection waiting: the one just admitted filled the budget again.
            Assert.Equal(1, stderr.Count("Accepting resumed"));
            Assert.InRange(stderr.Count("Accepting paused"), 1, 2);
            Assert.Equal(0, stderr.Count("accept failed"));
        }
        finally
        {
            foreach (TestClient client in admitted)
            {
                await client.DisposeAsync();
            }

            if (waiting is not null)
            {
                await waiting.DisposeAsync();
            }
        }

        Terminate(process);
        await process.WaitForExitAsync(ct).WaitAsync(Timeout, ct);
        Assert.Equal(0, process.ExitCode);
        Assert.DoesNotContain(stderr.All, l => l.Contains("fail:", StringComparison.Ordinal) || l.Contains("Out of memory", StringComparison.Ordinal));
    }

    private static Process Start(params string[] args) => Start(args, []);

    // sh -c "<script>" "$0": for a limit set by the shell before the server starts.
    private static Process StartShell(string script, string argument)
    {
        var info = new ProcessStartInfo("bash")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add(script);
        info.ArgumentList.Add(argument);
        return Process.Start(info)!;
    }

    /// <summary>Collects a child's stderr lines and lets a test wait for one.</summary>
    private sealed class StderrLines
    {
        private readonly List<string> _lines = [];
        private readonly List<(string Text, TaskCompletionSource Seen)> _waits = [];

        public StderrLines(Process process) => _ = PumpAsync(process);

        public IReadOnlyList<string> All
        {
            get
            {
                lock (_lines)
                {
                    return [.. _lines];
                }
            }
        }

        public int Count(string text) => All.Count(l => l.Contains(text, StringComparison.Ordinal));

        public Task WhenSeen(string text)
        {
            lock (_lines)
            {
                var seen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                if (_lines.Any(l => l.Contains(text, StringComparison.Ordinal)))
                {
                    seen.SetResult();
                }
                else
                {
                    _waits.Add((text, seen));
                }

                return seen.Task;
            }
        }

        private async Task PumpAsync(Process process)
        {
            while (await process.StandardError.ReadLineAsync() is { } line)
            {
                lock (_lines)
                {
                    _lines.Add(line);
                    foreach (var (text, seen) in _waits)
                    {
                        if (line.Contains(text, StringComparison.Ordinal))
                        {
                            seen.TrySetResult();
                        }
                    }
                }
            }
        }
    }

    private static Process Start(string[] args, params (string Name, string Value)[] environment)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "FastChat.Server.dll"));
        info.ArgumentList.Add("--stats-interval");
        info.ArgumentList.Add("0");
        foreach (string arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        foreach (var (name, value) in environment)
        {
            info.Environment[name] = value;
        }

        return Process.Start(info)!;
    }

    private static async Task<IPEndPoint> ReadListeningLineAsync(Process process, bool drainStderr = true)
    {
        // Drain stderr so a chatty log can never block the child.
        if (drainStderr)
        {
            _ = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        }

        string? line = await process.StandardOutput.ReadLineAsync(TestContext.Current.CancellationToken).AsTask()
            .WaitAsync(Timeout, TestContext.Current.CancellationToken);
        Match match = ListeningLine().Match(line ?? "");
        Assert.True(match.Success, $"unexpected first stdout line: '{line}'");
        return new IPEndPoint(IPAddress.Parse(match.Groups[1].Value), int.Parse(match.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture));
    }

    private static void Terminate(Process process)
    {
        using var kill = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
    }

    [GeneratedRegex(@"^listening on ([0-9.]+):(\d+)$")]
    private static partial Regex ListeningLine();
}
