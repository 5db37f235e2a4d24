using FastChat.LoadTest.Internal;
using FastChat.LoadTest.Reporting;
using FastChat.LoadTest.Scenarios.Attacks;
using FastChat.LoadTest.Scenarios.Phases;

namespace FastChat.LoadTest.Scenarios;

/// <summary>
/// An honest room measured alone, then while attacks run, side by side, and how the server answered each
/// attack (docs/LOADTEST.md, attack; docs/PROTOCOL.md section 11).
/// </summary>
/// <remarks>Every honest message is verified; a phase's latency, loss and order are those of the messages intended in it.</remarks>
internal static class AttackScenario
{
    public static async Task<RunReport> RunAsync(CommonOptions common, AttackOptions o, ServerNodes servers, IProgressView progress, CancellationToken ct)
    {
        o.Validate();
        if (common.Target != TargetKind.FastChat)
        {
            throw new ArgumentException("the attack scenario needs a FastChat server (--target fastchat://...)");
        }

        var report = new RunReport("attack");
        await using var run = new AttackRun(new ScenarioContext(common, servers, report, progress), o, o.CreateAttacks());
        HonestMember[]? honest = await run.ConnectAsync(ct);
        if (honest is null)
        {
            return report; // aborted: not every honest member got in
        }

        await run.SettleAsync(honest, ct);
        AttackSending sending = await run.SendAndAttackAsync(honest, ct);
        DrainResult drained = await run.DrainAsync(honest, sending, ct);
        run.Report(honest, sending, drained);
        await run.CloseAsync(honest);
        return report;
    }

    /// <summary>Messages of one sender intended in [start, end) among its first <paramref name="sent"/>.</summary>
    internal static long CountIntended(OpenModelSchedule schedule, long epoch, long start, long end, long sent)
    {
        // DueCount(t) = messages intended at or before t, so "before t" is DueCount(t - 1).
        long before = Math.Min(sent, schedule.DueCount(start - epoch - 1));
        long until = Math.Min(sent, schedule.DueCount(end - epoch - 1));
        return Math.Max(0, until - before);
    }

    /// <summary><c>BYE flood</c> -> <c>bye_flood</c>, <c>FULL 10 per-address</c> -> <c>full_per_address</c>, <c>closed (eof)</c> -> <c>closed_eof</c>.</summary>
    internal static string Slug(string answer)
    {
        IEnumerable<string> words = answer.ToLowerInvariant()
            .Split([' ', '(', ')', '-', ':'], StringSplitOptions.RemoveEmptyEntries)
            .Where(w => !w.All(char.IsAsciiDigit));
        return string.Join('_', words);
    }
}
