using System.Globalization;
using System.Text;
using FastChat.LoadTest.Internal;

namespace FastChat.LoadTest.Scenarios;

/// <summary>
/// What happened to one slow-consumer laggard (issue 4: "the laggards get cut off"), captured when
/// its throttle is lifted at the end of sending; the rest is read after the final wait.
/// </summary>
internal sealed record LaggardOutcome(FanoutReceiver Member, long BytesRead, double ThrottledSeconds, bool EndedWhileThrottled)
{
    public static LaggardOutcome Capture(FanoutReceiver m, long liftedTicks)
    {
        ClientConnection c = m.Connection;
        ReadThrottle? t = c.Throttle;
        bool ended = c.IsClosed;
        long end = ended ? Math.Min(c.ClosedAtTicks, liftedTicks) : liftedTicks;
        return new LaggardOutcome(m, t?.Consumed ?? 0, t is null ? 0 : FanoutScenario.Seconds(end - t.StartTicks), ended);
    }

    /// <summary>
    /// Metrics <c>laggard_*</c>: bytes read and read rate under the throttle, when the connections
    /// ended, the send time of the last message the cut-off ones got, and two checks that must be 0:
    /// holes in a cut-off laggard's stream (a cut-off ends the stream, it must not skip messages)
    /// and messages missing at a laggard the server kept.
    /// </summary>
    public static void Report(RunReport report, IReadOnlyList<LaggardOutcome> laggards, FanoutRunState run, double limit, long[] sent)
    {
        if (laggards.Count == 0)
        {
            return;
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
            holes += v.Gaps + v.Duplicates + v.Late + v.TooOld;
            double endS = c.IsClosed ? FanoutScenario.Seconds(c.ClosedAtTicks - run.Epoch) : double.NaN;
            double lastMsgS = m.LastIntendedTicks < 0 ? 0 : FanoutScenario.Seconds(m.LastIntendedTicks);
            if (c.IsClosed)
            {
                endMax = Math.Max(endMax, endS);
                lastMsgMax = Math.Max(lastMsgMax, lastMsgS);
            }
            else
            {
                for (int s = 0; s < sent.Length; s++)
                {
                    lostNotCut += v.TailMissing(s, sent[s]);
                }
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

        report.Set("laggard_read_limit_Bps", limit);
        report.Set("laggard_ended_while_throttled", endedThrottled);
        report.Set("laggard_end_s_max", endMax);
        report.Set("laggard_last_msg_s_max", lastMsgMax);
        report.Set("laggard_holes", holes);
        report.Set("laggard_lost_not_cut", lostNotCut);
        if (limit > 0)
        {
            report.Set("laggard_bytes_read", bytes);
            report.Set("laggard_read_Bps_min", rateMin);
            report.Set("laggard_read_Bps_max", rateMax);
        }

        report.Facts["laggards"] = details.ToString().TrimEnd(' ', ';');
    }
}
