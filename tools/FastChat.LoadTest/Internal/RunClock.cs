using System.Diagnostics;

namespace FastChat.LoadTest.Internal;

/// <summary>Stopwatch-tick arithmetic of the scenarios: every phase boundary of a run is a Stopwatch tick.</summary>
internal static class RunClock
{
    public static double Seconds(long ticks) => ticks / (double)Stopwatch.Frequency;

    public static double SecondsSince(long startTicks) => Seconds(Stopwatch.GetTimestamp() - startTicks);

    public static long Ticks(TimeSpan t) => (long)(t.TotalSeconds * Stopwatch.Frequency);

    /// <summary>Waits until <paramref name="ticks"/>, or a quarter of a second at most, so a loop stays responsive.</summary>
    public static async Task WaitUntilAsync(long ticks, CancellationToken ct)
    {
        long wait = ticks - Stopwatch.GetTimestamp();
        if (wait > 0)
        {
            await Task.Delay(TimeSpan.FromSeconds(Math.Min(0.25, Seconds(wait))), ct);
        }
    }

    /// <summary>Polls <paramref name="done"/> every <paramref name="interval"/> until it holds or <paramref name="timeout"/> has passed.</summary>
    public static async Task PollUntilAsync(Func<bool> done, TimeSpan timeout, TimeSpan interval, CancellationToken ct)
    {
        long start = Stopwatch.GetTimestamp();
        while (Stopwatch.GetElapsedTime(start) < timeout && !done())
        {
            await Task.Delay(interval, ct);
        }
    }
}
