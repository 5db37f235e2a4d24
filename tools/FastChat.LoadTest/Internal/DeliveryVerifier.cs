namespace FastChat.LoadTest.Internal;

/// <summary>What one received message was, relative to what the receiver had seen before.</summary>
internal enum DeliveryClass : byte
{
    /// <summary>The next sequence number of its sender.</summary>
    InOrder,

    /// <summary>A later sequence number: the ones between count as lost (for now).</summary>
    AfterGap,

    /// <summary>An earlier, missing sequence number arriving late: per-sender order broken.</summary>
    Late,

    /// <summary>A sequence number already received.</summary>
    Duplicate,

    /// <summary>Older than the 64-message window: cannot tell late from duplicate.</summary>
    TooOld,

    /// <summary>A sender index this run does not have.</summary>
    Foreign,
}

/// <summary>
/// Per-receiver verification: gaps, tail, duplicates, per-sender order, and the arrival order (a hash
/// chain and a fixed sample) so receivers can be compared afterwards.
/// </summary>
/// <remarks>
/// One receive loop owns it. Per sender, the next expected sequence and a map of the 64 below it tell a
/// late arrival from a duplicate without allocating.
/// </remarks>
internal sealed class DeliveryVerifier
{
    private const ulong FnvPrime = 0x100000001b3;
    private const ulong FnvOffset = 0xcbf29ce484222325;

    private readonly long[] _next;
    private readonly ulong[] _seen; // bit i: sequence next-1-i was received
    private readonly int[] _sampleOrder;
    private readonly long[] _sampleArrival;
    private readonly int _samplePerSender;
    private int _sampleCount;

    public DeliveryVerifier(int senders, int samplePerSender)
    {
        _next = new long[senders];
        _seen = new ulong[senders];
        _samplePerSender = samplePerSender;
        _sampleOrder = new int[senders * samplePerSender];
        _sampleArrival = new long[senders * samplePerSender];
        OrderHash = FnvOffset;
    }

    public int Senders => _next.Length;

    public long Received { get; private set; }

    public long Gaps { get; private set; }

    public long Duplicates { get; private set; }

    public long Late { get; private set; }

    public long TooOld { get; private set; }

    public long Foreign { get; private set; }

    /// <summary>FNV-1a chain over (sender, seq) of every message in arrival order.</summary>
    public ulong OrderHash { get; private set; }

    /// <summary>Sample message keys (sender * samplePerSender + seq - sampleBase) in arrival order.</summary>
    public ReadOnlySpan<int> SampleOrder => _sampleOrder.AsSpan(0, _sampleCount);

    /// <summary>Arrival tick of each sample key (0 = not received), indexed by key.</summary>
    public ReadOnlySpan<long> SampleArrival => _sampleArrival;

    public int SamplePerSender => _samplePerSender;

    /// <summary>The next sequence this receiver expects from <paramref name="sender"/>.</summary>
    public long NextExpected(int sender) => Volatile.Read(ref _next[sender]);

    /// <summary>Records one message and classifies it.</summary>
    /// <param name="sampleBase">First sequence of <paramref name="sender"/> in the order/spread sample.</param>
    public DeliveryClass OnMessage(int sender, long seq, long arrivalTicks, long sampleBase = 0)
    {
        if ((uint)sender >= (uint)_next.Length || seq < 0)
        {
            Foreign++;
            return DeliveryClass.Foreign;
        }

        Received++;
        OrderHash = (OrderHash ^ (ulong)(((long)sender << 44) ^ seq)) * FnvPrime;
        long inSample = seq - sampleBase;
        if (inSample >= 0 && inSample < _samplePerSender)
        {
            int key = (sender * _samplePerSender) + (int)inSample;
            if (_sampleArrival[key] == 0)
            {
                _sampleArrival[key] = arrivalTicks == 0 ? 1 : arrivalTicks;
                _sampleOrder[_sampleCount++] = key;
            }
        }

        long next = _next[sender];
        if (seq == next)
        {
            _seen[sender] = (_seen[sender] << 1) | 1;
            Volatile.Write(ref _next[sender], next + 1);
            return DeliveryClass.InOrder;
        }

        if (seq > next)
        {
            long gap = seq - next;
            Gaps += gap;
            _seen[sender] = gap >= 63 ? 1UL : (_seen[sender] << (int)(gap + 1)) | 1;
            Volatile.Write(ref _next[sender], seq + 1);
            return DeliveryClass.AfterGap;
        }

        long back = next - 1 - seq; // bit index
        if (back >= 64)
        {
            TooOld++;
            return DeliveryClass.TooOld;
        }

        ulong bit = 1UL << (int)back;
        if ((_seen[sender] & bit) != 0)
        {
            Duplicates++;
            Received--;
            return DeliveryClass.Duplicate;
        }

        _seen[sender] |= bit;
        Gaps--;
        Late++;
        return DeliveryClass.Late;
    }

    /// <summary>
    /// Adds a line that is not one of the verified senders' (a flooder's relayed line) to the hash
    /// chain, so receivers that agree on the order agree on where those lines fell too.
    /// </summary>
    public void MixIntoOrder(ulong key) => OrderHash = (OrderHash ^ key) * FnvPrime;

    /// <summary>Messages of <paramref name="sender"/> never received although <paramref name="sent"/> were sent.</summary>
    public long TailMissing(int sender, long sent) => Math.Max(0, sent - _next[sender]);

    /// <summary>Messages of every sender never received, given how many each sent.</summary>
    public long TailMissing(ReadOnlySpan<long> sent)
    {
        long missing = 0;
        for (int s = 0; s < sent.Length; s++)
        {
            missing += TailMissing(s, sent[s]);
        }

        return missing;
    }

    /// <summary>Whether this receiver has every message up to the given sent counts.</summary>
    public bool HasAll(ReadOnlySpan<long> sent)
    {
        for (int s = 0; s < _next.Length; s++)
        {
            if (Volatile.Read(ref _next[s]) < sent[s])
            {
                return false;
            }
        }

        return true;
    }
}
