using System.Net;
using FastChat.LoadTest.Internal;
using FastChat.LoadTest.Reporting;
using FastChat.LoadTest.Scenarios;

namespace FastChat.LoadTest.Tests.Integration;

/// <summary>Runs scenarios in-process with a bounded time, as the CLI does.</summary>
internal static class ScenarioRunner
{
    private static readonly TimeSpan s_limit = TimeSpan.FromSeconds(60);

    public static CommonOptions Common(ServerNodes servers, int perSourceAddress = 25_000, int clientsPerAddress = 8) =>
        new()
        {
            Targets = servers.EndPoints, ServerPids = servers.Pids, ConnectTimeout = TimeSpan.FromSeconds(10),
            PerSourceAddress = perSourceAddress, ClientsPerAddress = clientsPerAddress,
        };

    /// <summary>Runs <paramref name="entry"/> against <paramref name="server"/>, silently, within 60 s (or <paramref name="limit"/>).</summary>
    public static Task<RunReport> RunAsync<T>(ScenarioEntry<T> entry, IPEndPoint server, T options, int? serverPid = null,
        int perSourceAddress = 25_000, int clientsPerAddress = 8, TimeSpan? limit = null) =>
        RunAsync(entry, ServerNodes.One(server, serverPid), options, perSourceAddress, clientsPerAddress, limit);

    /// <summary>Runs <paramref name="entry"/> against <paramref name="servers"/> (one, or the nodes of a cluster), silently, within 60 s (or <paramref name="limit"/>).</summary>
    public static async Task<RunReport> RunAsync<T>(ScenarioEntry<T> entry, ServerNodes servers, T options,
        int perSourceAddress = 25_000, int clientsPerAddress = 8, TimeSpan? limit = null)
    {
        using var cts = new CancellationTokenSource(limit ?? s_limit);
        return await entry(Common(servers, perSourceAddress, clientsPerAddress), options, servers, PlainProgress.Silent, cts.Token);
    }

    /// <summary>A fanout run, sampling this process as the server (the in-process server and the fakes run here).</summary>
    public static Task<RunReport> FanoutAsync(IPEndPoint server, FanoutOptions o, int perSourceAddress = 25_000, int clientsPerAddress = 8) =>
        RunAsync(FanoutScenario.RunAsync, server, o, Environment.ProcessId, perSourceAddress, clientsPerAddress);

    public static Task<RunReport> ConnectAsync(IPEndPoint server, ConnectOptions o, int clientsPerAddress = 8) =>
        RunAsync(ConnectScenario.RunAsync, server, o, clientsPerAddress: clientsPerAddress);

    public static string Describe(RunReport r) =>
        string.Join(", ", r.Metrics.Select(kv => $"{kv.Key}={kv.Value}")) + " | " + string.Join(" | ", r.Anomalies.Concat(r.Warnings));
}
