using System.Globalization;

namespace FastChat.LoadTest.Internal;

/// <summary>
/// A sample of a process from /proc. <see cref="RssAnonKb"/> is the private data part of the RSS: the
/// rest is mapped code and shared memory, which the first use of a code path maps once.
/// </summary>
internal readonly record struct ProcSample(long RssKb, double CpuSeconds, long RssAnonKb = 0);

/// <summary>Reads a process's VmRSS and RssAnon (/proc/PID/status) and user+system CPU (/proc/PID/stat fields 14, 15).</summary>
internal static class ProcSampler
{
    // USER_HZ is 100 on every Linux ABI .NET runs on (sysconf(_SC_CLK_TCK)).
    private const double ClockTicksPerSecond = 100;

    public static ProcSample? Read(int pid)
    {
        try
        {
            long rss = 0;
            long anon = 0;
            foreach (string line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    rss = Kilobytes(line.AsSpan(6));
                }
                else if (line.StartsWith("RssAnon:", StringComparison.Ordinal))
                {
                    anon = Kilobytes(line.AsSpan(8));
                    break; // follows VmRSS
                }
            }

            string stat = File.ReadAllText($"/proc/{pid}/stat");
            // The command name (field 2) may contain spaces: fields start after the last ')'.
            string[] f = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            double cpu = (long.Parse(f[11], CultureInfo.InvariantCulture) + long.Parse(f[12], CultureInfo.InvariantCulture)) / ClockTicksPerSecond;
            return new ProcSample(rss, cpu, anon);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return null;
        }
    }

    private static long Kilobytes(ReadOnlySpan<char> value) =>
        long.Parse(value.Trim().TrimEnd("kB").Trim(), CultureInfo.InvariantCulture);
}
