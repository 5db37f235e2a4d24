using FastChat.Protocol;

namespace FastChat.LoadTest.Internal;

/// <summary>
/// One honest member of an attack run: verifies every honest message (loss, duplicates, per-sender
/// order, one global order) over the whole run and per phase, records its latency from the
/// intended send time into the phase's recorder, answers PINGs, and accounts for what the server
/// relays of a flood by design: each flooder's lines must arrive as a gap-free prefix of what it
/// sent, in the same place of the global order at every member. Any other MSG is foreign.
/// </summary>
/// <remarks>Only its own receive loop writes here; the orchestrator reads after sending or racily.</remarks>
internal sealed class HonestMember : LineSink
{
    private const ulong FnvPrime = 0x100000001b3;
    private const ulong FnvOffset = 0xcbf29ce484222325;

    private readonly HonestRoom _room;
    private readonly long[] _floodNext;
    private readonly long[] _phaseReceived = new long[HonestRoom.Phases];
    private readonly ulong[] _phaseHash = [FnvOffset, FnvOffset];

    public HonestMember(HonestRoom room, ClientConnection connection, int index, bool observer)
    {
        _room = room;
        Connection = connection;
        Index = index;
        IsObserver = observer;
        Verifier = new DeliveryVerifier(room.Senders, 1);
        _floodNext = new long[Math.Max(1, room.Flooders)];
    }

    public ClientConnection Connection { get; }

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

    public override void OnLine(ReadOnlySpan<byte> line, long nowTicks)
    {
        if (!ServerLine.TryParse(line, out ServerLine l))
        {
            return;
        }

        switch (l.Kind)
        {
            case ServerLineKind.Message:
                OnMessage(l.Rest, nowTicks);
                break;

            case ServerLineKind.Join:
                Joins++;
                _room.LastJoinTicks = nowTicks;
                break;

            case ServerLineKind.Leave:
                Leaves++;
                if (IsObserver)
                {
                    _room.Leaves.Record(l.Argument, nowTicks);
                }

                break;

            case ServerLineKind.Welcome:
                Id = System.Text.Encoding.ASCII.GetString(l.Argument);
                Connection.CompleteHandshake(ConnectOutcome.Ready);
                break;

            case ServerLineKind.Full:
                Connection.SetCloseReason(l.Rest.IsEmpty ? "full" : "full:" + System.Text.Encoding.ASCII.GetString(l.Rest));
                Connection.CompleteHandshake(l.Rest.IsEmpty ? ConnectOutcome.Full : ConnectOutcome.FullPerAddress);
                break;

            // PING <token>: private, not part of the global order.
            case ServerLineKind.Ping:
                Connection.AnswerPing(l.Argument);
                break;

            case ServerLineKind.Bye:
                Connection.SetCloseReason("bye:" + System.Text.Encoding.ASCII.GetString(l.Argument));
                break;

            case ServerLineKind.Error:
                ServerErrors++;
                break;

            default:
                break;
        }
    }

    private void OnMessage(ReadOnlySpan<byte> text, long now)
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
