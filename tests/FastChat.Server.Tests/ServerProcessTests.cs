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
    [InlineData("--drain-timeout -1", "--drain-timeout must not be negative")]
    public async Task Bad_settings_exit_non_zero_with_a_clear_message(string args, string message)
    {
        using Process process = Start(args.Split(' '));
        string stderr = await process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken).WaitAsync(Timeout, TestContext.Current.CancellationToken);
        Assert.NotEqual(0, process.ExitCode);
        Assert.Contains(message, stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unparsable_option_values_exit_non_zero()
    {
        using Process process = Start("--port", "abc");
        await process.WaitForExitAsync(TestContext.Current.CancellationToken).WaitAsync(Timeout, TestContext.Current.CancellationToken);
        Assert.NotEqual(0, process.ExitCode);
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
        // never reads (1 MiB limit).
        using Process process = Start("--port", "0", "--max-pending-bytes", "1048576");
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
        Assert.NotEqual(0, process.ExitCode);
        Assert.Contains($"cannot listen on 127.0.0.1:{port}", stderr, StringComparison.Ordinal);
    }

    private static Process Start(params string[] args) => Start(args, []);

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

    private static async Task<IPEndPoint> ReadListeningLineAsync(Process process)
    {
        // Drain stderr so a chatty log can never block the child.
        _ = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
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
