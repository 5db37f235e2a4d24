namespace FastChat.Server.Internal;

/// <summary>
/// A connection's limits converted once into clock ticks, so a deadline check is a subtraction and
/// a compare; 0 means "off".
/// </summary>
internal sealed class ConnectionLimits
{
    public ConnectionLimits(ChatServerOptions options, long ticksPerSecond)
    {
        TicksPerSecond = ticksPerSecond;
        RegistrationTimeout = Ticks(options.RegistrationTimeout);
        IdleTimeout = Ticks(options.IdleTimeout);
        PongTimeout = Ticks(options.PongTimeout);
        LineTimeout = Ticks(options.LineTimeout);
        FloodTimeout = Ticks(options.FloodTimeout);

        // A leaving member gets the drain timeout to take what it is owed, plus the close grace period.
        LeaveTimeout = Ticks(options.DrainTimeout + Lingerer.GracePeriod);
        MaxLineLength = options.MaxLineLength;
        MaxPendingBytes = options.MaxPendingBytes;
        MaxLinesPerSecond = options.MaxLinesPerSecond;
        Burst = options.Burst;
        ThrottledBatch = Ticks(ThrottledBatchPeriod);

        long Ticks(TimeSpan span) => (long)(span.TotalSeconds * ticksPerSecond);
    }

    public long TicksPerSecond { get; }

    public int MaxLineLength { get; }

    public long MaxPendingBytes { get; }

    public long RegistrationTimeout { get; }

    public long IdleTimeout { get; }

    public long PongTimeout { get; }

    public long LineTimeout { get; }

    public long FloodTimeout { get; }

    public long LeaveTimeout { get; }

    public double MaxLinesPerSecond { get; }

    /// <summary>
    /// How long a member over its rate waits at least before its next lines are read, so a flooder
    /// held at the rate costs a walk over the members per batch of lines, not per line.
    /// </summary>
    public static readonly TimeSpan ThrottledBatchPeriod = TimeSpan.FromMilliseconds(200);

    public long ThrottledBatch { get; }

    public int Burst { get; }

    public TimeSpan ToTimeSpan(long ticks) => TimeSpan.FromSeconds(ticks / (double)TicksPerSecond);
}
