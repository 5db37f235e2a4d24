using System.ComponentModel;
using FastChat.Processes;

namespace FastChat.Cluster.Tests;

/// <summary>
/// A private nats-server with JetStream on a free loopback port, its store in a temporary folder
/// (deleted on disposal). It can be stopped and started again on the same port and store.
/// </summary>
internal sealed class NatsServer : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(20);

    private readonly string _store;
    private ChildProcess? _process;

    private NatsServer(string store) => _store = store;

    /// <summary>The client port: a free one the first time (nats-server picks it), the same one after a restart.</summary>
    public int Port { get; private set; } = -1;

    /// <summary>The <c>--cluster</c> value for nodes of this server.</summary>
    public string Url => $"nats://127.0.0.1:{Port}";

    public static async Task<NatsServer> StartAsync()
    {
        string store = Directory.CreateTempSubdirectory("fastchat-nats-").FullName;
        var server = new NatsServer(store);
        await server.StartAgainAsync();
        return server;
    }

    /// <summary>Starts nats-server (again), and returns once it accepts connections.</summary>
    public async Task StartAgainAsync()
    {
        try
        {
            _process = ChildProcess.Start(new ProcessStart("nats-server",
                ["-js", "-a", "127.0.0.1", "-p", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-sd", _store]));
        }
        catch (Win32Exception ex)
        {
            throw new InvalidOperationException(
                "nats-server is not installed; the cluster tests need it (Debian: apt-get install -y nats-server).", ex);
        }

        // nats-server logs to stderr: the port it listens on, then this line once JetStream is up.
        const string listening = "Listening for client connections on ";
        string line = await _process.Stderr.WaitForTextAsync(listening, StartTimeout);
        Port = int.Parse(line[(line.LastIndexOf(':') + 1)..], System.Globalization.CultureInfo.InvariantCulture);
        await _process.Stderr.WaitForTextAsync("Server is ready", StartTimeout);
    }

    /// <summary>Stops nats-server gracefully (SIGTERM) and waits for it to exit.</summary>
    public async Task StopAsync()
    {
        if (_process is { } process)
        {
            _process = null;
            await process.TerminateAsync();
            await process.WaitForExitAsync(StartTimeout);
            await process.DisposeAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is not null)
        {
            await _process.DisposeAsync(); // kills it
        }

        try
        {
            Directory.Delete(_store, recursive: true);
        }
        catch (IOException)
        {
            // a file still held: the temp folder is cleaned by the system
        }
    }
}
