using System.Diagnostics;
using FastChat.LoadTest.Internal;
using FastChat.LoadTest.Reporting;

namespace FastChat.LoadTest.Scenarios.Attacks;

/// <summary>
/// One source address opening many connections at once: the server admits its per-address cap and
/// refuses the rest per address; the admitted ones hold their slots to the end of the attack phase.
/// </summary>
internal sealed class AddressExhaustionAttack(int connections) : Attack("exhaust", "its cap admitted, the rest FULL <cap> per-address", connections)
{
    public override string Description => $"{Connections} connections at once from one source address";

    /// <summary>The <c>&lt;max&gt;</c> of the server's <c>FULL .. per-address</c> lines (-1: none seen).</summary>
    public int Cap { get; private set; } = -1;

    public string? Address { get; private set; }

    public override async Task RunAsync(AttackContext context, CancellationToken ct)
    {
        Address = context.ExhaustAddress?.ToString() ?? "the kernel's address";
        var attempts = await Task.WhenAll(Enumerable.Range(0, Connections).Select(_ => ConnectAsync(context, ct)));
        int[] caps = attempts.Where(a => a.Sink?.FullMax >= 0 && a.Outcome == ConnectOutcome.FullPerAddress).Select(a => a.Sink!.FullMax).Distinct().ToArray();
        Cap = caps.Length == 1 ? caps[0] : -1;
        int admitted = attempts.Count(a => a.Outcome == ConnectOutcome.Ready);

        // Documented: exactly <cap> get in (every FULL names the same cap) and every other one is
        // refused per address; with no refusal at all, everyone got in (a cap above the count).
        bool capHolds = Cap >= 0 ? admitted == Cap : admitted == Connections;
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

    public override AttackNote? Note(IReadOnlyList<HonestMember> honest) =>
        new($"from {Address}; the server's cap (from its FULL lines): {(Cap >= 0 ? Cap : "none seen")}", new ExhaustCapExtra(Cap));
}
