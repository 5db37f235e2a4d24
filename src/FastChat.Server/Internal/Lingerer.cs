using System.Collections.Concurrent;

namespace FastChat.Server.Internal;

/// <summary>Something that must be closed when its grace period ends.</summary>
internal interface ILingering
{
    void OnLingerExpired();
}

/// <summary>
/// Closes connections a short while after their final line (docs/PROTOCOL.md "Graceful close"): the server shuts
/// its sending side (FIN) and discards input for at most about a second before closing, because
/// closing with unread input sends an RST, and an RST can destroy the final line before the client
/// reads it. One timer serves every connection; every grace period is the same, so a FIFO queue is
/// already in deadline order.
/// </summary>
internal sealed class Lingerer : IDisposable
{
    public static readonly TimeSpan GracePeriod = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(100);

    private readonly ConcurrentQueue<(ILingering Target, long Deadline)> _queue = new();
    private readonly TimeProvider _time;
    private readonly long _grace;
    private readonly ITimer _timer;
    private int _disposed;

    public Lingerer(TimeProvider time)
    {
        _time = time;
        _grace = (long)(GracePeriod.TotalSeconds * time.TimestampFrequency);
        _timer = time.CreateTimer(static s => ((Lingerer)s!).Sweep(all: false), this, Tick, Tick);
    }

    public void Add(ILingering target)
    {
        if (Volatile.Read(ref _disposed) != 0)
        {
            target.OnLingerExpired();
            return;
        }

        _queue.Enqueue((target, _time.GetTimestamp() + _grace));
    }

    /// <summary>Ends every grace period now.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _timer.Dispose();
            Sweep(all: true);
        }
    }

    private void Sweep(bool all)
    {
        long now = _time.GetTimestamp();
        while (_queue.TryPeek(out var head) && (all || head.Deadline <= now))
        {
            if (_queue.TryDequeue(out head))
            {
                head.Target.OnLingerExpired();
            }
        }
    }
}
