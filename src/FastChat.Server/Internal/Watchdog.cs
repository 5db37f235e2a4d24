namespace FastChat.Server.Internal;

/// <summary>
/// One timer for every connection's deadlines (<see cref="Connection.CheckDeadlines"/>): a tick walks
/// the live connections, which costs about 0.1 us each, against a timer per connection that would
/// be armed and re-armed on every line.
/// </summary>
internal sealed class Watchdog : IDisposable
{
    private readonly ConnectionRegistry _connections;
    private readonly TimeProvider _time;
    private readonly ITimer _timer;
    private readonly Action<Exception> _failed;
    private long _nextPing;
    private int _ticking;

    /// <param name="failed">A check threw (a bug): reported, and the next tick runs as usual.</param>
    public Watchdog(ConnectionRegistry connections, TimeProvider time, Action<Exception> failed)
    {
        _connections = connections;
        _time = time;
        _failed = failed;
        _timer = time.CreateTimer(static s => ((Watchdog)s!).Tick(), this, TickPeriod, TickPeriod);
    }

    /// <summary>PING tokens: a counter, so an answer can be matched to its PING in a capture.</summary>
    public long NextPingToken() => Interlocked.Increment(ref _nextPing);

    /// <summary>How late a deadline may be noticed: small next to the shortest default timeout (5 s).</summary>
    public static readonly TimeSpan TickPeriod = TimeSpan.FromMilliseconds(250);

    public void Dispose() => _timer.Dispose();

    private void Tick()
    {
        // Timer callbacks may overlap when one runs long (a busy box); one walk at a time is enough.
        if (Interlocked.Exchange(ref _ticking, 1) != 0)
        {
            return;
        }

        try
        {
            Walk();
        }
        finally
        {
            Volatile.Write(ref _ticking, 0);
        }
    }

    private void Walk()
    {
        long now = _time.GetTimestamp();
        foreach (Connection connection in _connections.Connections)
        {
            try
            {
                connection.CheckDeadlines(now, this);
            }
            catch (Exception ex)
            {
                _failed(ex);
            }
        }
    }
}
