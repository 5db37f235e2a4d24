using System.Diagnostics;
using System.Net.Sockets;
using FastChat.LoadTest.Internal;

namespace FastChat.LoadTest.Scenarios.Attacks;

/// <summary>
/// Connections dribbling one partial line that never ends: the server's line deadline ends each with
/// <c>BYE line-timeout</c>, before the PING they cannot answer does.
/// </summary>
internal sealed class SlowlorisAttack(int connections, TimeSpan interval) : Attack("slowloris", "BYE line-timeout", connections)
{
    private static readonly byte[] s_byte = "z"u8.ToArray();

    public override string Description => $"{Connections} connections sending one partial line, 1 byte every {interval.TotalSeconds:0.##} s";

    public override Task RunAsync(AttackContext context, CancellationToken ct) =>
        Task.WhenAll(Enumerable.Range(0, Connections).Select(_ => OneAsync(context, ct)));

    private async Task OneAsync(AttackContext context, CancellationToken ct)
    {
        if (await JoinAsync(context, ct, answerPings: false) is not (ClientConnection conn, ControlSink sink))
        {
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

        await AnswerAsync(context, conn, sink, start, "line-timeout", $"{bytes} bytes sent", ct);
    }
}
