using CsCheck;

namespace FastChat.Tests.Shared;

/// <summary>How a stream arrives: the receive sizes the split properties of the protocol and the client replay.</summary>
internal static class SplitGen
{
    /// <summary>
    /// Chunk sizes of a stream of <paramref name="length"/> bytes, from cut points between bytes: no
    /// cut (one receive), every cut (a receive per byte) or a random subset of any density.
    /// </summary>
    public static Gen<int[]> Chunks(int length)
    {
        if (length <= 1)
        {
            return Gen.Const(new[] { length });
        }

        Gen<bool[]> cuts = Gen.Frequency(
            (1, (IGen<bool[]>)Gen.Const(new bool[length - 1])),
            (1, Gen.Const(Enumerable.Repeat(true, length - 1).ToArray())),
            (6, Gen.Int[1, 100].SelectMany(density => Gen.Int[0, 99].Select(r => r < density).Array[length - 1])));
        return cuts.Select(cut =>
        {
            var sizes = new List<int>();
            int start = 0;
            for (int i = 0; i < cut.Length; i++)
            {
                if (cut[i])
                {
                    sizes.Add(i + 1 - start);
                    start = i + 1;
                }
            }

            sizes.Add(length - start);
            return sizes.ToArray();
        });
    }
}
