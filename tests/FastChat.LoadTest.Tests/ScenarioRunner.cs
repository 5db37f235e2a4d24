using System.Net;
using FastChat.LoadTest.Internal;
using FastChat.LoadTest.Scenarios;

namespace FastChat.LoadTest.Tests;

/// <summary>Runs scenarios in-process with a bounded time, as the CLI does.</summary>
internal static class ScenarioRunner
{
    public static CommonOptions Common(IPEndPoint server, int perSourceAddress = 25_000, int clientsPerAddress = 8) =>
        new() { Server = server, ConnectTimeout = TimeSpan.FromSeconds(10), PerSourceAddress = perSourceAddress, ClientsPerAddress = clientsPerAddress };

    public static async Task<RunReport> FanoutAsync(IPEndPoint server, FanoutOptions o, int perSourceAddress = 25_000, int clientsPerAddress = 8)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        return await FanoutScenario.RunAsync(Common(server, perSourceAddress, clientsPerAddress), o, server, Environment.ProcessId, PlainProgress.Silent, cts.Token);
    }

    public static async Task<RunReport> ConnectAsync(IPEndPoint server, ConnectOptions o, int clientsPerAddress = 8)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        return await ConnectScenario.RunAsync(Common(server, clientsPerAddress: clientsPerAddress), o, server, null, PlainProgress.Silent, cts.Token);
    }

    public static string Describe(RunReport r) =>
        string.Join(", ", r.Metrics.Select(kv => $"{kv.Key}={kv.Value}")) + " | " + string.Join(" | ", r.Anomalies.Concat(r.Warnings));
}
