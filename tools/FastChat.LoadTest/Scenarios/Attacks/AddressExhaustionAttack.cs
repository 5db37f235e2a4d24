using System.Diagnostics;
using FastChat.LoadTest.Internal;

namespace FastChat.LoadTest.Scenarios.Attacks;

/// <summary>
/// One source address opening many connections at once: the server admits its per-address maximum
/// (<c>--max-clients-per-address</c>, 10) and answers each further one <c>FULL &lt;max&gt; per-address</c>.
/// The admitted ones stay (answering PINGs) until the attack phase ends, holding their slots.
/// </summary>
internal sealed class AddressExhaustionAttack(int connections) : Attack
{
    public override string Name => "exhaust";

    public override string Description => $"{connections} connections at once from one source address";

    public override string Expected => "its cap admitted, the rest FULL <cap> per-address";

    public override int Connections => connections;

    /// <summary>The <c>&lt;max&gt;</c> of the server's <c>FULL .. per-address</c> lines (-1: none seen).</summary>
    public int Cap { get; private set; } = -1;

    public string? Address { get; private set; }

    public override async Task RunAsync(AttackContext context, CancellationToken ct)
    {
        Address = context.ExhaustAddress?.ToString() ?? "the kernel's address";
        var attempts = await Task.WhenAll(Enumerable.Range(0, connections).Select(_ => ConnectAsync(context, ct)));
        int[] caps = attempts.Where(a => a.Sink?.FullMax >= 0 && a.Outcome == ConnectOutcome.FullPerAddress).Select(a => a.Sink!.FullMax).Distinct().ToArray();
        Cap = caps.Length == 1 ? caps[0] : -1;
        int admitted = attempts.Count(a => a.Outcome == ConnectOutcome.Ready);

        // Documented: exactly <cap> get in (every FULL names the same cap) and every other one is
        // refused per address; with no refusal at all, everyone got in (a cap above the count).
        bool capHolds = Cap >= 0 ? admitted == Cap : admitted == connections;
        foreach (var a in attempts)
        {
            switch (a.Outcome)
            {
                case ConnectOutcome.Ready:
                    Add(new AttackerResult("admitted", a.Seconds, capHolds));
                    break;
                case ConnectOutcome.FullPerAddress:
                    Add(new AttackerResult(a.Sink!.Full!, a.Seconds, capHolds));
                    break;
                default:
                    Add(new AttackerResult(a.Sink?.Full ?? $"failed ({a.Connection?.CloseReason ?? "connect"})", a.Seconds, false));
                    break;
            }
        }

        // The admitted ones hold their slots through the attack phase.
        await context.WaitAsync(() => false, ct, context.HoldUntilTicks);
        foreach (var a in attempts)
        {
            a.Connection?.Dispose();
        }
    }

    private static async Task<(ClientConnection? Connection, ControlSink? Sink, ConnectOutcome Outcome, double Seconds)> ConnectAsync(AttackContext context, CancellationToken ct)
    {
        ControlSink? sink = null;
        long start = Stopwatch.GetTimestamp();
        var (conn, outcome, _) = await context.Connector.ConnectAsync(context.NextIndex(), c => sink = new ControlSink(c), default, ct, bindTo: context.ExhaustAddress);
        return (conn, sink, outcome, Seconds(start, Stopwatch.GetTimestamp()));
    }

    public override string? Note(RunReport report, IReadOnlyList<HonestMember> honest)
    {
        report.Set("exhaust_cap", Cap);
        return $"from {Address}; the server's cap (from its FULL lines): {(Cap >= 0 ? Cap : "none seen")}";
    }
}
