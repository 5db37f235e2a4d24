using FastChat.LoadTest.Internal;
using FastChat.LoadTest.Reporting;
using FastChat.LoadTest.Scenarios.Phases;

namespace FastChat.LoadTest.Scenarios;

/// <summary>
/// The headline measurement, with every delivery verified (docs/LOADTEST.md, fanout); slow-consumer and
/// soak are fanout runs too.
/// </summary>
internal static class FanoutScenario
{
    public static async Task<RunReport> RunAsync(CommonOptions common, FanoutOptions o, ServerNodes servers, IProgressView progress, CancellationToken ct)
    {
        FanoutTarget target = Validate(common, o);
        var report = new RunReport("fanout");
        await WarmUpReceivePathAsync(o, ct);
        await using var run = new FanoutRun(new ScenarioContext(common, servers, report, progress), o, target);

        FanoutRoom? room = await run.ConnectAsync(ct);
        if (room is null)
        {
            return report; // aborted: a sender could not connect
        }

        await run.SettleAsync(room, ct);
        FanoutSending sending = await run.SendAsync(room, ct);
        DrainResult drained = await run.DrainAsync(room, sending, ct);
        IReadOnlyList<LaggardOutcome> laggards = await run.ReleaseLaggardsAsync(room, drained, ct);
        run.Report(room, sending, drained, laggards);
        await run.CloseAsync(room);
        return report;
    }

    private static FanoutTarget Validate(CommonOptions common, FanoutOptions o)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(o.Clients);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(o.Senders);
        FanoutTarget target = FanoutTarget.Create(common.Target, o.Channel);
        if (target.SendersAreMembers && o.Senders > o.Clients)
        {
            throw new ArgumentException("--senders must not exceed --clients (FastChat senders are members)");
        }

        return target;
    }

    /// <summary>
    /// Runs the receive path before the clock starts: tier-0 code falls behind at high delivery rates
    /// (docs/LOADTEST.md, how fast is the tool itself).
    /// </summary>
    private static async Task WarmUpReceivePathAsync(FanoutOptions o, CancellationToken ct)
    {
        VerifyBenchmark.Run(Math.Max(1, Math.Min(o.Senders, 16)), o.Size, TimeSpan.FromMilliseconds(300));
        await Task.Delay(200, ct); // let the background tier-1 compiles finish
    }
}
