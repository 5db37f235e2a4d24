using System.CommandLine;
using System.Globalization;
using System.Net;
using FastChat.LoadTest;
using FastChat.LoadTest.Internal;
using FastChat.LoadTest.Reporting;
using Spectre.Console;

// Socket continuations run on the epoll threads instead of hopping to the thread pool: the receive
// path is short and never blocks, so the hop is overhead (docs/LOADTEST.md, engine notes). Read once
// by the socket engine, so it is set before the first socket exists; a value the user set wins. A
// --spawn'ed server does not get it (SpawnedServer).
if (Environment.GetEnvironmentVariable(Cli.InlineCompletionsVariable) is null)
{
    Environment.SetEnvironmentVariable(Cli.InlineCompletionsVariable, "1");
    Cli.InlineCompletionsSetByTool = true;
}

return await Cli.RunAsync(args);

/// <summary>The command line: one subcommand per scenario, shared options on the root (recursive).</summary>
internal static class Cli
{
    public const int ExitOk = 0;
    public const int ExitAssertFailed = 1;
    public const int ExitUsage = 2;
    public const int ExitAborted = 3;

    public const string InlineCompletionsVariable = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";

    public static bool InlineCompletionsSetByTool { get; set; }

    private static readonly Option<string?> s_target = new("--target") { Description = "server URL: fastchat://127.0.0.1:6000 (default), redis://127.0.0.1:6379, nats://127.0.0.1:4222; a comma list of fastchat:// URLs spreads the members round-robin over the nodes of one cluster room", Recursive = true };
    private static readonly Option<string> s_host = new("--host") { Description = "server address (when --target is not given)", DefaultValueFactory = _ => "127.0.0.1", Recursive = true };
    private static readonly Option<string> s_port = new("--port") { Description = "server port (when --target is not given); a comma list (7001,7002,7003): the nodes of one cluster room, members round-robin", DefaultValueFactory = _ => "6000", Recursive = true };
    private static readonly Option<string?> s_spawn = new("--spawn") { Description = "start this FastChat.Server.dll (or executable) on port 0 for the run and sample its RSS/CPU; flood control off (--max-lines-per-second 0) except for attack, unless --server-arg sets it", Recursive = true };
    private static readonly Option<string[]> s_serverArg = new("--server-arg") { Description = "extra argument for the spawned server (repeatable), e.g. --server-arg=--max-clients=50", Recursive = true, AllowMultipleArgumentsPerToken = false };
    private static readonly Option<string?> s_serverPid = new("--server-pid") { Description = "sample this server process's RSS and CPU from /proc; with several servers a comma list, one pid per server in their order", Recursive = true };
    private static readonly Option<string?> s_out = new("--out") { Description = "write report.md, report.json, timeline.csv, metrics.csv, *.hgrm, charts and report.html here", Recursive = true };
    private static readonly Option<string[]> s_assert = new("--assert") { Description = "threshold, repeatable: p99<20ms, lost=0, dup=0, order=ok, deliveries/s>1M", Recursive = true };
    private static readonly Option<int> s_connectConcurrency = new("--connect-concurrency") { Description = "max simultaneous handshakes", DefaultValueFactory = _ => 128, Recursive = true };
    private static readonly Option<double> s_connectTimeout = new("--connect-timeout") { Description = "seconds for one connection to become ready", DefaultValueFactory = _ => 20, Recursive = true };
    private static readonly Option<int> s_perAddress = new("--per-source-address") { Description = "at most this many connections per loopback source address whatever --clients-per-address is (ephemeral ports)", DefaultValueFactory = _ => 25_000, Recursive = true };
    private static readonly Option<int> s_clientsPerAddress = new("--clients-per-address") { Description = "loopback IPv4 servers: connections per source address 127.x.y.z (bound before connecting) so the server's per-address cap (default 10) refuses none; 0 = all from the default address", DefaultValueFactory = _ => 8, Recursive = true };
    private static readonly Option<int> s_recvBuffer = new("--recv-buffer") { Description = "receive buffer bytes per connection (default: 64 MB / connections, 4-32 KB)", Recursive = true };
    private static readonly Option<bool> s_json = new("--json") { Description = "print the JSON report on stdout (progress on stderr)", Recursive = true };
    private static readonly Option<bool> s_quiet = new("--quiet") { Description = "no progress output", Recursive = true };
    private static readonly Option<double> s_maxTime = new("--max-time") { Description = "hard cap for the whole run, seconds", DefaultValueFactory = _ => 600, Recursive = true };

    public static async Task<int> RunAsync(string[] args)
    {
        var root = new RootCommand("fastchat-loadtest: load generator and delivery verifier for FastChat (and Redis/NATS pub/sub for comparison)");
        foreach (Option o in new Option[] { s_target, s_host, s_port, s_spawn, s_serverArg, s_serverPid, s_out, s_assert, s_connectConcurrency, s_connectTimeout, s_perAddress, s_clientsPerAddress, s_recvBuffer, s_json, s_quiet, s_maxTime })
        {
            root.Options.Add(o);
        }

        foreach (Command c in ScenarioCommands.All(ExecuteAsync))
        {
            root.Subcommands.Add(c);
        }

        ParseResult parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (System.CommandLine.Parsing.ParseError e in parsed.Errors)
            {
                await Console.Error.WriteLineAsync("error: " + e.Message);
            }

            await Console.Error.WriteLineAsync("see: fastchat-loadtest --help");
            return ExitUsage;
        }

