using System.Diagnostics;
using System.Text;

namespace FastChat.LoadTest.Internal;

/// <summary>A FastChat connection that is neither verified nor timed (a churner, an attacker): it keeps the server's final line and when it came.</summary>
/// <remarks>Only its receive loop writes here; the run reads afterwards, or racily (references and 64-bit counters).</remarks>
internal sealed class ControlSink(ClientConnection connection, bool answerPings = true) : FastChatSink(connection)
{
    public string? Id { get; private set; }

    /// <summary>Stopwatch ticks of the WELCOME (0: none).</summary>
    public long WelcomeTicks { get; private set; }

    /// <summary>The whole <c>FULL</c> line, e.g. <c>FULL 10 per-address</c> (null: none).</summary>
    public string? Full { get; private set; }

    /// <summary>The <c>&lt;max&gt;</c> of the <c>FULL</c> line, or -1.</summary>
    public int FullMax { get; private set; } = -1;

    /// <summary>The <c>BYE</c> reason (null: none yet).</summary>
    public string? Bye { get; private set; }

    /// <summary>Stopwatch ticks of the final line (<c>BYE</c> or <c>FULL</c>; 0: none).</summary>
    public long FinalTicks { get; private set; }

    public long Messages { get; private set; }

    public long UsersLines { get; private set; }

    public long Pings { get; private set; }

    public long Errors { get; private set; }

    public override void OnLine(ReadOnlySpan<byte> line, long nowTicks)
    {
        if (line.StartsWith("MSG "u8))
        {
            Messages++;
            return;
        }

        base.OnLine(line, nowTicks);
    }

    protected override void OnWelcome(ReadOnlySpan<byte> id, long nowTicks)
    {
        Id = Encoding.ASCII.GetString(id);
        WelcomeTicks = nowTicks;
        Connection.CompleteHandshake(ConnectOutcome.Ready);
    }

    protected override void OnUsers(FastChat.Protocol.ServerLine users) => UsersLines++;

    protected override void OnFull(ReadOnlySpan<byte> line, ReadOnlySpan<byte> max, ReadOnlySpan<byte> scope, long nowTicks)
    {
        Full = Encoding.ASCII.GetString(line);
        FullMax = System.Buffers.Text.Utf8Parser.TryParse(max, out int m, out _) ? m : -1;
        FinalTicks = nowTicks;
        base.OnFull(line, max, scope, nowTicks);
    }

    protected override void OnPing(ReadOnlySpan<byte> token)
    {
        Pings++;
        if (answerPings)
        {
            base.OnPing(token);
        }
    }

    protected override void OnBye(ReadOnlySpan<byte> reason, long nowTicks)
    {
        Bye = Encoding.ASCII.GetString(reason);
        FinalTicks = nowTicks;
        base.OnBye(reason, nowTicks);
    }

    protected override void OnError() => Errors++;

    /// <summary>Seconds from <paramref name="startTicks"/> to the final line, or to the end of the connection without one; NaN while open.</summary>
    public double SecondsToEnd(long startTicks)
    {
        long end = FinalTicks != 0 ? FinalTicks : Connection.IsClosed ? Connection.ClosedAtTicks : 0;
        return end == 0 ? double.NaN : (end - startTicks) / (double)Stopwatch.Frequency;
    }
}
