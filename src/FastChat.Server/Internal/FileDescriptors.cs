using System.Runtime.InteropServices;

namespace FastChat.Server.Internal;

/// <summary>
/// How many sockets the process may open before it runs out of file descriptors. The runtime itself
/// needs descriptors now and then (a new thread-pool thread opens a pipe, an assembly loads), and
/// when it cannot get one it aborts the whole process ("Out of memory"), so the server stops
/// accepting while a reserve is still free instead of accepting until accept(2) fails with EMFILE
/// (docs/PROTOCOL.md "Limits").
/// </summary>
internal static partial class FileDescriptors
{
    private const int RlimitNofile = 7; // <sys/resource.h>, Linux

    /// <summary>Sockets wanted beyond the members: connections in their close grace period or refused.</summary>
    private const int LingerRoom = 1024;

    /// <summary>Descriptors kept free for the runtime: 1/32 of the limit, at least 64.</summary>
    public static int ReserveFor(long limit) => (int)Math.Max(64, limit / 32);

    /// <summary>
    /// Raises the soft limit towards the hard one when <paramref name="wanted"/> descriptors need it
    /// (as Redis does for its maxclients), then returns the soft limit; null where it is unknown
    /// (not Linux) or unlimited.
    /// </summary>
    public static long? RaiseSoftLimit(long wanted)
    {
        if (!OperatingSystem.IsLinux() || GetRLimit(RlimitNofile, out RLimit limit) != 0)
        {
            return null;
        }

        if (limit.Current < (ulong)wanted && limit.Current < limit.Maximum)
        {
            RLimit raised = limit;
            raised.Current = Math.Min((ulong)wanted, limit.Maximum);
            if (SetRLimit(RlimitNofile, in raised) == 0)
            {
                limit = raised;
            }
        }

        return limit.Current >= long.MaxValue ? null : (long)limit.Current;
    }

    /// <summary>Descriptors open in this process now (Linux: /proc/self/fd), or 0 where unknown.</summary>
    public static int OpenNow()
    {
        if (!OperatingSystem.IsLinux())
        {
            return 0;
        }

        try
        {
            return Directory.EnumerateFileSystemEntries("/proc/self/fd").Count();
        }
        catch (IOException)
        {
            return 0; // out of descriptors already: the caller's reserve covers it
        }
        catch (UnauthorizedAccessException)
        {
            return 0;
        }
    }

    /// <summary>
    /// Sockets the server may hold open at once: the soft limit (raised if it can be) minus what is
    /// open now and the reserve; <see cref="int.MaxValue"/> where the limit is unknown.
    /// </summary>
    public static int SocketBudget(int maxClients, out long? limit, out int reserve)
    {
        int open = OpenNow();
        // Room for every member, connections closing or refused meanwhile, and the reserve.
        limit = RaiseSoftLimit(maxClients + LingerRoom + open + ReserveFor(maxClients + LingerRoom + open));
        reserve = limit is long l ? ReserveFor(l) : 0;
        return limit is long soft ? (int)Math.Clamp(soft - open - reserve, 1, int.MaxValue) : int.MaxValue;
    }

    [LibraryImport("libc", EntryPoint = "getrlimit", SetLastError = true)]
    private static partial int GetRLimit(int resource, out RLimit limit);

    [LibraryImport("libc", EntryPoint = "setrlimit", SetLastError = true)]
    private static partial int SetRLimit(int resource, in RLimit limit);

    [StructLayout(LayoutKind.Sequential)]
    private struct RLimit
    {
        public ulong Current;
        public ulong Maximum;
    }
}
