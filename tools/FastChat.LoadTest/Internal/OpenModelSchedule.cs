namespace FastChat.LoadTest.Internal;

/// <summary>One stage of an open-model schedule: a constant rate for a duration.</summary>
internal readonly record struct RateStage(double RatePerSecond, TimeSpan Duration);

/// <summary>
/// When each message of a sender is due in an open model: at a fixed intended time whatever earlier
/// sends did, so latency measured from it is free of coordinated omission (docs/LOADTEST.md).
/// </summary>
/// <remarks>Piecewise-constant stages; times are Stopwatch ticks after t0.</remarks>
internal sealed class OpenModelSchedule
{
    private readonly double[] _rates;        // messages per tick, per stage
    private readonly long[] _stageStart;     // tick at which each stage starts
    private readonly double[] _countAtStart; // messages due before each stage
    private readonly long _end;              // tick after which nothing more is due (long.MaxValue: never)

    public OpenModelSchedule(long frequency, IReadOnlyList<RateStage> stages)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(frequency);
        if (stages.Count == 0)
        {
            throw new ArgumentException("at least one stage", nameof(stages));
        }

        _rates = new double[stages.Count];
        _stageStart = new long[stages.Count];
        _countAtStart = new double[stages.Count];
        long t = 0;
        double count = 0;
        for (int i = 0; i < stages.Count; i++)
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(stages[i].RatePerSecond);
            _rates[i] = stages[i].RatePerSecond / frequency;
            _stageStart[i] = t;
            _countAtStart[i] = count;
            bool last = i == stages.Count - 1;
            if (stages[i].Duration == Timeout.InfiniteTimeSpan || stages[i].Duration == TimeSpan.MaxValue)
            {
                if (!last)
                {
                    throw new ArgumentException("only the last stage may be open-ended", nameof(stages));
                }

                t = long.MaxValue;
                break;
            }

            long ticks = (long)(stages[i].Duration.TotalSeconds * frequency);
            count += _rates[i] * ticks;
            t += ticks;
        }

        _end = t;
        Frequency = frequency;
    }

    /// <summary>A constant-rate schedule that never ends.</summary>
    public static OpenModelSchedule Constant(long frequency, double ratePerSecond) =>
        new(frequency, [new RateStage(ratePerSecond, Timeout.InfiniteTimeSpan)]);

    public long Frequency { get; }

    /// <summary>Messages due by <paramref name="elapsedTicks"/> (intended times &lt;= elapsed).</summary>
    public long DueCount(long elapsedTicks)
    {
        if (elapsedTicks < 0)
        {
            return 0;
        }

        if (elapsedTicks >= _end)
        {
            elapsedTicks = _end;
        }

        int i = StageAt(elapsedTicks);
        double due = _countAtStart[i] + (_rates[i] * (elapsedTicks - _stageStart[i]));

        // Message k (0-based) is due at the instant the cumulative count reaches k, so message 0 is due at t0.
        return (long)Math.Floor(due + 1e-9) + 1;
    }

    /// <summary>Intended send time (ticks after t0) of message <paramref name="k"/> (0-based).</summary>
    public long IntendedTicks(long k)
    {
        for (int i = _rates.Length - 1; i >= 0; i--)
        {
            if (k >= _countAtStart[i] && _rates[i] > 0)
            {
                return _stageStart[i] + (long)Math.Ceiling((k - _countAtStart[i]) / _rates[i] - 1e-9);
            }
        }

        return 0;
    }

    private int StageAt(long elapsedTicks)
    {
        int i = _stageStart.Length - 1;
        while (i > 0 && _stageStart[i] > elapsedTicks)
        {
            i--;
        }

        return i;
    }
}
