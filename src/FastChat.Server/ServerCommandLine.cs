using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace FastChat.Server;

/// <summary>
/// The server's command line: every option of <see cref="ChatServerOptions"/>, parsed into
/// configuration overrides (the command line wins over environment and appsettings.json). Only the
/// format of a value is checked here; its range is checked once, by <see cref="ChatServerOptions.Validate"/>.
/// </summary>
internal static class ServerCommandLine
{
    private enum Kind
    {
        Text,
        Integer,
        Number,
        Seconds,
    }

    private sealed record Spec(string Name, string Key, Kind Kind, string Description);

    private static readonly Spec[] Specs =
    [
        new("--bind", nameof(ChatServerOptions.Bind), Kind.Text, "Address to listen on: 127.0.0.1 (default), 0.0.0.0, :: or ::1."),
        new("--port", nameof(ChatServerOptions.Port), Kind.Integer, "TCP port (default 6000; 0 picks a free port)."),
        new("--max-clients", nameof(ChatServerOptions.MaxClients), Kind.Integer, "Members admitted at once; the next gets FULL (default 10000)."),
        new("--max-clients-per-address", nameof(ChatServerOptions.MaxClientsPerAddress), Kind.Integer, "Connections one address (IPv6: one /64) may hold; the next gets FULL <n> per-address (default 10; 0 = no limit)."),
        new("--max-line-length", nameof(ChatServerOptions.MaxLineLength), Kind.Integer, "Longest client line in bytes, without CR/LF (default 1024)."),
        new("--max-pending-bytes", nameof(ChatServerOptions.MaxPendingBytes), Kind.Integer, "Unsent output per member before it is cut off as a slow consumer (default 4194304)."),
        new("--max-total-pending-bytes", nameof(ChatServerOptions.MaxTotalPendingBytes), Kind.Integer, "Unsent output across all members; over it the member furthest behind is cut off (default 268435456; 0 = no limit)."),
        new("--max-lines-per-second", nameof(ChatServerOptions.MaxLinesPerSecond), Kind.Number, "Lines per second a member may send on average; faster lines wait (default 25; 0 = no flood control)."),
        new("--burst", nameof(ChatServerOptions.Burst), Kind.Integer, "Lines a member may send at once above that rate (default 50)."),
        new("--flood-timeout", nameof(ChatServerOptions.FloodTimeout), Kind.Seconds, "Seconds a member may stay over the rate before BYE flood (default 10)."),
        new("--registration-timeout", nameof(ChatServerOptions.RegistrationTimeout), Kind.Seconds, "Seconds after WELCOME before a member that has sent nothing is sent PING (default 5; 0 = never)."),
        new("--idle-timeout", nameof(ChatServerOptions.IdleTimeout), Kind.Seconds, "Seconds of silence before a member is sent PING (default 60; 0 = never)."),
        new("--pong-timeout", nameof(ChatServerOptions.PongTimeout), Kind.Seconds, "Seconds a member has to answer a PING with any line (default 10)."),
        new("--line-timeout", nameof(ChatServerOptions.LineTimeout), Kind.Seconds, "Seconds a started line may take to end (default 10; 0 = no limit)."),
        new("--drain-timeout", nameof(ChatServerOptions.DrainTimeout), Kind.Seconds, "Seconds a leaving member (or every member at shutdown) gets to take its last bytes (default 5)."),
        new("--stats-interval", nameof(ChatServerOptions.StatsInterval), Kind.Seconds, "Seconds between stats log lines; 0 turns them off (default 10)."),
        new("--backlog", nameof(ChatServerOptions.Backlog), Kind.Integer, "Length of the kernel's accept queue (default 4096)."),
        new("--fan-out-threads", nameof(ChatServerOptions.FanOutThreads), Kind.Integer, "Threads that send broadcasts, each to its own share of the members (default 1)."),
        new("--cluster", nameof(ChatServerOptions.Cluster), Kind.Text, "NATS servers (nats://host:port, comma-separated): run as a node of a cluster whose order is a JetStream stream."),
        new("--node-id", nameof(ChatServerOptions.NodeId), Kind.Text, "This node's name in the cluster; member ids start with it (default: a random one)."),
        new("--room", nameof(ChatServerOptions.Room), Kind.Text, "The room, which names the cluster's stream (default chat)."),
        new("--cluster-storage", nameof(ChatServerOptions.ClusterStorage), Kind.Text, "Where the stream keeps messages: file (default) or memory."),
        new("--cluster-replicas", nameof(ChatServerOptions.ClusterReplicas), Kind.Integer, "Copies of the stream across NATS servers (default 1; 3 for Raft replication)."),
        new("--cluster-max-age", nameof(ChatServerOptions.ClusterMaxAge), Kind.Seconds, "Seconds the stream keeps a message (default 86400)."),
        new("--cluster-max-messages", nameof(ChatServerOptions.ClusterMaxMessages), Kind.Integer, "Messages the stream keeps at most (default 1000000)."),
        new("--node-timeout", nameof(ChatServerOptions.NodeTimeout), Kind.Seconds, "Seconds without a node's heartbeat before its members leave (default 5)."),
    ];

