using System.Numerics;
using System.Text;

namespace FastChat.LoadTest.Internal;

/// <summary>
/// The member ids a view holds: the N views of a JOIN storm hold N^2/2, so canonical decimal ids (the
/// server counts up from 1, docs/PROTOCOL.md section 7) go in a bitset, and so do the numbers of a cluster
/// node's ids (<c>n1.k3f9a.17</c>: one bitset per prefix before the last dot); any other id goes in a string set.
/// </summary>
internal sealed class IdSet
{
    // Ids above this stay on the general path, so a view's bitset never exceeds 128 KiB (a server
    // reaches it after a million connections).
    internal const int MaxBitsetId = 1 << 20;

    // Prefixes kept as bitsets: a cluster has one per node run; ids that make more go to the string set.
    internal const int MaxPrefixes = 64;

    private readonly Bits _plain = new([]);
    private List<Bits>? _prefixed;
    private HashSet<string>? _others;

    public int Count { get; private set; }

    public bool Add(ReadOnlySpan<byte> id)
    {
        bool added = TryBits(id, create: true, out Bits? bits, out int n)
            ? bits!.Add(n)
            : (_others ??= new HashSet<string>(StringComparer.Ordinal)).Add(Encoding.ASCII.GetString(id));
        Count += added ? 1 : 0;
        return added;
    }

    public bool Remove(ReadOnlySpan<byte> id)
    {
        bool removed = TryBits(id, create: false, out Bits? bits, out int n)
            ? bits is not null && bits.Remove(n)
            : _others is not null && _others.Remove(Encoding.ASCII.GetString(id));
        Count -= removed ? 1 : 0;
        return removed;
    }

    public bool Contains(ReadOnlySpan<byte> id) => TryBits(id, create: false, out Bits? bits, out int n)
        ? bits is not null && bits.Contains(n)
        : _others is not null && _others.Contains(Encoding.ASCII.GetString(id));

    public bool Contains(string id) => Contains(Encoding.ASCII.GetBytes(id));

    /// <summary>True when both hold exactly the same ids.</summary>
    public bool SetEquals(IdSet other)
    {
        if (Count != other.Count)
        {
            return false;
        }

        int others = _others?.Count ?? 0;
        if (others != (other._others?.Count ?? 0) || (others > 0 && !_others!.SetEquals(other._others!)))
        {
            return false;
        }

        // Every non-empty bitset here has an equal one there; the counts being equal, the rest of
        // the other's bitsets are empty.
        if (!_plain.SetEquals(other._plain))
        {
            return false;
        }

        foreach (Bits bits in _prefixed ?? [])
        {
            if (bits.Count > 0 && !(other.FindPrefix(bits.Prefix) is Bits theirs && bits.SetEquals(theirs)))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The ids, numbers first in increasing order (for reports and tests).</summary>
    public IEnumerable<string> ToStrings()
    {
        foreach (Bits bits in (IEnumerable<Bits>)[_plain, .. _prefixed ?? []])
        {
            string prefix = bits.Prefix.Length == 0 ? "" : Encoding.ASCII.GetString(bits.Prefix) + ".";
            foreach (int n in bits.Numbers())
            {
                yield return prefix + n.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        foreach (string id in _others ?? [])
        {
            yield return id;
        }
    }

    /// <summary>
    /// Whether the id's place is a bitset (<paramref name="bits"/>, null when it does not exist yet and
    /// <paramref name="create"/> is false) or the string set. An id keeps its place: a bitset is never
    /// dropped, and once <see cref="MaxPrefixes"/> exist the ids of a new prefix go to the string set.
    /// </summary>
    private bool TryBits(ReadOnlySpan<byte> id, bool create, out Bits? bits, out int number)
    {
        bits = null;
        int dot = id.LastIndexOf((byte)'.');
        if (dot == 0 || !TryNumber(id[(dot + 1)..], out number))
        {
            number = 0;
            return false;
        }

        if (dot < 0)
        {
            bits = _plain;
            return true;
        }

        ReadOnlySpan<byte> prefix = id[..dot];
        bits = FindPrefix(prefix);
        if (bits is not null)
        {
            return true;
        }

        if ((_prefixed?.Count ?? 0) >= MaxPrefixes)
        {
            return false;
        }

        if (create)
        {
            bits = new Bits(prefix.ToArray());
            (_prefixed ??= []).Add(bits);
        }

        return true;
    }

    private Bits? FindPrefix(ReadOnlySpan<byte> prefix)
    {
        foreach (Bits bits in _prefixed ?? [])
        {
            if (prefix.SequenceEqual(bits.Prefix))
            {
                return bits;
            }
        }

        return null;
    }

    // Canonical decimal (no sign, no leading zero), 1..MaxBitsetId.
    private static bool TryNumber(ReadOnlySpan<byte> id, out int value)
    {
        value = 0;
        if (id.IsEmpty || id.Length > 7 || id[0] == (byte)'0')
        {
            return false;
        }

        foreach (byte b in id)
        {
            uint digit = (uint)(b - '0');
            if (digit > 9)
            {
                return false;
            }

            value = value * 10 + (int)digit;
        }

        return value <= MaxBitsetId;
    }

    /// <summary>The numbers of one prefix (empty: plain decimal ids).</summary>
    private sealed class Bits(byte[] prefix)
    {
        private ulong[] _words = new ulong[2];

        public byte[] Prefix { get; } = prefix;

        public int Count { get; private set; }

        public bool Add(int n)
        {
            int word = n >> 6;
            if (word >= _words.Length)
            {
                Array.Resize(ref _words, Math.Max(word + 1, _words.Length * 2));
            }

            ulong mask = 1UL << (n & 63);
            if ((_words[word] & mask) != 0)
            {
                return false;
            }

            _words[word] |= mask;
            Count++;
            return true;
        }

        public bool Remove(int n)
        {
            int word = n >> 6;
            ulong mask = 1UL << (n & 63);
            if (word >= _words.Length || (_words[word] & mask) == 0)
            {
                return false;
            }

            _words[word] &= ~mask;
            Count--;
            return true;
        }

        public bool Contains(int n)
        {
            int word = n >> 6;
            return word < _words.Length && (_words[word] & (1UL << (n & 63))) != 0;
        }

        // Equal counts: when the shorter array matches the longer one's start, the rest of the longer one is all zero.
        public bool SetEquals(Bits other)
        {
            int common = Math.Min(_words.Length, other._words.Length);
            return Count == other.Count && _words.AsSpan(0, common).SequenceEqual(other._words.AsSpan(0, common));
        }

        public IEnumerable<int> Numbers()
        {
            for (int word = 0; word < _words.Length; word++)
            {
                ulong bits = _words[word];
                while (bits != 0)
                {
                    yield return (word << 6) + BitOperations.TrailingZeroCount(bits);
                    bits &= bits - 1;
                }
            }
        }
    }
}
