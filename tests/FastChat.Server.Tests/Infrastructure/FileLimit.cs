using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace FastChat.Server.Tests;

/// <summary>
/// The scale test opens 2 000 clients, i.e. 4 000 descriptors in this process (client and server
/// ends). Fresh machines often start with a soft limit of 1 024, so raise the soft limit to the hard
/// limit (never beyond it) before any test runs; `dotnet test` then works without a shell `ulimit`.
/// </summary>
internal static partial class FileLimit
{
    private const int RlimitNofile = 7; // Linux

    [ModuleInitializer]
    internal static void Raise()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        if (GetRLimit(RlimitNofile, out RLimit limit) == 0 && limit.Current < limit.Maximum)
        {
            limit.Current = limit.Maximum;
            _ = SetRLimit(RlimitNofile, in limit);
        }
    }

    [LibraryImport("libc", EntryPoint = "getrlimit")]
    private static partial int GetRLimit(int resource, out RLimit limit);

    [LibraryImport("libc", EntryPoint = "setrlimit")]
    private static partial int SetRLimit(int resource, in RLimit limit);

    [StructLayout(LayoutKind.Sequential)]
    private struct RLimit
    {
        public ulong Current;
        public ulong Maximum;
    }
}
