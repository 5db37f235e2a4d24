using System.Diagnostics;
using FastChat.LoadTest.Internal;

namespace FastChat.LoadTest.Scenarios.Phases;

/// <summary>What the senders sent in all (per sender) and how long the drain took.</summary>
internal sealed record DrainResult(long[] Sent, double Seconds);

/// <summary>
/// The phase after sending: stops the senders, then waits until every live member has every
/// message sent, or the drain time is up; what is still missing then counts as lost.
/// </summary>
internal static class DrainPhase
{
    /// <param name="sendLoops">The senders' loops, given up to 10 s to notice the stop.</param>
    /// <param name="poll">Called after each 5 ms wait (the fanout's timeline goes on ticking).</param>
    public static async Task<DrainResult> RunAsync(FanoutRunState run, IReadOnlyList<FanoutSender> senders, Task sendLoops,
        IReadOnlyList<IVerifiedMember> members, TimeSpan drain, Action? poll, CancellationToken ct)
    {
        foreach (FanoutSender s in senders)
        {
            s.Stop = true;
        }

        run.WakeSenders();
        await sendLoops.WaitAsync(TimeSpan.FromSeconds(10), ct).ContinueWith(static _ => { }, TaskScheduler.Default);
        long[] sent = senders.Select(s => s.Sent).ToArray();
        long start = Stopwatch.GetTimestamp();
        while (RunClock.SecondsSince(start) < drain.TotalSeconds && !members.All(m => m.Connection.IsClosed || m.Verifier!.HasAll(sent)))
        {
            await Task.Delay(5, ct);
            poll?.Invoke();
        }

        return new DrainResult(sent, RunClock.SecondsSince(start));
    }
}
