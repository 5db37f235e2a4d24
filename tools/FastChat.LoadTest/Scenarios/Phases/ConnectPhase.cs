using System.Diagnostics;
using FastChat.LoadTest.Internal;
using FastChat.LoadTest.Reporting;
using HdrHistogram;

namespace FastChat.LoadTest.Scenarios.Phases;

/// <summary>A room after its connect: each connection's member (null where none was made), how the handshakes ended, how long they took.</summary>
internal sealed record ConnectedRoom<T>(T?[] Members, ConnectionCounts Counts, LongHistogram Handshake, double Seconds)
    where T : class, IVerifiedMember
{
    /// <summary>The members the server admitted, in index order.</summary>
    public T[] Admitted(int count) => Members.Take(count).Where(m => m is not null && m.Connection.IsReady).ToArray()!;

    public RoomConnectResult Result => new(Seconds, Counts);
}

/// <summary>
/// Phase 1 of a room's run (fanout, attack): opens every connection at once, the connector bounding
/// the handshakes in flight, and counts how each ended; the handshake time of admitted ones is kept.
/// </summary>
internal static class ConnectPhase
{
    /// <param name="create">Makes connection i's member and the sink its receive loop feeds.</param>
    /// <param name="hello">What connection i sends first (none by default).</param>
    /// <param name="receiveBufferSize">Connection i's SO_RCVBUF (0: the kernel's).</param>
    public static async Task<ConnectedRoom<T>> RunAsync<T>(
        Connector connector, int count, Func<int, ClientConnection, (T Member, LineSink Sink)> create, CancellationToken ct,
        Func<int, ReadOnlyMemory<byte>>? hello = null, Func<int, int>? receiveBufferSize = null)
        where T : class, IVerifiedMember
    {
        var members = new T?[count];
        var tally = new ConnectTally();
        LongHistogram handshake = LatencyRecorders.NewHistogram();
        long start = Stopwatch.GetTimestamp();
        await Task.WhenAll(Enumerable.Range(0, count).Select(i => Task.Run(async () =>
        {
            var (_, outcome, ticks) = await connector.ConnectAsync(
                i,
                c =>
                {
                    (T member, LineSink sink) = create(i, c);
                    members[i] = member;
                    return sink;
                },
                hello?.Invoke(i) ?? default,
                ct,
                receiveBufferSize?.Invoke(i) ?? 0);
            tally.Add(outcome);
            if (outcome == ConnectOutcome.Ready)
            {
                lock (handshake)
                {
                    handshake.RecordValue(LatencyRecorders.TicksToMicros(ticks));
                }
            }
        }, ct)));
        return new ConnectedRoom<T>(members, tally.Counts, handshake, RunClock.SecondsSince(start));
    }
}
