namespace FastChat.Client.Internal.Cli;

/// <summary>The parsed command line.</summary>
internal sealed record CliSettings(string Host, int Port, string? Send, bool Json, TimeSpan ConnectTimeout)
{
    /// <summary>host:port as people write it ([::1]:6000 for IPv6 literals).</summary>
    public string Address => Host.Contains(':', StringComparison.Ordinal) && !Host.StartsWith('[') ? $"[{Host}]:{Port}" : $"{Host}:{Port}";
}
