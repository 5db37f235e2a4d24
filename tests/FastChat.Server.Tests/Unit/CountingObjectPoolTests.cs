using FastChat.Server.Internal;

namespace FastChat.Server.Tests;

/// <summary>The pool every rented object goes back to (brief, style rule 4).</summary>
public class CountingObjectPoolTests
{
    [Fact]
    public void A_last_in_first_out_pool_hands_out_the_most_recently_returned_object_first()
    {
        // The log segments are made at start and left unwritten, so out of RSS (issue 6); the pool
        // must keep reusing the few already written rather than cycle through all of them.
        var pool = new CountingObjectPool<byte[]>("lifo", static () => new byte[16], reset: null, maximumRetained: 4, lastInFirstOut: true);
        pool.Fill();
        Assert.Equal(4, pool.Created);

        byte[] first = pool.Get();
        byte[] second = pool.Get();
        pool.Return(first);
        pool.Return(second);
        for (int i = 0; i < 10; i++)
        {
            byte[] again = pool.Get();
            Assert.Same(second, again);
            pool.Return(again);
        }

        Assert.Equal(4, pool.Created);
        Assert.Equal(0, pool.Outstanding);
    }

    [Fact]
    public void A_last_in_first_out_pool_makes_objects_past_its_cap_and_keeps_only_the_cap()
    {
        int reset = 0;
        var pool = new CountingObjectPool<byte[]>("lifo", static () => new byte[16], _ => reset++, maximumRetained: 2, lastInFirstOut: true);
        byte[][] rented = [pool.Get(), pool.Get(), pool.Get()];
        Assert.Equal(3, pool.Created);
        Assert.Equal(3, pool.Outstanding);

        foreach (byte[] item in rented)
        {
            pool.Return(item);
        }

        Assert.Equal(3, reset);
        Assert.Equal(0, pool.Outstanding);
        _ = pool.Get();
        _ = pool.Get();
        _ = pool.Get(); // the third was dropped on return: a new one is made
        Assert.Equal(4, pool.Created);
    }
}
