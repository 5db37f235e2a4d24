using System.Diagnostics;

namespace FastChat.LoadTest.Internal;

/// <summary>
/// Members that come and go while a fanout or soak run sends (<c>--churn-rate</c>): one new
/// connection every 1/rate seconds, each staying <c>--churn-hold</c> seconds (answering PINGs,
/// reading and discarding the room's lines) and then closing. Their JOIN and LEAVE lines go
/// through the global order of the verified members; they are not verified themselves.
/// </summary>
/// <remarks>
/// Each churner has a buffer of its own and an index of its own, so over a long soak the source
/// addresses keep counting up and no address ever holds more than its share at once.
/// </remarks>
internal sealed class Churner : IDisposable
{
    private readonly Connector _connector;
    private readonly double _rate;
    private readonly TimeSpan _hold;
    private readonly List<Task> _running = [];
    private int _next;
    private int _joined;
    private int _full;
    private int _fullPerAddress;
    private int _failed;
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
        switch (outcome)
        {
            case ConnectOutcome.Ready:
                Interlocked.Increment(ref _joined);
                break;
            case ConnectOutcome.Full:
                Interlocked.Increment(ref _full);
                break;
            case ConnectOutcome.FullPerAddress:
                Interlocked.Increment(ref _fullPerAddress);
                break;
            default:
                Interlocked.Increment(ref _failed);
                break;
        }

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

    public void Report(RunReport r)
    {
        r.Set("churn_started", _next);
        r.Set("churn_joined", _joined);
        r.Set("churn_refused_full", _full);
        r.Set("churn_refused_full_per_address", _fullPerAddress);
        r.Set("churn_failed", _failed);
        r.Set("churn_ended_by_server", _endedByServer);
        r.Set("churn_pings_answered", Interlocked.Read(ref _pongs));
        r.Facts["churn"] = string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"{_rate} connections/s joining for {_hold.TotalSeconds} s each: {_joined} joined, {_full} FULL, {_fullPerAddress} FULL per-address, {_failed} failed, {_endedByServer} ended by the server; {FastChat.LoadTest.Scenarios.FanoutScenario.SourceAddressFact(_connector, _next)}");
    }

    public void Dispose() => _connector.Dispose();
}
