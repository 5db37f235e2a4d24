using System.Diagnostics;
using System.Net.Sockets;
using FastChat.LoadTest.Internal;

namespace FastChat.LoadTest.Scenarios.Attacks;

/// <summary>
/// Members that ask for the member list (<c>/users</c>, a few bytes for a reply the size of the
/// room) as fast as they can and never read (SO_RCVBUF 4 KB). Two limits apply: the line rate
/// (<c>BYE flood</c> after the flood timeout) and the unsent output (<c>BYE slow-consumer</c> past
/// <c>--max-pending-bytes</c>); whichever comes first is the answer. Once the room sees the member
/// leave, the attacker reads again to collect its last line before the server's drain timeout.
/// </summary>
internal sealed class AmplificationAttack(int amplifiers) : Attack
{
    private static readonly byte[] s_chunk = System.Text.Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("/users\n", 1024)));
    private long _usersLines;
    private long _bytesRead;

    public override string Name => "amplify";

    public override string Description => $"{amplifiers} members sending /users as fast as they can without reading";

    public override string Expected => "BYE flood or BYE slow-consumer";

    public override int Connections => amplifiers;

    public override Task RunAsync(AttackContext context, CancellationToken ct) =>
        Task.WhenAll(Enumerable.Range(0, amplifiers).Select(_ => OneAsync(context, ct)));

    private async Task OneAsync(AttackContext context, CancellationToken ct)
    {
        ControlSink? sink = null;
        var (conn, outcome, _) = await context.Connector.ConnectAsync(context.NextIndex(), c => sink = new ControlSink(c), default, ct, receiveBufferSize: 4096);
        if (conn is null || outcome != ConnectOutcome.Ready)
        {
            Add(new AttackerResult($"not admitted ({outcome})", double.NaN, false));
            conn?.Dispose();
            return;
        }

        conn.PauseReading();
        long start = Stopwatch.GetTimestamp();
        using CancellationTokenSource stop = context.DeadlineSource(ct);
        Task sending = SendAsync(conn, stop.Token);

        // Not reading, it cannot see its end: the room's LEAVE (or a failed send) says the server
        // let it go; then it reads what is left, up to the BYE.
        string? id = sink!.Id;
        await context.WaitAsync(() => sending.IsCompleted || context.Room.Leaves.LeftAt(id) != 0, ct);
        long removed = context.Room.Leaves.LeftAt(id);
        await stop.CancelAsync();
        await sending;
        conn.ResumeReading();
        await context.WaitAsync(() => conn.IsClosed, ct, Stopwatch.GetTimestamp() + (10 * Stopwatch.Frequency));
        Interlocked.Add(ref _usersLines, sink.UsersLines);
        Interlocked.Add(ref _bytesRead, conn.BytesReceived);
        bool documented = sink.Bye is "flood" or "slow-consumer";
        double seconds = removed != 0 ? Seconds(start, removed) : sink.SecondsToEnd(start);
        Add(new AttackerResult(AnswerOf(sink), seconds, documented, removed != 0 ? "timed to its LEAVE" : "timed to its end (no LEAVE seen)"));
        conn.Dispose();
    }

    private static async Task SendAsync(ClientConnection conn, CancellationToken ct)
    {
        try
        {
            while (!conn.IsClosed && !ct.IsCancellationRequested)
            {
                await conn.SendAsync(s_chunk, ct);
            }
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
        {
        }
    }

    public override string? Note(RunReport report, IReadOnlyList<HonestMember> honest)
    {
        report.Set("amplify_users_replies_read", Interlocked.Read(ref _usersLines));
        report.Set("amplify_bytes_read_mb", Interlocked.Read(ref _bytesRead) / 1e6);
        return string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"they read {Interlocked.Read(ref _usersLines)} USERS replies ({Interlocked.Read(ref _bytesRead) / 1e6:F2} MB) once the room saw them leave");
    }
}
