namespace FastChat.LoadTest.Internal;

/// <summary>
/// What an attack run's honest members share: the two phases as windows of intended send time (written
/// before sending starts), a latency recorder set per phase, the flooders to expect, the LEAVE times.
/// </summary>
internal sealed class HonestRoom(int senders, int flooders) : IDisposable, IJoinStorm
{
    public const int Phases = 2;

    /// <summary>Send start: payload times are ticks after this.</summary>
    public long Epoch { get; set; }

    /// <summary>Start of each phase's window of intended send times (absolute ticks).</summary>
    public long[] PhaseStart { get; } = [long.MaxValue, long.MaxValue];

    /// <summary>End (exclusive) of each phase's window.</summary>
    public long[] PhaseEnd { get; } = [long.MaxValue, long.MaxValue];

    public int Senders { get; } = senders;

    /// <summary>Flooders whose relayed lines may appear in the stream (numbered 0..flooders-1).</summary>
    public int Flooders { get; } = flooders;

    public LatencyRecorders[] Latency { get; } = [new LatencyRecorders(), new LatencyRecorders()];

    public LeaveLog Leaves { get; } = new();

    public long LastJoinTicks { get; set; }

    /// <summary>The phase an honest message intended at <paramref name="intendedAbs"/> belongs to, or -1.</summary>
    public int PhaseOf(long intendedAbs)
    {
        for (int p = 0; p < Phases; p++)
        {
            if (intendedAbs >= PhaseStart[p] && intendedAbs < PhaseEnd[p])
            {
                return p;
            }
        }

        return -1;
    }

    public void Dispose()
    {
        foreach (LatencyRecorders r in Latency)
        {
            r.Dispose();
        }
    }
}
