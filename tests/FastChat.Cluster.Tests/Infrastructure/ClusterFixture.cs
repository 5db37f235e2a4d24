using System.Net;
using FastChat.Processes;
using FastChat.Server;
using FastChat.Server.Tests;

namespace FastChat.Cluster.Tests;

/// <summary>
/// A private nats-server and cluster nodes of one room on it: in-process ones (<see cref="ChatServer"/>)
/// and, for crash tests, ones in their own process that can be killed with SIGKILL.
/// </summary>
internal sealed class ClusterFixture : IAsyncDisposable
{
    private readonly List<ChatServer> _servers = [];
    private readonly List<ServerProcess> _processes = [];

    private ClusterFixture(NatsServer nats) => Nats = nats;

    public NatsServer Nats { get; }

    /// <summary>A room of its own per fixture, so tests sharing nothing never see each other's members.</summary>
    public string Room { get; } = "t" + Guid.NewGuid().ToString("N")[..12];

    public List<IPEndPoint> Nodes { get; } = [];

    public static async Task<ClusterFixture> StartAsync(int nodes, Action<ChatServerOptions>? configure = null)
    {
        var cluster = new ClusterFixture(await NatsServer.StartAsync());
        for (int n = 1; n <= nodes; n++)
        {
            await cluster.AddNodeAsync($"n{n}", configure);
        }

        return cluster;
    }

    /// <summary>Options as the server's own tests use them (limits off), as a node of this cluster.</summary>
    public ChatServerOptions Options(string nodeId, Action<ChatServerOptions>? configure = null)
    {
        ChatServerOptions options = TestServerOptions.LimitsOff();
        options.Cluster = Nats.Url;
        options.NodeId = nodeId;
        options.Room = Room;
        options.ClusterStorage = "memory";
        configure?.Invoke(options);
        return options;
    }

    public async Task<ChatServer> AddNodeAsync(string nodeId, Action<ChatServerOptions>? configure = null)
    {
        var server = new ChatServer(Options(nodeId, configure));
        _servers.Add(server);
        Nodes.Add(await server.StartAsync());
        return server;
    }

    /// <summary>A node in its own process (the server's command line), for SIGKILL.</summary>
    public async Task<ServerProcess> AddProcessNodeAsync(string nodeId, params string[] arguments)
    {
        string dll = Path.Combine(AppContext.BaseDirectory, "FastChat.Server.dll");
        ServerProcess node = await ServerProcess.StartAsync(ProcessStart.Dotnet(dll,
        [
            "--port", "0", "--stats-interval", "0", "--max-clients-per-address", "0", "--max-lines-per-second", "0",
            "--cluster", Nats.Url, "--node-id", nodeId, "--room", Room, "--cluster-storage", "memory", .. arguments,
        ]), TimeSpan.FromSeconds(60));
        _processes.Add(node);
        Nodes.Add(node.EndPoint);
        return node;
    }

    public Task<TestClient> JoinAsync(int node) => TestClient.JoinAsync(Nodes[node]);

    public async ValueTask DisposeAsync()
    {
        foreach (ChatServer server in _servers)
        {
            await server.DisposeAsync();
        }

        foreach (ServerProcess process in _processes)
        {
            await process.DisposeAsync();
        }

        await Nats.DisposeAsync();
    }
}
