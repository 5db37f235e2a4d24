using FastChat.LoadTest.Internal;

namespace FastChat.LoadTest.Tests.Unit;

public class DeliveryVerifierTests
{
    [Fact]
    public void In_order_delivery_is_complete()
    {
        var v = new DeliveryVerifier(senders: 2, samplePerSender: 4);
        for (int q = 0; q < 10; q++)
        {
            Assert.Equal(DeliveryClass.InOrder, v.OnMessage(0, q, 100 + q));
            Assert.Equal(DeliveryClass.InOrder, v.OnMessage(1, q, 100 + q));
        }

        Assert.Equal(20, v.Received);
        Assert.True(v.HasAll([10, 10]));
        Assert.False(v.HasAll([11, 10]));
        Assert.Equal(0, v.Gaps + v.Duplicates + v.Late);
        Assert.Equal(8, v.SampleOrder.Length);
    }

    [Fact]
    public void A_gap_counts_as_lost_until_the_message_arrives_late()
    {
        var v = new DeliveryVerifier(1, 1);
        v.OnMessage(0, 0, 1);
        Assert.Equal(DeliveryClass.AfterGap, v.OnMessage(0, 3, 2));
        Assert.Equal(2, v.Gaps);
        Assert.Equal(DeliveryClass.Late, v.OnMessage(0, 1, 3));
        Assert.Equal(1, v.Gaps);
        Assert.Equal(1, v.Late);
        Assert.Equal(DeliveryClass.Duplicate, v.OnMessage(0, 1, 4));
        Assert.Equal(DeliveryClass.Duplicate, v.OnMessage(0, 3, 4));
        Assert.Equal(2, v.Duplicates);
        Assert.Equal(3, v.Received);
    }

    [Fact]
    public void Tail_loss_is_what_never_arrived()
    {
        var v = new DeliveryVerifier(2, 1);
        v.OnMessage(0, 0, 1);
        v.OnMessage(0, 1, 1);
        Assert.Equal(3, v.TailMissing(0, 5));
        Assert.Equal(4, v.TailMissing(1, 4));
    }

    [Fact]
    public void Messages_far_older_than_the_window_are_flagged_and_foreign_senders_counted()
    {
        var v = new DeliveryVerifier(1, 1);
        for (int q = 0; q < 200; q++)
        {
            v.OnMessage(0, q, 1);
        }

        Assert.Equal(DeliveryClass.TooOld, v.OnMessage(0, 5, 2));
        Assert.Equal(DeliveryClass.Foreign, v.OnMessage(7, 0, 2));
        Assert.Equal(DeliveryClass.Foreign, v.OnMessage(-1, 0, 2));
        Assert.Equal(1, v.TooOld);
        Assert.Equal(2, v.Foreign);
    }

    [Fact]
    public void Same_order_everywhere_passes_and_a_swap_is_caught()
    {
        DeliveryVerifier Receiver(params (int S, long Q)[] order)
        {
            var v = new DeliveryVerifier(2, 4);
            foreach ((int s, long q) in order)
            {
                v.OnMessage(s, q, 1);
            }

            return v;
        }

        var a = Receiver((0, 0), (1, 0), (0, 1), (1, 1));
        var b = Receiver((0, 0), (1, 0), (0, 1), (1, 1));
        var swapped = Receiver((0, 0), (0, 1), (1, 0), (1, 1)); // per-sender order fine, global order differs
        long[] sent = [2, 2];

        OrderComparison same = OrderComparison.Compare([a, b], sent);
        Assert.True(same.SameOrder);
        Assert.Equal(1, same.HashGroups);

        OrderComparison differs = OrderComparison.Compare([a, b, swapped], sent);
        Assert.False(differs.SameOrder);
        Assert.Equal(1, differs.Mismatches);
        Assert.Equal(2, differs.HashGroups);
    }

    [Fact]
    public void A_receiver_missing_sample_messages_is_not_counted_as_disorder()
    {
        var full = new DeliveryVerifier(1, 8);
        var partial = new DeliveryVerifier(1, 8);
        for (int q = 0; q < 8; q++)
        {
            full.OnMessage(0, q, 1);
            if (q != 3)
            {
                partial.OnMessage(0, q, 1);
            }
        }

        OrderComparison c = OrderComparison.Compare([full, partial], [8]);
        Assert.Equal(0, c.Mismatches);
        Assert.True(c.SameOrder);
        Assert.Equal(1, c.HashCompared); // only the complete receiver takes part in the hash check
    }

    [Fact]
    public void The_sample_starts_at_the_sample_base()
    {
        var v = new DeliveryVerifier(1, 2);
        for (int q = 0; q < 10; q++)
        {
            v.OnMessage(0, q, 100 + q, sampleBase: 5);
        }

        Assert.Equal([0, 1], v.SampleOrder.ToArray());
        Assert.Equal(105, v.SampleArrival[0]);
        Assert.Equal(106, v.SampleArrival[1]);
    }
}
