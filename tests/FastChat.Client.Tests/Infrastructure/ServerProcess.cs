using System.Globalization;

namespace FastChat.Client.Tests.Infrastructure;

/// <summary>The real FastChat.Server executable on a free loopback port.</summary>
internal sealed class ServerProcess : IAsyncDisposable
{
    private ServerProcess(ChildProcess process, string host, int port)
    {
        Process = process;
        Host = host;
        Port = port;
    }

    public ChildProcess Process { get; }

    /// <summary>The address from the listening line (127.0.0.1 by default).</summary>
    public string Host { get; }

    public int Port { get; }

    public string PortText => Port.ToString(CultureInfo.InvariantCulture);

    /// <summary>Starts <c>dotnet FastChat.Server.dll --port 0 args</c> and reads its <c>listening on &lt;address&gt;:&lt;port&gt;</c> line.</summary>
    public static async Task<ServerProcess> StartAsync(params string[] args)
    {
        ChildProcess process = ChildProcess.Start("FastChat.Server.dll", ["--port", "0", .. args]);
        try
        {
            string line = await process.WaitForLineAsync(l => l.StartsWith("listening on ", StringComparison.Ordinal), Timeouts.ProcessStart);
            string address = line["listening on ".Length..];
            int colon = address.LastIndexOf(':');
            string host = address[..colon].Trim('[', ']');
            int port = int.Parse(address[(colon + 1)..], CultureInfo.InvariantCulture);
            return new ServerProcess(process, host, port);
        }
        catch
        {
            await process.DisposeAsync();
            throw;
        }
    }

    public ValueTask DisposeAsync() => Process.DisposeAsync();
}
