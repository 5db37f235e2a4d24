using System.Text;
using CsCheck;
using FastChat.LoadTest.Internal;

namespace FastChat.LoadTest.Tests.Unit;

/// <summary>
/// The member set a view keeps must behave exactly like a set of id strings (the member-set
/// consistency checks depend on it), whichever path an id takes.
/// </summary>
public class IdSetTests
{
    [Fact]
    public void Matches_a_string_set_on_random_joins_and_leaves()
    {
        // Ids from both paths and their borders: small numbers, numbers past a word and past the
        // bitset's cap, leading zeros ("01" is not "1"), and opaque tokens. The cap's border is
        // rare: a set that reaches it allocates the largest bitset, and the loopback tests share
        // this process.
        Gen<string> id = Gen.Frequency(
            (8, Gen.Int[1, 200].Select(n => n.ToString(System.Globalization.CultureInfo.InvariantCulture))),
            (2, Gen.Int[1, 9].Select(n => "0" + n)),
            (1, Gen.Const("0")),
            (1, Gen.Int[IdSet.MaxBitsetId - 2, IdSet.MaxBitsetId + 2].Select(n => n.ToString(System.Globalization.CultureInfo.InvariantCulture))),
            (1, Gen.Const("12345678")),
            (4, Gen.String[Gen.Char['a', 'e'], 1, 3]),
            // Cluster ids (node.incarnation.number) and the dotted ids around them: no prefix, no
            // number, a leading zero.
            (8, Gen.Select(Gen.OneOf("n1.k3f9a", "n2.x7", "n1.k3f9b", "a.b.c"), Gen.Int[1, 200]).Select((p, n) => $"{p}.{n}")),
            (2, Gen.OneOf(".5", "n1.", "n1.k3f9a.0", "n1.k3f9a.07", "n1.k3f9a.x", "n1..3", "5.5")));
        Gen<(bool Add, string Id)[]> ops = Gen.Select(Gen.Bool, id).Array[0, 80];

        ops.Sample(
            steps =>
            {
                var model = new HashSet<string>(StringComparer.Ordinal);
                var set = new IdSet();
                foreach ((bool add, string text) in steps)
                {
                    byte[] bytes = Encoding.ASCII.GetBytes(text);
                    Assert.Equal(add ? model.Add(text) : model.Remove(text), add ? set.Add(bytes) : set.Remove(bytes));
                    Assert.Equal(model.Count, set.Count);
                    Assert.Equal(model.Contains(text), set.Contains(bytes));
                }

                Assert.Equal(model.Order(StringComparer.Ordinal), set.ToStrings().Order(StringComparer.Ordinal));

                // The same ids added in another order compare equal; one id more or less does not.
                var same = new IdSet();
                foreach (string text in model.Reverse())
                {
                    Assert.True(same.Add(Encoding.ASCII.GetBytes(text)));
                }

                Assert.True(set.SetEquals(same));
                Assert.True(same.SetEquals(set));
                Assert.Equal(model.Count == 0, set.SetEquals(new IdSet()));
                same.Add("zzzz"u8);
                Assert.False(set.SetEquals(same));
            },
            iter: 500,
            print: steps => string.Join(" ", steps.Select(s => (s.Add ? "+" : "-") + s.Id)));
    }

    [Fact]
    public void Prefixes_past_the_cap_keep_their_ids_in_the_string_set()
    {
        var set = new IdSet();
        var model = new HashSet<string>(StringComparer.Ordinal);
        for (int p = 0; p < IdSet.MaxPrefixes + 10; p++)
        {
            for (int n = 1; n <= 3; n++)
            {
                string id = $"node{p}.run.{n}";
                Assert.True(set.Add(Encoding.ASCII.GetBytes(id)));
                model.Add(id);
            }
        }

        Assert.False(set.Add("node70.run.2"u8));
        Assert.True(set.Remove("node70.run.2"u8));
        Assert.False(set.Contains("node70.run.2"u8));
        Assert.True(set.Contains("node1.run.3"u8));
        model.Remove("node70.run.2");
        Assert.Equal(model.Count, set.Count);
        Assert.Equal(model.Order(StringComparer.Ordinal), set.ToStrings().Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Sets_with_the_same_count_but_different_ids_differ()
    {
        var a = new IdSet();
        var b = new IdSet();
        a.Add("1"u8);
        a.Add("700"u8); // a longer bitset than b's
        b.Add("1"u8);
        b.Add("x"u8);
        Assert.Equal(a.Count, b.Count);
        Assert.False(a.SetEquals(b));
        Assert.False(b.SetEquals(a));

        Assert.True(b.Remove("x"u8));
        Assert.True(b.Add("700"u8));
        Assert.True(a.SetEquals(b));
        Assert.True(a.Remove("700"u8));
        Assert.True(b.Remove("700"u8));
        Assert.True(a.SetEquals(b)); // a's longer bitset is all zero past b's

        // The same numbers under another node's prefix are other ids.
        var c = new IdSet();
        var d = new IdSet();
        c.Add("n1.k3.1"u8);
        d.Add("n2.k3.1"u8);
        Assert.False(c.SetEquals(d));
        d.Remove("n2.k3.1"u8);
        d.Add("n1.k3.1"u8);
        Assert.True(c.SetEquals(d));
        Assert.True(d.SetEquals(c)); // d keeps an empty bitset for n2.k3
    }
}
