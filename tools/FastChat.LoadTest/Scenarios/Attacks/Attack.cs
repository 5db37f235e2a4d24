using System.Diagnostics;
using FastChat.LoadTest.Internal;
using FastChat.LoadTest.Reporting;

namespace FastChat.LoadTest.Scenarios.Attacks;

/// <summary>What an attack adds to the report beyond its answers: a note for its table row and its own measures.</summary>
internal sealed record AttackNote(string Text, AttackExtra? Extra = null);

/// <summary>
/// One kind of attack run beside the honest room: a fixed number of connections, each ended by the
/// server (its answer is the result) or by the tool at the deadline.
/// </summary>
/// <param name="name">Short name: the metrics' prefix and the <c>--attacks</c> token.</param>
/// <param name="expected">The documented answer (docs/PROTOCOL.md section 11), for the report.</param>
internal abstract class Attack(string name, string expected, int connections)
{
    private readonly List<AttackerResult> _results = [];

    public string Name { get; } = name;

    /// <summary>What it does, for the report.</summary>
    public abstract string Description { get; }

    public string Expected { get; } = expected;

    public int Connections { get; } = connections;

    public IReadOnlyList<AttackerResult> Results
    {
        get
        {
            lock (_results)
            {
                return _results.ToList();
            }
        }
    }

    /// <summary>Runs the attack; returns when every connection has its answer or the deadline passed.</summary>
    public abstract Task RunAsync(AttackContext context, CancellationToken ct);

    /// <summary>A note and extra measures for the report, once the attack is over.</summary>
    public virtual AttackNote? Note(IReadOnlyList<HonestMember> honest) => null;

    protected void Add(AttackerResult r)
    {
        lock (_results)
        {
            _results.Add(r);
        }
    }

    /// <summary>
    /// Connects one attacker as a member of the room; null, with the refusal recorded as its result,
    /// when the server did not admit it.
    /// </summary>
    /// <param name="refusalNamesFull">Record a refusal by the server's <c>FULL</c> line rather than by the outcome.</param>
    protected async Task<(ClientConnection Connection, ControlSink Sink)?> JoinAsync(AttackContext context, CancellationToken ct,
        bool answerPings = true, int receiveBufferSize = 0, ReadOnlyMemory<byte> hello = default, string? detail = null, bool refusalNamesFull = false)
    {
        ControlSink? sink = null;
        var (conn, outcome, _) = await context.Connector.ConnectAsync(context.NextIndex(), c => sink = new ControlSink(c, answerPings), hello, ct, receiveBufferSize);
        if (conn is null || outcome != ConnectOutcome.Ready)
        {
            string refused = $"not admitted ({outcome})";
            Add(new AttackerResult(refusalNamesFull ? sink?.Full ?? refused : refused, double.NaN, false, detail));
            conn?.Dispose();
            return null;
        }

        return (conn, sink!);
    }

    /// <summary>Waits for the server to end the attacker (or the deadline), then records its answer, timed from <paramref name="startTicks"/>.</summary>
    /// <param name="expectedBye">The <c>BYE</c> reason the documentation gives for this attack.</param>
    protected async Task<AttackerResult> AnswerAsync(AttackContext context, ClientConnection conn, ControlSink sink, long startTicks,
        string expectedBye, string? detail, CancellationToken ct)
    {
        await context.WaitAsync(() => conn.IsClosed, ct);
        var result = new AttackerResult(AnswerOf(sink), sink.SecondsToEnd(startTicks), sink.Bye == expectedBye, detail);
        Add(result);
        conn.Dispose();
        return result;
    }

    /// <summary>The answer of a connection whose server line (if any) is in <paramref name="sink"/>.</summary>
    protected static string AnswerOf(ControlSink sink) =>
        sink.Bye is not null ? "BYE " + sink.Bye
        : sink.Full is not null ? sink.Full
        : sink.Connection.IsClosed ? $"closed ({sink.Connection.CloseReason})"
        : "no answer";

    protected static double Seconds(long fromTicks, long toTicks) =>
        toTicks == 0 ? double.NaN : (toTicks - fromTicks) / (double)Stopwatch.Frequency;
}
