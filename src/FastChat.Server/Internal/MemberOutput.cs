using FastChat.Threading;

namespace FastChat.Server.Internal;

/// <summary>
/// Everything a member is owed, in order: its cursor into the shared broadcast log, interleaved
/// with private lines (WELCOME, USERS, PONG, ERR, BYE) pinned to log positions. The sender asks
/// <see cref="TryGetNext"/> for the next contiguous run and reports what the socket took with
/// <see cref="Advance"/>; nothing is copied per recipient.
/// </summary>
/// <remarks>
/// Threads: the cursor belongs to the member's sender (one at a time); private lines are added
/// by the member's receiver or by the room, so the private queue is guarded by a small lock.
/// A private line at position P is sent when the cursor reaches P, i.e. after every log line
/// published before it was queued: a PONG therefore follows the echo of every message the client
/// sent before its /ping, and WELCOME/USERS come exactly where the newcomer's log stream begins.
/// </remarks>
internal sealed class MemberOutput
{
    private readonly CountingObjectPool<LogSegment> _segmentPool;
    private readonly CountingObjectPool<byte[]> _blockPool;
    private readonly OutputTotals? _totals;
    private readonly Lock _lock = new();

    // Cursor (sender side).
    private LogSegment? _segment;
    private int _offset;
    private long _position;

    // Where the member's stream ends once it has left: long.MaxValue while it is a member.
    private long _end = long.MaxValue;
    private LogSegment? _endSegment;

    // Private lines, FIFO, in non-decreasing position order. One slot to start: WELCOME and USERS
    // share a position and so a block, and most members never have more queued (grows by doubling).
    private PrivateChunk[] _chunks = new PrivateChunk[1];
    private int _head;
    private int _count;
    private long _privatePending;

    // The head chunk was handed to a send (TryGetNext) that has not reported back (Advance): its
    // block is on its way to the kernel and must not go back to the pool before then.
    private bool _headInFlight;

    /// <param name="totals">The server-wide sum of private bytes queued (--max-total-pending-bytes); optional.</param>
    public MemberOutput(CountingObjectPool<LogSegment> segmentPool, CountingObjectPool<byte[]> blockPool, OutputTotals? totals = null)
    {
        _segmentPool = segmentPool;
        _blockPool = blockPool;
        _totals = totals;
    }

    public AsyncSignal Signal { get; } = new();

    /// <summary>Log position the member has been sent up to (published for the slow-consumer check).</summary>
    public long Position => Volatile.Read(ref _position);

    /// <summary>Private bytes queued and not yet taken by the socket.</summary>
    public long PrivatePendingBytes => Volatile.Read(ref _privatePending);

    /// <summary>Starts the cursor at a log position (room lock held). Takes a segment reference.</summary>
    public void Attach(LogSegment segment, int offset)
    {
        segment.AddReference();
        _segment = segment;
        _offset = offset;
        Volatile.Write(ref _position, segment.Start + offset);
    }

    /// <summary>
    /// Ends the member's stream at <paramref name="end"/> (room lock held). It keeps the references
    /// of every segment up to <paramref name="endSegment"/> until <see cref="Release"/>.
    /// </summary>
    public void SetEnd(long end, LogSegment endSegment)
    {
        lock (_lock)
        {
            _endSegment = endSegment;
            Volatile.Write(ref _end, end);
        }
    }

    /// <summary>
    /// Cuts a slow consumer off (room lock held): its stream ends where its cursor is now, its queued
    /// private lines are dropped, and <paramref name="bye"/> is queued there instead. BYE is best
    /// effort (docs/PROTOCOL.md "Slow consumers"): it goes out only if the send in flight ever completes; the
    /// connection is closed after a short grace period either way.
    /// </summary>
    public void CutOff(LogSegment endSegment, ReadOnlySpan<byte> bye)
    {
        lock (_lock)
        {
            long end = Volatile.Read(ref _position);
            Volatile.Write(ref _end, end);

            // The stream now ends at the cursor, so the segments past it go back now, not after the
            // close grace period (the others' new lines would need fresh ones meanwhile). The
            // cursor's own segment stays: a send in flight may point into it.
            if (_segment is not null && _segment != endSegment)
            {
                ReleaseThrough(_segment.Next, endSegment);
            }

            _endSegment = _segment;

            // Keep only a private chunk that is already on the wire (handed to a send, or partly
            // sent): its line must end, and its block may be in the kernel's hands right now.
            int keep = _count > 0 && (_headInFlight || _chunks[_head].Sent > 0) ? 1 : 0;
            while (_count > keep)
            {
                int last = (_head + _count - 1) % _chunks.Length;
                AddPrivatePending(-(_chunks[last].Length - _chunks[last].Sent));
                _blockPool.Return(_chunks[last].Buffer);
                _chunks[last] = default;
                _count--;
            }
        }

        EnqueuePrivate(Volatile.Read(ref _end), bye);
    }

    /// <summary>
    /// Queues a private line to be sent when the cursor reaches <paramref name="position"/>.
    /// Returns false when the member's stream already ended before that position.
    /// </summary>
    public bool EnqueuePrivate(long position, ReadOnlySpan<byte> line)
    {
        lock (_lock)
        {
            if (position > _end || _segment is null)
            {
                return false;
            }

            AddPrivatePending(line.Length);
            while (!line.IsEmpty)
            {
                if (_count > 0)
                {
                    ref PrivateChunk last = ref _chunks[(_head + _count - 1) % _chunks.Length];
                    int room = last.Buffer.Length - last.Length;
                    if (last.Position == position && room > 0)
                    {
                        int n = Math.Min(room, line.Length);
                        line[..n].CopyTo(last.Buffer.AsSpan(last.Length));
                        last.Length += n;
                        line = line[n..];
                        continue;
                    }
                }

                if (_count == _chunks.Length)
                {
                    Grow();
                }

                _chunks[(_head + _count) % _chunks.Length] = new PrivateChunk(position, _blockPool.Get());
                _count++;
            }
        }

        return true;
    }

