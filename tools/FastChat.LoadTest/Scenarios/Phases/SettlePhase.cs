using System.Diagnostics;
using FastChat.LoadTest.Internal;

namespace FastChat.LoadTest.Scenarios.Phases;

/// <summary>
/// Waits until the connect's JOIN storm is over (n(n-1)/2 JOINs, a second without one, or 10 s), so
/// measuring does not start in the middle of it.
/// </summary>
internal static class SettlePhase
{
    private static readonly TimeSpan s_limit = TimeSpan.FromSeconds(10);

    public static long ExpectedJoins(int members) => (long)members * (members - 1) / 2;

    public static async Task WaitAsync(IJoinStorm room, long expectedJoins, Func<long> joinsSeen, CancellationToken ct)
    {
        long start = Stopwatch.GetTimestamp();
        room.LastJoinTicks = start;
        while (RunClock.SecondsSince(start) < s_limit.TotalSeconds && joinsSeen() < expectedJoins && RunClock.SecondsSince(room.LastJoinTicks) <= 1)
        {
            await Task.Delay(20, ct);
        }
    }
}
