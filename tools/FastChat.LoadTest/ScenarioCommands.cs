using System.CommandLine;
using System.Globalization;
using FastChat.LoadTest.Internal;
using FastChat.LoadTest.Reporting;
using FastChat.LoadTest.Scenarios;

namespace FastChat.LoadTest;

/// <summary>Runs one scenario against the resolved servers (one, or the nodes of a cluster).</summary>
internal delegate Task<RunReport> ScenarioRun(CommonOptions common, ServerNodes servers, IProgressView progress, CancellationToken ct);

/// <summary>A scenario's entry point: its options, then what every run gets.</summary>
internal delegate Task<RunReport> ScenarioEntry<in TOptions>(CommonOptions common, TOptions options, ServerNodes servers, IProgressView progress, CancellationToken ct);

/// <summary>Runs a scenario from the command line: <paramref name="spawnArgs"/> go to a spawned server, which
/// gets flood control turned off unless <paramref name="keepFloodControl"/> (see <see cref="SpawnArguments"/>).</summary>
internal delegate Task<int> ScenarioExecutor(ScenarioRun scenario, ParseResult parsed, string[] spawnArgs, bool keepFloodControl = false);

/// <summary>The scenario subcommands and their options.</summary>
internal static class ScenarioCommands
{
    public static IEnumerable<Command> All(ScenarioExecutor execute)
    {
        yield return Fanout(execute);
        yield return SlowConsumer(execute);
        yield return Overflow(execute);
        yield return Connect(execute);
        yield return Chat(execute);
        yield return Soak(execute);
        yield return Attack(execute);
        yield return BenchVerify();
    }

