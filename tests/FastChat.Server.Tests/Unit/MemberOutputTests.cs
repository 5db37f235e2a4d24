using FastChat.Server.Internal;

namespace FastChat.Server.Tests;

/// <summary>
/// A member's private queue (WELCOME, USERS, PONG, ERR, BYE) on its own: lines longer than one
/// pooled block span several blocks, come out byte for byte in order, and every block goes back.
/// </summary>
public class MemberOutputTests
{
    [Fact]
    public void Private_lines_over_many_blocks_come_out_in_order_and_every_block_returns()
    {
        (CountingObjectPool<LogSegment> segments, CountingObjectPool<byte[]> blocks, MemberOutput output, LogSegment segment) = Attached();

        // A USERS line of a big server spans 5 blocks and grows the ring; once it is sent the ring
        // shrinks, and later lines (a PONG, then another long line) still come out intact.
        byte[] users = Line('u', 5 * PinnedBlocks.PageSize - 100);
        byte[] pong = Line('p', 10);
        byte[] again = Line('a', 3 * PinnedBlocks.PageSize);
        Assert.True(output.EnqueuePrivate(0, users));
        Assert.Equal(users.Length, output.PrivatePendingBytes);
        Assert.Equal(users, Drain(output, sendAtMost: 1000));

        Assert.True(output.EnqueuePrivate(0, pong));
        Assert.True(output.EnqueuePrivate(0, again));
        Assert.Equal([.. pong, .. again], Drain(output, sendAtMost: int.MaxValue));
        Assert.Equal(0, output.PrivatePendingBytes);
        Assert.Equal(0, blocks.Outstanding);

        output.SetEnd(0, segment);
        Assert.True(output.IsFinished);
        ReleaseAll(output, segment, segments);
    }

    [Fact]
    public void A_cut_off_keeps_the_private_line_a_send_has_in_flight()
    {
        // Found in review: a cut-off (say, a /users flood) while the sender had a USERS chunk in a
        // send returned that chunk's block to the pool; BYE was then written into the same block
        // under the send, and the member got a mangled line.
        (CountingObjectPool<LogSegment> segments, CountingObjectPool<byte[]> blocks, MemberOutput output, LogSegment segment) = Attached();
        byte[] users = Line('u', 300);
        byte[] bye = "BYE slow-consumer\r\n"u8.ToArray();
        Assert.True(output.EnqueuePrivate(0, users));

        Assert.True(output.TryGetNext(out ReadOnlyMemory<byte> inFlight, out bool isPrivate));
        Assert.True(isPrivate);
        output.CutOff(segment, bye);

        Assert.Equal(users, inFlight.ToArray()); // untouched while the send still holds it
        output.Advance(isPrivate: true, inFlight.Length);
        Assert.Equal(bye, Drain(output, sendAtMost: int.MaxValue));
        Assert.True(output.IsFinished);
        Assert.Equal(0, blocks.Outstanding);

        ReleaseAll(output, segment, segments);
    }

    [Fact]
    public void A_cut_off_gives_back_the_backlog_at_once_but_not_the_segment_a_send_reads()
    {
        // Issue 6: the cut-off member used to hold its whole backlog (up to --max-pending-bytes)
        // through the close grace period, so the others' new lines needed fresh segments then.
        var segments = new CountingObjectPool<LogSegment>("segments", () => new LogSegment(4096), static s => s.Reset(), 8);
        CountingObjectPool<byte[]> blocks = PinnedBlocks.CreatePool("blocks", PinnedBlocks.PageSize, 4);
        var log = new BroadcastLog(segments);
        var output = new MemberOutput(segments, blocks);
        output.Attach(log.TailSegment, 0);
        byte[] line = Line('m', 1000);

        Publish(log, line, members: 1);
        Assert.True(output.TryGetNext(out ReadOnlyMemory<byte> inFlight, out bool isPrivate));
        Assert.False(isPrivate);
        for (int i = 0; i < 12; i++)
        {
            Publish(log, line, members: 1); // four lines fit a segment: the backlog now spans four
        }

        Assert.Equal(4, segments.Outstanding);
        byte[] bye = "BYE slow-consumer\r\n"u8.ToArray();
        output.CutOff(log.TailSegment, bye);
        Assert.Equal(2, segments.Outstanding); // the cursor's segment and the writer's tail

        for (int i = 0; i < 12; i++)
        {
            Publish(log, line, members: 0); // the chat goes on, without it, in the segments given back
        }

        Assert.Equal(2, segments.Outstanding);
        Assert.Equal(line, inFlight.ToArray()); // the send's bytes were not reused under it
        output.Advance(isPrivate: false, inFlight.Length);
        Assert.Equal(bye, Drain(output, sendAtMost: int.MaxValue));
        Assert.True(output.IsFinished);

        output.Release();
        log.Dispose();
        Assert.Equal(0, segments.Outstanding);
        Assert.Equal(0, blocks.Outstanding);
    }

    private static void Publish(BroadcastLog log, byte[] line, int members)
    {
        line.CopyTo(log.GetSpan(line.Length, members));
        log.Advance(line.Length);
        log.Publish();
    }

    // A member's output attached at position 0 of a one-segment log, with small pools to count.
    private static (CountingObjectPool<LogSegment> Segments, CountingObjectPool<byte[]> Blocks, MemberOutput Output, LogSegment Segment) Attached()
    {
        var segments = new CountingObjectPool<LogSegment>("segments", () => new LogSegment(4096), static s => s.Reset(), 4);
        CountingObjectPool<byte[]> blocks = PinnedBlocks.CreatePool("blocks", PinnedBlocks.PageSize, 4);
        var output = new MemberOutput(segments, blocks);
        LogSegment segment = segments.Get();
        segment.InitializeReferences(1);
        output.Attach(segment, 0);
        return (segments, blocks, output, segment);
    }

    // The member's and the log's references go back: every segment returns to its pool.
    private static void ReleaseAll(MemberOutput output, LogSegment segment, CountingObjectPool<LogSegment> segments)
    {
        output.Release();
        segment.Release(segments);
        Assert.Equal(0, segments.Outstanding);
    }

    private static byte[] Line(char fill, int length)
    {
        byte[] line = new byte[length];
        for (int i = 0; i < length; i++)
        {
            line[i] = (byte)(fill + (i % 7)); // varies, so a misplaced chunk shows
        }

        return line;
    }

    // What a sender would put on the wire, taking at most sendAtMost bytes per "send" (partial sends).
    private static byte[] Drain(MemberOutput output, int sendAtMost)
    {
        var wire = new List<byte>();
        while (output.TryGetNext(out ReadOnlyMemory<byte> data, out bool isPrivate))
        {
            int n = Math.Min(sendAtMost, data.Length);
            wire.AddRange(data.Span[..n]);
            output.Advance(isPrivate, n);
        }

        return [.. wire];
    }
}
