using FastChat.LoadTest.Scenarios.Attacks;

namespace FastChat.LoadTest.Scenarios;

/// <summary>Options of the attack scenario: the honest room, the two phases, and each attack's size.</summary>
internal sealed record AttackOptions
{
    /// <summary>Every attack the scenario knows, in the order the report lists them.</summary>
    public static readonly IReadOnlyList<string> AllAttacks = ["flood", "slowloris", "exhaust", "amplify", "foreign"];

    /// <summary>Honest members.</summary>
    public int Clients { get; init; } = 200;

    /// <summary>Honest senders (members 0..K-1), each at <see cref="Rate"/>/K, well under the server's line rate.</summary>
    public int Senders { get; init; } = 10;

    /// <summary>Honest messages per second over all senders (open model).</summary>
    public double Rate { get; init; } = 200;

    public int Size { get; init; } = 64;

    public TimeSpan Warmup { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Length of each measured phase: the baseline, then the same under attack.</summary>
    public TimeSpan Phase { get; init; } = TimeSpan.FromSeconds(20);

    public TimeSpan Drain { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>From the start of the attacks: when the tool stops waiting for the server's answers and closes what is left.</summary>
    public TimeSpan AttackTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The attacks to run (names of <see cref="AllAttacks"/>).</summary>
    public IReadOnlyList<string> Attacks { get; init; } = AllAttacks;

    public int Flooders { get; init; } = 3;

    public int Slowloris { get; init; } = 20;

    public TimeSpan SlowlorisInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Connections the per-address exhaustion opens from its one address.</summary>
    public int Exhaust { get; init; } = 50;

    public int Amplifiers { get; init; } = 2;

    /// <summary>Other-protocol connections (TLS and HTTP in turn).</summary>
    public int Foreign { get; init; } = 4;

    /// <summary>The server's <c>--max-lines-per-second</c> (0 = none): bounds the honest senders' rate and what a flood may get relayed.</summary>
    public double ServerLineRate { get; init; } = 25;

    /// <summary>The server's <c>--burst</c>.</summary>
    public int ServerBurst { get; init; } = 50;

    /// <summary>Parses <c>--attacks</c>: a comma list of names, <c>all</c> or <c>none</c>.</summary>
    public static IReadOnlyList<string> ParseAttacks(string? text)
    {
        if (string.IsNullOrWhiteSpace(text) || text.Trim() == "all")
        {
            return AllAttacks;
        }

        if (text.Trim() == "none")
        {
            return [];
        }

        string[] names = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        foreach (string n in names)
        {
            if (!AllAttacks.Contains(n))
            {
                throw new ArgumentException($"unknown attack '{n}' (known: {string.Join(", ", AllAttacks)}, all, none)");
            }
        }

        return AllAttacks.Where(names.Contains).ToList();
    }

    /// <summary>The selected attacks with their sizes (an attack of size 0 is left out).</summary>
    public List<Attack> CreateAttacks()
    {
        var list = new List<Attack>();
        foreach (string name in Attacks)
        {
            Attack? a = name switch
            {
                "flood" when Flooders > 0 => new FloodAttack(Flooders, ServerLineRate, ServerBurst),
                "slowloris" when Slowloris > 0 => new SlowlorisAttack(Slowloris, SlowlorisInterval),
                "exhaust" when Exhaust > 0 => new AddressExhaustionAttack(Exhaust),
                "amplify" when Amplifiers > 0 => new AmplificationAttack(Amplifiers),
                "foreign" when Foreign > 0 => new ForeignProtocolAttack(Foreign),
                _ => null,
            };
            if (a is not null)
            {
                list.Add(a);
            }
        }

        return list;
    }

    /// <summary>Throws when the honest room would itself trip the server's flood control.</summary>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(Clients);
        if (Senders < 1 || Senders > Clients)
        {
            throw new ArgumentException("--senders must be from 1 to --clients (honest senders are members)");
        }

        if (Rate <= 0 || Phase <= TimeSpan.Zero || AttackTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentException("--rate, --phase and --attack-timeout must be positive");
        }

        double perSender = Rate / Senders;
        if (ServerLineRate > 0 && perSender > 0.8 * ServerLineRate)
        {
            int needed = (int)Math.Ceiling(Rate / (0.8 * ServerLineRate));
            throw new ArgumentException(
                $"--rate {Rate} over --senders {Senders} is {perSender:0.#} lines/s per honest sender, more than 80 % of the server's line rate " +
                $"(--server-line-rate {ServerLineRate}): flood control would slow the honest senders down and cut them off like flooders; " +
                $"use --senders {needed} or more, or a lower --rate");
        }
    }
}
