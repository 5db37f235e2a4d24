using System.Threading.Tasks.Sources;

namespace FastChat.Server.Internal;

/// <summary>
/// An auto-reset, single-waiter signal: "there may be output for you". Setting it when nobody waits
/// is remembered, so a wake-up is never lost between a sender's last look and its wait.
/// </summary>
/// <remarks>
/// The flusher sets one signal per member per walk, so <see cref="Set"/> is one compare-exchange
/// when the member is busy; a waiting sender's continuation runs inline on the setting thread
/// (the flusher, walking members in order; or the hub at leave/shutdown), not as one thread-pool
/// work item per member per broadcast (see <see cref="Flusher"/> for the measurement).
/// </remarks>
internal sealed class AsyncSignal : IValueTaskSource<bool>
{
    private const int Idle = 0;
    private const int Signaled = 1;
    private const int Waiting = 2;
    private const int Closed = 3;

    private ManualResetValueTaskSourceCore<bool> _source = new() { RunContinuationsAsynchronously = false };
    private int _state;

    /// <summary>Waits for a signal; false once closed. One waiter at a time.</summary>
    public ValueTask<bool> WaitAsync()
    {
        if (Interlocked.CompareExchange(ref _state, Idle, Signaled) == Signaled)
        {
            return new ValueTask<bool>(true);
        }

        _source.Reset();
        int seen = Interlocked.CompareExchange(ref _state, Waiting, Idle);
        if (seen == Idle)
        {
            return new ValueTask<bool>(this, _source.Version);
        }

        // Set or closed between the two looks.
        if (seen == Signaled && Interlocked.CompareExchange(ref _state, Idle, Signaled) == Signaled)
        {
            return new ValueTask<bool>(true);
        }

        return new ValueTask<bool>(false);
    }

    public void Set()
    {
        while (true)
        {
            int state = Volatile.Read(ref _state);
            switch (state)
            {
                case Signaled or Closed:
                    return;
                case Idle:
                    if (Interlocked.CompareExchange(ref _state, Signaled, Idle) == Idle)
                    {
                        return;
                    }

                    break;
                default: // Waiting
                    if (Interlocked.CompareExchange(ref _state, Idle, Waiting) == Waiting)
                    {
                        _source.SetResult(true);
                        return;
                    }

                    break;
            }
        }
    }

    public void Close()
    {
        if (Interlocked.Exchange(ref _state, Closed) == Waiting)
        {
            _source.SetResult(false);
        }
    }

    bool IValueTaskSource<bool>.GetResult(short token) => _source.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<bool>.GetStatus(short token) => _source.GetStatus(token);

    void IValueTaskSource<bool>.OnCompleted(Action<object?> continuation, object? state, short token,
        ValueTaskSourceOnCompletedFlags flags) => _source.OnCompleted(continuation, state, token, flags);
}
