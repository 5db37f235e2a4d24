using FastChat.Processes;

namespace FastChat.Cluster.Tests.Integration;

/// <summary>The server's command line in cluster mode: a problem is one "error:" line and an exit code.</summary>
public sealed class CommandLineTests
{
    private static readonly string ServerDll = Path.Combine(AppContext.BaseDirectory, "FastChat.Server.dll");

    [Fact]
    public async Task An_unreachable_cluster_is_one_error_line_and_exit_1()
    {
        NatsServer nats = await NatsServer.StartAsync();
        string url = nats.Url;
        await nats.DisposeAsync(); // nothing listens there now

        await using ChildProcess server = ChildProcess.Start(ProcessStart.Dotnet(ServerDll, "--port", "0", "--cluster", url));
        Assert.Equal(1, await server.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal([$"error: cannot join the cluster at {url}: no NATS server answers"], server.Stderr.Lines);
        Assert.Empty(server.Stdout.Lines);
    }

    [Fact]
    public async Task Bad_cluster_settings_are_usage_errors_with_exit_2()
    {
        await using ChildProcess server = ChildProcess.Start(ProcessStart.Dotnet(ServerDll,
            "--port", "0", "--cluster", "http://127.0.0.1:4222", "--node-id", "a.b", "--cluster-storage", "disk"));
        Assert.Equal(2, await server.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains(server.Stderr.Lines, l => l.StartsWith("error: --cluster must be nats://host:port", StringComparison.Ordinal));
        Assert.Contains(server.Stderr.Lines, l => l.StartsWith("error: --node-id must be", StringComparison.Ordinal));
        Assert.Contains(server.Stderr.Lines, l => l.StartsWith("error: --cluster-storage must be file or memory", StringComparison.Ordinal));
    }
}
