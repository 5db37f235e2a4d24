using System.Diagnostics;
using System.Net;
using FastChat.LoadTest.Internal;

namespace FastChat.LoadTest.Scenarios.Attacks;

/// <summary>What every attack gets from the scenario.</summary>
internal sealed class AttackContext(Connector connector, HonestRoom room, long deadlineTicks, long holdUntilTicks, IPAddress? exhaustAddress)
{
    private int _nextIndex;

    /// <summary>Attack connections, each with a buffer of its own, from addresses after the honest members'.</summary>
    public Connector Connector { get; } = connector;

    public HonestRoom Room { get; } = room;

    /// <summary>When the tool gives up on an answer and closes what is left (the attack timeout).</summary>
    public long DeadlineTicks { get; } = deadlineTicks;

    /// <summary>When admitted attackers that only occupy slots let go (the end of the attack phase).</summary>
    public long HoldUntilTicks { get; } = holdUntilTicks;

    /// <summary>The one source address of the per-address exhaustion (null: the kernel's).</summary>
    public IPAddress? ExhaustAddress { get; } = exhaustAddress;

    public int NextIndex() => Interlocked.Increment(ref _nextIndex) - 1;

    public bool PastDeadline => Stopwatch.GetTimestamp() >= DeadlineTicks;

    /// <summary>A token cancelled at the deadline (or with <paramref name="ct"/>).</summary>
    public CancellationTokenSource DeadlineSource(CancellationToken ct)
    {
        var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(TimeSpan.FromSeconds(Math.Max(0, (DeadlineTicks - Stopwatch.GetTimestamp()) / (double)Stopwatch.Frequency)));
        return cts;
    }

    /// <summary>Waits until <paramref name="done"/> holds or the deadline, polling every 20 ms.</summary>
    public async Task WaitAsync(Func<bool> done, CancellationToken ct, long untilTicks = long.MaxValue)
    {
        long end = Math.Min(untilTicks, DeadlineTicks);
        while (!done() && Stopwatch.GetTimestamp() < end && !ct.IsCancellationRequested)
        {
            await Task.Delay(20, CancellationToken.None);
        }
    }
}
