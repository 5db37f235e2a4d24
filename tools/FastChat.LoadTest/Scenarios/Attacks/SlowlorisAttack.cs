using System.Diagnostics;
using System.Net.Sockets;
using FastChat.LoadTest.Internal;

namespace FastChat.LoadTest.Scenarios.Attacks;

/// <summary>
/// Connections that dribble one partial line, one byte every <c>interval</c>, never its LF: the
/// server's line deadline (<c>--line-timeout</c>, 10 s) ends each with <c>BYE line-timeout</c>. They
/// cannot answer a PING without ending the line, so the deadline has to come first.
/// </summary>
internal sealed class SlowlorisAttack(int connections, TimeSpan interval) : Attack
{
    private static readonly byte[] s_byte = "z"u8.ToArray();

    public override string Name => "slowloris";

    public override string Description => $"{connections} connections sending one partial line, 1 byte every {interval.TotalSeconds:0.##} s";

    public override string Expected => "BYE line-timeout";

    public override int Connections => connections;

    public override Task RunAsync(AttackContext context, CancellationToken ct) =>
        Task.WhenAll(Enumerable.Range(0, connections).Select(_ => OneAsync(context, ct)));

    private async Task OneAsync(AttackContext context, CancellationToken ct)
    {
        ControlSink? sink = null;
        var (conn, outcome, _) = await context.Connector.ConnectAsync(context.NextIndex(), c => sink = new ControlSink(c, answerPings: false), default, ct);
        if (conn is null || outcome != ConnectOutcome.Ready)
        {
            Add(new AttackerResult($"not admitted ({outcome})", double.NaN, false));
            conn?.Dispose();
            return;
        }

        long start = Stopwatch.GetTimestamp();
        long bytes = 0;
        try
        {
            while (!conn.IsClosed && !context.PastDeadline && !ct.IsCancellationRequested)
            {
                await conn.SendAsync(s_byte, ct);
                bytes++;
                await context.WaitAsync(() => conn.IsClosed, ct, Stopwatch.GetTimestamp() + (long)(interval.TotalSeconds * Stopwatch.Frequency));
            }
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
        {
        }

        await context.WaitAsync(() => conn.IsClosed, ct);
        Add(new AttackerResult(AnswerOf(sink!), sink!.SecondsToEnd(start), sink.Bye == "line-timeout", $"{bytes} bytes sent"));
        conn.Dispose();
    }
}
