namespace FastChat.Server.Internal;

/// <summary>
/// One timer for every connection's deadlines (<see cref="Connection.CheckDeadlines"/>): a tick walks
/// the live connections, which costs about 0.1 us each, against a timer per connection that would
/// be armed and re-armed on every line.
/// </summary>
internal sealed class Watchdog : IDisposable
{
    private readonly ServerContext _context;
    private readonly ITimer _timer;
    private readonly Action<Exception> _failed;
    private int _ticking;

    /// <param name="failed">A check threw (a bug): reported, and the next tick runs as usual.</param>
    public Watchdog(ServerContext context, Action<Exception> failed)
    {
        _context = context;
        _failed = failed;
        _timer = context.Time.CreateTimer(static s => ((Watchdog)s!).Tick(), this, TickPeriod, TickPeriod);
    }

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
        long now = _context.Time.GetTimestamp();
        foreach (Connection connection in _context.Connections)
        {
            try
            {
                connection.CheckDeadlines(now);
            }
            catch (Exception ex)
            {
                _failed(ex);
            }
        }
    }
}
