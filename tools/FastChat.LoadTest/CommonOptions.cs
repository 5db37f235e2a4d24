using System.Net;
using FastChat.LoadTest.Internal;

namespace FastChat.LoadTest;

/// <summary>Options every scenario shares.</summary>
internal sealed record CommonOptions
{
    /// <summary>Server addresses (FastChat default 127.0.0.1:6000); several: the nodes of one cluster room, members round-robin.</summary>
    public IReadOnlyList<IPEndPoint> Targets { get; init; } = [new(IPAddress.Loopback, 6000)];

    public TargetKind Target { get; init; } = TargetKind.FastChat;

    /// <summary>Path to FastChat.Server.dll (or an executable) to start on port 0 for this run.</summary>
    public string? Spawn { get; init; }

    /// <summary>Extra arguments for the spawned server.</summary>
    public IReadOnlyList<string> ServerArgs { get; init; } = [];

    /// <summary>The servers' processes to sample (<c>--server-pid</c>), one per target, or none.</summary>
    public IReadOnlyList<int> ServerPids { get; init; } = [];

    public string? OutDir { get; init; }

    public IReadOnlyList<string> Asserts { get; init; } = [];

    public int ConnectConcurrency { get; init; } = 128;

    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(20);

    public int PerSourceAddress { get; init; } = 25_000;

    /// <summary>
    /// Connections per loopback source address when the server is loopback IPv4, so its per-address cap
    /// refuses none; 0: every connection from the default address (docs/LOADTEST.md).
    /// </summary>
    public int ClientsPerAddress { get; init; } = 8;

    public int ReceiveBufferBytes { get; init; }

    public bool Quiet { get; init; }

    public bool Json { get; init; }

    /// <summary>Hard cap on the whole run.</summary>
    public TimeSpan MaxTime { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Receive buffer per connection: 32 KB for small runs, down to 4 KB for 19k connections (64 MB total).</summary>
    public int ReceiveBufferFor(int connections, int maxLine)
    {
        int size = ReceiveBufferBytes > 0
            ? ReceiveBufferBytes
            : (int)Math.Clamp(64L * 1024 * 1024 / Math.Max(1, connections), 4096, 32 * 1024);
        return Math.Max(size, 2 * (maxLine + 2));
    }

    /// <summary>Connection settings for this run's options (<paramref name="firstBlock"/>: the first source-address block).</summary>
    public ConnectSettings ConnectSettingsFor(ServerNodes servers, int receiveBufferBytes, int maxLine, int firstBlock = 0) =>
        new(servers, ConnectConcurrency, PerSourceAddress, ConnectTimeout, receiveBufferBytes, maxLine, ClientsPerAddress, firstBlock);

    public static TargetKind ParseTarget(string? url, out IPEndPoint? endpoint)
    {
        endpoint = null;
        if (string.IsNullOrEmpty(url))
        {
            return TargetKind.FastChat;
        }

        var uri = new Uri(url.Contains("://", StringComparison.Ordinal) ? url : "fastchat://" + url);
        TargetKind kind = uri.Scheme switch
        {
            "redis" => TargetKind.Redis,
            "nats" => TargetKind.Nats,
            "fastchat" or "tcp" => TargetKind.FastChat,
            _ => throw new ArgumentException($"unknown target scheme '{uri.Scheme}' (fastchat://, redis://, nats://)"),
        };
        int port = uri.Port > 0 ? uri.Port : kind switch { TargetKind.Redis => 6379, TargetKind.Nats => 4222, _ => 6000 };
        endpoint = new IPEndPoint(IPAddress.Parse(uri.Host), port);
        return kind;
    }
}