    /// <summary>The root command and a function that turns a parse into configuration overrides.</summary>
    public static RootCommand Create(out Func<ParseResult, Dictionary<string, string?>> overridesOf)
    {
        var root = new RootCommand("FastChat server: a TCP chat server speaking FastChat protocol v1 (docs/PROTOCOL.md).")
        {
            TreatUnmatchedTokensAsErrors = false, // worded by Errors, with a did-you-mean
        };
        var options = new List<(Option<string?> Option, Spec Spec)>();
        foreach (Spec spec in Specs)
        {
            var option = new Option<string?>(spec.Name)
            {
                Description = spec.Description,
                HelpName = spec.Kind switch { Kind.Seconds => "seconds", Kind.Text => "value", _ => "n" },
            };
            option.Validators.Add(result => CheckFormat(result, spec));
            root.Options.Add(option);
            options.Add((option, spec));
        }

        overridesOf = parsed =>
        {
            var overrides = new Dictionary<string, string?>();
            foreach ((Option<string?> option, Spec spec) in options)
            {
                if (parsed.GetValue(option) is string text)
                {
                    overrides[$"{ChatServerOptions.SectionName}:{spec.Key}"] = spec.Kind == Kind.Seconds
                        ? Seconds(text).ToString("c", CultureInfo.InvariantCulture)
                        : text;
                }
            }

            return overrides;
        };
        return root;
    }

    /// <summary>
    /// One <c>error: </c> line per problem of the command line (empty when it parsed); an unknown
    /// option names the closest known one.
    /// </summary>
    public static List<string> Errors(ParseResult parsed)
    {
        var lines = new List<string>();
        foreach (ParseError error in parsed.Errors)
        {
            lines.Add($"error: {error.Message}");
        }

        bool afterUnknownOption = false;
        foreach (string token in parsed.UnmatchedTokens)
        {
            bool isOption = token.StartsWith('-');
            if (!isOption && afterUnknownOption)
            {
                continue; // the value of the unknown option just reported: one line per mistake
            }

            afterUnknownOption = isOption;
            string? closest = isOption ? Closest(token) : null;
            lines.Add(!isOption ? $"error: unexpected argument '{token}'; the server takes options only (see --help)."
                : closest is null ? $"error: unknown option '{token}'; see --help."
                : $"error: unknown option '{token}' (did you mean {closest}?); see --help.");
        }

        return lines;
    }

    private static void CheckFormat(OptionResult result, Spec spec)
    {
        string text = result.Tokens.Count > 0 ? result.Tokens[^1].Value : "";
        bool ok = spec.Kind switch
        {
            Kind.Integer => long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _),
            Kind.Number or Kind.Seconds => double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value)
                && double.IsFinite(value),
            _ => text.Length > 0,
        };
        if (!ok)
        {
            string expected = spec.Kind switch
            {
                Kind.Integer => "a whole number",
                Kind.Number => "a number",
                Kind.Seconds => "a number of seconds",
                _ => "a value",
            };
            result.AddError($"{spec.Name} must be {expected}, not '{text}'.");
        }
    }

    // Clamped so that any number fits a TimeSpan; whether it is sensible is Validate's to say.
    private static TimeSpan Seconds(string text) =>
        TimeSpan.FromSeconds(Math.Clamp(double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture), -1e9, 1e9));

    // The known option at the smallest edit distance, if it is close enough to be a typo.
    private static string? Closest(string token)
    {
        string? best = null;
        int bestDistance = int.MaxValue;
        foreach (Spec spec in Specs)
        {
            int distance = EditDistance(token, spec.Name);
            if (distance < bestDistance)
            {
                (best, bestDistance) = (spec.Name, distance);
            }
        }

        return bestDistance <= Math.Max(2, token.Length / 4) ? best : null;
    }

    private static int EditDistance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (int i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                int substitute = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
                current[j] = Math.Min(substitute, Math.Min(previous[j], current[j - 1]) + 1);
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }
}
