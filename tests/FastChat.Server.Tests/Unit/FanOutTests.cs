using FastChat.Server.Internal;
using FastChat.Testing;

namespace FastChat.Server.Tests;

/// <summary>The fan-out walkers: every member of every shard gets every line, and a walk that throws is reported, not fatal.</summary>
public class FanOutTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(4)]
    public void Members_are_spread_over_the_shards_and_every_one_gets_every_line(int threads)
    {
        var room = new SinkRoom(new ChatServerOptions { MaxClients = 100, FanOutThreads = threads });
        SinkMember[] members = [.. Enumerable.Range(0, 40).Select(_ => room.NewMember())];
        try
        {
            foreach (SinkMember member in members)
            {
                Assert.Equal(JoinResult.Joined, room.Room.TryJoin(member.Member));
            }

            // The smallest shard takes each newcomer: the shards differ by at most one member.
            int[] sizes = [.. Enumerable.Range(0, threads).Select(s => members.Count(m => m.Member.Shard == s))];
            Assert.InRange(sizes.Max() - sizes.Min(), 0, 1);

            SinkMember.DrainAll(members);
            long before = members.Sum(m => m.Sent);
            room.Say(members[0].Member, "one for all"u8);
            Assert.All(members, m => Assert.Equal("MSG 1 one for all\r\n".Length, m.Drain()));
            Assert.True(members.Sum(m => m.Sent) > before);
        }
        finally
        {
            room.Dispose(members);
        }

        Assert.Empty(room.Pools.Outstanding());
    }

    [Fact]
    public void A_walk_that_throws_is_reported_and_the_walker_walks_again()
    {
        using var reported = new SemaphoreSlim(0);
        var options = new ChatServerOptions { MaxClients = 16 };
        var pools = ServerPools.For(options);
        using var counters = new ServerCounters();
        var totals = new OutputTotals();
        long id = 0;
        var room = new Room(new BroadcastLog(pools.Segments), new RoomLimits(16, 1024, options.MaxPendingBytes, 0), 1, totals, counters,
            () => ++id, _ => reported.Release());
        var throwing = new Transport(fail: true);
        var counting = new Transport(fail: false);
        Member first = new(new MemberOutput(pools.Segments, pools.PrivateBlocks, totals), throwing);
        Member second = new(new MemberOutput(pools.Segments, pools.PrivateBlocks, totals), counting);
        try
        {
            Assert.Equal(JoinResult.Joined, room.TryJoin(first));
            Assert.Equal(JoinResult.Joined, room.TryJoin(second));

            // Both senders parked: the next walk sends for them, and the first one's send throws. A
            // walk the joins started may have signalled a sender before it parked: take that first.
            ValueTask<bool> firstParked;
            while ((firstParked = first.Output.Signal.WaitAsync()).IsCompleted)
            {
            }

            ValueTask<bool> secondParked;
            while ((secondParked = second.Output.Signal.WaitAsync()).IsCompleted)
            {
            }

            room.WakeAll();
            Assert.True(reported.Wait(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken));

            // The walker lives on: the next walk reaches the second member.
            room.WakeAll();
            Assert.True(SpinWait.SpinUntil(() => counting.Calls > 0, TimeSpan.FromSeconds(10)), "no walk after the failed one");
            Assert.False(secondParked.IsCompleted); // it did all there was to do: the sender stays parked
            Assert.False(firstParked.IsCompleted);
        }
        finally
        {
            room.Close();
            first.Output.Release();
            second.Output.Release();
            room.Dispose();
        }
    }

    private sealed class Transport(bool fail) : IMemberTransport
    {
        private int _calls;

        public int Calls => Volatile.Read(ref _calls);

        public void OnSlowConsumer(CloseReason reason)
        {
        }

        public void OnEnded(CloseReason reason)
        {
        }

        public void OnShutdown()
        {
        }

        public bool TrySendInline()
        {
            Interlocked.Increment(ref _calls);
            return fail ? throw new InvalidOperationException("bug in a walk") : true;
        }
    }
}
