namespace FastChat.LoadTest.Internal;

/// <summary>A connection whose deliveries the tool verifies (a fanout member, an honest member of an attack run).</summary>
internal interface IVerifiedMember
{
    int Index { get; }

    ClientConnection Connection { get; }

    /// <summary>Null for a publish-only sender, which receives nothing to verify.</summary>
    DeliveryVerifier? Verifier { get; }
}

/// <summary>What one member's verifier says about the messages sent: holes, the missing tail, duplicates, late ones.</summary>
internal readonly record struct MemberDelivery(long Gaps, long Tail, long Duplicates, long Reordered)
{
    public long Missed => Gaps + Tail;

    public bool Clean => Gaps + Tail + Duplicates + Reordered == 0;

    public static MemberDelivery Of(DeliveryVerifier v, ReadOnlySpan<long> sent) =>
        new(v.Gaps, v.TailMissing(sent), v.Duplicates, v.Late + v.TooOld);
}
