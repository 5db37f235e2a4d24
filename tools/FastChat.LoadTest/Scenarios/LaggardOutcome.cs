using System.Globalization;
using System.Text;
using FastChat.LoadTest.Internal;
using FastChat.LoadTest.Reporting;

namespace FastChat.LoadTest.Scenarios;

/// <summary>
/// What happened to one slow-consumer laggard, captured when its throttle is lifted at the end of
/// sending; the rest is read after the final wait.
/// </summary>
internal sealed record LaggardOutcome(FanoutReceiver Member, long BytesRead, double ThrottledSeconds, bool EndedWhileThrottled)
{
    public static LaggardOutcome Capture(FanoutReceiver m, long liftedTicks)
    {
        ClientConnection c = m.Connection;
        ReadThrottle? t = c.Throttle;
        bool ended = c.IsClosed;
        long end = ended ? Math.Min(c.ClosedAtTicks, liftedTicks) : liftedTicks;
        return new LaggardOutcome(m, t?.Consumed ?? 0, t is null ? 0 : RunClock.Seconds(end - t.StartTicks), ended);
    }

    /// <summary>
    /// How the laggards read and ended, and two checks that must be 0: holes in a cut-off laggard's stream
    /// and loss at one the server kept. Null without laggards; the details go to the <c>laggards</c> fact.
    /// </summary>
    public static LaggardResult? Summarize(RunReport report, IReadOnlyList<LaggardOutcome> laggards, FanoutRunState run, double limit, long[] sent)
    {
        if (laggards.Count == 0)
        {
            return null;
        }

        long bytes = 0, holes = 0, lostNotCut = 0;
        int endedThrottled = 0;
        double rateMin = double.MaxValue, rateMax = 0, endMax = 0, lastMsgMax = 0;
        var details = new StringBuilder();
        foreach (LaggardOutcome l in laggards)
        {
            FanoutReceiver m = l.Member;
            DeliveryVerifier v = m.Verifier!;
            ClientConnection c = m.Connection;
            bytes += l.BytesRead;
            endedThrottled += l.EndedWhileThrottled ? 1 : 0;
            double rate = l.ThrottledSeconds > 0 ? l.BytesRead / l.ThrottledSeconds : 0;
            rateMin = Math.Min(rateMin, rate);
            rateMax = Math.Max(rateMax, rate);
            var d = MemberDelivery.Of(v, sent);
            holes += d.Gaps + d.Duplicates + d.Reordered;
            double endS = c.IsClosed ? RunClock.Seconds(c.ClosedAtTicks - run.Epoch) : double.NaN;
            double lastMsgS = m.LastIntendedTicks < 0 ? 0 : RunClock.Seconds(m.LastIntendedTicks);
            if (c.IsClosed)
            {
                endMax = Math.Max(endMax, endS);
                lastMsgMax = Math.Max(lastMsgMax, lastMsgS);
            }
            else
            {
                lostNotCut += d.Tail;
            }

            if (details.Length < 1000)
            {
                details.Append(CultureInfo.InvariantCulture, $"#{m.Index}: ");
                if (limit > 0)
                {
                    details.Append(CultureInfo.InvariantCulture, $"read {l.BytesRead} B in {l.ThrottledSeconds:F1} s ({rate:F0} B/s), ");
                }

                details.Append(c.IsClosed
                    ? string.Create(CultureInfo.InvariantCulture, $"ended ({c.CloseReason}) at {endS:F1} s, last message sent at {lastMsgS:F2} s; ")
                    : "still open; ");
            }
        }

        report.Facts["laggards"] = details.ToString().TrimEnd(' ', ';');
        return new LaggardResult(limit, endedThrottled, endMax, lastMsgMax, holes, lostNotCut, bytes, rateMin, rateMax);
    }
}
