using System.Globalization;
using FastChat.LoadTest.Internal;
using FastChat.Processes;

namespace FastChat.LoadTest.Tests.Integration;

/// <summary>
/// A private cluster for one test: a nats-server with JetStream on a port it picks and a store of its
/// own, and FastChat nodes of one fresh room, each on port 0. Disposing stops them all and removes the store.
/// </summary>
internal sealed class TestCluster : IAsyncDisposable
{
    private const string NatsListening = "Listening for client connections on ";
    private static readonly TimeSpan s_start = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan s_stop = TimeSpan.FromSeconds(10);

    private readonly ChildProcess _nats;
    private readonly string _store;
    private readonly List<ServerProcess> _nodes = [];

    private TestCluster(ChildProcess nats, string store)
    {
        _nats = nats;
        _store = store;
    }

    /// <summary>The nodes with their pids, in the order they were started (n1, n2, ...).</summary>
    public ServerNodes Servers => new([.. _nodes.Select(n => n.EndPoint)], [.. _nodes.Select(n => n.Id)]);

    /// <summary>Starts nats-server and <paramref name="nodes"/> nodes; the test fails, saying why, when nats-server is not installed.</summary>
    /// <param name="serverArgs">Extra arguments for every node.</param>
    public static async Task<TestCluster> StartAsync(int nodes, params string[] serverArgs)
    {
        string nats = FindOnPath("nats-server")
            ?? throw new InvalidOperationException("nats-server is not on PATH: the cluster tests start a private one (CI installs it; here: apt-get install -y nats-server)");
        string store = Directory.CreateTempSubdirectory("fastchat-cluster-test-").FullName;
        var cluster = new TestCluster(ChildProcess.Start(new ProcessStart(nats, ["-js", "-a", "127.0.0.1", "-p", "-1", "-sd", store]) { MaxLinesKept = 1000 }), store);
        try
        {
            // nats-server logs to stderr; -p -1 lets it pick a free port, which it names here.
            string line = await cluster._nats.Stderr.WaitForTextAsync(NatsListening, s_start);
            string url = "nats://" + line[(line.IndexOf(NatsListening, StringComparison.Ordinal) + NatsListening.Length)..].Trim();
            string room = "test-" + Guid.NewGuid().ToString("N")[..12];
            string dll = Path.Combine(AppContext.BaseDirectory, "FastChat.Server.dll");
            Task<ServerProcess>[] starts = [.. Enumerable.Range(1, nodes).Select(n => ServerProcess.StartAsync(ProcessStart.ForPath(dll,
                ["--port", "0", "--cluster", url, "--node-id", "n" + n.ToString(CultureInfo.InvariantCulture), "--room", room,
                 "--cluster-storage", "memory", "--stats-interval", "0", .. serverArgs]) with { MaxLinesKept = 1000 }, s_start))];
            try
            {
                await Task.WhenAll(starts);
            }
            finally
            {
                cluster._nodes.AddRange(starts.Where(t => t.IsCompletedSuccessfully).Select(t => t.Result));
            }

            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Task.WhenAll(_nodes.Select(async n =>
        {
            await n.StopAsync(s_stop);
            await n.DisposeAsync();
        }));
        await _nats.TerminateAsync();
        try
        {
            await _nats.WaitForExitAsync(s_stop);
        }
        catch (TimeoutException)
        {
            // Disposing kills it.
        }

        await _nats.DisposeAsync();
        Directory.Delete(_store, recursive: true);
    }

    private static string? FindOnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, program))
            .FirstOrDefault(File.Exists);
}
