using System.Net;
using FastChat.Processes;

namespace FastChat.LoadTest.Internal;

/// <summary>
/// The server under test when the tool starts it (<c>--spawn</c>): on <c>--port 0</c>, at the
/// address from its <c>listening on</c> line, without the tool's own socket tuning; SIGTERM at the end.
/// </summary>
internal sealed class SpawnedServer : IAsyncDisposable
{
    private static readonly TimeSpan s_stopGrace = TimeSpan.FromSeconds(10);

    private readonly ServerProcess _server;

    private SpawnedServer(ServerProcess server) => _server = server;

    public IPEndPoint EndPoint => _server.EndPoint;

    public int Pid => _server.Id;

    /// <summary>Starts <paramref name="path"/> (a <c>.dll</c> under dotnet, or an executable) with <c>--port 0</c> and <paramref name="extraArgs"/>.</summary>
    /// <exception cref="InvalidOperationException">It exited before it listened.</exception>
    /// <exception cref="OperationCanceledException">It did not listen within <paramref name="timeout"/>: the CLI reports that as a run over its time limit.</exception>
    public static async Task<SpawnedServer> StartAsync(string path, IReadOnlyList<string> extraArgs, TimeSpan timeout)
    {
        // Nobody reads the server's output: keep only its last lines.
        ProcessStart start = ProcessStart.ForPath(path, ["--port", "0", .. extraArgs]) with { MaxLinesKept = 1000 };
        if (Cli.InlineCompletionsSetByTool)
        {
            start = start.WithEnvironment(Cli.InlineCompletionsVariable, null); // the tool's own tuning, not the server's
        }

        try
        {
            return new SpawnedServer(await ServerProcess.StartAsync(start, timeout));
        }
        catch (TimeoutException e)
        {
            throw new OperationCanceledException(e.Message, e);
        }
    }

    /// <summary>SIGTERM first, so the server shuts down gracefully (BYE shutdown, exit 0); killed if it does not exit in time.</summary>
    public async ValueTask DisposeAsync()
    {
        await _server.StopAsync(s_stopGrace);
        await _server.DisposeAsync();
    }
}
