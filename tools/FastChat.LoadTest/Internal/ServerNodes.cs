using System.Net;

namespace FastChat.LoadTest.Internal;

/// <summary>
/// The servers a run connects to: one, or the nodes of one cluster room, connection i going to node
/// i mod N (round-robin: FastChat senders are members 0..K-1, so they spread the same way).
/// </summary>
internal sealed record ServerNodes
{
    /// <param name="pids">Each node's process to sample, in the same order; empty when none is sampled.</param>
    public ServerNodes(IReadOnlyList<IPEndPoint> endPoints, IReadOnlyList<int>? pids = null)
    {
        ArgumentNullException.ThrowIfNull(endPoints);
        if (endPoints.Count == 0)
        {
            throw new ArgumentException("at least one server is needed", nameof(endPoints));
        }

        pids ??= [];
        if (pids.Count != 0 && pids.Count != endPoints.Count)
        {
            throw new ArgumentException($"--server-pid names {pids.Count} processes for {endPoints.Count} servers: give one per server, in the order of the servers");
        }

        EndPoints = endPoints;
        Pids = pids;
    }

    public static ServerNodes One(IPEndPoint server, int? pid = null) => new([server], pid is int p ? [p] : []);

    public IReadOnlyList<IPEndPoint> EndPoints { get; }

    /// <summary>One process id per node, or none.</summary>
    public IReadOnlyList<int> Pids { get; }

    public int Count => EndPoints.Count;

    /// <summary>More than one node: the report adds per-node results.</summary>
    public bool IsCluster => Count > 1;

    public IPEndPoint First => EndPoints[0];

    public bool Sampled => Pids.Count > 0;

    /// <summary>Whether every node is loopback IPv4, so connections can be spread over source addresses (<see cref="SourceAddresses"/>).</summary>
    public bool CanSpread => EndPoints.All(e => SourceAddresses.CanSpread(e.Address));

    /// <summary>The node connection <paramref name="index"/> goes to.</summary>
    public int NodeOf(int index) => index % Count;

    public IPEndPoint EndPointFor(int index) => EndPoints[NodeOf(index)];

    /// <summary>The first node alone (attackers: each node enforces its own limits).</summary>
    public ServerNodes FirstNode() => IsCluster ? One(First, Sampled ? Pids[0] : null) : this;

    /// <summary>Node <paramref name="node"/> as the report names it: <c>1</c> .. <c>N</c>.</summary>
    public static string Name(int node) => (node + 1).ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The servers and, when sampled, their pids: one server reads as before (<c>127.0.0.1:6000 (pid 42)</c>).</summary>
    public string Describe() => string.Join(", ", EndPoints.Select((e, i) => Sampled ? $"{e} (pid {Pids[i]})" : $"{e}"));

    public override string ToString() => string.Join(", ", EndPoints);
}
