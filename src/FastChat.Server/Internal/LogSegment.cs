namespace FastChat.Server.Internal;

/// <summary>
/// One pinned block of the broadcast log. Lines never straddle two segments, so any range a reader
/// takes from one segment is whole lines (or the tail of a line it already started).
/// </summary>
/// <remarks>
/// Reference counting: a segment is created with one reference per current member plus one for the
/// log itself (the writer). A member drops its reference when its cursor leaves the segment or when
/// the member is released; the writer drops its own when it rolls to the next segment. The last
/// release returns the segment to the pool. This keeps memory proportional to the backlog of the
/// slowest member, which --max-pending-bytes bounds.
/// </remarks>
internal sealed class LogSegment
{
    private int _length;
    private int _references;
    private LogSegment? _next;

    public LogSegment(int size) => Buffer = GC.AllocateUninitializedArray<byte>(size, pinned: true);

    public byte[] Buffer { get; }

    /// <summary>Global log position of <c>Buffer[0]</c>.</summary>
    public long Start { get; set; }

    /// <summary>Bytes published to readers: always a line boundary.</summary>
    public int Length => Volatile.Read(ref _length);

    /// <summary>The following segment; set only after this one's final length is published.</summary>
    public LogSegment? Next => Volatile.Read(ref _next);

    public void Publish(int length) => Volatile.Write(ref _length, length);

    public void Link(LogSegment next) => Volatile.Write(ref _next, next);

    public void InitializeReferences(int count) => Volatile.Write(ref _references, count);

    public void AddReference() => Interlocked.Increment(ref _references);

    /// <summary>Drops one reference; the last one returns the segment to <paramref name="pool"/>.</summary>
    public void Release(CountingObjectPool<LogSegment> pool)
    {
        int left = Interlocked.Decrement(ref _references);
        if (left == 0)
        {
            pool.Return(this);
        }
        else if (left < 0)
        {
            throw new InvalidOperationException("Log segment released more often than referenced.");
        }
    }

    public void Reset()
    {
        _length = 0;
        _references = 0;
        _next = null;
        Start = 0;
    }
}
