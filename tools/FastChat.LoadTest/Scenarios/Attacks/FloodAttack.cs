using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using FastChat.LoadTest.Internal;
using FastChat.LoadTest.Reporting;

namespace FastChat.LoadTest.Scenarios.Attacks;

/// <summary>
/// Members sending chat lines as fast as the socket takes them: the server relays what its rate allows
/// and ends them with <c>BYE flood</c>; they keep reading, so the BYE reaches them.
/// </summary>
internal sealed class FloodAttack(int flooders, double serverRate, int serverBurst) : Attack("flood", "BYE flood", flooders)
{
    private const int LineSize = 32;
    private readonly long[] _sent = new long[flooders];
    private readonly double[] _seconds = new double[flooders];

    public override string Description => $"{Connections} members sending chat lines as fast as they can";

    public override Task RunAsync(AttackContext context, CancellationToken ct) =>
        Task.WhenAll(Enumerable.Range(0, Connections).Select(f => OneAsync(context, f, ct)));

    private async Task OneAsync(AttackContext context, int flooder, CancellationToken ct)
    {
        if (await JoinAsync(context, ct) is not (ClientConnection conn, ControlSink sink))
        {
            return;
        }

        long start = Stopwatch.GetTimestamp();
        byte[] chunk = new byte[64 * 1024];
        long seq = 0;
        using (CancellationTokenSource deadline = context.DeadlineSource(ct))
        {
            try
            {
                while (!conn.IsClosed && !deadline.IsCancellationRequested)
                {
                    int pos = 0;
                    while (pos + FloodPayload.MaxLineLength <= chunk.Length)
                    {
                        pos += FloodPayload.WriteLine(chunk.AsSpan(pos), flooder, seq++, LineSize);
                    }

                    await conn.SendAsync(chunk.AsMemory(0, pos), deadline.Token);
                    _sent[flooder] = seq;
                }
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
            {
                // The server closed it (or the deadline came): the answer is what the receive loop saw.
            }
        }

        _seconds[flooder] = (await AnswerAsync(context, conn, sink, start, "flood", null, ct)).Seconds;
    }

    /// <summary>
    /// What the room got of each flood: the lines an honest member saw per flooder against what the
    /// server's rate allows (burst + rate x seconds until the BYE, plus one second's worth of slack).
    /// </summary>
    public override AttackNote? Note(IReadOnlyList<HonestMember> honest)
    {
        if (honest.Count == 0)
        {
            return null;
        }

        long relayedMax = 0, overLimit = 0, disagree = 0;
        var parts = new List<string>();
        for (int f = 0; f < Connections; f++)
        {
            long seen = honest[0].FloodReceived(f);
            disagree += honest.Count(m => !m.Connection.IsClosed && m.FloodReceived(f) != seen);
            relayedMax = Math.Max(relayedMax, seen);
            double seconds = double.IsFinite(_seconds[f]) ? _seconds[f] : 0;
            double allowed = serverRate > 0 ? serverBurst + (serverRate * (seconds + 1)) : double.MaxValue;
            if (seen > allowed)
            {
                overLimit++;
            }

            parts.Add(string.Create(CultureInfo.InvariantCulture, $"F{f}: {seen} relayed of {_sent[f]} written"));
        }

        string limit = serverRate > 0
            ? string.Create(CultureInfo.InvariantCulture, $"allowed: {serverBurst} + {serverRate}/s until the BYE")
            : "no rate given (--server-line-rate 0)";
        return new AttackNote($"{string.Join(", ", parts)} ({limit}; {overLimit} over it)", new FloodRelayExtra(relayedMax, overLimit, disagree));
    }
}
