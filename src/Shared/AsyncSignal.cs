using System.Threading.Tasks.Sources;

namespace FastChat.Threading;

/// <summary>
/// An auto-reset, single-waiter signal: "there may be output for you". Setting it when nobody waits
/// is remembered, so a wake-up is never lost between a sender's last look and its wait.
/// </summary>
/// <remarks>
/// Compiled into the server and the load tester (src/Shared). <see cref="Set"/> is one
/// compare-exchange when nobody waits, and a waiter's continuation runs inline on the setting
/// thread: no thread-pool hop, no allocation (the server's walkers set one per member per walk;
/// the load tester's probe wakes a closed-model sender).
/// <para>
/// A fan-out walker can also <see cref="TryBorrow"/> a parked waiter's turn: it then does the waiter's
/// work itself (a non-blocking send) without resuming it, and <see cref="Return"/>s the turn; a
/// <see cref="Set"/> or <see cref="Close"/> meanwhile is remembered and resumes the waiter then.
/// </para>
/// </remarks>
internal sealed class AsyncSignal : IValueTaskSource<bool>
{
    private const int Idle = 0;
    private const int Signaled = 1;
    private const int Waiting = 2;
    private const int Closed = 3;
    private const int Borrowed = 4;         // waiter parked, its turn lent out
    private const int BorrowedSignaled = 5; // ... and Set meanwhile
    private const int BorrowedClosed = 6;   // ... and Close meanwhile

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
                case Signaled or Closed or BorrowedSignaled or BorrowedClosed:
                    return;
                case Borrowed:
                    if (Interlocked.CompareExchange(ref _state, BorrowedSignaled, Borrowed) == Borrowed)
                    {
                        return;
                    }

                    break;
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
        while (true)
        {
            int state = Volatile.Read(ref _state);
            int next = state is Borrowed or BorrowedSignaled or BorrowedClosed ? BorrowedClosed : Closed;
            if (Interlocked.CompareExchange(ref _state, next, state) == state)
            {
                if (state == Waiting)
                {
                    _source.SetResult(false);
                }

                return;
            }
        }
    }

    /// <summary>
    /// Takes a parked waiter's turn without resuming it: true when it was waiting. The caller then
    /// owns what the waiter owns until <see cref="Return"/>.
    /// </summary>
    public bool TryBorrow() => Interlocked.CompareExchange(ref _state, Borrowed, Waiting) == Waiting;

    /// <summary>
    /// Gives a borrowed turn back. <paramref name="keepParked"/>: the borrower did all there was to
    /// do and the waiter stays parked, unless a Set or Close came meanwhile; otherwise the waiter
    /// resumes (with true) and its own path takes over.
    /// </summary>
    public void Return(bool keepParked)
    {
        while (true)
        {
            int state = Volatile.Read(ref _state);
            int next = state switch
            {
                Borrowed when keepParked => Waiting,
                Borrowed or BorrowedSignaled => Idle,
                BorrowedClosed => Closed,
                _ => throw new InvalidOperationException("Nothing is borrowed."),
            };

            if (Interlocked.CompareExchange(ref _state, next, state) == state)
            {
                if (next != Waiting)
                {
                    _source.SetResult(next == Idle);
                }

                return;
            }
        }
    }

    bool IValueTaskSource<bool>.GetResult(short token) => _source.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<bool>.GetStatus(short token) => _source.GetStatus(token);

    void IValueTaskSource<bool>.OnCompleted(Action<object?> continuation, object? state, short token,
        ValueTaskSourceOnCompletedFlags flags) => _source.OnCompleted(continuation, state, token, flags);
}
