namespace FastChat.Client.Tests.Infrastructure;

internal static class EventReader
{
    /// <summary>The next event, bounded by a timeout.</summary>
    public static async Task<ChatEvent> NextAsync(this ChatClient client)
    {
        using var cts = new CancellationTokenSource(Timeouts.Short);
        return await client.Events.ReadAsync(cts.Token);
    }

    /// <summary>Events until (and including) the first of type <typeparamref name="T"/> matching <paramref name="match"/>.</summary>
    public static async Task<(T Match, List<ChatEvent> Seen)> UntilAsync<T>(this ChatClient client, Func<T, bool>? match = null)
        where T : ChatEvent
    {
        var seen = new List<ChatEvent>();
        using var cts = new CancellationTokenSource(Timeouts.Short);
        while (true)
        {
            ChatEvent e = await client.Events.ReadAsync(cts.Token);
            seen.Add(e);
            if (e is T t && (match is null || match(t)))
            {
                return (t, seen);
            }
        }
    }
}
