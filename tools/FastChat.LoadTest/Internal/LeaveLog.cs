namespace FastChat.LoadTest.Internal;

/// <summary>
/// When the room saw each member leave: the moment the server removed an attacker, which an attacker
/// that does not read only learns later.
/// </summary>
internal sealed class LeaveLog
{
    private readonly Dictionary<string, long> _left = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    public void Record(ReadOnlySpan<byte> id, long ticks)
    {
        string key = System.Text.Encoding.ASCII.GetString(id);
        lock (_gate)
        {
            _left.TryAdd(key, ticks);
        }
    }

    /// <summary>Stopwatch ticks at which <paramref name="id"/> left, or 0.</summary>
    public long LeftAt(string? id)
    {
        if (id is null)
        {
            return 0;
        }

        lock (_gate)
        {
            return _left.GetValueOrDefault(id);
        }
    }
}
