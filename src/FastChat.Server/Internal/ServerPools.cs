namespace FastChat.Server.Internal;

/// <summary>The pools of one server, each capped: every rented object comes back, and tests count them.</summary>
internal sealed class ServerPools
{
    /// <summary>Most log segment bytes made at start (1024 of the default 64 KiB segments).</summary>
    public const int MaxPrefilledBytes = 64 * 1024 * 1024;

    /// <summary>The pools for a server with these options (a log segment holds at least one longest line).</summary>
    public static ServerPools For(ChatServerOptions options)
    {
        int segmentSize = Math.Max(options.LogSegmentSize,
            PinnedBlocks.RoundUpToPage(FastChat.Protocol.ServerLineWriter.MaxLineBytes(options.MaxLineLength)));
        return new ServerPools(options.MaxLineLength, options.MaxClients, segmentSize, options.MaxPendingBytes);
    }

    public ServerPools(int maxLineLength, int maxClients, int segmentSize, long maxPendingBytes)
    {
        // A receive block holds one unfinished line (max+1 bytes, LineFramer.MaxBufferedBytes) plus
        // at least one byte of room, rounded up to whole pages.
        ReceiveBlockSize = PinnedBlocks.RoundUpToPage(Math.Max(PinnedBlocks.PageSize, maxLineLength + 2));
        int retained = Math.Clamp(maxClients, 16, 1024);

        // Blocks are held only while a receive is parsed or a private line waits, so the steady state
        // needs a few; a burst (a JOIN storm's USERS lines) rents many more, which are not all kept.
        int retainedBlocks = Math.Min(retained, 128);
        ReceiveBlocks = PinnedBlocks.CreatePool("receive-blocks", ReceiveBlockSize, retainedBlocks);
        PrivateBlocks = PinnedBlocks.CreatePool("private-blocks", PinnedBlocks.PageSize, retainedBlocks);

        // Every segment one member at --max-pending-bytes can hold is made now, so a member falling
        // behind makes no pinned blocks (and sets off no GC) while it stalls. Each segment holds at
        // least segment - longest line + 1 bytes of backlog; on top: the cursor's partly read one,
        // what a walk publishes before it cuts, and two for readers a little behind the tail.
        // Unwritten and handed out last-in-first-out, most stay out of RSS (docs/ARCHITECTURE.md "Memory").
        int longestLine = FastChat.Protocol.ServerLineWriter.MaxLineBytes(maxLineLength);
        long backlogPerSegment = Math.Max(1, segmentSize - longestLine + 1);
        long spanned = Math.Max(0, maxPendingBytes / backlogPerSegment + (maxPendingBytes % backlogPerSegment == 0 ? 0 : 1));
        int cap = Math.Max(4, MaxPrefilledBytes / segmentSize);
        SegmentsAtStart = (int)Math.Min(cap, spanned + 4);
        Segments = new CountingObjectPool<LogSegment>("log-segments", () => new LogSegment(segmentSize),
            static s => s.Reset(), maximumRetained: SegmentsAtStart, lastInFirstOut: true);
        Segments.Fill();
        ReceiveArgs = new CountingObjectPool<ReceiveArgs>("receive-args", static () => new ReceiveArgs(),
            static a => a.Clear(), retained);
        SendArgs = new CountingObjectPool<SendArgs>("send-args", static () => new SendArgs(),
            static a => a.Clear(), retained);
    }

    public int ReceiveBlockSize { get; }

    public CountingObjectPool<byte[]> ReceiveBlocks { get; }

    public CountingObjectPool<byte[]> PrivateBlocks { get; }

    public CountingObjectPool<LogSegment> Segments { get; }

    /// <summary>Log segments made at start and kept: one member max-pending behind needs no more.</summary>
    public int SegmentsAtStart { get; }

    public CountingObjectPool<ReceiveArgs> ReceiveArgs { get; }

    public CountingObjectPool<SendArgs> SendArgs { get; }

    /// <summary>Every rented object that has not come back, by pool; empty when all came back.</summary>
    public IReadOnlyDictionary<string, long> Outstanding()
    {
        var result = new Dictionary<string, long>();
        Add(ReceiveBlocks);
        Add(PrivateBlocks);
        Add(Segments);
        Add(ReceiveArgs);
        Add(SendArgs);
        return result;

        void Add<T>(CountingObjectPool<T> pool)
            where T : class
        {
            if (pool.Outstanding != 0)
            {
                result[pool.Name] = pool.Outstanding;
            }
        }
    }
}
