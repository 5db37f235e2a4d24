using FastChat.LoadTest.Internal;

namespace FastChat.LoadTest.Reporting;

/// <summary>The attack scenario: the honest room over the whole run and per phase, and each attack's answers.</summary>
internal sealed record AttackResult(HonestVerification Honest, IReadOnlyList<PhaseResult> Phases, IReadOnlyList<AttackOutcome> Attacks)
{
    public PhaseResult Baseline => Phases[0];

    public PhaseResult UnderAttack => Phases[1];

    public double P50Ratio => Ratio(Baseline.Latency.P50, UnderAttack.Latency.P50);

    public double P99Ratio => Ratio(Baseline.Latency.P99, UnderAttack.Latency.P99);

    public bool AllAsDocumented => Attacks.All(a => a.AllAsDocumented);

    public int Unanswered => Attacks.Sum(a => a.Unanswered);

    /// <summary>The honest room lost nothing and kept one order, nobody honest was dropped, nothing foreign was relayed, the floods stayed within the limit, and every attack was answered as documented.</summary>
    public bool Ok => Honest.LostTotal == 0 && Honest.InOrder && Honest.Dropped == 0 && Honest.ForeignMessages == 0 && Honest.FloodDisorder == 0 &&
        (Attacks.Select(a => a.Extra).OfType<FloodRelayExtra>().FirstOrDefault()?.OverLimit ?? 0) == 0 && AllAsDocumented;

    /// <summary>Attack over baseline, 0 when the baseline is 0.</summary>
    public static double Ratio(double baseline, double underAttack) => baseline > 0 ? underAttack / baseline : 0;
}

/// <summary>The honest members over the whole run: loss, order, and what the server relayed of the floods.</summary>
internal sealed record HonestVerification(
    int Members,
    int Dropped,
    long Sent,
    long Lost,
    long DroppedMissed,
    long Duplicates,
    long Reordered,
    OrderComparison Order,
    long ForeignMessages,
    long FloodDisorder,
    long FloodRelayed,
    long PingsAnswered)
{
    public long LostTotal => Lost + DroppedMissed;

    public bool InOrder => Order.SameOrder && Reordered == 0;
}

/// <summary>The honest messages intended in one phase (baseline, attack): expected deliveries, loss, one order, latency.</summary>
internal sealed record PhaseResult(string Name, long ExpectedDeliveries, long Lost, bool SameOrder, int OrderHashGroups, LatencySummary Latency);

/// <summary>How the server answered one attack's connections.</summary>
internal sealed record AttackOutcome(
    string Name,
    int Connections,
    int AsDocumented,
    int ResultCount,
    int Unanswered,
    double AnswerSecondsMin,
    double AnswerSecondsMax,
    IReadOnlyList<AnswerCount> Answers,
    AttackExtra? Extra)
{
    public bool AllAsDocumented => AsDocumented == Connections && ResultCount == Connections;
}

/// <summary>How many connections of an attack got one kind of answer (<see cref="Slug"/>: <c>bye_flood</c>, <c>full_per_address</c>, ...).</summary>
internal readonly record struct AnswerCount(string Slug, int Count);

/// <summary>What one kind of attack measures beyond its answers.</summary>
internal abstract record AttackExtra;

/// <summary>The flood lines the room got: the most any flooder got relayed, flooders over the server's rate, members that disagree.</summary>
internal sealed record FloodRelayExtra(long RelayedMax, long OverLimit, long Disagree) : AttackExtra;

/// <summary>The per-address cap the server's <c>FULL</c> lines named (-1: none seen).</summary>
internal sealed record ExhaustCapExtra(int Cap) : AttackExtra;

/// <summary>What the amplifiers read once the room saw them leave.</summary>
internal sealed record AmplifierReadExtra(long UsersRepliesRead, double MegabytesRead) : AttackExtra;
