using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace FastChat.Benchmarks;

/// <summary>
/// Entry point: every benchmark class of this assembly, selected with BenchmarkDotNet's own
/// switches (<c>--filter</c>, <c>--job</c>, <c>--inProcess</c>, <c>--artifacts</c>, ...).
/// See docs/BENCHMARKS.md.
/// </summary>
internal static class Program
{
    /// <summary>
    /// Exit code 1 when a benchmark failed (threw, or did not run) or when a <c>--filter</c> matched
    /// nothing, so the short CI run (docs/BENCHMARKS.md) fails instead of printing an empty table.
    /// </summary>
    private static int Main(string[] args)
    {
        Summary[] summaries = BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args).ToArray();
        bool failed = summaries.Any(s => s.HasCriticalValidationErrors || s.Reports.Any(r => !r.Success));
        bool filtered = args.Any(a => a.StartsWith("--filter", StringComparison.Ordinal));
        bool nothingRan = summaries.Sum(s => s.Reports.Length) == 0;
        if (failed || (filtered && nothingRan))
        {
            Console.Error.WriteLine(failed ? "Some benchmarks failed." : "No benchmark matched the filter.");
            return 1;
        }

        return 0;
    }
}
