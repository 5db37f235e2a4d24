using System.Diagnostics;
using System.Text;
using FastChat.LoadTest.Internal;
using FastChat.LoadTest.Reporting;
using HdrHistogram;

namespace FastChat.LoadTest.Scenarios;

/// <summary>
/// Connections tracked as <see cref="MemberView"/>s (overflow, connect, chat): connect with the
/// connector's concurrency limit, record the handshake time (connect to USERS) and the outcome.
/// </summary>
internal sealed class MemberPool : IDisposable
{
    private readonly Connector _connector;
    private readonly ConnectTally _tally = new();
    private readonly Lock _gate = new();
    private int _nextIndex;
    private long _pongsOfClosed;

    /// <remarks>Connection i goes to node i mod N of <paramref name="servers"/>, rejoins included.</remarks>
    public MemberPool(CommonOptions common, ServerNodes servers, int capacity, long epoch = 0, Action<long>? latencyTicks = null)
    {
        _connector = new Connector(common.ConnectSettingsFor(servers, common.ReceiveBufferBytes > 0 ? common.ReceiveBufferBytes : 4096, Connector.MaxServerLine), capacity);
        Epoch = epoch;
        LatencyTicks = latencyTicks;
    }

    public long Epoch { get; }

    public Action<long>? LatencyTicks { get; }

    public List<MemberView> Live { get; } = [];

    public LongHistogram Handshake { get; } = LatencyRecorders.NewHistogram();

    /// <summary>How the handshakes so far ended (<c>FULL &lt;n&gt; per-address</c>: the source address held the server's per-address maximum).</summary>
    public ConnectionCounts Counts => _tally.Counts;

    public List<string> FullMax { get; } = [];

    public int Capacity => _connector.Capacity;

    /// <summary>Checks failed by members that have since been closed (their views are gone).</summary>
    public long ClosedConsistencyErrors { get; private set; }

    public long ClosedOutOfOrder { get; private set; }

    public string? ClosedFirstError { get; private set; }

    public int Used => _nextIndex;

    /// <summary>Opens <paramref name="count"/> connections concurrently; returns those that became members.</summary>
    public async Task<List<MemberView>> ConnectAsync(int count, CancellationToken ct)
    {
        var tasks = new Task<MemberView?>[count];
        for (int i = 0; i < count; i++)
        {
            tasks[i] = ConnectOneAsync(ct);
        }

        MemberView?[] views = await Task.WhenAll(tasks);
        return views.Where(v => v is not null).ToList()!;
    }

    public async Task<MemberView?> ConnectOneAsync(CancellationToken ct)
    {
        int index = Interlocked.Increment(ref _nextIndex) - 1;
        if (index >= _connector.Capacity)
        {
            throw new InvalidOperationException("connection capacity of this run exhausted");
        }

        MemberView? view = null;
        var (_, outcome, ticks) = await _connector.ConnectAsync(index, c => view = new MemberView(c, Epoch, LatencyTicks), default, ct);
        lock (_gate)
        {
            _tally.Add(outcome);
            switch (outcome)
            {
                case ConnectOutcome.Ready:
                    Handshake.RecordValue(LatencyRecorders.TicksToMicros(ticks));
                    Live.Add(view!);
                    return view;
                case ConnectOutcome.Full:
                    FullMax.Add(view!.FullMax ?? "?");
                    return null;
                default:
                    return null;
            }
        }
    }

    /// <summary>Closes one member (as a client leaving abruptly).</summary>
    public void Close(MemberView m)
    {
        lock (_gate)
        {
            Live.Remove(m);
            ClosedConsistencyErrors += m.ConsistencyErrors;
            ClosedOutOfOrder += m.OutOfOrder;
            ClosedFirstError ??= m.FirstError;
            _pongsOfClosed += m.Connection.PongsSent;
        }

        m.Connection.Dispose();
    }

    /// <summary>Waits until every live member's view holds exactly the live ids (or the timeout).</summary>
    public async Task<int> WaitConsistentAsync(TimeSpan timeout, CancellationToken ct)
    {
        long start = Stopwatch.GetTimestamp();
        while (true)
        {
            int mismatched = CountMismatched();
            if (mismatched == 0 || Stopwatch.GetElapsedTime(start) > timeout)
            {
                return mismatched;
            }

            await Task.Delay(20, ct);
        }
    }

    /// <summary>Members whose view of the member set differs from the set of live ids.</summary>
    public int CountMismatched()
    {
        List<MemberView> live;
        lock (_gate)
        {
            live = Live.Where(m => !m.Connection.IsClosed).ToList();
        }

        var ids = new IdSet();
        foreach (MemberView m in live)
        {
            ids.Add(Encoding.ASCII.GetBytes(m.Id!));
        }

        return live.Count(m => !ids.SetEquals(m.Members));
    }

    /// <summary>The pool's results, its <c>source_addresses</c> fact, the handshake histogram and the first consistency error.</summary>
    public void Report(RunReport r)
    {
        r.Results.Pool = new PoolResult(Counts, _pongsOfClosed + Live.Sum(m => m.Connection.PongsSent), LatencySummary.Of(Handshake),
            ClosedConsistencyErrors + Live.Sum(m => m.ConsistencyErrors));
        r.Facts["source_addresses"] = _connector.DescribeSpread(Used);
        r.Histograms["handshake"] = Handshake;
        string? first = ClosedFirstError ?? Live.Select(m => m.FirstError).FirstOrDefault(e => e is not null);
        if (first is not null)
        {
            r.Anomalies.Add(first);
        }
    }

    public void Dispose()
    {
        foreach (MemberView m in Live.ToList())
        {
            m.Connection.Dispose();
        }

        _connector.Dispose();
    }
}
