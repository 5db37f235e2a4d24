using System.Diagnostics;
using FastChat.LoadTest.Reporting;

namespace FastChat.LoadTest.Internal;

/// <summary>
/// Members that come and go while a fanout runs (<c>--churn-rate</c>, each staying <c>--churn-hold</c>):
/// their JOINs and LEAVEs go through the verified members' global order.
/// </summary>
/// <remarks>Each has a buffer and an index of its own, so over a long soak no source address holds more than its share.</remarks>
internal sealed class Churner : IDisposable
{
    private readonly Connector _connector;
    private readonly double _rate;
    private readonly TimeSpan _hold;
    private readonly List<Task> _running = [];
    private readonly ConnectTally _tally = new();
    private int _next;
    private int _endedByServer;
    private long _pongs;

    public Churner(ConnectSettings settings, double ratePerSecond, TimeSpan hold)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(ratePerSecond);
        _connector = new Connector(settings, 0);
        _rate = ratePerSecond;
        _hold = hold;
    }

    /// <summary>Churn connections open at once in steady state.</summary>
    public static int Concurrent(double ratePerSecond, TimeSpan hold) => (int)Math.Ceiling(ratePerSecond * Math.Max(0.1, hold.TotalSeconds)) + 1;

    /// <summary>Starts churners on schedule from now until <paramref name="untilTicks"/>, then waits for the last ones to leave.</summary>
    public async Task RunAsync(long untilTicks, CancellationToken ct)
    {
        long start = Stopwatch.GetTimestamp();
        while (!ct.IsCancellationRequested)
        {
            long now = Stopwatch.GetTimestamp();
            if (now >= untilTicks)
            {
                break;
            }

            double due = (now - start) / (double)Stopwatch.Frequency * _rate;
            while (_next < due)
            {
                _running.Add(OneAsync(_next++, ct));
            }

            _running.RemoveAll(t => t.IsCompleted);
            await Task.Delay(TimeSpan.FromMilliseconds(Math.Clamp(1000 / _rate, 1, 100)), ct).ContinueWith(static _ => { }, TaskScheduler.Default);
        }

        TimeSpan bound = _hold + (_connector.Settings.Timeout ?? TimeSpan.FromSeconds(20)) + TimeSpan.FromSeconds(2);
        await Task.WhenAll(_running).WaitAsync(bound, CancellationToken.None).ContinueWith(static _ => { }, TaskScheduler.Default);
    }

    private async Task OneAsync(int index, CancellationToken ct)
    {
        var (conn, outcome, _) = await _connector.ConnectAsync(index, c => new ControlSink(c), default, ct);
        _tally.Add(outcome);
        if (conn is null)
        {
            return;
        }

        if (outcome == ConnectOutcome.Ready)
        {
            long leaveAt = Stopwatch.GetTimestamp() + (long)(_hold.TotalSeconds * Stopwatch.Frequency);
            while (!conn.IsClosed && Stopwatch.GetTimestamp() < leaveAt && !ct.IsCancellationRequested)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(100), CancellationToken.None);
            }

            if (conn.IsClosed)
            {
                Interlocked.Increment(ref _endedByServer);
            }
        }

        Interlocked.Add(ref _pongs, conn.PongsSent);
        conn.Dispose();
    }

    /// <summary>The churn's results and its <c>churn</c> fact.</summary>
    public void Report(RunReport r)
    {
        ConnectionCounts c = _tally.Counts;
        r.Results.Churn = new ChurnResult(_next, c, Volatile.Read(ref _endedByServer), Interlocked.Read(ref _pongs));
        r.Facts["churn"] = string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"{_rate} connections/s joining for {_hold.TotalSeconds} s each: {c.Ready} joined, {c.Full} FULL, {c.FullPerAddress} FULL per-address, {c.Failed} failed, {_endedByServer} ended by the server; {_connector.DescribeSpread(_next)}");
    }

    public void Dispose() => _connector.Dispose();
}