    /// <summary>
    /// The next run of bytes to send: a private chunk due at the cursor, or the longest contiguous
    /// run of published log lines up to the next private line or the end. False when nothing is due.
    /// </summary>
    public bool TryGetNext(out ReadOnlyMemory<byte> data, out bool isPrivate)
    {
        // One lock over the whole look-up, segment walk included: CutOff gives back the segments
        // past the cursor, so the cursor must not move on at the same time. Uncontended, it costs
        // no more than the private-queue check already did.
        lock (_lock)
        {
            long position = _position;
            long limit = _end;
            if (_count > 0)
            {
                ref PrivateChunk chunk = ref _chunks[_head];
                if (chunk.Position <= position)
                {
                    data = chunk.Buffer.AsMemory(chunk.Sent, chunk.Length - chunk.Sent);
                    isPrivate = true;
                    _headInFlight = true;
                    return true;
                }

                limit = Math.Min(chunk.Position, _end);
            }

            isPrivate = false;
            LogSegment? segment = _segment;
            while (segment is not null && position < limit)
            {
                int length = segment.Length;
                if (length > _offset)
                {
                    long available = Math.Min(length - _offset, limit - position);
                    data = segment.Buffer.AsMemory(_offset, (int)available);
                    return true;
                }

                LogSegment? next = segment.Next;
                if (next is null)
                {
                    break; // nothing published past what we already took
                }

                if (segment.Length > _offset)
                {
                    continue; // the final length grew before Next was linked: read it first
                }

                // This segment is done for us: move on and drop our reference.
                _segment = next;
                _offset = 0;
                segment.Release(_segmentPool);
                segment = next;
            }

            data = default;
            return false;
        }
    }

    /// <summary>Records that the socket took <paramref name="bytes"/> of what <see cref="TryGetNext"/> gave.</summary>
    public void Advance(bool isPrivate, int bytes)
    {
        if (!isPrivate)
        {
            _offset += bytes;
            Volatile.Write(ref _position, _position + bytes);
            return;
        }

        lock (_lock)
        {
            _headInFlight = false;
            ref PrivateChunk chunk = ref _chunks[_head];
            chunk.Sent += bytes;
            AddPrivatePending(-bytes);
            if (chunk.Sent == chunk.Length)
            {
                _blockPool.Return(chunk.Buffer);
                chunk = default;
                _head = (_head + 1) % _chunks.Length;
                _count--;
                if (_count == 0 && _chunks.Length > 2)
                {
                    // A long USERS line (15 blocks at 10 000 members) grew the ring; an idle member
                    // should not keep 16 slots for good.
                    _chunks = new PrivateChunk[1];
                    _head = 0;
                }
            }
        }
    }

    /// <summary>True when the member has left and everything it is owed has been taken.</summary>
    public bool IsFinished
    {
        get
        {
            lock (_lock)
            {
                return _position >= _end && _count == 0;
            }
        }
    }

    /// <summary>
    /// Drops every reference and block the member still holds. Call once, after the sender stopped
    /// and after <see cref="SetEnd"/>.
    /// </summary>
    public void Release()
    {
        lock (_lock)
        {
            ReleaseThrough(_segment, _endSegment);
            _segment = null;
            _endSegment = null;
            while (_count > 0)
            {
                _blockPool.Return(_chunks[_head].Buffer);
                _chunks[_head] = default;
                _head = (_head + 1) % _chunks.Length;
                _count--;
            }

            AddPrivatePending(-_privatePending);
        }
    }

    // Under _lock: this member's private bytes and the server's sum move together.
    private void AddPrivatePending(long delta)
    {
        Volatile.Write(ref _privatePending, _privatePending + delta);
        _totals?.AddPrivate(delta);
    }

    // Drops this member's reference on every segment from first through last, following Next
    // (through the end of the chain when last is null).
    private void ReleaseThrough(LogSegment? first, LogSegment? last)
    {
        LogSegment? segment = first;
        while (segment is not null)
        {
            LogSegment? next = segment == last ? null : segment.Next;
            segment.Release(_segmentPool);
            segment = next;
        }
    }

    private void Grow()
    {
        var bigger = new PrivateChunk[_chunks.Length * 2];
        for (int i = 0; i < _count; i++)
        {
            bigger[i] = _chunks[(_head + i) % _chunks.Length];
        }

        _chunks = bigger;
        _head = 0;
    }

    private struct PrivateChunk(long position, byte[] buffer)
    {
        public readonly long Position = position;
        public readonly byte[] Buffer = buffer;
        public int Length;
        public int Sent;
    }
}

/// <summary>Server-wide sums of unsent output, for --max-total-pending-bytes.</summary>
internal sealed class OutputTotals
{
    private long _privateBytes;

    /// <summary>Private bytes (replies, WELCOME, USERS, BYE) queued over all members and not yet sent.</summary>
    public long PrivateBytes => Volatile.Read(ref _privateBytes);

    public void AddPrivate(long delta) => Interlocked.Add(ref _privateBytes, delta);
}
