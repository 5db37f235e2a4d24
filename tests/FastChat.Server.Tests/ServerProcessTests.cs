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
