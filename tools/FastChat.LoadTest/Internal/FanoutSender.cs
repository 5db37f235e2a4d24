using System.Diagnostics;
using FastChat.Threading;
using HdrHistogram;

namespace FastChat.LoadTest.Internal;

/// <summary>
/// One sender: closed model (at most W messages the probe has not seen) or open model (message k due at
/// a fixed time, caught up in batches of at most <see cref="MaxBatch"/> when late).
/// </summary>
internal sealed class FanoutSender
{
    public const int MaxBatch = 4096;

    private readonly FanoutRunState _run;
    private readonly FanoutTarget _target;
    private readonly ClientConnection _connection;
    private readonly int _size;
    private readonly byte[] _buffer;
    private readonly int _maxMessageBytes;
    private long _sent;

    public FanoutSender(FanoutRunState run, FanoutTarget target, ClientConnection connection, int index, int size)
    {
        _run = run;
        _target = target;
        _connection = connection;
        Index = index;
        _size = size;
        _maxMessageBytes = Math.Max(size, PayloadCodec.MaxHeaderLength) + target.FramingOverhead;
        _buffer = GC.AllocateUninitializedArray<byte>(Math.Max(256 * 1024, _maxMessageBytes * 64), pinned: true);
    }

    public int Index { get; }

    /// <summary>Messages handed to the socket so far (read by the drain check).</summary>
    public long Sent => Volatile.Read(ref _sent);

    public long SentInWindow { get; private set; }

    public long Batches { get; private set; }

    /// <summary>Schedule lag (actual minus intended send time) of messages intended in the measured window, microseconds.</summary>
    public LongHistogram Lag { get; } = LatencyRecorders.NewHistogram();

    public string? Error { get; private set; }

    public volatile bool Stop;

    /// <summary>The schedule lag of every sender together.</summary>
    public static LongHistogram MergeLag(IEnumerable<FanoutSender> senders)
    {
        var lag = LatencyRecorders.NewHistogram();
        foreach (FanoutSender s in senders)
        {
            lag.Add(s.Lag);
        }

        return lag;
    }

    /// <summary>Closed model: keep at most <paramref name="window"/> messages in flight to the probe.</summary>
    public async Task RunWindowAsync(int window)
    {
        AsyncSignal signal = _run.SenderSignals[Index];
        int maxBatch = Math.Min(window, _buffer.Length / _maxMessageBytes);
        try
        {
            while (!Stop)
            {
                FanoutReceiver? probe = _run.Probe;
                long acked = probe?.Verifier?.NextExpected(Index) ?? 0;
                long room = window - (_sent - acked);
                if (room <= 0 || probe is null)
                {
                    await signal.WaitAsync();
                    continue;
                }

                long now = Stopwatch.GetTimestamp();
                int count = (int)Math.Min(room, maxBatch);
                int length = Fill(count, now, null);
                await _connection.SendAsync(_buffer.AsMemory(0, length));
            }
        }
        catch (Exception e) when (e is System.Net.Sockets.SocketException or ObjectDisposedException)
        {
            Error = e.Message;
        }
    }

    /// <summary>
    /// Open model: one dedicated thread drives every sender's schedule (a 1 ms check, blocking sends), since
    /// pool timers queue behind the receive work and would show up as schedule lag.
    /// </summary>
    public static Task RunScheduleAsync(IReadOnlyList<FanoutSender> senders, OpenModelSchedule schedule)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                while (true)
                {
                    bool anyRunning = false;
                    bool behind = false;
                    foreach (FanoutSender s in senders)
                    {
                        if (s.Stop || s.Error is not null)
                        {
                            continue;
                        }

                        anyRunning = true;
                        behind |= s.PumpSchedule(schedule);
                    }

                    if (!anyRunning)
                    {
                        break;
                    }

                    if (!behind)
                    {
                        Thread.Sleep(1);
                    }
                }

                done.SetResult();
            }
            catch (Exception e)
            {
                done.SetException(e);
            }
        })
        {
            IsBackground = true,
            Name = "open-model scheduler",
            Priority = ThreadPriority.AboveNormal,
        };
        thread.Start();
        return done.Task;
    }

    /// <summary>Sends what is due now (at most one batch); true when still behind afterwards.</summary>
    private bool PumpSchedule(OpenModelSchedule schedule)
    {
        long now = Stopwatch.GetTimestamp();
        long due = schedule.DueCount(now - _run.Epoch);
        if (due <= _sent)
        {
            return false;
        }

        int maxBatch = Math.Min(MaxBatch, _buffer.Length / _maxMessageBytes);
        int count = (int)Math.Min(due - _sent, maxBatch);
        int length = Fill(count, now, schedule);
        try
        {
            _connection.Send(_buffer, 0, length);
        }
        catch (Exception e) when (e is System.Net.Sockets.SocketException or ObjectDisposedException)
        {
            Error = e.Message;
        }

        return due > _sent;
    }

    /// <summary>Encodes <paramref name="count"/> messages into the send buffer; returns the byte count.</summary>
    private int Fill(int count, long now, OpenModelSchedule? schedule)
    {
        FanoutRunState run = _run;
        long measureStart = run.MeasureStart;
        long measureEnd = run.MeasureEnd;
        bool closed = schedule is null;
        if (now >= measureStart && Volatile.Read(ref run.SampleBase[Index]) == long.MaxValue)
        {
            Volatile.Write(ref run.SampleBase[Index], _sent);
        }

        long sampleBase = run.SampleBase[Index];
        Span<byte> payload = stackalloc byte[Math.Max(_size, PayloadCodec.MaxHeaderLength)];
        Span<byte> buffer = _buffer;
        int pos = 0;
        long seq = _sent;
        for (int i = 0; i < count; i++, seq++)
        {
            // Closed model: the real send time, shared by the batch. Open model: the intended time.
            long intendedRel = closed ? now - run.Epoch : schedule!.IntendedTicks(seq);
            long lag = closed ? 0 : Math.Max(0, now - run.Epoch - intendedRel);
            int n = PayloadCodec.Write(payload, _size, intendedRel, Index, seq, lag);
            pos += _target.WriteMessage(buffer[pos..], payload[..n]);
            long intendedAbs = run.Epoch + intendedRel;
            if (!closed && intendedAbs >= measureStart && intendedAbs < measureEnd)
            {
                Lag.RecordValue(LatencyRecorders.TicksToMicros(lag));
            }

            long inSample = seq - sampleBase;
            if (inSample >= 0 && inSample < run.SamplePerSender)
            {
                run.SampleIntended[(Index * run.SamplePerSender) + inSample] = intendedRel;
            }
        }

        if (now >= measureStart && now < measureEnd)
        {
            SentInWindow += count;
        }

        Batches++;
        Volatile.Write(ref _sent, seq);
        return pos;
    }
}
