namespace FastChat.LoadTest.Reporting;

/// <summary>How the handshakes of a group of connections ended.</summary>
internal readonly record struct ConnectionCounts(int Ready, int Full, int FullPerAddress, int Failed)
{
    public int Total => Ready + Full + FullPerAddress + Failed;

    public override string ToString() => $"{Ready} ready, {Full} FULL, {FullPerAddress} FULL per-address, {Failed} failed";
}

/// <summary>The room of a fanout or attack run getting in: how long it took and how each connection ended.</summary>
internal sealed record RoomConnectResult(double Seconds, ConnectionCounts Counts);

/// <summary>What the member pool of the chat, connect and overflow scenarios saw of its connections.</summary>
internal sealed record PoolResult(ConnectionCounts Counts, long PingsAnswered, LatencySummary Handshake, long ConsistencyErrors);

/// <summary>Members that joined and left while a fanout ran (<c>--churn-rate</c>).</summary>
internal sealed record ChurnResult(int Started, ConnectionCounts Counts, int EndedByServer, long PingsAnswered);
