using System.Buffers;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;
using NATS.Net;

namespace FastChat.Server.Internal.Cluster;

/// <summary>
/// A node's connection to the room's JetStream stream (docs/CLUSTER.md): one publisher that sends
/// this node's events in order, a batch per stream message with a de-duplication id, retried until
/// NATS takes it; and one ordered consumer that hands every batch, in stream order, to the room.
/// </summary>
internal sealed class ClusterLink : IAsyncDisposable
{
    /// <summary>Most queued chat lines; past it a chat line is refused (ERR unavailable), never dropped unseen.</summary>
    public const int MaxQueuedMessages = 10_000;

    private const int MaxBatchBytes = 32 * 1024;
    private const int MaxBatchEvents = 512;

    private readonly ChatServerOptions _options;
    private readonly ClusterCounters _counters;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly string _stream;
    private readonly string _eventsSubject;
    private readonly string _snapshotSubject;
    private readonly Channel<byte[]> _queue = Channel.CreateUnbounded<byte[]>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource _stop = new();
    private NatsClient? _nats;
    private INatsJSContext? _js;
    private Task? _publisher;
    private Task? _consumer;
    private int _queuedMessages;
    private long _queued;
    private long _batches;
    private volatile bool _healthy;
    private string _batchPrefix = "";
    private ulong _applied;

    public ClusterLink(ChatServerOptions options, ClusterCounters counters, ILogger logger, TimeProvider time)
    {
        _counters = counters;
        _options = options;
        _logger = logger;
        _time = time;
        _stream = "FASTCHAT_" + options.Room;
        _eventsSubject = $"fastchat.{options.Room}.events";
        _snapshotSubject = $"fastchat.{options.Room}.snapshot";
    }

    /// <summary>True while NATS takes this node's events and delivers the stream's.</summary>
    public bool IsHealthy => _healthy;

    /// <summary>Events waiting to be published.</summary>
    public long Queued => Interlocked.Read(ref _queued);

    /// <summary>The stream sequence of the last batch applied.</summary>
    public ulong Applied => Volatile.Read(ref _applied);

    /// <summary>Connects and creates (or updates) the room's stream; throws when NATS cannot be reached.</summary>
    public async Task ConnectAsync(CancellationToken cancellationToken)
    {
        _nats = new NatsClient(new NatsOpts
        {
            Url = _options.Cluster!,
            Name = "fastchat",
            ConnectTimeout = TimeSpan.FromSeconds(5),
            MaxReconnectRetry = -1, // keep trying: the room carries on when NATS comes back
            ReconnectWaitMin = TimeSpan.FromMilliseconds(200),
            ReconnectWaitMax = TimeSpan.FromSeconds(2),
        });
        await _nats.ConnectAsync();
        _js = _nats.CreateJetStreamContext();
        await _js.CreateOrUpdateStreamAsync(new StreamConfig(_stream, [$"fastchat.{_options.Room}.>"])
        {
            Storage = _options.ClusterStorage == "memory" ? StreamConfigStorage.Memory : StreamConfigStorage.File,
            MaxAge = _options.ClusterMaxAge,
            MaxMsgs = _options.ClusterMaxMessages,
            Discard = StreamConfigDiscard.Old,
            NumReplicas = _options.ClusterReplicas,
            DuplicateWindow = TimeSpan.FromMinutes(2),
        }, cancellationToken);
        _healthy = true;
    }

    /// <summary>Why joining the cluster failed, in a user's words (for the one "error:" line).</summary>
    public static string Describe(Exception ex) => ex switch
    {
        NatsNoRespondersException => "NATS answers but JetStream is off (start nats-server with -js)",
        NatsJSApiException api => $"JetStream refused the room's stream: {api.Error.Description} (code {api.Error.ErrCode})",
        NatsException when ex.Message.StartsWith("can not connect", StringComparison.OrdinalIgnoreCase) => "no NATS server answers",
        TimeoutException or OperationCanceledException => "NATS did not answer in time",
        _ => ex.Message,
    };

    /// <summary>The newest snapshot (the member ids as of a stream sequence), or null when there is none.</summary>
    public async Task<(ulong Sequence, List<byte[]> Members, List<string> Dead)?> ReadSnapshotAsync(CancellationToken cancellationToken)
    {
        INatsJSStream stream = await _js!.GetStreamAsync(_stream, cancellationToken: cancellationToken);
        try
        {
            StreamMsgGetResponse last = await stream.GetAsync(new StreamMsgGetRequest { LastBySubj = _snapshotSubject }, cancellationToken);
            if (!ClusterEvents.TryReadSnapshot(last.Message.Data.Span, out ulong sequence, out List<byte[]> members, out List<string> dead))
            {
                return null;
            }

            if (stream.Info.State.FirstSeq > sequence + 1)
            {
                ClusterLog.ReplayGap(_logger, sequence, stream.Info.State.FirstSeq);
            }

            return (sequence, members, dead);
        }
        catch (NatsJSApiException ex) when (ex.Error.Code == 404)
        {
            return null; // no snapshot yet
        }
    }