        return await parsed.InvokeAsync();
    }

    private static async Task<int> ExecuteAsync(ScenarioRun scenario, ParseResult pr, string[] spawnArgs, bool keepFloodControl)
    {
        CommonOptions common;
        List<Assertion> asserts;
        ServerNodes servers;
        try
        {
            (TargetKind kind, IReadOnlyList<IPEndPoint> targets) = TargetList.Parse(pr.GetValue(s_target), pr.GetValue(s_host)!, pr.GetValue(s_port)!);
            common = new CommonOptions
            {
                Targets = targets,
                Target = kind,
                Spawn = pr.GetValue(s_spawn),
                ServerArgs = pr.GetValue(s_serverArg) ?? [],
                ServerPids = TargetList.ParsePids(pr.GetValue(s_serverPid)),
                OutDir = pr.GetValue(s_out),
                Asserts = pr.GetValue(s_assert) ?? [],
                ConnectConcurrency = pr.GetValue(s_connectConcurrency),
                ConnectTimeout = TimeSpan.FromSeconds(pr.GetValue(s_connectTimeout)),
                PerSourceAddress = pr.GetValue(s_perAddress),
                ClientsPerAddress = pr.GetValue(s_clientsPerAddress),
                ReceiveBufferBytes = pr.GetValue(s_recvBuffer),
                Json = pr.GetValue(s_json),
                Quiet = pr.GetValue(s_quiet),
                MaxTime = TimeSpan.FromSeconds(pr.GetValue(s_maxTime)),
            };
            asserts = common.Asserts.Select(Assertion.Parse).ToList();
            if (common.ClientsPerAddress < 0 || common.PerSourceAddress < 1)
            {
                throw new ArgumentException("--clients-per-address must be 0 or more and --per-source-address at least 1");
            }

            if (common.Spawn is not null && common.Targets.Count > 1)
            {
                throw new ArgumentException("--spawn starts one server: start the nodes yourself and pass their list (--target or --port), with --server-pid to sample them");
            }

            servers = new ServerNodes(common.Targets, common.ServerPids);

        }
        catch (Exception e) when (e is FormatException or ArgumentException or UriFormatException)
        {
            await Console.Error.WriteLineAsync("error: " + e.Message);
            return ExitUsage;
        }

        RunReport report;
        SpawnedServer? spawned = null;
        try
        {
            string? spawnNote = null;
            if (common.Spawn is not null)
            {
                (List<string> args, spawnNote) = SpawnArguments.Build(spawnArgs, common.ServerArgs, keepFloodControl);
                spawned = await SpawnedServer.StartAsync(common.Spawn, args, TimeSpan.FromSeconds(30));
                servers = ServerNodes.One(spawned.EndPoint, spawned.Pid);
                if (!common.Quiet)
                {
                    await Console.Error.WriteLineAsync($"spawned server pid {spawned.Pid} listening on {spawned.EndPoint}: {string.Join(' ', args.Prepend("--port 0"))}");
                    if (spawnNote is not null)
                    {
                        await Console.Error.WriteLineAsync("note: " + spawnNote);
                    }
                }
            }

            using var cts = new CancellationTokenSource(common.MaxTime);
            bool live = !common.Quiet && !common.Json && !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive;
            IProgressView plain = common.Quiet ? PlainProgress.Silent : new PlainProgress(common.Json ? Console.Error : Console.Out);
            report = live
                ? await SpectreProgress.RunAsync(view => scenario(common, servers, view, cts.Token))
                : await scenario(common, servers, plain, cts.Token);
            report.Facts["server"] = spawned is not null ? $"spawned {common.Spawn} (pid {spawned.Pid})" : servers.Describe();
            if (spawnNote is not null)
            {
                report.Facts["server_limits"] = spawnNote;
            }
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            await Console.Error.WriteLineAsync("error: " + e.Message);
            return ExitUsage;
        }
        catch (OperationCanceledException)
        {
            await Console.Error.WriteLineAsync("error: the run exceeded --max-time");
            return ExitAborted;
        }
        finally
        {
            if (spawned is not null)
            {
                await spawned.DisposeAsync();
            }
        }

        foreach (Assertion a in asserts)
        {
            (bool ok, string line) = a.Evaluate(report.Metrics);
            (ok ? report.AssertionPasses : report.AssertionFailures).Add(line);
        }

        if (common.OutDir is not null)
        {
            List<string> files = ReportWriter.WriteAll(report, common.OutDir);
            if (!common.Quiet)
            {
                await Console.Error.WriteLineAsync($"report: {files.Count} files in {common.OutDir}");
            }
        }

        if (common.Json)
        {
            Console.WriteLine(ReportWriter.Json(report));
        }
        else if (!common.Quiet)
        {
            Summary.Print(report);
        }

        foreach (string f in report.AssertionFailures)
        {
            await Console.Error.WriteLineAsync(f);
        }

        return report.Aborted ? ExitAborted : report.AssertionFailures.Count > 0 ? ExitAssertFailed : ExitOk;
    }
}
