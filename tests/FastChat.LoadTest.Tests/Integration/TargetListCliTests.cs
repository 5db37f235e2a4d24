using FastChat.Processes;

namespace FastChat.LoadTest.Tests.Integration;

/// <summary>The list forms of the command line as a person types them: what cannot be one run is a usage error (exit 2) that says why.</summary>
public class TargetListCliTests
{
    [Theory]
    [InlineData("--target fastchat://127.0.0.1:7001,redis://127.0.0.1:6379", "error: --target mixes fastchat:// and redis://")]
    [InlineData("--target redis://127.0.0.1:6379,redis://127.0.0.1:6380", "error: --target lists 2 redis:// servers: only FastChat targets")]
    [InlineData("--target nats://127.0.0.1:4222,nats://127.0.0.1:4223", "error: --target lists 2 nats:// servers: only FastChat targets")]
    [InlineData("--port 7001,7002,7003 --server-pid 41,42", "error: --server-pid names 2 processes for 3 servers")]
    [InlineData("--port 7001,7002 --spawn FastChat.Server.dll", "error: --spawn starts one server")]
    [InlineData("--port 7001,oops", "error: --port 'oops' is not a port")]
    public async Task A_list_that_cannot_be_one_run_is_a_usage_error(string arguments, string error)
    {
        await using ChildProcess tool = ChildProcess.Start(ProcessStart.Dotnet(Path.Combine(AppContext.BaseDirectory, "fastchat-loadtest.dll"),
            ["fanout", "--clients", "3", "--duration", "1", "--max-time", "20", .. arguments.Split(' ')]));
        int exit = await tool.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.True(exit == 2, $"exit {exit}\n{tool.Stderr.Text}");
        Assert.StartsWith(error, tool.Stderr.Text, StringComparison.Ordinal);
    }
}
