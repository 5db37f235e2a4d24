namespace FastChat.LoadTest.Internal;

/// <summary>The lines one connection's receive loop frames, from that loop only, so implementations keep plain state.</summary>
internal abstract class LineSink
{
    /// <summary>Before the lines of one receive() are delivered.</summary>
    public virtual void BeginBatch(long nowTicks)
    {
    }

    /// <summary>
    /// Fast path for protocols whose messages span lines (RESP): consume one whole message at the start of
    /// <paramref name="data"/> and return its length, or return 0 to let the line path take it.
    /// </summary>
    public virtual int TryReadMessage(ReadOnlySpan<byte> data, long nowTicks) => 0;

    /// <summary>One line without CR/LF; the span points into the receive buffer.</summary>
    public abstract void OnLine(ReadOnlySpan<byte> line, long nowTicks);

    /// <summary>A line longer than the framer's limit was refused.</summary>
    public virtual void OnOverlongLine()
    {
    }

    /// <summary>After the lines of one receive() were delivered.</summary>
    public virtual void EndBatch(long nowTicks)
    {
    }
}
