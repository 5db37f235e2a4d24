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

        if (DrainTimeout < TimeSpan.Zero)
        {
            errors.Add($"--drain-timeout must not be negative (got {DrainTimeout.TotalSeconds} s).");
        }

        if (StatsInterval < TimeSpan.Zero)
        {
            errors.Add($"--stats-interval must not be negative (got {StatsInterval.TotalSeconds} s).");
        }

        if (Backlog < 1)
        {
            errors.Add($"--backlog must be at least 1 (got {Backlog}).");
        }

        if (LogSegmentSize < 4096 || LogSegmentSize % 4096 != 0)
        {
            errors.Add($"LogSegmentSize must be a positive multiple of 4096 (got {LogSegmentSize}).");
        }

        return errors;
    }
}
