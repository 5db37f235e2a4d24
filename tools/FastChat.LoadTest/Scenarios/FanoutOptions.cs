using FastChat.LoadTest.Internal;

namespace FastChat.LoadTest.Scenarios;

/// <summary>Options of the fanout scenario (and of slow-consumer and soak, which are fanout runs); docs/LOADTEST.md, fanout.</summary>
internal sealed record FanoutOptions
{
    /// <summary>Receiver connections (members).</summary>
    public int Clients { get; init; } = 100;

    /// <summary>FastChat: members 0..K-1 also send. Redis/NATS: K extra publish-only connections.</summary>
    public int Senders { get; init; } = 1;

    /// <summary>Total messages per second over all senders (open model); 0 = closed model.</summary>
    public double Rate { get; init; }

    /// <summary>Open model with stages (total rate per stage); overrides <see cref="Rate"/>.</summary>
    public IReadOnlyList<RateStage> Stages { get; init; } = [];

    /// <summary>Closed model: messages in flight per sender (sent, not yet seen by the probe).</summary>
    public int Window { get; init; } = 64;

    /// <summary>Probe receiver index; -1 = the last receiver.</summary>
    public int Probe { get; init; } = -1;

    public int Size { get; init; } = 32;

    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(10);

    public TimeSpan Warmup { get; init; } = TimeSpan.FromSeconds(2);

    public TimeSpan Drain { get; init; } = TimeSpan.FromSeconds(2);

    public int OrderSample { get; init; } = 1000;

    public string Channel { get; init; } = "chat";

    /// <summary>Laggards (slow-consumer scenario): the last members, which stop reading (or read at
    /// <see cref="LaggardBytesPerSecond"/>) once sending starts.</summary>
    public int StalledMembers { get; init; }

    /// <summary>0: the laggards stop reading. Above 0: they read at most this many bytes per second.</summary>
    public double LaggardBytesPerSecond { get; init; }

    /// <summary>SO_RCVBUF of stalled members (small: the server's pending limit is reached sooner).</summary>
    public int StalledReceiveBuffer { get; init; } = 4096;

    /// <summary>FastChat: extra members joining per second while sending runs (0 = none); each stays <see cref="ChurnHold"/>.</summary>
    public double ChurnRate { get; init; }

    public TimeSpan ChurnHold { get; init; } = TimeSpan.FromSeconds(5);
}
