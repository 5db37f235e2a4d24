using FastChat.Protocol;

namespace FastChat.Client.Internal;

/// <summary>
/// The members as last announced: replaced by <c>USERS</c>, grown by <c>JOIN</c>, shrunk by
/// <c>LEAVE</c>. The protocol guarantees that replaying JOIN/LEAVE on top of USERS never names
/// someone twice or someone unknown (docs/PROTOCOL.md section 9), so the set is exact; a server
/// that broke that rule would only see duplicates ignored here.
/// </summary>
/// <remarks>
/// The set also interns ids: an id string is made once when a member appears and reused for every
/// MSG it sends, so the steady state allocates only the message text it hands out. One writer (the
/// receive loop); readers take snapshots under the lock.
/// </remarks>
internal sealed class MemberSet
{
    private readonly HashSet<string> _ids = new(StringComparer.Ordinal);
    private readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> _lookup;
    private readonly Lock _lock = new();

    public MemberSet() => _lookup = _ids.GetAlternateLookup<ReadOnlySpan<char>>();

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _ids.Count;
            }
        }
    }

    public bool Contains(string id)
    {
        lock (_lock)
        {
            return _ids.Contains(id);
        }
    }

    public string[] Snapshot()
    {
        lock (_lock)
        {
            string[] copy = [.. _ids];
            Array.Sort(copy, CompareIds);
            return copy;
        }
    }

    /// <summary>Replaces the set by the ids of a USERS line; returns them in the server's order.</summary>
    public string[] Replace(SpaceSeparatedEnumerator ids)
    {
        var list = new List<string>();
        lock (_lock)
        {
            var previous = _ids.ToArray();
            _ids.Clear();
            foreach (ReadOnlySpan<byte> id in ids)
            {
                string s = Intern(id, previous);
                if (_ids.Add(s))
                {
                    list.Add(s);
                }
            }
        }

        return [.. list];
    }

    /// <summary>Adds a joining id; returns its string and the count after.</summary>
    public (string Id, int Count) Add(ReadOnlySpan<byte> id)
    {
        lock (_lock)
        {
            string s = GetOrCreate(id);
            _ids.Add(s);
            return (s, _ids.Count);
        }
    }

    /// <summary>Removes a leaving id; returns its string and the count after.</summary>
    public (string Id, int Count) Remove(ReadOnlySpan<byte> id)
    {
        lock (_lock)
        {
            string s = GetOrCreate(id);
            _ids.Remove(s);
            return (s, _ids.Count);
        }
    }

    /// <summary>The member's interned id string, or a new string for an id not in the set.</summary>
    public string GetOrCreate(ReadOnlySpan<byte> id)
    {
        Span<char> chars = stackalloc char[ProtocolTokens.MaxIdLength];
        if (ProtocolTokens.TryGetIdChars(id, chars, out ReadOnlySpan<char> key))
        {
            lock (_lock)
            {
                if (_lookup.TryGetValue(key, out string? known))
                {
                    return known;
                }
            }
        }

        return Text.ToSafeString(id);
    }

    private string Intern(ReadOnlySpan<byte> id, string[] previous)
    {
        // A USERS reply to /users names mostly known members: keep their existing strings.
        Span<char> chars = stackalloc char[ProtocolTokens.MaxIdLength];
        if (ProtocolTokens.TryGetIdChars(id, chars, out ReadOnlySpan<char> key))
        {
            foreach (string p in previous)
            {
                if (p.AsSpan().SequenceEqual(key))
                {
                    return p;
                }
            }
        }

        return Text.ToSafeString(id);
    }

    /// <summary>Today's ids are decimal integers: sort them numerically, anything else after, ordinally.</summary>
    internal static int CompareIds(string? a, string? b)
    {
        bool an = long.TryParse(a, out long x);
        bool bn = long.TryParse(b, out long y);
        return an && bn ? x.CompareTo(y) : an ? -1 : bn ? 1 : string.CompareOrdinal(a, b);
    }
}
