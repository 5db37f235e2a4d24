// Shared by tests/FastChat.Server.Tests (allocation tests) and perf/FastChat.Benchmarks (broadcast
// benchmarks): both drive the server's real broadcast path with the socket replaced by a sink.
using FastChat.Server;
using FastChat.Server.Internal;
using Microsoft.Extensions.Logging.Abstractions;

namespace FastChat.Testing;

/// <summary>A member whose output is drained by a sink instead of a socket.</summary>
internal sealed class SinkMember : IMemberTransport
{
    public SinkMember(ServerContext context)
    {
        Member = new Member(context.NextId(), new MemberOutput(context.Pools.Segments, context.Pools.PrivateBlocks), this);
    }

    public Member Member { get; }

    /// <summary>Bytes "sent" so far.</summary>
    public long Sent { get; private set; }

    /// <summary>
    /// A hub with <paramref name="members"/> joined sink members, built as ChatServer builds it
    /// (default options, max clients raised to fit), with every member's WELCOME/USERS/JOIN backlog drained.
    /// </summary>
    public static (ServerContext Context, SinkMember[] Members) CreateChat(int members)
    {
        var context = ServerContext.Create(new ChatServerOptions { MaxClients = Math.Max(members, 16) }, NullLogger.Instance);

        var sinks = new SinkMember[members];
        for (int i = 0; i < members; i++)
        {
            sinks[i] = new SinkMember(context);
            if (context.Hub.TryJoin(sinks[i].Member) != JoinResult.Joined)
            {
                throw new InvalidOperationException($"Member {i + 1} of {members} could not join.");
            }

            // The newcomer's USERS line grows with the chat; drain it now so setup stays O(n) in memory.
            sinks[i].Drain();
        }

        DrainAll(sinks);
        return (context, sinks);
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

    /// <summary>Shuts the hub down as the server does (every stream ends), then every reference and
    /// block goes back, the log's own reference last.</summary>
    public static void Dispose(ServerContext context, SinkMember[] members)
    {
        context.Hub.Close();
        foreach (SinkMember member in members)
        {
            member.Member.Output.Release();
        }

        context.Hub.DisposeLog();
        context.Counters.Dispose();
    }

    /// <summary>
    /// The body of Connection.SendLoopAsync with the socket replaced: every contiguous run that is due
    /// is "sent" whole.
    /// </summary>
    public long Drain()
    {
        MemberOutput output = Member.Output;
        long bytes = 0;
        while (output.TryGetNext(out ReadOnlyMemory<byte> data, out bool isPrivate))
        {
            bytes += data.Length;
            output.Advance(isPrivate, data.Length);
        }

        // The sink does not wait on the member's signal: the flusher thread sets it concurrently, and a
        // wait that is never awaited would race that Set (a real sender awaits before it waits again).
        Sent += bytes;
        return bytes;
    }

    public void OnSlowConsumer(CloseReason reason) => throw new InvalidOperationException($"A sink member was cut off ({reason}).");

    public void OnKicked(CloseReason reason) => throw new InvalidOperationException($"A sink member was kicked ({reason}).");

    public void OnShutdown()
    {
    }

    // No fast path: the sink's sender loop does all the draining.
    public bool TrySendInline() => false;
}
