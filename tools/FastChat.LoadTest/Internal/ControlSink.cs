using System.Diagnostics;
using System.Text;
using FastChat.Protocol;

namespace FastChat.LoadTest.Internal;

/// <summary>
/// The receive side of a FastChat connection that is neither verified nor timed (a churner, an
/// attacker): completes the handshake on <c>WELCOME</c> or <c>FULL</c>, answers <c>PING</c> when
/// asked to, and records the server's final line and when it came.
/// </summary>
/// <remarks>
/// Written by the connection's receive loop only; the orchestrator reads the fields afterwards or
/// racily while it runs (references and 64-bit counters, so a read sees an old or a new value).
/// </remarks>
internal sealed class ControlSink(ClientConnection connection, bool answerPings = true) : LineSink
{
    public ClientConnection Connection { get; } = connection;

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

        if (!ServerLine.TryParse(line, out ServerLine l))
        {
            return;
        }

        switch (l.Kind)
        {
            case ServerLineKind.Welcome:
                Id = Encoding.ASCII.GetString(l.Argument);
                WelcomeTicks = nowTicks;
                Connection.CompleteHandshake(ConnectOutcome.Ready);
                break;

            case ServerLineKind.Users:
                UsersLines++;
                break;

            // FULL <max> [per-address]
            case ServerLineKind.Full:
                Full = Encoding.ASCII.GetString(line);
                FullMax = System.Buffers.Text.Utf8Parser.TryParse(l.Argument, out int max, out _) ? max : -1;
                FinalTicks = nowTicks;
                Connection.SetCloseReason(l.Rest.IsEmpty ? "full" : "full:" + Encoding.ASCII.GetString(l.Rest));
                Connection.CompleteHandshake(l.Rest.IsEmpty ? ConnectOutcome.Full : ConnectOutcome.FullPerAddress);
                break;

            case ServerLineKind.Ping:
                Pings++;
                if (answerPings)
                {
                    Connection.AnswerPing(l.Argument);
                }

                break;

            case ServerLineKind.Bye:
                Bye = Encoding.ASCII.GetString(l.Argument);
                FinalTicks = nowTicks;
                Connection.SetCloseReason("bye:" + Bye);
                break;

            case ServerLineKind.Error:
                Errors++;
                break;

            default:
                break;
        }
    }

    /// <summary>Seconds from <paramref name="startTicks"/> to the final line, or to the end of the connection without one; NaN while open.</summary>
    public double SecondsToEnd(long startTicks)
    {
        long end = FinalTicks != 0 ? FinalTicks : Connection.IsClosed ? Connection.ClosedAtTicks : 0;
        return end == 0 ? double.NaN : (end - startTicks) / (double)Stopwatch.Frequency;
    }
}
