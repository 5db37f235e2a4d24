namespace FastChat.Client.Tests.Infrastructure;

internal static class Timeouts
{
    /// <summary>Bound for anything that should take milliseconds (generous for a loaded 2-core CI box).</summary>
    public static readonly TimeSpan Short = TimeSpan.FromSeconds(10);

    /// <summary>Bound for starting a process (JIT, host startup).</summary>
    public static readonly TimeSpan ProcessStart = TimeSpan.FromSeconds(30);
}
