namespace FastChat.Server.Tests;

/// <summary>Options for servers under test.</summary>
internal static class TestServerOptions
{
    /// <summary>
    /// A free port, no stats line, and the per-client limits off (per-address cap, flood control,
    /// PINGs), so tests of other behaviour can open many loopback clients and send fast; the limits'
    /// own tests turn them back on.
    /// </summary>
    public static ChatServerOptions LimitsOff() => new()
    {
        Port = 0,
        StatsInterval = TimeSpan.Zero,
        DrainTimeout = TimeSpan.FromSeconds(10),
        MaxClientsPerAddress = 0,
        MaxLinesPerSecond = 0,
        RegistrationTimeout = TimeSpan.Zero,
        IdleTimeout = TimeSpan.Zero,
    };
}
