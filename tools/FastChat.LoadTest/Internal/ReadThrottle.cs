namespace FastChat.LoadTest.Internal;

/// <summary>
/// Token bucket for a throttled reader (slow-consumer scenario, issue 4: "read at a throttled
/// rate"): the receive loop asks how many bytes it may read now, reads at most that many into its
/// fixed buffer, and pays for what it got. Time is passed in (Stopwatch ticks) so the logic is
/// tested without sockets or clocks.
/// </summary>
/// <remarks>
/// Only the owning receive loop calls <see cref="Available"/> and <see cref="Consume"/>; the
/// orchestrator reads <see cref="Consumed"/> racily (a 64-bit counter, fine on 64-bit). The bucket
/// starts empty, so the bytes read in the first t seconds never exceed rate * t + capacity.
/// </remarks>
internal sealed class ReadThrottle
{
    /// <summary>How often a reader with an empty bucket looks again (PeriodicTimer period).</summary>
    public static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(10);

    private readonly double _tokensPerTick;
    private double _tokens;
    private long _last;
    private long _consumed;

    /// <param name="bytesPerSecond">The sustained read rate.</param>
    /// <param name="frequency">Ticks per second of the clock used for <paramref name="now"/> (Stopwatch.Frequency).</param>
    /// <param name="now">The current tick: the bucket starts empty here.</param>
    /// <param name="burst">How long a rest may be saved up: 100 ms, so a late timer tick on a busy
    /// 2-core box does not lower the sustained rate, while a read is never more than 0.1 s of quota.</param>
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