    private static Command BenchVerify()
    {
        var cmd = new Command("bench-verify", "measure how many deliveries/s one core of this tool can frame, parse, verify and record (no sockets)");
        var senders = Opt("--senders", "senders interleaved in the stream", 4);
        var size = Opt("--size", "payload bytes", 32);
        var seconds = Opt("--duration", "seconds of measured work", 3.0);
        AddOptions(cmd, senders, size, seconds);
        cmd.SetAction(pr =>
        {
            var (rate, ns, lost) = VerifyBenchmark.Run(pr.GetValue(senders), pr.GetValue(size), TimeSpan.FromSeconds(pr.GetValue(seconds)));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"one core verifies {rate:N0} deliveries/s ({ns:F1} ns per delivery; framing + parse + verify + 2 histogram records; lost={lost})"));
            return lost == 0 ? 0 : 1;
        });
        return cmd;
    }

    private static Option<T> Opt<T>(string name, string description, T defaultValue) =>
        new(name) { Description = description, DefaultValueFactory = _ => defaultValue };

    /// <summary>The scenario run with these options.</summary>
    private static ScenarioRun With<T>(ScenarioEntry<T> entry, T options) =>
        (common, servers, progress, ct) => entry(common, options, servers, progress, ct);

    private static void AddOptions(Command cmd, params Option[] options)
    {
        foreach (Option o in options)
        {
            cmd.Options.Add(o);
        }
    }

    private static Command Fanout(ScenarioExecutor execute)
    {
        var cmd = new Command("fanout", "N members, K senders: deliveries/s, messages/s, MB/s, latency; every delivery verified");
        Func<ParseResult, FanoutOptions> read = AddFanoutOptions(cmd, new FanoutOptions());
        cmd.SetAction((pr, _) =>
        {
            FanoutOptions o = read(pr);
            return execute(With(FanoutScenario.RunAsync, o), pr, []);
        });
        return cmd;
    }

    private static Command SlowConsumer(ScenarioExecutor execute)
    {
        var cmd = new Command("slow-consumer", "some members stop reading or read at a throttled rate while the rest chat: healthy members keep full delivery, laggards are cut off, server RSS stays bounded");
        Func<ParseResult, FanoutOptions> read = AddFanoutOptions(cmd, new FanoutOptions { Clients = 50, Senders = 2, Rate = 20_000, Size = 256, Duration = TimeSpan.FromSeconds(10), Warmup = TimeSpan.FromSeconds(1) });
        var stalled = Opt("--stalled", "laggards: members that stop reading (or read slowly, see --throttle-bytes-per-sec) when sending starts (the last ones)", 5);
        var rcvbuf = Opt("--stalled-rcvbuf", "SO_RCVBUF of the laggards (bytes)", 4096);
        var throttle = Opt("--throttle-bytes-per-sec", "laggards read at most this many bytes/s (token bucket) instead of stopping; 0 = stop reading", 0.0);
        throttle.Validators.Add(v =>
        {
            if (v.GetValue(throttle) < 0)
            {
                v.AddError("--throttle-bytes-per-sec must be 0 (stop reading) or positive");
            }
        });
        AddOptions(cmd, stalled, rcvbuf, throttle);
        cmd.SetAction((pr, _) =>
        {
            FanoutOptions o = read(pr) with
            {
                StalledMembers = pr.GetValue(stalled),
                StalledReceiveBuffer = pr.GetValue(rcvbuf),
                LaggardBytesPerSecond = pr.GetValue(throttle),
            };
            return execute(With(SlowConsumerScenario.RunAsync, o), pr, []);
        });
        return cmd;
    }

    private static Command Overflow(ScenarioExecutor execute)
    {
        var cmd = new Command("overflow", "more clients than --max-clients: exactly the excess gets FULL, nobody else is disturbed, slots are reused");
        var max = Opt("--max-clients", "the server's --max-clients (passed to a --spawn'ed server)", 100);
        var excess = Opt("--excess", "connections beyond the limit", 10);
        var messages = Opt("--messages", "messages broadcast afterwards to check the members", 100);
        AddOptions(cmd, max, excess, messages);
        cmd.SetAction((pr, _) =>
        {
            var o = new OverflowOptions { MaxClients = pr.GetValue(max), Excess = pr.GetValue(excess), Messages = pr.GetValue(messages) };
            return execute(With(OverflowScenario.RunAsync, o), pr, ["--max-clients", o.MaxClients.ToString(CultureInfo.InvariantCulture)]);
        });
        return cmd;
    }

    private static Command Connect(ScenarioExecutor execute)
    {
        var cmd = new Command("connect", "connection storm and churn: connect rate, time to WELCOME, successes, member-set consistency");
        var clients = Opt("--clients", "connections in the storm", 1000);
        var churn = Opt("--churn", "seconds of churn after the storm (0 = none)", 0.0);
        var churnRate = Opt("--churn-rate", "members replaced per second during churn", 100.0);
        AddOptions(cmd, clients, churn, churnRate);
        cmd.SetAction((pr, _) =>
        {
            var o = new ConnectOptions { Clients = pr.GetValue(clients), ChurnSeconds = pr.GetValue(churn), ChurnRate = pr.GetValue(churnRate) };
            return execute(With(ConnectScenario.RunAsync, o), pr, []);
        });
        return cmd;
    }

    private static Command Chat(ScenarioExecutor execute)
    {
        var cmd = new Command("chat", "rooms-like traffic: ramped joins, think times, leave/rejoin; JOIN/LEAVE/USERS consistency and latency");
        var d = new ChatOptions();
        var clients = Opt("--clients", "members", d.Clients);
        var ramp = Opt("--ramp", "seconds over which members join", d.Ramp.TotalSeconds);
        var duration = Opt("--duration", "seconds of chatting after the ramp", d.Duration.TotalSeconds);
        var think = Opt("--think-ms", "mean think time between a member's messages (exponential)", d.Think.TotalMilliseconds);
        var leave = Opt("--leave-probability", "chance a member leaves after a message (then rejoins)", d.LeaveProbability);
        var away = Opt("--away-ms", "time away before rejoining", d.Away.TotalMilliseconds);
        var size = Opt("--size", "payload bytes", d.Size);
        AddOptions(cmd, clients, ramp, duration, think, leave, away, size);

        cmd.SetAction((pr, _) =>
        {
            var o = new ChatOptions
            {
                Clients = pr.GetValue(clients),
                Ramp = TimeSpan.FromSeconds(pr.GetValue(ramp)),
                Duration = TimeSpan.FromSeconds(pr.GetValue(duration)),
                Think = TimeSpan.FromMilliseconds(pr.GetValue(think)),
                LeaveProbability = pr.GetValue(leave),
                Away = TimeSpan.FromMilliseconds(pr.GetValue(away)),
                Size = pr.GetValue(size),
            };
            return execute(With(ChatScenario.RunAsync, o), pr, []);
        });
        return cmd;
    }

    private static Command Soak(ScenarioExecutor execute)
    {
        var cmd = new Command("soak", "a steady open-model load for a long time; samples server RSS and CPU every second (see timeline.csv, server-rss.png)");
        Func<ParseResult, FanoutOptions> read = AddFanoutOptions(cmd, new FanoutOptions { Clients = 200, Senders = 4, Rate = 2000, Duration = TimeSpan.FromSeconds(300), Warmup = TimeSpan.FromSeconds(5) });
        cmd.SetAction((pr, _) =>
        {
            FanoutOptions o = read(pr);
            return execute(With(SoakScenario.RunAsync, o), pr, []);
        });
        return cmd;
    }

    private static Command Attack(ScenarioExecutor execute)
    {
        var cmd = new Command("attack", "an honest room measured alone, then while attacks run (flood, slowloris, per-address exhaustion, amplification, other protocols): honest latency/loss/order side by side and the server's answer to each attack");
        var d = new AttackOptions();
        var clients = Opt("--clients", "honest members", d.Clients);
        var senders = Opt("--senders", "honest senders (members 0..K-1); each sends --rate/K, which must stay under 80 % of --server-line-rate", d.Senders);
        var rate = Opt("--rate", "honest messages per second over all senders (open model)", d.Rate);
        var size = Opt("--size", "honest payload bytes", d.Size);
        var warmup = Opt("--warmup", "seconds of honest traffic before the baseline", d.Warmup.TotalSeconds);
        var phase = Opt("--phase", "seconds of each measured phase: the baseline, then the same under attack", d.Phase.TotalSeconds);
        var drain = Opt("--drain", "seconds to wait for in-flight honest messages at the end", d.Drain.TotalSeconds);
        var timeout = Opt("--attack-timeout", "seconds from the start of the attacks after which the tool stops waiting for the server's answers and closes what is left", d.AttackTimeout.TotalSeconds);
        var which = Opt<string?>("--attacks", $"comma list of {string.Join(",", AttackOptions.AllAttacks)}, or all, or none", "all");
        var flooders = Opt("--flooders", "flood: members sending as fast as they can", d.Flooders);
        var slowloris = Opt("--slowloris", "slowloris: connections dribbling one partial line", d.Slowloris);
        var slowInterval = Opt("--slowloris-interval", "slowloris: seconds between two bytes", d.SlowlorisInterval.TotalSeconds);
        var exhaust = Opt("--exhaust", "per-address exhaustion: connections from one source address", d.Exhaust);
        var amplifiers = Opt("--amplifiers", "amplification: members sending /users without reading", d.Amplifiers);
        var foreign = Opt("--foreign", "other protocols: connections sending a TLS ClientHello or an HTTP POST, in turn", d.Foreign);
        var lineRate = Opt("--server-line-rate", "the server's --max-lines-per-second (0 = none): bounds the honest rate and what a flood may get relayed (a spawned server's own --server-arg value wins)", d.ServerLineRate);
        var burst = Opt("--server-burst", "the server's --burst (a spawned server's own --server-arg value wins)", d.ServerBurst);
        AddOptions(cmd, clients, senders, rate, size, warmup, phase, drain, timeout, which, flooders, slowloris, slowInterval, exhaust, amplifiers, foreign, lineRate, burst);

        cmd.SetAction((pr, _) =>
        {
            var o = new AttackOptions
            {
                Clients = pr.GetValue(clients),
                Senders = pr.GetValue(senders),
                Rate = pr.GetValue(rate),
                Size = pr.GetValue(size),
                Warmup = TimeSpan.FromSeconds(pr.GetValue(warmup)),
                Phase = TimeSpan.FromSeconds(pr.GetValue(phase)),
                Drain = TimeSpan.FromSeconds(pr.GetValue(drain)),
                AttackTimeout = TimeSpan.FromSeconds(pr.GetValue(timeout)),
                Flooders = pr.GetValue(flooders),
                Slowloris = pr.GetValue(slowloris),
                SlowlorisInterval = TimeSpan.FromSeconds(pr.GetValue(slowInterval)),
                Exhaust = pr.GetValue(exhaust),
                Amplifiers = pr.GetValue(amplifiers),
                Foreign = pr.GetValue(foreign),
                ServerLineRate = pr.GetValue(lineRate),
                ServerBurst = pr.GetValue(burst),
            };

            // The attack needs the server's limits as they are: a spawned server keeps its flood control.
            string? attacks = pr.GetValue(which);
            return execute((c, s, view, ct) =>
            {
                AttackOptions effective = c.Spawn is null ? o with { Attacks = AttackOptions.ParseAttacks(attacks) } : o with
                {
                    Attacks = AttackOptions.ParseAttacks(attacks),
                    ServerLineRate = SpawnArguments.Number(c.ServerArgs, SpawnArguments.LineRateOption) ?? o.ServerLineRate,
                    ServerBurst = (int)(SpawnArguments.Number(c.ServerArgs, "--burst") ?? o.ServerBurst),
                };
                return AttackScenario.RunAsync(c, effective, s, view, ct);
            }, pr, [], keepFloodControl: true);
        });
        return cmd;
    }

    /// <summary>Adds the fanout options (with the given defaults) to a command; returns their reader.</summary>
    private static Func<ParseResult, FanoutOptions> AddFanoutOptions(Command cmd, FanoutOptions d)
    {
        var clients = Opt("--clients", "members (receiver connections)", d.Clients);
        var senders = Opt("--senders", "senders: FastChat members 0..K-1; Redis/NATS extra publish-only connections", d.Senders);
        var rate = Opt("--rate", "open model: total msg/s over all senders (0 = closed model)", d.Rate);
        var stages = Opt<string?>("--stages", "open model ramp: RATE:SECONDS,... e.g. 1000:5,5000:10 (overrides --rate)", null);
        var window = Opt("--window", "closed model: messages in flight per sender (sent, not yet seen by the probe)", d.Window);
        var probe = Opt("--probe", "window probe receiver index (-1 = last healthy member)", d.Probe);
        var size = Opt("--size", "payload bytes", d.Size);
        var duration = Opt("--duration", "measured seconds", d.Duration.TotalSeconds);
        var warmup = Opt("--warmup", "warm-up seconds (not measured)", d.Warmup.TotalSeconds);
        var drain = Opt("--drain", "seconds to wait for in-flight messages after sending stops", d.Drain.TotalSeconds);
        var sample = Opt("--order-sample", "messages in the same-order / fan-out spread sample", d.OrderSample);
        var channel = Opt("--channel", "Redis channel / NATS subject", d.Channel);
        var churnRate = Opt("--churn-rate", "FastChat: extra members joining per second while sending (each leaves after --churn-hold); 0 = none", d.ChurnRate);
        var churnHold = Opt("--churn-hold", "seconds each churning member stays", d.ChurnHold.TotalSeconds);
        AddOptions(cmd, clients, senders, rate, stages, window, probe, size, duration, warmup, drain, sample, channel, churnRate, churnHold);

        return pr => new FanoutOptions
        {
            Clients = pr.GetValue(clients),
            Senders = pr.GetValue(senders),
            Rate = pr.GetValue(rate),
            Stages = ParseStages(pr.GetValue(stages)),
            Window = pr.GetValue(window),
            Probe = pr.GetValue(probe),
            Size = pr.GetValue(size),
            Duration = TimeSpan.FromSeconds(pr.GetValue(duration)),
            Warmup = TimeSpan.FromSeconds(pr.GetValue(warmup)),
            Drain = TimeSpan.FromSeconds(pr.GetValue(drain)),
            OrderSample = pr.GetValue(sample),
            Channel = pr.GetValue(channel)!,
            ChurnRate = pr.GetValue(churnRate),
            ChurnHold = TimeSpan.FromSeconds(pr.GetValue(churnHold)),
        };
    }

    /// <summary>Parses <c>RATE:SECONDS,RATE:SECONDS,...</c>; the last stage may omit its duration (runs to the end).</summary>
    public static IReadOnlyList<RateStage> ParseStages(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return [];
        }

        var list = new List<RateStage>();
        string[] parts = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        for (int i = 0; i < parts.Length; i++)
        {
            string[] rs = parts[i].Split(':');
            double r = double.Parse(rs[0], CultureInfo.InvariantCulture);
            TimeSpan d = rs.Length > 1 ? TimeSpan.FromSeconds(double.Parse(rs[1], CultureInfo.InvariantCulture)) : Timeout.InfiniteTimeSpan;
            list.Add(new RateStage(r, d));
        }

        if (list[^1].Duration != Timeout.InfiniteTimeSpan)
        {
            // After the last stage the final rate simply continues until the run ends.
            list.Add(list[^1] with { Duration = Timeout.InfiniteTimeSpan });
        }

        return list;
    }
}
