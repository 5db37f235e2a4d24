using System.Diagnostics;
using FastChat.Client.Tests.Infrastructure;
using FastChat.Processes;

namespace FastChat.Client.Tests.Integration;

/// <summary>The process library with real child processes: what the tool, these tests and the server's tests start programs with.</summary>
public class ProcessLibraryTests
{
    private const string Inherited = "FASTCHAT_PROCESSES_TEST_INHERITED";

    private static string ServerDll => Path.Combine(AppContext.BaseDirectory, "FastChat.Server.dll");

    [Fact]
    public async Task Variables_are_set_on_top_of_the_inherited_ones_and_a_null_removes_one()
    {
        Environment.SetEnvironmentVariable(Inherited, "yes");
        ProcessStart start = ProcessStart.Shell($"echo \"${{{Inherited}-unset}} ${{FASTCHAT_PROCESSES_TEST_SET-unset}}\"");
        await using ChildProcess kept = ChildProcess.Start(start.WithEnvironment("FASTCHAT_PROCESSES_TEST_SET", "set"));
        await using ChildProcess removed = ChildProcess.Start(start.WithEnvironment(Inherited, null));

        Assert.Equal(0, await kept.WaitForExitAsync(Timeouts.Short));
        Assert.Equal(0, await removed.WaitForExitAsync(Timeouts.Short));
        Assert.Equal(["yes set"], kept.Stdout.Lines);
        Assert.Equal(["unset unset"], removed.Stdout.Lines);
    }

    [Fact]
    public async Task Stdin_is_a_pipe_the_caller_writes_and_closes()
    {
        await using ChildProcess cat = ChildProcess.Start(new ProcessStart("cat"));
        await cat.WriteInputAsync("first\n", TestContext.Current.CancellationToken);
        Assert.Equal("first", await cat.Stdout.NextLineAsync(_ => true, Timeouts.Short));
        await cat.WriteInputAsync("second\n", TestContext.Current.CancellationToken);
        cat.CloseInput();

        Assert.Equal(0, await cat.WaitForExitAsync(Timeouts.Short));
        Assert.Equal(["first", "second"], cat.Stdout.Lines);
    }

    [Fact]
    public async Task Stderr_lines_can_be_waited_for_and_counted_and_the_exit_code_is_kept()
    {
        await using ChildProcess p = ChildProcess.Start(ProcessStart.Shell("echo 'warn: one' >&2; echo out; echo 'warn: two' >&2; exit 7"));
        Assert.Equal("warn: two", await p.Stderr.WaitForTextAsync("two", Timeouts.Short));
        await p.Stderr.WhenSeen("one").WaitAsync(Timeouts.Short, TestContext.Current.CancellationToken);

        Assert.Equal(7, await p.WaitForExitAsync(Timeouts.Short));
        Assert.Equal(7, p.ExitCode);
        Assert.Equal(2, p.Stderr.Count("warn:"));
        Assert.Equal(["out"], p.Stdout.Lines);
    }

    [Fact]
    public async Task A_program_can_run_with_a_lower_open_file_limit_under_its_own_process_id()
    {
        await using ServerProcess server = await ServerProcess.StartAsync(
            ProcessStart.Dotnet(ServerDll, "--port", "0", "--stats-interval", "0") with { OpenFileLimit = 300 }, Timeouts.ProcessStart);

        string limits = await File.ReadAllTextAsync($"/proc/{server.Id}/limits", TestContext.Current.CancellationToken);
        string line = limits.Split('\n').Single(l => l.StartsWith("Max open files", StringComparison.Ordinal));
        Assert.Equal("300", line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[3]);
        Assert.Contains("dotnet", await File.ReadAllTextAsync($"/proc/{server.Id}/comm", TestContext.Current.CancellationToken), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_server_stops_on_SIGTERM_with_exit_code_0()
    {
        await using ServerProcess server = await ServerProcess.StartAsync(ProcessStart.Dotnet(ServerDll, "--port", "0", "--stats-interval", "0"), Timeouts.ProcessStart);
        Assert.Equal("127.0.0.1", server.Host);
        Assert.Equal(0, await server.StopAsync(Timeouts.Short));
        Assert.True(server.Process.HasExited);
    }

    [Fact]
    public async Task A_server_that_exits_before_listening_says_how()
    {
        var e = await Assert.ThrowsAsync<ServerStartException>(() =>
            ServerProcess.StartAsync(ProcessStart.Dotnet(ServerDll, "--port", "70000"), Timeouts.ProcessStart));
        Assert.Equal(2, e.ExitCode);
        Assert.Equal("server exited before printing 'listening on' (exit 2)", e.Message);
        Assert.StartsWith("error: --port", e.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Kill_is_SIGKILL_and_disposal_kills_what_still_runs()
    {
        await using ChildProcess killed = ChildProcess.Start(new ProcessStart("sleep", ["30"]));
        killed.Kill();
        Assert.Equal(137, await killed.WaitForExitAsync(Timeouts.Short));

        ChildProcess running = ChildProcess.Start(new ProcessStart("sleep", ["30"]));
        int pid = running.Id;
        await running.DisposeAsync();
        Assert.True(running.HasExited);
        Assert.ThrowsAny<ArgumentException>(() => Process.GetProcessById(pid));
    }
}
