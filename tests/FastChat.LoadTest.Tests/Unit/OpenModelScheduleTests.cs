using FastChat.LoadTest.Internal;

namespace FastChat.LoadTest.Tests.Unit;

public class OpenModelScheduleTests
{
    private const long Hz = 1_000_000_000; // ticks per second in these tests

    [Fact]
    public void Constant_rate_spaces_messages_evenly_from_t0()
    {
        var s = OpenModelSchedule.Constant(Hz, 1000); // one per millisecond
        Assert.Equal(0, s.IntendedTicks(0));
        Assert.Equal(1_000_000, s.IntendedTicks(1));
        Assert.Equal(999_000_000, s.IntendedTicks(999));
        Assert.Equal(0, s.DueCount(-1));
        Assert.Equal(1, s.DueCount(0));
        Assert.Equal(1, s.DueCount(999_999));
        Assert.Equal(2, s.DueCount(1_000_000));
        Assert.Equal(1001, s.DueCount(Hz));
    }

    [Fact]
    public void Due_count_and_intended_times_agree()
    {
        var s = OpenModelSchedule.Constant(Hz, 7_777);
        for (long k = 0; k < 20_000; k += 37)
        {
            long t = s.IntendedTicks(k);
            Assert.True(s.DueCount(t) >= k + 1, $"message {k} due at {t}");
            Assert.True(s.DueCount(t - 1) <= k, $"message {k} not due before {t}");
        }
    }

    [Fact]
    public void Intended_times_do_not_depend_on_when_the_sender_asks()
    {
        // Coordinated omission: a sender that stalls for 500 ms still stamps message k with t0 + k/rate,
        // and after the stall everything scheduled in the meantime is due at once.
        var s = OpenModelSchedule.Constant(Hz, 100);
        Assert.Equal(1, s.DueCount(1));
        Assert.Equal(51, s.DueCount(500_000_000));
        Assert.Equal(250_000_000, s.IntendedTicks(25));
    }

    [Fact]
    public void Stages_ramp_the_rate()
    {
        var s = new OpenModelSchedule(Hz, [new RateStage(10, TimeSpan.FromSeconds(1)), new RateStage(100, Timeout.InfiniteTimeSpan)]);
        Assert.Equal(11, s.DueCount(Hz)); // 10 in the first second (0..9) plus message 10 at t=1s
        Assert.Equal(Hz, s.IntendedTicks(10));
        Assert.Equal(Hz + 10_000_000, s.IntendedTicks(11)); // then one per 10 ms
        Assert.Equal(111, s.DueCount(2 * Hz));
    }

    [Fact]
    public void A_finite_schedule_stops()
    {
        var s = new OpenModelSchedule(Hz, [new RateStage(10, TimeSpan.FromSeconds(1))]);
        Assert.Equal(s.DueCount(Hz), s.DueCount(100 * Hz));
    }

    [Fact]
    public void Rejects_a_zero_rate_and_an_open_stage_before_the_last()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => OpenModelSchedule.Constant(Hz, 0));
        Assert.Throws<ArgumentException>(() => new OpenModelSchedule(Hz, [new RateStage(1, Timeout.InfiniteTimeSpan), new RateStage(2, TimeSpan.FromSeconds(1))]));
    }

    [Fact]
    public void Stages_parse_from_the_command_line()
    {
        IReadOnlyList<RateStage> stages = ScenarioCommands.ParseStages("1000:5, 5000:10");
        Assert.Equal(3, stages.Count);
        Assert.Equal(new RateStage(1000, TimeSpan.FromSeconds(5)), stages[0]);
        Assert.Equal(5000, stages[2].RatePerSecond);
        Assert.Equal(Timeout.InfiniteTimeSpan, stages[2].Duration);
    }
}
