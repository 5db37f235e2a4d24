using System.Net;

namespace FastChat.Server;

/// <summary>Settings of a FastChat server (command line, appsettings.json section "FastChat", or environment <c>FastChat__Port</c> etc.).</summary>
public sealed class ChatServerOptions
{
    /// <summary>The configuration section the options bind from.</summary>
    public const string SectionName = "FastChat";

    /// <summary>Address to listen on: 127.0.0.1 (default), 0.0.0.0, :: or ::1, or any local address.</summary>
    public string Bind { get; set; } = "127.0.0.1";

    /// <summary>TCP port; 0 picks a free port.</summary>
    public int Port { get; set; } = 6000;

    /// <summary>Members admitted at once; the next connection gets <c>FULL &lt;max&gt;</c>.</summary>
    public int MaxClients { get; set; } = 10_000;

    /// <summary>Longest client line in bytes, not counting CR/LF.</summary>
    public int MaxLineLength { get; set; } = 1024;

    /// <summary>Unsent output a member may have before it is cut off as a slow consumer.</summary>
    public long MaxPendingBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>How long shutdown waits for members to take their last bytes.</summary>
    public TimeSpan DrainTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Interval of the periodic stats log line; zero turns it off.</summary>
    public TimeSpan StatsInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Length of the kernel's accept queue.</summary>
    public int Backlog { get; set; } = 4096;

    /// <summary>Fan-out threads, each walking its own share of the members (docs/ARCHITECTURE.md "Fan-out").</summary>
    public int FanOutThreads { get; set; } = 1;

    /// <summary>
    /// NATS servers of a cluster (<c>nats://host:port</c>, comma-separated); null = a single node.
    /// With it, the room's order comes from a JetStream stream (docs/CLUSTER.md).
    /// </summary>
    public string? Cluster { get; set; }

    /// <summary>This node's name in a cluster (member ids start with it); a random one when null.</summary>
    public string? NodeId { get; set; }

    /// <summary>The room, which names its stream (<c>FASTCHAT_&lt;room&gt;</c>).</summary>
    public string Room { get; set; } = "chat";

    /// <summary>Where the stream keeps its messages: <c>file</c> (survives a NATS restart) or <c>memory</c>.</summary>
    public string ClusterStorage { get; set; } = "file";

    /// <summary>How long the stream keeps a message.</summary>
    public TimeSpan ClusterMaxAge { get; set; } = TimeSpan.FromHours(24);

    /// <summary>How many messages the stream keeps at most (the oldest go first).</summary>
    public long ClusterMaxMessages { get; set; } = 1_000_000;

    /// <summary>Copies of the stream in a NATS cluster (1, or 3 or 5 for Raft replication across NATS servers).</summary>
    public int ClusterReplicas { get; set; } = 1;

    /// <summary>A node whose heartbeats stop for this long is declared dead: its members leave.</summary>
    public TimeSpan NodeTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The most <see cref="FanOutThreads"/> allowed.</summary>
    public const int MaxFanOutThreads = 64;

    /// <summary>Connections one address may hold at once (IPv6: one /64); 0 = no limit. The next gets
    /// <c>FULL &lt;n&gt; per-address</c>.</summary>
    public int MaxClientsPerAddress { get; set; } = 10;

    /// <summary>Lines a member may send per second on average (token bucket); 0 = no flood control.
    /// Lines over the rate are read later (the socket is not read meanwhile), not dropped.</summary>
    public double MaxLinesPerSecond { get; set; } = 25;

    /// <summary>Lines a member may send at once above the rate (the bucket's size).</summary>
    public int Burst { get; set; } = 50;

