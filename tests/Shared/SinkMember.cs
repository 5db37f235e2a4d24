// Shared by tests/FastChat.Server.Tests (allocation tests) and perf/FastChat.Benchmarks (broadcast
// benchmarks): both drive the server's real broadcast path with the socket replaced by a sink.
using FastChat.Server;
using FastChat.Server.Internal;

namespace FastChat.Testing;

/// <summary>The server's room and pools as ChatServer builds them, with sinks instead of connections.</summary>
internal sealed class SinkRoom : IDisposable
{
    private long _nextId;

    public SinkRoom(ChatServerOptions options)
    {
        Counters = new ServerCounters();
        Pools = ServerPools.For(options);
        Room = new Room(new BroadcastLog(Pools.Segments),
            new RoomLimits(options.MaxClients, options.MaxLineLength, options.MaxPendingBytes, options.MaxTotalPendingBytes),
            options.FanOutThreads, Totals, Counters, NextId, ex => throw new InvalidOperationException("A walk failed.", ex));
    }

    public Room Room { get; }

    public ServerPools Pools { get; }

    public ServerCounters Counters { get; }

    public OutputTotals Totals { get; } = new();

    public long NextId() => Interlocked.Increment(ref _nextId);

    /// <summary>A sink member (not joined yet).</summary>
    public SinkMember NewMember() => new(this);

    /// <summary>One chat line from <paramref name="sender"/>, applied as a receive would apply it.</summary>
    public void Say(Member sender, ReadOnlySpan<byte> text) =>
        Room.Apply(sender, text, [new MemberAction(MemberActionKind.Chat, 0, text.Length)]);

    /// <summary>Closes the room as the server does (every stream ends) and releases every member's
    /// references and blocks, the log's own reference last.</summary>
    public void Dispose(SinkMember[] members)
    {
        Room.Close();
        foreach (SinkMember member in members)
        {
            member.Member.Output.Release();
        }

        Dispose();
    }

    public void Dispose()
    {
        Room.Dispose();
        Counters.Dispose();
    }
}

/// <summary>A member whose output is drained by a sink instead of a socket.</summary>
internal sealed class SinkMember : IMemberTransport
{
    public SinkMember(SinkRoom room)
    {
        Member = new Member(room.NextId(), new MemberOutput(room.Pools.Segments, room.Pools.PrivateBlocks, room.Totals), this);
    }

    public Member Member { get; }

    /// <summary>Bytes "sent" so far.</summary>
    public long Sent { get; private set; }

    /// <summary>
    /// A room with <paramref name="members"/> joined sink members, built as ChatServer builds it
    /// (default options, max clients raised to fit), with every member's WELCOME/USERS/JOIN backlog drained.
    /// </summary>
    public static (SinkRoom Room, SinkMember[] Members) CreateChat(int members)
    {
        var room = new SinkRoom(new ChatServerOptions { MaxClients = Math.Max(members, 16) });
        var sinks = new SinkMember[members];
        for (int i = 0; i < members; i++)
        {
            sinks[i] = room.NewMember();
            if (room.Room.TryJoin(sinks[i].Member) != JoinResult.Joined)
            {
                throw new InvalidOperationException($"Member {i + 1} of {members} could not join.");
            }

            // The newcomer's USERS line grows with the chat; drain it now so setup stays O(n) in memory.
            sinks[i].Drain();
        }

        DrainAll(sinks);
        return (room, sinks);
    }

    /// <summary>Every member's sender takes what it is owed; returns the bytes taken.</summary>
    public static long DrainAll(SinkMember[] members)
    {
        long bytes = 0;
        foreach (SinkMember member in members)
        {
            bytes += member.Drain();
        }

        return bytes;
    }

    /// <summary>The member's sender loop with the socket replaced: every contiguous run that is due is "sent" whole.</summary>
    public long Drain()
    {
        // The sink does not wait on the member's signal: a walker sets it concurrently, and a wait
        // that is never awaited would race that Set (a real sender awaits before it waits again).
        var sink = new CountingSink();
        MemberSender.SendDue(Member.Output, ref sink);
        Sent += sink.Bytes;
        return sink.Bytes;
    }

    public void OnSlowConsumer(CloseReason reason) => throw new InvalidOperationException($"A sink member was cut off ({reason}).");

    public void OnEnded(CloseReason reason) => throw new InvalidOperationException($"A sink member was ended ({reason}).");

    public void OnShutdown()
    {
    }

    // No fast path: the sink's sender loop does all the draining.
    public bool TrySendInline() => false;

    // Takes everything, counting it.
    private struct CountingSink : ISendChannel
    {
        public long Bytes;

        public int TrySend(ReadOnlySpan<byte> data)
        {
            Bytes += data.Length;
            return data.Length;
        }
    }
}
