using FastChat.LoadTest.Internal;

namespace FastChat.LoadTest.Reporting;

/// <summary>What a fanout run sent and delivered; rates are over the measured window.</summary>
internal sealed record FanoutThroughput(
    int Senders,
    int Clients,
    long Sent,
    double MessagesPerSecond,
    long Deliveries,
    double DeliveriesPerSecond,
    double ExpectedDeliveriesPerSecond,
    double MegabytesPerSecond,
    int PayloadBytes,
    long SendBatches,
    long PingsAnswered,
    double DeliveriesPerRead);

/// <summary>The delivery check of a fanout run: loss, duplicates, order, and what else the members received.</summary>
internal sealed record FanoutVerification(
    long LostGaps,
    long LostTail,
    long DroppedMissed,
    long Duplicates,
    long Reordered,
    long ReceiversDropped,
    int StalledMembers,
    long StalledCutOff,
    long ForeignMessages,
    long UnknownLines,
    long ServerErrors,
    int HealthyMembers,
    OrderComparison Order)
{
    public long Lost => LostGaps + LostTail;

    public long LostTotal => LostGaps + LostTail + DroppedMissed;

    public bool PerSenderOrder => Reordered == 0;

    public bool InOrder => Order.SameOrder && Reordered == 0;
}

/// <summary>Fan-out spread of the sampled broadcasts: when the first, median and last member got each (ms from the intended send time), and the first-to-last width.</summary>
internal sealed record SpreadResult(long Broadcasts, double FirstP50, double MedianP50, double LastP50, double LastP99, double WidthP50, double WidthP99);

/// <summary>The slow-consumer laggards: how they read, when they ended, and two checks that must be 0 (holes, loss at a laggard the server kept).</summary>
internal sealed record LaggardResult(
    double ReadLimitBytesPerSecond,
    int EndedWhileThrottled,
    double EndSecondsMax,
    double LastMessageSecondsMax,
    long Holes,
    long LostNotCut,
    long BytesRead,
    double ReadBytesPerSecondMin,
    double ReadBytesPerSecondMax)
{
    public bool Throttled => ReadLimitBytesPerSecond > 0;
}

/// <summary>The server's RSS trend over a soak's measured seconds (docs/LOADTEST.md, soak); over several nodes of their sum, and <paramref name="Nodes"/> each node's.</summary>
internal sealed record SoakResult(SoakQuarters? Quarters, SoakFit? Fit, IReadOnlyList<SoakFit>? Nodes = null);

/// <summary>Mean RSS of the first and the last quarter of the samples, and the server's mean CPU.</summary>
internal sealed record SoakQuarters(double FirstMb, double LastMb, double ServerCpuAveragePercent)
{
    public double DriftMb => LastMb - FirstMb;
}

/// <summary>A least-squares line through every RSS sample: its slope (MB/s), how well it fits, over how many samples and seconds.</summary>
internal sealed record SoakFit(double SlopeMbPerSecond, double R2, int Samples, double Seconds)
{
    public double DriftMbPerHour => SlopeMbPerSecond * 3600;
}
