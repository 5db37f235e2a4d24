namespace FastChat.LoadTest.Reporting;

/// <summary>
/// The typed results of one run: each scenario fills the parts it measures, and
/// <see cref="MetricMap"/> turns them into the flat metric names of every report.
/// </summary>
internal sealed class RunResults
{
    /// <summary>Fanout and attack: the room getting in.</summary>
    public RoomConnectResult? Connect { get; set; }

    /// <summary>Chat, connect and overflow: the member pool.</summary>
    public PoolResult? Pool { get; set; }

    public FanoutThroughput? Throughput { get; set; }

    public FanoutVerification? Verification { get; set; }

    public LaggardResult? Laggards { get; set; }

    /// <summary>Fanout: latency from the intended send time, over the measured window.</summary>
    public LatencySummary? Latency { get; set; }

    /// <summary>Fanout, open model: latency without the sender's schedule lag.</summary>
    public LatencySummary? Service { get; set; }

    /// <summary>Open model: how late the senders sent (actual minus intended send time).</summary>
    public LatencySummary? ScheduleLag { get; set; }

    public SpreadResult? Spread { get; set; }

    public double? DrainSeconds { get; set; }

    public ToolHealth? Tool { get; set; }

    /// <summary>The servers together: with several nodes, CPU is their sum and RSS the largest sum sampled.</summary>
    public ServerResources? Server { get; set; }

    /// <summary>Fanout over several nodes: each node's share (null for one server).</summary>
    public IReadOnlyList<NodeResult>? Nodes { get; set; }

    public ChurnResult? Churn { get; set; }

    public SoakResult? Soak { get; set; }

    public AttackResult? Attack { get; set; }

    public ChatResult? Chat { get; set; }

    public ConnectStormResult? ConnectStorm { get; set; }

    public OverflowResult? Overflow { get; set; }
}
