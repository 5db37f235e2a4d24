using System.Globalization;
using FastChat.Processes;

namespace FastChat.Client.Tests.Infrastructure;

/// <summary>
/// The real programs under test, started from the test's own output directory (where the
/// referenced projects are copied) the way a person or a script starts them.
/// </summary>
internal static class Programs
{
    /// <summary>The real <c>fastchat-client</c>; stdin stays open until the test closes it.</summary>
    public static ChildProcess StartClient(params string[] args) => ChildProcess.Start(Dotnet("fastchat-client.dll", args));

    /// <summary>Runs the client with <paramref name="stdin"/> piped in and closed, like <c>printf ... | fastchat-client</c>.</summary>
    public static async Task<(int ExitCode, ChildProcess Process)> RunClientAsync(string stdin, params string[] args)
    {
        ChildProcess p = StartClient(args);
        await p.WriteInputAsync(stdin);
        p.CloseInput();
        int code = await p.WaitForExitAsync(Timeouts.ProcessStart);
        return (code, p);
    }

    /// <summary><c>FastChat.Server --port 0 args</c>, at the address its listening line gives.</summary>
    public static Task<ServerProcess> StartServerAsync(params string[] args) =>
        ServerProcess.StartAsync(Dotnet("FastChat.Server.dll", ["--port", "0", .. args]), Timeouts.ProcessStart);

    public static string PortText(this ServerProcess server) => server.Port.ToString(CultureInfo.InvariantCulture);

    /// <summary>The next stdout line that matches, after the one the previous call returned.</summary>
    public static Task<string> NextLineAsync(this ChildProcess process, Func<string, bool> match, TimeSpan? timeout = null) =>
        process.Stdout.NextLineAsync(match, timeout ?? Timeouts.Short);

    // Quiet and quick to start on CI.
    private static ProcessStart Dotnet(string dll, IEnumerable<string> args) =>
        ProcessStart.Dotnet(Path.Combine(AppContext.BaseDirectory, dll), args)
            .WithEnvironment("DOTNET_CLI_TELEMETRY_OPTOUT", "1")
            .WithEnvironment("DOTNET_TieredPGO", "0");
}
