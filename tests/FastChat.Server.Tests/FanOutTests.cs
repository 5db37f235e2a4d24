using FastChat.Server.Internal;

namespace FastChat.Server.Tests;

/// <summary>The flusher thread: a request always leads to a walk, and a walk that throws is reported, not fatal.</summary>
public class FlusherTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task A_walk_that_throws_is_reported_and_the_next_request_still_walks()
    {
        int walks = 0;
        using var walked = new SemaphoreSlim(0);
        using var failed = new SemaphoreSlim(0);
        Exception? reported = null;
        using var flusher = new Flusher(
            () =>
            {
                if (Interlocked.Increment(ref walks) == 1)
                {
                    throw new InvalidOperationException("bug in a walk");
                }

                walked.Release();
            },
            ex =>
            {
                reported = ex;
                failed.Release();
            });

        flusher.Request();
        Assert.True(await failed.WaitAsync(Timeout, TestContext.Current.CancellationToken));
        Assert.Equal("bug in a walk", reported?.Message);

        flusher.Request();
        Assert.True(await walked.WaitAsync(Timeout, TestContext.Current.CancellationToken));
    }

    [Fact]
    public void A_request_after_dispose_is_a_no_op()
    {
        var flusher = new Flusher(static () => { }, static _ => { });
        flusher.Dispose();

        flusher.Request();
        flusher.Dispose();
    }
}