    /// <summary>How long a member may stay over the rate before it is cut off with <c>BYE flood</c>.</summary>
    public TimeSpan FloodTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>A member that has sent no line since its WELCOME is sent <c>PING</c> after this long; zero = never.</summary>
    public TimeSpan RegistrationTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>A member that has sent no line for this long is sent <c>PING</c>; zero = never.</summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>How long a member has to send a line (normally <c>/pong</c>) after a <c>PING</c>.</summary>
    public TimeSpan PongTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>A started line must end (LF) within this long (slowloris); zero = no limit.</summary>
    public TimeSpan LineTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Unsent output across all members (the broadcast log held for the member furthest
    /// behind plus every private line); over it the member furthest behind is cut off. 0 = no limit.</summary>
    public long MaxTotalPendingBytes { get; set; } = 256L * 1024 * 1024;

    /// <summary>Size of one broadcast-log segment (the most one send can carry); a multiple of 4096,
    /// raised to hold the longest line when <see cref="MaxLineLength"/> needs more.</summary>
    public int LogSegmentSize { get; set; } = 64 * 1024;

    /// <summary>The largest allowed <see cref="MaxLineLength"/> (1 MiB).</summary>
    public const int MaxLineLengthLimit = 1024 * 1024;

    /// <summary>Checks every setting; returns one message per problem (empty when valid).</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (!IPAddress.TryParse(Bind, out _))
        {
            errors.Add($"--bind must be an IP address such as 127.0.0.1, 0.0.0.0, :: or ::1 (got '{Bind}').");
        }

        if (Port is < 0 or > 65535)
        {
            errors.Add($"--port must be between 0 and 65535 (got {Port}).");
        }

        if (MaxClients < 1)
        {
            errors.Add($"--max-clients must be at least 1 (got {MaxClients}).");
        }

        if (MaxLineLength is < 1 or > MaxLineLengthLimit)
        {
            errors.Add($"--max-line-length must be between 1 and {MaxLineLengthLimit} (got {MaxLineLength}).");
        }

        // A member must be able to hold at least its WELCOME and one longest line.
        long minPending = FastChat.Protocol.ServerLineWriter.MaxLineBytes(Math.Max(MaxLineLength, 1));
        if (MaxPendingBytes < minPending)
        {
            errors.Add($"--max-pending-bytes must be at least {minPending} for --max-line-length {MaxLineLength} (got {MaxPendingBytes}).");
        }

        CheckDuration(errors, "--drain-timeout", DrainTimeout, zero: "0");
        CheckDuration(errors, "--stats-interval", StatsInterval, zero: "0 (off)");

        if (Backlog < 1)
        {
            errors.Add($"--backlog must be at least 1 (got {Backlog}).");
        }

        if (FanOutThreads is < 1 or > MaxFanOutThreads)
        {
            errors.Add($"--fan-out-threads must be between 1 and {MaxFanOutThreads} (got {FanOutThreads}).");
        }

        if (Cluster is not null)
        {
            foreach (string url in Cluster.Split(',', StringSplitOptions.TrimEntries))
            {
                if (!Uri.TryCreate(url, UriKind.Absolute, out Uri? uri) || uri.Scheme != "nats" || string.IsNullOrEmpty(uri.Host))
                {
                    errors.Add($"--cluster must be nats://host:port[,nats://host:port...] (got '{url}').");
                }
            }
        }

        if (NodeId is not null && (NodeId.Length is < 1 or > 12 || NodeId.Any(c => !char.IsAsciiLetterOrDigit(c) && c != '-')))
        {
            errors.Add($"--node-id must be 1 to 12 letters, digits or '-' (got '{NodeId}').");
        }

        if (Room.Length is < 1 or > 32 || Room.Any(c => !char.IsAsciiLetterOrDigit(c) && c != '-' && c != '_'))
        {
            errors.Add($"--room must be 1 to 32 letters, digits, '-' or '_' (got '{Room}').");
        }

        if (ClusterStorage is not ("file" or "memory"))
        {
            errors.Add($"--cluster-storage must be file or memory (got '{ClusterStorage}').");
        }

        if (ClusterReplicas is < 1 or > 5)
        {
            errors.Add($"--cluster-replicas must be between 1 and 5 (got {ClusterReplicas}).");
        }

        if (ClusterMaxMessages < 1000)
        {
            errors.Add($"--cluster-max-messages must be at least 1000 (got {ClusterMaxMessages}).");
        }

        CheckDuration(errors, "--cluster-max-age", ClusterMaxAge, zero: null);
        CheckDuration(errors, "--node-timeout", NodeTimeout, zero: null);

        if (MaxClientsPerAddress < 0)
        {
            errors.Add($"--max-clients-per-address must not be negative (got {MaxClientsPerAddress}; 0 turns the limit off).");
        }

        if (!double.IsFinite(MaxLinesPerSecond) || MaxLinesPerSecond < 0)
        {
            errors.Add($"--max-lines-per-second must be a number of at least 0 (got {MaxLinesPerSecond}; 0 turns flood control off).");
        }

        if (Burst < 1)
        {
            errors.Add($"--burst must be at least 1 (got {Burst}).");
        }

        if (MaxTotalPendingBytes != 0 && MaxTotalPendingBytes < MaxPendingBytes)
        {
            errors.Add($"--max-total-pending-bytes must be 0 (no limit) or at least --max-pending-bytes {MaxPendingBytes} (got {MaxTotalPendingBytes}).");
        }

        CheckDuration(errors, "--flood-timeout", FloodTimeout, zero: null);
        CheckDuration(errors, "--registration-timeout", RegistrationTimeout, zero: "0 (never)");
        CheckDuration(errors, "--idle-timeout", IdleTimeout, zero: "0 (never)");
        CheckDuration(errors, "--pong-timeout", PongTimeout, zero: null);
        CheckDuration(errors, "--line-timeout", LineTimeout, zero: "0 (no limit)");

        if (LogSegmentSize < 4096 || LogSegmentSize % 4096 != 0)
        {
            errors.Add($"LogSegmentSize must be a positive multiple of 4096 (got {LogSegmentSize}).");
        }

        return errors;
    }

    // Timer-based limits: a negative or absurd value is a typo, not a wish (a Timer caps at ~49 days).
    // zero: how the message words an allowed 0, or null when 0 is not allowed.
    private static void CheckDuration(List<string> errors, string option, TimeSpan value, string? zero)
    {
        if (value < TimeSpan.Zero || (zero is null && value == TimeSpan.Zero) || value > MaxTimeout)
        {
            string range = zero is null ? $"more than 0 and at most {MaxTimeout.TotalSeconds}" : $"from {zero} to {MaxTimeout.TotalSeconds}";
            errors.Add($"{option} must be {range} seconds (got {value.TotalSeconds}).");
        }
    }

    /// <summary>The longest timeout any option accepts (one day).</summary>
    public static readonly TimeSpan MaxTimeout = TimeSpan.FromDays(1);
}
