using System.Diagnostics.Metrics;

namespace FastChat.Server.Internal.Cluster;

/// <summary>
/// A cluster node's instruments on the <c>FastChat.Server</c> meter (docs/CLUSTER.md "Metrics"):
/// what it puts into the stream, what it applies from it, and what it had to refuse.
/// </summary>
internal sealed class ClusterCounters
{
    private long _eventsPublished;
    private long _batchesPublished;
    private long _publishRetries;
    private long _batchesApplied;
    private long _eventsApplied;
    private long _refused;
    private long _nodesDeclaredDead;

    private readonly Meter _meter;

    public ClusterCounters(Meter meter)
    {
        _meter = meter;
        meter.CreateObservableCounter("fastchat.cluster.events.published", () => Interlocked.Read(ref _eventsPublished), "{event}",
            "Events (JOIN, LEAVE, MSG, heartbeats) this node put into the room's stream.");
        meter.CreateObservableCounter("fastchat.cluster.batches.published", () => Interlocked.Read(ref _batchesPublished), "{message}",
            "Stream messages this node published (each a batch of events).");
        meter.CreateObservableCounter("fastchat.cluster.publish.retries", () => Interlocked.Read(ref _publishRetries), "{retry}",
            "Publishes NATS did not acknowledge and that were sent again.");
        meter.CreateObservableCounter("fastchat.cluster.batches.applied", () => Interlocked.Read(ref _batchesApplied), "{message}",
            "Stream messages (every node's batches) applied to this node's room.");
        meter.CreateObservableCounter("fastchat.cluster.events.applied", () => Interlocked.Read(ref _eventsApplied), "{event}",
            "Events applied to this node's room.");
        meter.CreateObservableCounter("fastchat.cluster.lines.refused", () => Interlocked.Read(ref _refused), "{line}",
            "Chat lines answered ERR unavailable (the queue to the stream was full).");
        meter.CreateObservableCounter("fastchat.cluster.nodes.declared_dead", () => Interlocked.Read(ref _nodesDeclaredDead), "{incarnation}",
            "Node incarnations whose departure was applied (shut down, or silent past --node-timeout).");
    }

    /// <summary>The gauges of the node's state, read when a listener collects.</summary>
    public void ObserveState(Func<long> queued, Func<int> liveNodes, Func<ulong> applied)
    {
        Meter meter = _meter;
        meter.CreateObservableUpDownCounter("fastchat.cluster.queue", queued, "{event}",
            "Events waiting to be published (a growing queue means NATS is slow or away).");
        meter.CreateObservableUpDownCounter("fastchat.cluster.nodes", liveNodes, "{incarnation}",
            "Node incarnations heard from within --node-timeout, this one included.");
        meter.CreateObservableCounter("fastchat.cluster.applied.sequence", () => (long)applied(), "{sequence}",
            "The stream sequence applied last (compare nodes to see one lag).");
    }

    public long EventsPublished => Interlocked.Read(ref _eventsPublished);

    public long BatchesPublished => Interlocked.Read(ref _batchesPublished);

    public long BatchesApplied => Interlocked.Read(ref _batchesApplied);

    public long Refused => Interlocked.Read(ref _refused);

    public void Published(int events)
    {
        Interlocked.Add(ref _eventsPublished, events);
        Interlocked.Increment(ref _batchesPublished);
    }

    public void Retried() => Interlocked.Increment(ref _publishRetries);

    public void Applied(int events)
    {
        Interlocked.Add(ref _eventsApplied, events);
        Interlocked.Increment(ref _batchesApplied);
    }

    public void LineRefused() => Interlocked.Increment(ref _refused);

    public void NodeDeclaredDead() => Interlocked.Increment(ref _nodesDeclaredDead);
}
