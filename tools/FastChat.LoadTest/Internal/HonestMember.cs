namespace FastChat.LoadTest.Internal;

/// <summary>
/// An honest member of an attack run: verifies every honest message over the run and per phase, and
/// accounts for the flood lines the server relays by design (docs/LOADTEST.md, attack).
/// </summary>
/// <remarks>Only its receive loop writes here; the run reads afterwards, or racily while it runs.</remarks>
internal sealed class HonestMember : FastChatSink, IVerifiedMember
{
    private const ulong FnvPrime = 0x100000001b3;
    private const ulong FnvOffset = 0xcbf29ce484222325;

    private readonly HonestRoom _room;
    private readonly long[] _floodNext;
    private readonly long[] _phaseReceived = new long[HonestRoom.Phases];
    private readonly ulong[] _phaseHash = [FnvOffset, FnvOffset];

    public HonestMember(HonestRoom room, ClientConnection connection, int index, bool observer)
        : base(connection)
    {
        _room = room;
        Index = index;
        IsObserver = observer;
        Verifier = new DeliveryVerifier(room.Senders, 1);
        _floodNext = new long[Math.Max(1, room.Flooders)];
    }

    public int Index { get; }

    /// <summary>This member writes the room's LEAVE times.</summary>
    public bool IsObserver { get; }

    public DeliveryVerifier Verifier { get; }

    public string? Id { get; private set; }

    public long Joins { get; private set; }

    public long Leaves { get; private set; }

    /// <summary>Honest messages received once (every phase and outside them).</summary>
    public long Delivered { get; private set; }

    /// <summary>MSG lines neither honest nor a flooder's: must stay 0.</summary>
    public long Foreign { get; private set; }

    /// <summary>Flood lines out of their flooder's order (a hole or a repeat): must stay 0.</summary>
    public long FloodDisorder { get; private set; }

    public long FloodRelayed { get; private set; }

    public long ServerErrors { get; private set; }

    /// <summary>Flood lines of <paramref name="flooder"/> received (a gap-free prefix 0..n-1 when <see cref="FloodDisorder"/> is 0).</summary>
    public long FloodReceived(int flooder) => (uint)flooder < (uint)_floodNext.Length ? _floodNext[flooder] : 0;

    /// <summary>Honest messages intended in phase <paramref name="phase"/> received once.</summary>
    public long PhaseReceived(int phase) => _phaseReceived[phase];

    /// <summary>Hash chain over phase <paramref name="phase"/>'s honest messages in arrival order.</summary>
    public ulong PhaseHash(int phase) => _phaseHash[phase];

    protected override void OnJoin(ReadOnlySpan<byte> id, long nowTicks)
    {
        Joins++;
        _room.LastJoinTicks = nowTicks;
    }

    protected override void OnLeave(ReadOnlySpan<byte> id, long nowTicks)
    {
        Leaves++;
        if (IsObserver)
        {
            _room.Leaves.Record(id, nowTicks);
        }
    }

    protected override void OnWelcome(ReadOnlySpan<byte> id, long nowTicks)
    {
        Id = System.Text.Encoding.ASCII.GetString(id);
        Connection.CompleteHandshake(ConnectOutcome.Ready);
    }

    protected override void OnError() => ServerErrors++;

    protected override void OnMessage(ReadOnlySpan<byte> id, ReadOnlySpan<byte> text, long now)
    {
        if (PayloadCodec.TryParse(text, out PayloadFields f) && (uint)f.Sender < (uint)_room.Senders)
        {
            DeliveryClass c = Verifier.OnMessage(f.Sender, f.Sequence, now, long.MaxValue);
            if (c is DeliveryClass.Duplicate or DeliveryClass.TooOld)
            {
                return;
            }

            Delivered++;
            long intended = _room.Epoch + f.IntendedTicks;
            int phase = _room.PhaseOf(intended);
            if (phase >= 0)
            {
                _phaseReceived[phase]++;
                _phaseHash[phase] = (_phaseHash[phase] ^ (ulong)(((long)f.Sender << 44) ^ f.Sequence)) * FnvPrime;
                LatencyRecorders.Pair pair = _room.Latency[phase].Current;
                using (pair.Gate.EnterScope())
                {
                    pair.Latency.RecordValue(LatencyRecorders.TicksToMicros(now - intended));
                }
            }

            return;
        }

        if (FloodPayload.TryParse(text, out int flooder, out long seq) && flooder < _room.Flooders)
        {
            FloodRelayed++;
            if (seq != _floodNext[flooder])
            {
                FloodDisorder++;
            }

            _floodNext[flooder] = Math.Max(_floodNext[flooder], seq + 1);
            // Flooder keys sit above every honest sender's, so the two never mix in the chain.
            Verifier.MixIntoOrder((ulong)((1L << 62) | ((long)flooder << 44) | seq));
            return;
        }

        Foreign++;
    }
}
