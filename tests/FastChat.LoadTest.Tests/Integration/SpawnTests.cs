using System.Diagnostics;
using System.Net.Sockets;
using System.Text.Json;
using FastChat.LoadTest.Internal;
using FastChat.Processes;

namespace FastChat.LoadTest.Tests.Integration;

/// <summary>
/// <c>--spawn</c>: the real server started as a child process on a free port, and the whole tool
/// run as a person runs it, with a spawned server and an assertion.
/// </summary>
[Collection("real-server")]
public class SpawnTests
{
    private static readonly TimeSpan s_start = TimeSpan.FromSeconds(30);

    private static string ServerDll => Path.Combine(AppContext.BaseDirectory, "FastChat.Server.dll");

    [Fact]
    public async Task A_spawned_server_listens_on_the_port_it_printed_and_stops_on_disposal()
    {
        int pid;
        await using (SpawnedServer server = await SpawnedServer.StartAsync(ServerDll, ["--stats-interval", "0"], s_start))
        {
            pid = server.Pid;
            Assert.NotEqual(0, server.EndPoint.Port);
            using var client = new TcpClient();
            await client.ConnectAsync(server.EndPoint, TestContext.Current.CancellationToken);
            using var reader = new StreamReader(client.GetStream());
            string? first = await reader.ReadLineAsync(TestContext.Current.CancellationToken).AsTask().WaitAsync(s_start, TestContext.Current.CancellationToken);
            Assert.StartsWith("WELCOME ", first, StringComparison.Ordinal);
        }

        Assert.ThrowsAny<ArgumentException>(() => Process.GetProcessById(pid));
    }

    [Fact]
    public async Task A_server_that_exits_before_listening_is_an_error_with_its_exit_code()
    {
        // The extra arguments come last, so this --port overrides the tool's --port 0.
        var e = await Assert.ThrowsAnyAsync<InvalidOperationException>(() => SpawnedServer.StartAsync(ServerDll, ["--port", "70000"], s_start));
        Assert.Equal("server exited before printing 'listening on' (exit 2)", e.Message);
    }

    [Fact]
    public async Task A_run_against_a_spawned_server_reports_and_exits_0_when_its_assertions_hold()
    {
        string dir = Path.Combine(Path.GetTempPath(), "fastchat-loadtest-" + Guid.NewGuid().ToString("N"));
        try
        {
            await using ChildProcess tool = ChildProcess.Start(ProcessStart.Dotnet(Path.Combine(AppContext.BaseDirectory, "fastchat-loadtest.dll"),
                "fanout", "--spawn", ServerDll, "--clients", "6", "--senders", "1", "--rate", "100", "--duration", "1", "--warmup", "0.2", "--drain", "1",
                "--json", "--quiet", "--out", dir, "--assert", "lost=0", "--assert", "order=ok", "--max-time", "60"));
            int exit = await tool.WaitForExitAsync(TimeSpan.FromSeconds(90));

            Assert.True(exit == 0, $"exit {exit}\n{tool.Stderr.Text}");
            using JsonDocument json = JsonDocument.Parse(tool.Stdout.Text);
            JsonElement report = json.RootElement;
            Assert.Equal("fanout", report.GetProperty("scenario").GetString());
            Assert.StartsWith("spawned ", report.GetProperty("facts").GetProperty("server").GetString(), StringComparison.Ordinal);
            Assert.Contains("--max-lines-per-second 0", report.GetProperty("facts").GetProperty("server_limits").GetString(), StringComparison.Ordinal);
            Assert.Equal(0, report.GetProperty("metrics").GetProperty("lost_total").GetDouble());
            Assert.True(report.GetProperty("metrics").GetProperty("server_rss_max_mb").GetDouble() > 0);
            Assert.Equal(2, report.GetProperty("assertions_passed").GetArrayLength());
            Assert.True(File.Exists(Path.Combine(dir, "metrics.csv")));
            Assert.StartsWith("metric,value\n", await File.ReadAllTextAsync(Path.Combine(dir, "metrics.csv"), TestContext.Current.CancellationToken), StringComparison.Ordinal);
        }
        finally
        {
            if (Directory.Exists(dir))
            {
                Directory.Delete(dir, recursive: true);
            }
        }
    }
}
