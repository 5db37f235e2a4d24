using System.Diagnostics;
using System.Globalization;
using System.Net;

namespace FastChat.LoadTest.Internal;

/// <summary>
/// The server under test when the tool starts it (<c>--spawn</c>): started with <c>--port 0</c>,
/// its address read from the <c>listening on ADDR:PORT</c> line it prints on stdout.
/// </summary>
internal sealed class ServerProcess : IAsyncDisposable
{
    private readonly Process _process;

    private ServerProcess(Process process, IPEndPoint endpoint)
    {
        _process = process;
        EndPoint = endpoint;
    }

    public IPEndPoint EndPoint { get; }

    public int Pid => _process.Id;

    public static async Task<ServerProcess> StartAsync(string path, IReadOnlyList<string> extraArgs, TimeSpan timeout)
    {
        var psi = new ProcessStartInfo
        {
            FileName = path.EndsWith(".dll", StringComparison.OrdinalIgnoreCase) ? "dotnet" : path,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (path.EndsWith(".dll", StringComparison.OrdinalIgnoreCase))
        {
            psi.ArgumentList.Add(path);
        }

        if (Cli.InlineCompletionsSetByTool)
        {
            psi.Environment.Remove(Cli.InlineCompletionsVariable); // the tool's own tuning, not the server's
        }

        psi.ArgumentList.Add("--port");
        psi.ArgumentList.Add("0");
        foreach (string a in extraArgs)
        {
            psi.ArgumentList.Add(a);
        }

        Process process = Process.Start(psi) ?? throw new InvalidOperationException("could not start " + path);
        _ = DrainAsync(process.StandardError); // server logs go to stderr; not ours to show
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            while (true)
            {
                string? line = await process.StandardOutput.ReadLineAsync(cts.Token);
                if (line is null)
                {
                    throw new InvalidOperationException($"server exited before printing 'listening on' (exit {(process.HasExited ? process.ExitCode : -1)})");
                }

                const string Prefix = "listening on ";
                if (line.StartsWith(Prefix, StringComparison.Ordinal))
                {
                    string addr = line[Prefix.Length..].Trim();
                    int colon = addr.LastIndexOf(':');
                    var ip = IPAddress.Parse(addr[..colon].Trim('[', ']'));
                    int port = int.Parse(addr[(colon + 1)..], CultureInfo.InvariantCulture);

                    // Keep draining stdout so the server never blocks on a full pipe.
                    _ = DrainAsync(process.StandardOutput);
                    return new ServerProcess(process, new IPEndPoint(ip, port));
                }
            }
        }
        catch
        {
            process.Kill(entireProcessTree: true);
            process.Dispose();
            throw;
        }
    }

    private static async Task DrainAsync(StreamReader reader)
    {
        try
        {
            while (await reader.ReadLineAsync() is not null)
            {
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                // SIGTERM first: the server shuts down gracefully (BYE shutdown, exit 0).
                using (Process.Start("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)]))
                {
                }

                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                try
                {
                    await _process.WaitForExitAsync(cts.Token);
                }
                catch (OperationCanceledException)
                {
                    _process.Kill(entireProcessTree: true);
                }
            }
        }
        finally
        {
            _process.Dispose();
        }
    }
}
