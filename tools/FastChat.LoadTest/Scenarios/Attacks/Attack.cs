using System.Diagnostics;
using FastChat.LoadTest.Internal;

namespace FastChat.LoadTest.Scenarios.Attacks;

/// <summary>
/// One kind of attack run beside the honest room: a fixed number of connections, each ended by the
/// server (its answer is the result) or by the tool at the deadline.
/// </summary>
internal abstract class Attack
{
    private readonly List<AttackerResult> _results = [];

    /// <summary>Short name: the metrics' prefix and the <c>--attacks</c> token.</summary>
    public abstract string Name { get; }

    /// <summary>What it does, for the report.</summary>
    public abstract string Description { get; }

    /// <summary>The documented answer, for the report.</summary>
    public abstract string Expected { get; }

    public abstract int Connections { get; }

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

    /// <summary>Extra metrics and a note for the report.</summary>
    public virtual string? Note(RunReport report, IReadOnlyList<HonestMember> honest) => null;

    protected void Add(AttackerResult r)
    {
        lock (_results)
        {
            _results.Add(r);
        }
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
