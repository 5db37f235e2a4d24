using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using FastChat.LoadTest.Internal;

namespace FastChat.LoadTest.Scenarios.Attacks;

/// <summary>
/// Members that send chat lines as fast as the socket takes them (docs/PROTOCOL.md section 11,
/// flood control): the server reads its burst, then its rate, relays what it read, holds the rest
/// in TCP, and ends the member with <c>BYE flood</c> after the flood timeout. The flooders keep
/// reading, so the BYE reaches them.
/// </summary>
internal sealed class FloodAttack(int flooders, double serverRate, int serverBurst) : Attack
{
    private const int LineSize = 32;
    private readonly long[] _sent = new long[flooders];
    private readonly double[] _seconds = new double[flooders];

    public override string Name => "flood";

    public override string Description => $"{flooders} members sending chat lines as fast as they can";

    public override string Expected => "BYE flood";

    public override int Connections => flooders;

    public override Task RunAsync(AttackContext context, CancellationToken ct) =>
        Task.WhenAll(Enumerable.Range(0, flooders).Select(f => OneAsync(context, f, ct)));

    private async Task OneAsync(AttackContext context, int flooder, CancellationToken ct)
    {
        ControlSink? sink = null;
        var (conn, outcome, _) = await context.Connector.ConnectAsync(context.NextIndex(), c => sink = new ControlSink(c), default, ct);
        if (conn is null || outcome != ConnectOutcome.Ready)
        {
            Add(new AttackerResult($"not admitted ({outcome})", double.NaN, false));
            conn?.Dispose();
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

        await context.WaitAsync(() => conn.IsClosed, ct);
        string answer = AnswerOf(sink!);
        double seconds = sink!.SecondsToEnd(start);
        _seconds[flooder] = seconds;
        Add(new AttackerResult(answer, seconds, sink.Bye == "flood"));
        conn.Dispose();
    }

    /// <summary>
    /// What the room got of each flood: the lines an honest member saw per flooder against what the
    /// server's rate allows (burst + rate x seconds until the BYE, plus one second's worth of slack).
    /// </summary>
    public override string? Note(RunReport report, IReadOnlyList<HonestMember> honest)
    {
        if (honest.Count == 0)
        {
            return null;
        }

        long relayedMax = 0, overLimit = 0, disagree = 0;
        var parts = new List<string>();
        for (int f = 0; f < flooders; f++)
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

        report.Set("flood_relayed_max", relayedMax);
        report.Set("flood_relayed_over_limit", overLimit);
        report.Set("flood_relayed_disagree", disagree);
        string limit = serverRate > 0
            ? string.Create(CultureInfo.InvariantCulture, $"allowed: {serverBurst} + {serverRate}/s until the BYE")
            : "no rate given (--server-line-rate 0)";
        return $"{string.Join(", ", parts)} ({limit}; {overLimit} over it)";
    }
}