    /// <summary>Publishes a snapshot (best effort: a lost one only makes a later start replay more).</summary>
    public async Task PublishSnapshotAsync(byte[] snapshot)
    {
        try
        {
            await _js!.PublishAsync(_snapshotSubject, snapshot, cancellationToken: _stop.Token);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            ClusterLog.SnapshotFailed(_logger, ex);
        }
    }

    /// <summary>Starts the publisher; batch ids start with <paramref name="incarnation"/>, unique to this run.</summary>
    public void StartPublisher(string incarnation)
    {
        _batchPrefix = incarnation + "-";
        _publisher = Task.Run(PublishLoopAsync);
    }

    /// <summary>
    /// Queues an event for the stream, after every event queued before it. A chat line is refused
    /// when <see cref="MaxQueuedMessages"/> wait already; membership events always go.
    /// </summary>
    public bool TryEnqueue(byte[] evt, bool isMessage)
    {
        if (isMessage && Interlocked.Increment(ref _queuedMessages) > MaxQueuedMessages)
        {
            Interlocked.Decrement(ref _queuedMessages);
            return false;
        }

        if (!_queue.Writer.TryWrite(evt))
        {
            if (isMessage)
            {
                Interlocked.Decrement(ref _queuedMessages);
            }

            return false;
        }

        Interlocked.Increment(ref _queued);
        return true;
    }

    /// <summary>Publishes one event now and returns its stream sequence (the start-up beat: when it is applied, the node has caught up).</summary>
    public async Task<ulong> PublishNowAsync(byte[] evt, string messageId, CancellationToken cancellationToken)
    {
        PubAckResponse ack = await _js!.PublishAsync(_eventsSubject, evt, opts: new NatsJSPubOpts { MsgId = messageId }, cancellationToken: cancellationToken);
        ack.EnsureSuccess();
        return ack.Seq;
    }

    /// <summary>
    /// Consumes the stream's events from <paramref name="fromSequence"/> on, in order, handing each
    /// batch to <paramref name="apply"/>; resumes after the last applied batch when NATS comes back.
    /// </summary>
    public void StartConsumer(ulong fromSequence, Action<ulong, ReadOnlyMemory<byte>> apply)
    {
        _applied = fromSequence == 0 ? 0 : fromSequence - 1;
        _consumer = Task.Run(() => ConsumeLoopAsync(apply));
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _queue.Writer.TryComplete();
        foreach (Task? task in new[] { _publisher, _consumer })
        {
            if (task is not null)
            {
                try
                {
                    await task.WaitAsync(TimeSpan.FromSeconds(5));
                }
                catch (Exception ex) when (ex is OperationCanceledException or TimeoutException)
                {
                }
            }
        }

        if (_nats is not null)
        {
            await _nats.DisposeAsync();
        }

        _stop.Dispose();
    }

