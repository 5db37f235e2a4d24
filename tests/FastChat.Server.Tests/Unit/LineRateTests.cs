using FastChat.Server.Internal;

namespace FastChat.Server.Tests;

/// <summary>Flood control's token bucket, on plain timestamps (no clock, no sockets).</summary>
public class LineRateTests
{
    private const long Second = 1_000_000; // ticks per second of these tests

    [Fact]
    public void A_rested_member_may_send_its_burst_at_once_then_one_line_per_interval()
    {
        var rate = new LineRate(linesPerSecond: 10, burst: 5, ticksPerSecond: Second);
        for (int i = 0; i < 5; i++)
        {
            Assert.True(rate.TryTake(0), $"line {i} of the burst");
        }

        Assert.False(rate.TryTake(0));
        Assert.Equal(Second / 10, rate.TicksUntilNext(0));
        Assert.False(rate.TryTake(Second / 10 - 1));
        Assert.True(rate.TryTake(Second / 10));
        Assert.False(rate.TryTake(Second / 10));
    }

    [Fact]
    public void The_bucket_refills_to_its_burst_and_no_further()
    {
        var rate = new LineRate(10, 5, Second);
        Assert.True(rate.TryTake(0));
        Assert.False(rate.IsRested(0));
        Assert.True(rate.IsRested(Second / 10));

        // An hour of silence is still only a burst of 5.
        long later = 3600 * Second;
        Assert.Equal(5, Enumerable.Range(0, 20).Count(_ => rate.TryTake(later)));
    }

    [Fact]
    public void A_refund_gives_back_exactly_the_last_token()
    {
        var rate = new LineRate(10, 1, Second);
        Assert.True(rate.TryTake(0));
        rate.Refund();
        Assert.True(rate.TryTake(0));
        Assert.False(rate.TryTake(0));
    }

    [Fact]
    public void A_rate_of_zero_means_no_limit()
    {
        var rate = new LineRate(0, 50, Second);
        Assert.False(rate.IsEnabled);
        Assert.Equal(0, rate.TicksUntilNext(0));
        Assert.True(new LineRate(0.5, 1, Second).IsEnabled);
    }

    [Fact]
    public void Twenty_lines_a_second_in_bursts_of_ten_never_wait_under_the_default_limits()
    {
        var defaults = new ChatServerOptions();
        var rate = new LineRate(defaults.MaxLinesPerSecond, defaults.Burst, Second);
        for (long t = 0; t < 600 * Second; t += Second / 2)
        {
            for (int i = 0; i < 10; i++)
            {
                Assert.True(rate.TryTake(t), $"line {i} at {t / (double)Second} s");
            }
        }
    }
}
