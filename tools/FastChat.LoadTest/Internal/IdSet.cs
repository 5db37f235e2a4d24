using System.Numerics;
using System.Text;

namespace FastChat.LoadTest.Internal;

/// <summary>
/// The member ids a view holds: the N views of a JOIN storm hold N^2/2, so canonical decimal ids (the
/// server counts up from 1, docs/PROTOCOL.md section 7) go in a bitset and any other id in a string set.
/// </summary>
internal sealed class IdSet
{
    // Ids above this stay on the general path, so a view's bitset never exceeds 128 KiB (a server
    // reaches it after a million connections).
    internal const int MaxBitsetId = 1 << 20;

    private ulong[] _bits = new ulong[2];
    private HashSet<string>? _others;

    public int Count { get; private set; }

    public bool Add(ReadOnlySpan<byte> id)
    {
        if (TryNumber(id, out int n))
        {
            int word = n >> 6;
            if (word >= _bits.Length)
            {
                Array.Resize(ref _bits, Math.Max(word + 1, _bits.Length * 2));
            }

            ulong mask = 1UL << (n & 63);
            if ((_bits[word] & mask) != 0)
            {
                return false;
            }

            _bits[word] |= mask;
        }
        else if (!(_others ??= new HashSet<string>(StringComparer.Ordinal)).Add(Encoding.ASCII.GetString(id)))
        {
            return false;
        }

        Count++;
        return true;
    }

    public bool Remove(ReadOnlySpan<byte> id)
    {
        if (TryNumber(id, out int n))
        {
            int word = n >> 6;
            ulong mask = 1UL << (n & 63);
            if (word >= _bits.Length || (_bits[word] & mask) == 0)
            {
                return false;
            }

            _bits[word] &= ~mask;
        }
        else if (_others is null || !_others.Remove(Encoding.ASCII.GetString(id)))
        {
            return false;
        }

        Count--;
        return true;
    }

    public bool Contains(ReadOnlySpan<byte> id)
    {
        if (TryNumber(id, out int n))
        {
            int word = n >> 6;
            return word < _bits.Length && (_bits[word] & (1UL << (n & 63))) != 0;
        }

        return _others is not null && _others.Contains(Encoding.ASCII.GetString(id));
    }

    public bool Contains(string id) => Contains(Encoding.ASCII.GetBytes(id));

    /// <summary>True when both hold exactly the same ids.</summary>
    public bool SetEquals(IdSet other)
    {
        if (Count != other.Count)
        {
            return false;
        }

        // Equal counts and equal string parts leave the numbers equal in count too, so when the
        // shorter bitset matches the longer one's start, the rest of the longer one is all zero.
        int others = _others?.Count ?? 0;
        if (others != (other._others?.Count ?? 0) || (others > 0 && !_others!.SetEquals(other._others!)))
        {
            return false;
        }

        int common = Math.Min(_bits.Length, other._bits.Length);
        return _bits.AsSpan(0, common).SequenceEqual(other._bits.AsSpan(0, common));
    }

    /// <summary>The ids, numbers first in increasing order (for reports and tests).</summary>
    public IEnumerable<string> ToStrings()
    {
        for (int word = 0; word < _bits.Length; word++)
        {
            ulong bits = _bits[word];
            while (bits != 0)
            {
                int bit = BitOperations.TrailingZeroCount(bits);
                yield return ((word << 6) + bit).ToString(System.Globalization.CultureInfo.InvariantCulture);
                bits &= bits - 1;
            }
        }

        if (_others is not null)
        {
            foreach (string id in _others)
            {
                yield return id;
            }
        }
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
}
