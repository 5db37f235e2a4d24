using System.Collections.Concurrent;

namespace FastChat.Server.Internal;

/// <summary>
/// The connections whose loops have not both ended (members and leaving ones): what the watchdog
/// checks and what shutdown waits for.
/// </summary>
internal sealed class ConnectionRegistry
{
    private readonly ConcurrentDictionary<Connection, byte> _connections = new();
    private TaskCompletionSource? _allClosed;

    public int Count => _connections.Count;

    /// <summary>
    /// The live connections, enumerated in place: no lock and no copy (<c>Keys</c> would take every
    /// lock and copy the whole set on each watchdog tick). Each connection present throughout is seen once.
    /// </summary>
    public IEnumerable<Connection> Connections
    {
        get
        {
            foreach (KeyValuePair<Connection, byte> entry in _connections)
            {
                yield return entry.Key;
            }
        }
    }

    public void Track(Connection connection) => _connections.TryAdd(connection, 0);

    public void Untrack(Connection connection)
    {
        _connections.TryRemove(connection, out _);
        if (_connections.IsEmpty)
        {
            Volatile.Read(ref _allClosed)?.TrySetResult();
        }
    }

    /// <summary>Completes when no connection is live (call once nothing new is admitted).</summary>
    public Task WhenAllClosed()
    {
        var tcs = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Volatile.Write(ref _allClosed, tcs);
        if (_connections.IsEmpty)
        {
            tcs.TrySetResult();
        }

        return tcs.Task;
    }
}
