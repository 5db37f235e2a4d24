using FastChat.Server.Internal;
using FastChat.Threading;

namespace FastChat.Server.Tests;

/// <summary>
/// The "there may be output for you" signal between the flusher and a member's sender: a wake-up
/// is never lost, and a borrowed turn (the flusher sending for a parked sender) resumes the sender
/// exactly when it must: when the borrower hands over, or a Set or Close came meanwhile.
/// </summary>
public class AsyncSignalTests
{
    [Fact]
    public async Task A_set_before_the_wait_is_remembered()
    {
        var signal = new AsyncSignal();
        signal.Set();

        Task<bool> wait = signal.WaitAsync().AsTask();

        Assert.True(wait.IsCompletedSuccessfully);
        Assert.True(await wait);
        Assert.False(signal.WaitAsync().AsTask().IsCompleted); // auto-reset
    }

    [Fact]
    public async Task A_set_resumes_a_parked_waiter_and_close_ends_the_next_wait()
    {
        var signal = new AsyncSignal();
        Task<bool> wait = signal.WaitAsync().AsTask();
        Assert.False(wait.IsCompleted);

        signal.Set();
        Assert.True(wait.IsCompletedSuccessfully);
        Assert.True(await wait);

        Task<bool> next = signal.WaitAsync().AsTask();
        signal.Close();
        Assert.True(next.IsCompletedSuccessfully);
        Assert.False(await next);
        Assert.False(await signal.WaitAsync()); // closed for good
    }

    [Fact]
    public async Task Only_a_parked_waiter_can_be_borrowed()
    {
        var signal = new AsyncSignal();
        Assert.False(signal.TryBorrow()); // nobody waits

        signal.Set();
        Assert.False(signal.TryBorrow()); // signaled, nobody waits

        Assert.True(await signal.WaitAsync());
        _ = signal.WaitAsync().AsTask();
        Assert.True(signal.TryBorrow());
        Assert.False(signal.TryBorrow()); // one borrower at a time
    }

    [Fact]
    public async Task A_borrow_returned_with_all_done_leaves_the_waiter_parked_and_it_can_be_borrowed_again()
    {
        var signal = new AsyncSignal();
        Task<bool> wait = signal.WaitAsync().AsTask();

        Assert.True(signal.TryBorrow());
        signal.Return(keepParked: true);
        Assert.False(wait.IsCompleted);

        Assert.True(signal.TryBorrow());
        signal.Return(keepParked: true);
        Assert.False(wait.IsCompleted);

        signal.Set(); // an ordinary wake-up still reaches it
        Assert.True(wait.IsCompletedSuccessfully);
        Assert.True(await wait);
    }

    [Fact]
    public async Task A_borrow_handed_over_resumes_the_waiter()
    {
        var signal = new AsyncSignal();
        Task<bool> wait = signal.WaitAsync().AsTask();

        Assert.True(signal.TryBorrow());
        signal.Return(keepParked: false);

        Assert.True(wait.IsCompletedSuccessfully);
        Assert.True(await wait);
    }

    [Fact]
    public async Task A_set_during_a_borrow_is_not_lost()
    {
        var signal = new AsyncSignal();
        Task<bool> wait = signal.WaitAsync().AsTask();

        Assert.True(signal.TryBorrow());
        signal.Set(); // e.g. the receiver queued a PONG while the flusher was sending
        Assert.False(wait.IsCompleted);
        signal.Return(keepParked: true);

        Assert.True(wait.IsCompletedSuccessfully);
        Assert.True(await wait);
    }

    [Fact]
    public async Task A_close_during_a_borrow_ends_the_waiter_when_the_borrow_returns()
    {
        var signal = new AsyncSignal();
        Task<bool> wait = signal.WaitAsync().AsTask();

        Assert.True(signal.TryBorrow());
        signal.Close();
        signal.Set(); // after close: nothing
        Assert.False(wait.IsCompleted);
        signal.Return(keepParked: true);

        Assert.True(wait.IsCompletedSuccessfully);
        Assert.False(await wait);
        Assert.False(await signal.WaitAsync());
    }

    [Fact]
    public void Returning_what_was_not_borrowed_is_refused()
    {
        var signal = new AsyncSignal();
        Assert.Throws<InvalidOperationException>(() => signal.Return(keepParked: true));
    }
}
