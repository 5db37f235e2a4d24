namespace FastChat.LoadTest.Internal;

/// <summary>
/// Token bucket of a throttled reader (slow-consumer): the receive loop reads at most what it grants.
/// Time is passed in, so it is tested without a clock.
/// </summary>
/// <remarks>Only its receive loop calls it; the bucket starts empty, so no more than rate x t + capacity is read in t.</remarks>
internal sealed class ReadThrottle
{
    /// <summary>How often a reader with an empty bucket looks again (PeriodicTimer period).</summary>
    public static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(10);

    private readonly double _tokensPerTick;
    private double _tokens;
    private long _last;
    private long _consumed;

    /// <param name="bytesPerSecond">The sustained read rate.</param>
    /// <param name="frequency">Ticks per second of the clock <paramref name="now"/> comes from.</param>
    /// <param name="now">The current tick: the bucket starts empty here.</param>
    /// <param name="burst">How long a rest may be saved up (100 ms): a late timer tick does not lower the rate.</param>
    public ReadThrottle(double bytesPerSecond, long frequency, long now, TimeSpan? burst = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(bytesPerSecond);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(frequency);
        BytesPerSecond = bytesPerSecond;
        _tokensPerTick = bytesPerSecond / frequency;
        Capacity = Math.Max(1, bytesPerSecond * (burst ?? TimeSpan.FromMilliseconds(100)).TotalSeconds);
        StartTicks = _last = now;
    }

    public double BytesPerSecond { get; }

    /// <summary>Most bytes the bucket holds (the largest single read).</summary>
    public double Capacity { get; }

    /// <summary>The tick the throttle started at.</summary>
    public long StartTicks { get; }

    /// <summary>Bytes read under this throttle.</summary>
    public long Consumed => Volatile.Read(ref _consumed);

    /// <summary>Refills for the time since the last call; returns how many bytes (at most <paramref name="max"/>) may be read now.</summary>
    public int Available(long now, int max)
    {
        if (now > _last)
        {
            _tokens = Math.Min(Capacity, _tokens + ((now - _last) * _tokensPerTick));
            _last = now;
        }

        return _tokens < 1 ? 0 : (int)Math.Min(max, Math.Floor(_tokens));
    }

    /// <summary>Pays for <paramref name="bytes"/> actually read (at most what <see cref="Available"/> granted).</summary>
    public void Consume(int bytes)
    {
        _tokens -= bytes;
        Volatile.Write(ref _consumed, _consumed + bytes);
    }
}
