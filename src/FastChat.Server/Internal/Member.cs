namespace FastChat.Server.Internal;

/// <summary>What the room needs from whoever carries a member's bytes (a connection, or a sink in benchmarks).</summary>
internal interface IMemberTransport
{
    /// <summary>
    /// The room cut the member off for not reading (<see cref="CloseReason.SlowConsumer"/>, or
    /// <see cref="CloseReason.TotalPending"/>); the transport ends the connection.
    /// </summary>
    void OnSlowConsumer(CloseReason reason);

    /// <summary>
    /// The membership ends with <c>BYE &lt;reason&gt;</c> (/quit, or a limit the server enforces);
    /// called under the room lock, before the member's sender can see the end. The transport records
    /// the reason and reads no more lines.
    /// </summary>
    void OnEnded(CloseReason reason);

    /// <summary>The server is shutting down; the member's stream now ends with BYE shutdown.</summary>
    void OnShutdown();

    /// <summary>
    /// The fan-out walker's fast path, called while the member's sender is parked (its turn borrowed):
    /// sends what is due without blocking. False hands over to the sender (the socket would block,
    /// failed, or the stream ended); a transport without a fast path returns false.
    /// </summary>
    bool TrySendInline();
}

/// <summary>A member of the chat: its id and what it is owed.</summary>
internal sealed class Member
{
    private int _state; // 0 = not joined, 1 = member, 2 = left

    /// <summary>A member whose id is given now (benchmarks and tests).</summary>
    public Member(long id, MemberOutput output, IMemberTransport transport)
        : this(output, transport) => AssignId(id);

    /// <summary>A member whose id the room assigns on admission, so refused connections use no id.</summary>
    public Member(MemberOutput output, IMemberTransport transport)
    {
        Output = output;
        Transport = transport;
    }

    /// <summary>0 until admitted.</summary>
    public long Id { get; private set; }

    /// <summary>The id as sent on the wire (decimal ASCII).</summary>
    public byte[] IdBytes { get; private set; } = [];

    /// <summary>What the source of the order keeps for this member (a cluster node's bookkeeping); null on a single node.</summary>
    internal object? OrderState { get; set; }

    /// <summary>Gives the member its id: the number, after <paramref name="prefix"/> in a cluster (<c>n1.k3.17</c>).</summary>
    internal void AssignId(long id, ReadOnlySpan<byte> prefix = default)
    {
        Span<byte> digits = stackalloc byte[20];
        FastChat.Protocol.ServerLineWriter.TryFormatId(id, digits, out int length);
        IdBytes = [.. prefix, .. digits[..length]];
        Id = id;
    }

    public MemberOutput Output { get; }

    public IMemberTransport Transport { get; }

    public bool IsMember => Volatile.Read(ref _state) == 1;

    /// <summary>True once the membership ended (false before it began).</summary>
    public bool HasLeft => Volatile.Read(ref _state) == 2;

    /// <summary>Index in its shard's <see cref="MemberList"/>, -1 outside it (room lock).</summary>
    internal int Slot { get; set; } = -1;

    /// <summary>Which shard of <see cref="MemberShards"/> (and so which fan-out walker) it is in (room lock).</summary>
    internal int Shard { get; set; }

    internal void MarkJoined() => Volatile.Write(ref _state, 1);

    /// <summary>True for the one caller that ends the membership.</summary>
    internal bool TryMarkLeft() => Interlocked.CompareExchange(ref _state, 2, 1) == 1;

    /// <summary>The id as on the wire.</summary>
    public override string ToString() => System.Text.Encoding.ASCII.GetString(IdBytes);
}
