using System.Diagnostics;
using System.Net.Sockets;
using FastChat.LoadTest.Internal;
using FastChat.LoadTest.Reporting;

namespace FastChat.LoadTest.Scenarios.Attacks;

/// <summary>
/// Members asking for the member list as fast as they can without reading: flood control or the output
/// cap ends them (<c>BYE flood</c> or <c>BYE slow-consumer</c>); they read again once the room saw them leave.
/// </summary>
internal sealed class AmplificationAttack(int amplifiers) : Attack("amplify", "BYE flood or BYE slow-consumer", amplifiers)
{
    private static readonly byte[] s_chunk = System.Text.Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("/users\n", 1024)));
    private long _usersLines;
    private long _bytesRead;

    public override string Description => $"{Connections} members sending /users as fast as they can without reading";

    public override Task RunAsync(AttackContext context, CancellationToken ct) =>
        Task.WhenAll(Enumerable.Range(0, Connections).Select(_ => OneAsync(context, ct)));

    private async Task OneAsync(AttackContext context, CancellationToken ct)
    {
        if (await JoinAsync(context, ct, receiveBufferSize: 4096) is not (ClientConnection conn, ControlSink sink))
        {
            return;
        }

        conn.PauseReading();
        long start = Stopwatch.GetTimestamp();
        using CancellationTokenSource stop = context.DeadlineSource(ct);
        Task sending = SendAsync(conn, stop.Token);

        // Not reading, it cannot see its end: the room's LEAVE (or a failed send) says the server
        // let it go; then it reads what is left, up to the BYE.
        string? id = sink.Id;
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

    public override AttackNote? Note(IReadOnlyList<HonestMember> honest)
    {
        long users = Interlocked.Read(ref _usersLines);
        long bytes = Interlocked.Read(ref _bytesRead);
        return new AttackNote(
            string.Create(System.Globalization.CultureInfo.InvariantCulture, $"they read {users} USERS replies ({bytes / 1e6:F2} MB) once the room saw them leave"),
            new AmplifierReadExtra(users, bytes / 1e6));
    }
}
