namespace FastChat.LoadTest.Internal;

/// <summary>
/// Compares receivers' global arrival order: complete receivers must share one hash chain, and over a
/// sample each receiver's order must agree with the fullest one's (missing messages are skipped).
/// </summary>
internal sealed record OrderComparison(bool SameOrder, int SampleSize, int Compared, int Mismatches, int HashGroups, int HashCompared)
{
    public static OrderComparison Compare(IReadOnlyList<DeliveryVerifier> receivers, ReadOnlySpan<long> sent)
    {
        if (receivers.Count == 0)
        {
            return new OrderComparison(true, 0, 0, 0, 0, 0);
        }

        // (1) hash chains of complete receivers
        var hashes = new HashSet<ulong>();
        int hashCompared = 0;
        foreach (DeliveryVerifier v in receivers)
        {
            if (v.Gaps == 0 && v.Duplicates == 0 && v.Late == 0 && v.TooOld == 0 && v.HasAll(sent))
            {
                hashes.Add(v.OrderHash);
                hashCompared++;
            }
        }

        // (2) sample subsequence consistency against the fullest receiver
        DeliveryVerifier reference = receivers.MaxBy(v => v.SampleOrder.Length)!;
        int keys = reference.SampleArrival.Length;
        int[] position = new int[keys];
        Array.Fill(position, -1);
        ReadOnlySpan<int> refOrder = reference.SampleOrder;
        for (int i = 0; i < refOrder.Length; i++)
        {
            position[refOrder[i]] = i;
        }

        int mismatches = 0;
        foreach (DeliveryVerifier v in receivers)
        {
            int last = -1;
            foreach (int key in v.SampleOrder)
            {
                int p = position[key];
                if (p < 0)
                {
                    continue; // the reference lacks it; cannot be placed
                }

                if (p < last)
                {
                    mismatches++;
                    break;
                }

                last = p;
            }
        }

        bool same = mismatches == 0 && hashes.Count <= 1;
        return new OrderComparison(same, refOrder.Length, receivers.Count, mismatches, hashes.Count, hashCompared);
    }

    public string Describe() =>
        $"{(SameOrder ? "same order" : "ORDER DIFFERS")}: sample of {SampleSize} messages compared across {Compared} receivers ({Mismatches} disagree); " +
        $"hash chain over all messages identical across {HashCompared} complete receivers ({HashGroups} distinct)";
}