    // One publish in flight, so this node's events keep their order; what queued meanwhile goes in
    // the next batch, so the rate is batches over round trips, not events over round trips.
    private async Task PublishLoopAsync()
    {
        ChannelReader<byte[]> reader = _queue.Reader;
        var batch = new ArrayBufferWriter<byte>(MaxBatchBytes);
        try
        {
            while (await reader.WaitToReadAsync(_stop.Token))
            {
                batch.ResetWrittenCount();
                int events = 0;
                int messages = 0;
                while (events < MaxBatchEvents && batch.WrittenCount < MaxBatchBytes && reader.TryRead(out byte[]? evt))
                {
                    batch.Write(evt);
                    events++;
                    messages += evt[0] == (byte)ClusterEventKind.Message ? 1 : 0;
                }

                string id = _batchPrefix + (++_batches).ToString(System.Globalization.CultureInfo.InvariantCulture);
                await PublishWithRetryAsync(batch.WrittenMemory, id);
                Interlocked.Add(ref _queuedMessages, -messages);
                Interlocked.Add(ref _queued, -events);
                _counters.Published(events);
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
    }

    // The same batch id every try: a batch NATS stored before the error comes back as a duplicate.
    private async Task PublishWithRetryAsync(ReadOnlyMemory<byte> batch, string id)
    {
        byte[] data = batch.ToArray();
        bool reported = false;
        while (true)
        {
            try
            {
                PubAckResponse ack = await _js!.PublishAsync(_eventsSubject, data, opts: new NatsJSPubOpts { MsgId = id }, cancellationToken: _stop.Token);
                ack.EnsureSuccess();
                if (!_healthy)
                {
                    _healthy = true;
                    ClusterLog.PublishingResumed(_logger);
                }

                return;
            }
            catch (Exception ex) when (!_stop.IsCancellationRequested)
            {
                _healthy = false;
                _counters.Retried();
                if (!reported)
                {
                    reported = true;
                    ClusterLog.PublishFailed(_logger, ex);
                }

                await Task.Delay(TimeSpan.FromMilliseconds(200), _time, _stop.Token);
            }
        }
    }

    private async Task ConsumeLoopAsync(Action<ulong, ReadOnlyMemory<byte>> apply)
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                INatsJSConsumer consumer = await _js!.CreateOrderedConsumerAsync(_stream, new NatsJSOrderedConsumerOpts
                {
                    DeliverPolicy = ConsumerConfigDeliverPolicy.ByStartSequence,
                    OptStartSeq = Applied + 1,
                    FilterSubjects = [_eventsSubject],
                }, _stop.Token);
                await foreach (NatsJSMsg<byte[]> msg in consumer.ConsumeAsync<byte[]>(cancellationToken: _stop.Token))
                {
                    ulong sequence = msg.Metadata?.Sequence.Stream ?? 0;
                    if (sequence <= Applied)
                    {
                        continue; // a redelivery after the consumer was recreated
                    }

                    apply(sequence, msg.Data);
                    Volatile.Write(ref _applied, sequence);
                }
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                _healthy = false;
                ClusterLog.ConsumeFailed(_logger, ex);
                try
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(500), _time, _stop.Token);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }
}

/// <summary>The cluster's log events.</summary>
internal static partial class ClusterLog
{
    [LoggerMessage(100, LogLevel.Information, "Cluster node {Node} (incarnation {Incarnation}) of room {Room}: {Members} members from the stream, {Replayed} stream messages replayed from sequence {From}")]
    public static partial void Joined(ILogger logger, string node, string incarnation, string room, int members, ulong replayed, ulong from);

    [LoggerMessage(101, LogLevel.Warning, "Cannot publish to the cluster's stream; retrying (chat lines queue up to a bound, then get ERR unavailable)")]
    public static partial void PublishFailed(ILogger logger, Exception exception);

    [LoggerMessage(102, LogLevel.Information, "Publishing to the cluster's stream again")]
    public static partial void PublishingResumed(ILogger logger);

    [LoggerMessage(103, LogLevel.Warning, "Reading the cluster's stream failed; resuming after the last applied event")]
    public static partial void ConsumeFailed(ILogger logger, Exception exception);

    [LoggerMessage(104, LogLevel.Warning, "Node incarnation {Incarnation} sent no heartbeat for {Timeout}: declaring it dead, its members leave")]
    public static partial void NodeDead(ILogger logger, string incarnation, TimeSpan timeout);

    [LoggerMessage(105, LogLevel.Error, "This node (incarnation {Incarnation}) was declared dead by the cluster: its members were closed; continuing as incarnation {Next}")]
    public static partial void SelfDead(ILogger logger, string incarnation, string next);

    [LoggerMessage(106, LogLevel.Warning, "Publishing a snapshot failed (a later start replays more of the stream)")]
    public static partial void SnapshotFailed(ILogger logger, Exception exception);

    [LoggerMessage(108, LogLevel.Warning, "The newest snapshot is of stream sequence {Snapshot} but the stream now starts at {First} (its limits dropped the events between): this node's room may differ from the others' until those members leave")]
    public static partial void ReplayGap(ILogger logger, ulong snapshot, ulong first);

    [LoggerMessage(109, LogLevel.Warning, "This node's goodbye did not come back through the stream within {Timeout}: the other nodes let its members go after the node timeout")]
    public static partial void LeaveTimedOut(ILogger logger, TimeSpan timeout);

    [LoggerMessage(110, LogLevel.Information, "Cluster stats: incarnation {Incarnation}, {Nodes} nodes live, {Events} events published in {Batches} batches, {Applied} batches applied (stream sequence {Sequence}), {Queued} queued, {Refused} lines refused")]
    public static partial void Stats(ILogger logger, string incarnation, int nodes, long events, long batches, long applied, ulong sequence, long queued, long refused);

    [LoggerMessage(107, LogLevel.Error, "Applying a cluster event failed")]
    public static partial void ApplyFailed(ILogger logger, Exception exception);
}
