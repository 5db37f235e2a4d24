using FastChat.LoadTest.Internal;
using FastChat.LoadTest.Reporting;

namespace FastChat.LoadTest.Scenarios.Phases;

/// <summary>Before a run: every connection is a file descriptor, so a low <c>ulimit -n</c> is a warning up front rather than failed connects later.</summary>
internal static class FileLimit
{
    public static void Check(int connections, RunReport report, IProgressView progress)
    {
        long limit = Connector.OpenFileLimit();
        if (limit > 0 && connections + 64 > limit)
        {
            string w = $"{connections} connections need more open files than the limit {limit}: raise it (ulimit -n) or split the run over processes";
            report.Warnings.Add(w);
            progress.Note("warning: " + w);
        }
    }
}
