using System.Diagnostics;
using HdrHistogram;

namespace FastChat.LoadTest.Internal;

/// <summary>
/// Histograms per thread, so recording stays uncontended and small with thousands of members: a receive
/// loop holds its thread's <see cref="Pair.Gate"/> for a whole read, and the sampler swaps the interval
/// histograms out under it once a second.
/// </summary>
internal sealed class LatencyRecorders : IDisposable
{
    /// <summary>Values are microseconds, 1 us to 1 hour, 3 significant digits (0.1 % resolution).</summary>
    public const long HighestMicros = 3_600_000_000;

    private static readonly double s_ticksPerMicro = Stopwatch.Frequency / 1e6;
    private readonly ThreadLocal<Pair> _pairs = new(() => new Pair(), trackAllValues: true);

    public Pair Current => _pairs.Value!;

    public IList<Pair> All => _pairs.Values;

    // Integer division on the hot path (Stopwatch ticks are ns on Linux, 100 ns on Windows).
    private static readonly long s_ticksPerMicroExact = Stopwatch.Frequency % 1_000_000 == 0 ? Stopwatch.Frequency / 1_000_000 : 0;

    public static long TicksToMicros(long ticks) => Math.Clamp(
        s_ticksPerMicroExact > 0 ? ticks / s_ticksPerMicroExact : (long)(ticks / s_ticksPerMicro), 1, HighestMicros);

    public static LongHistogram NewHistogram() => new(1, HighestMicros, 3);

    public void Dispose() => _pairs.Dispose();

    internal sealed class Pair
    {
        public Lock Gate { get; } = new();

        public LongHistogram Latency { get; private set; } = NewHistogram();

        public LongHistogram Service { get; private set; } = NewHistogram();

        /// <summary>Moves what was recorded since the last call into the given histograms.</summary>
        public void DrainInto(LongHistogram latency, LongHistogram service)
        {
            LongHistogram l, s;
            using (Gate.EnterScope())
            {
                (l, s) = (Latency, Service);
                Latency = NewHistogram();
                Service = NewHistogram();
            }

            latency.Add(l);
            service.Add(s);
        }
    }
}
