using System.Net;
using FastChat.LoadTest.Internal;
using FastChat.LoadTest.Scenarios;

namespace FastChat.LoadTest.Tests;

/// <summary>Runs scenarios in-process with a bounded time, as the CLI does.</summary>
internal static class ScenarioRunner
{
    public static CommonOptions Common(IPEndPoint server, int perSourceAddress = 25_000) =>
        new() { Server = server, ConnectTimeout = TimeSpan.FromSeconds(10), PerSourceAddress = perSourceAddress };

    public static async Task<RunReport> FanoutAsync(IPEndPoint server, FanoutOptions o, int perSourceAddress = 25_000)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        return await FanoutScenario.RunAsync(Common(server, perSourceAddress), o, server, Environment.ProcessId, PlainProgress.Silent, cts.Token);
    }

    public static string Describe(RunReport r) =>
        string.Join(", ", r.Metrics.Select(kv => $"{kv.Key}={kv.Value}")) + " | " + string.Join(" | ", r.Anomalies.Concat(r.Warnings));
}
