namespace FastChat.LoadTest.Reporting;

/// <summary>What the server used, sampled from /proc; null where a scenario does not sample it.</summary>
internal sealed record ServerResources
{
    public double? CpuPercent { get; init; }

    public double? RssBeforeMb { get; init; }

    public double? RssConnectedMb { get; init; }

    public double? RssEndMb { get; init; }

    public double? RssMaxMb { get; init; }

    public double? RssGrowthMb { get; init; }

    /// <summary>RSS of the overflow scenario's single sample.</summary>
    public double? RssMb { get; init; }

    public double? BytesPerConnection { get; init; }

    public ServerGrowth? GrowthAfter { get; init; }
}

/// <summary>When the laggards stall (or, with none, when the warm-up ends): the baseline of the server's growth.</summary>
internal enum GrowthBaseline : byte
{
    Stall,
    Warmup,
}

/// <summary>How much the server's RSS and its private data part grew after <see cref="Baseline"/>.</summary>
internal sealed record ServerGrowth(GrowthBaseline Baseline, double RssMb, double AnonMb);

/// <summary>The load generator's own health: its CPU (% of one core) and event-loop lag p99 (ms).</summary>
internal sealed record ToolHealth(double? CpuPercent, double LoopLagP99, int? MachineCpus);
