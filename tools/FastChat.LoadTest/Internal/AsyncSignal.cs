using System.Threading.Tasks.Sources;

namespace FastChat.LoadTest.Internal;

/// <summary>
/// An allocation-free auto-reset signal for one waiter (a sender waiting for window room, a paused
/// reader waiting to resume). A <see cref="Set"/> with nobody waiting is remembered once.
/// </summary>
/// <remarks>
/// Continuations run inline on the thread that calls <see cref="Set"/> (no thread-pool hop): the
/// probe's receive loop wakes a closed-model sender and the sender writes its next batch right
/// there, as the C harness's single event loop does. Measured on config (a): the hop cost a third
/// of the closed-model throughput.
/// </remarks>
internal sealed class AsyncSignal : IValueTaskSource
{
    private const int Idle = 0;
    private const int Waiting = 1;
    private const int Signaled = 2;

    private ManualResetValueTaskSourceCore<bool> _core = new() { RunContinuationsAsynchronously = false };
    private int _state;

    public ValueTask WaitAsync()
    {
        if (Interlocked.CompareExchange(ref _state, Idle, Signaled) == Signaled)
        {
            return default;
        }

        _core.Reset();
        if (Interlocked.CompareExchange(ref _state, Waiting, Idle) != Idle)
        {
            // Set() ran between the two exchanges.
            Volatile.Write(ref _state, Idle);
            return default;
        }

        return new ValueTask(this, _core.Version);
    }

    public void Set()
    {
        if (Volatile.Read(ref _state) == Signaled)
        {
            return;
        }

        if (Interlocked.Exchange(ref _state, Signaled) == Waiting)
        {
            Volatile.Write(ref _state, Idle);
            _core.SetResult(true);
        }
    }

    void IValueTaskSource.GetResult(short token) => _core.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource.GetStatus(short token) => _core.GetStatus(token);

    void IValueTaskSource.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);
}
