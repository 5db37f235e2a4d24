namespace FastChat.Server.Internal;

/// <summary>
/// A member's flood control: a token bucket of <c>burst</c> lines refilled at <c>rate</c> lines per
/// second, kept as one "theoretical arrival time" (the generic cell rate algorithm), so a check is
/// a compare and an add on timestamps, with no timer and nothing to allocate per member.
/// </summary>
/// <remarks>
/// Each line moves <see cref="_due"/> on by one interval (1/rate s); a line is allowed while
/// <c>_due</c> is at most <c>burst - 1</c> intervals ahead of now. So a member that was quiet long
/// enough may send <c>burst</c> lines at once, then one per interval. Not thread-safe: the member's
/// receive loop is its only user. Times are <see cref="TimeProvider.GetTimestamp"/> ticks.
/// </remarks>
internal struct LineRate
{
    private readonly long _interval;
    private readonly long _tolerance;
    private long _due;

    /// <param name="linesPerSecond">The average rate; 0 turns the limit off.</param>
    /// <param name="burst">Lines allowed at once after a quiet spell (at least 1).</param>
    /// <param name="ticksPerSecond">The clock's <see cref="TimeProvider.TimestampFrequency"/>.</param>
    public LineRate(double linesPerSecond, int burst, long ticksPerSecond)
    {
        if (linesPerSecond > 0)
        {
            _interval = Math.Max(1, (long)(ticksPerSecond / linesPerSecond));
            _tolerance = (Math.Max(burst, 1) - 1) * _interval;
        }
    }

    /// <summary>False when there is no limit.</summary>
    public readonly bool IsEnabled => _interval > 0;

    /// <summary>Takes one line's token if there is one at <paramref name="now"/>.</summary>
    public bool TryTake(long now)
    {
        long due = Math.Max(_due, now);
        if (due - now > _tolerance)
        {
            return false;
        }

        _due = due + _interval;
        return true;
    }

    /// <summary>Gives back the token of the last <see cref="TryTake"/> (it found no line to spend it on).</summary>
    public void Refund() => _due -= _interval;

    /// <summary>Ticks from <paramref name="now"/> until the next line may go (0 if it may now).</summary>
    public readonly long TicksUntilNext(long now) => Math.Max(0, Math.Max(_due, now) - _tolerance - now);

    /// <summary>True when the bucket is full again: the member has been under the rate for a while.</summary>
    public readonly bool IsRested(long now) => _due <= now;
}
