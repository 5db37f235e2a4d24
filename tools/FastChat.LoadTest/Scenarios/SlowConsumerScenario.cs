using System.Globalization;
using FastChat.LoadTest.Internal;
using FastChat.LoadTest.Reporting;

namespace FastChat.LoadTest.Scenarios;

/// <summary>
/// A fanout run whose last <c>--stalled</c> members stop reading, or read at a throttled rate, once
/// measuring starts (docs/LOADTEST.md, slow-consumer).
/// </summary>
internal static class SlowConsumerScenario
{
    public static async Task<RunReport> RunAsync(CommonOptions common, FanoutOptions o, ServerNodes servers, IProgressView progress, CancellationToken ct)
    {
        RunReport r = await FanoutScenario.RunAsync(common, o, servers, progress, ct);
        r.Scenario = "slow-consumer";
        r.Facts["scenario"] = o.LaggardBytesPerSecond > 0
            ? string.Create(CultureInfo.InvariantCulture, $"slow-consumer: {o.StalledMembers} of {o.Clients} members read at most {o.LaggardBytesPerSecond:F0} bytes/s")
            : $"slow-consumer: {o.StalledMembers} of {o.Clients} members stop reading";
        return r;
    }
}
