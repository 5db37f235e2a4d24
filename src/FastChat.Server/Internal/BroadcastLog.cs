namespace FastChat.Server.Internal;

/// <summary>
/// The shared, append-only broadcast log: every JOIN, LEAVE and MSG line is encoded once, here,
/// and every member reads it from its own cursor. Appending under one lock gives the global order
/// (docs/PROTOCOL.md "Ordering and consistency guarantees"); readers take whole contiguous runs of lines, so one send per
/// member per batch carries everything pending (coalescing) with zero copies per recipient.
/// </summary>
/// <remarks>
/// Writes happen only under the room lock; publication to the lock-free readers is a volatile write
/// of the segment length after the bytes, then of the tail position.
/// </remarks>
internal sealed class BroadcastLog
{
    private readonly CountingObjectPool<LogSegment> _pool;
    private LogSegment _tail;
    private int _written; // bytes written into _tail, published or not
    private long _published;

    public BroadcastLog(CountingObjectPool<LogSegment> pool)
    {
        _pool = pool;
        _tail = pool.Get();
        _tail.InitializeReferences(1); // the writer's own reference
    }

    public int SegmentSize => _tail.Buffer.Length;

    /// <summary>The segment being written (readers that join start here).</summary>
    public LogSegment TailSegment => _tail;

    /// <summary>Position after the last written byte, published or not (writer side, under the lock).</summary>
    public long WritePosition => _tail.Start + _written;

    /// <summary>Position after the last published byte: always a line boundary.</summary>
    public long PublishedPosition => Volatile.Read(ref _published);

    /// <summary>Offset in <see cref="TailSegment"/> of <see cref="WritePosition"/>.</summary>
    public int TailOffset => _written;

    /// <summary>
    /// Room for one line of at most <paramref name="lineBytes"/>; rolls to a new segment when the
    /// tail has less room (the new segment starts with one reference per member, plus the writer's).
    /// </summary>
    public Span<byte> GetSpan(int lineBytes, int memberCount)
    {
        if (_tail.Buffer.Length - _written < lineBytes)
        {
            Roll(memberCount);
        }

        return _tail.Buffer.AsSpan(_written);
    }

    public void Advance(int bytes) => _written += bytes;

    /// <summary>Makes everything written so far visible to readers.</summary>
    public void Publish()
    {
        _tail.Publish(_written);
        Volatile.Write(ref _published, _tail.Start + _written);
    }

    /// <summary>Releases the writer's reference (server shutdown, after the last line).</summary>
    public void Dispose() => _tail.Release(_pool);

    private void Roll(int memberCount)
    {
        LogSegment old = _tail;
        LogSegment next = _pool.Get();
        next.Start = old.Start + _written;
        next.InitializeReferences(memberCount + 1);

        // The old segment's final length must be visible before readers can follow Next.
        old.Publish(_written);
        old.Link(next);
        _tail = next;
        _written = 0;
        old.Release(_pool);
    }
}
