using CsCheck;
using FastChat.LoadTest.Internal;

namespace FastChat.LoadTest.Tests.Unit;

/// <summary>The slow-consumer read throttle (token bucket), driven by a simulated clock.</summary>
public class ReadThrottleTests
{
    private const long Ms = 1000; // clock frequency: one tick = 1 ms

    [Fact]
    public void Starts_empty_and_saves_up_at_most_the_burst()
    {
        var t = new ReadThrottle(1000, Ms, now: 5_000);
        Assert.Equal(100, t.Capacity); // 100 ms of quota
        Assert.Equal(0, t.Available(5_000, 4096));
        Assert.Equal(10, t.Available(5_010, 4096)); // 10 ms at 1000 B/s
        Assert.Equal(100, t.Available(65_000, 4096)); // a minute idle: still one burst
    }

    [Fact]
    public void A_small_buffer_limits_the_grant_and_the_rest_stays_in_the_bucket()
    {
        var t = new ReadThrottle(1000, Ms, now: 0);
        Assert.Equal(7, t.Available(50, 7));
        t.Consume(7);
        Assert.Equal(43, t.Available(50, 4096));
        t.Consume(43);
        Assert.Equal(0, t.Available(50, 4096));
        Assert.Equal(50, t.Consumed);
    }

    [Fact]
    public void A_reader_that_takes_every_grant_reads_at_the_configured_rate()
    {
        var t = new ReadThrottle(2500, Ms, now: 0);
        for (long now = 0; now <= 10_000; now += 10) // a 10 ms timer for 10 s
        {
            int n = t.Available(now, 4096);
            t.Consume(n);
        }

        Assert.InRange(t.Consumed, 2500 * 10 - 10, 2500 * 10);
    }

    [Fact]
    public void A_fractional_per_tick_rate_still_adds_up()
    {
        // 30 B/s on a 10 ms timer is 0.3 bytes per tick: whole bytes come every few ticks.
        var t = new ReadThrottle(30, Ms, now: 0);
        for (long now = 0; now <= 20_000; now += 10)
        {
            t.Consume(t.Available(now, 4096));
        }

        Assert.InRange(t.Consumed, 599, 600);
    }

    [Fact]
    public void Bytes_read_never_exceed_rate_times_time_plus_one_burst()
    {
        // Any timer jitter, any buffer size, any short read: consumed(t) <= rate * t + capacity.
        Gen.Select(Gen.Double[1, 1e7], Gen.Select(Gen.Long[0, 200_000], Gen.Int[1, 65_536], Gen.Double[0, 1]).Array[1, 200])
            .Sample((rate, steps) =>
            {
                const long freq = 1_000_000_000; // Stopwatch-like nanosecond ticks
                var t = new ReadThrottle(rate, freq, now: 0);
                long now = 0;
                foreach ((long step, int buffer, double share) in steps)
                {
                    now += step * 1000;
                    int granted = t.Available(now, buffer);
                    Assert.InRange(granted, 0, buffer);
                    t.Consume((int)(granted * share)); // the kernel may return less than asked
                    Assert.True(t.Consumed <= (rate * now / freq) + t.Capacity + 1e-6, $"{t.Consumed} bytes by {now} ns at {rate} B/s");
                }
            });
    }

    [Fact]
    public void A_rate_of_zero_or_less_is_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new ReadThrottle(0, Ms, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ReadThrottle(-5, Ms, 0));
    }
}
