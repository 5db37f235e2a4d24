namespace FastChat.Server.Internal;

/// <summary>
/// The room's members split into <c>--fan-out-threads</c> disjoint shards, one per fan-out walker
/// (docs/ARCHITECTURE.md "Fan-out"). Changed under the room's lock; each walker reads its own shard
/// without it (see <see cref="MemberList"/>).
/// </summary>
internal sealed class MemberShards
{
    private readonly MemberList[] _shards;
    private int _count;

    public MemberShards(int shards)
    {
        _shards = new MemberList[Math.Max(1, shards)];
        for (int i = 0; i < _shards.Length; i++)
        {
            _shards[i] = new MemberList();
        }
    }

    public int ShardCount => _shards.Length;

    /// <summary>Members now (any thread).</summary>
    public int Count => Volatile.Read(ref _count);

    public MemberList this[int shard] => _shards[shard];

    /// <summary>Adds a member to the smallest shard (room lock held).</summary>
    public void Add(Member member)
    {
        int smallest = 0;
        for (int i = 1; i < _shards.Length; i++)
        {
            if (_shards[i].Count < _shards[smallest].Count)
            {
                smallest = i;
            }
        }

        member.Shard = smallest;
        _shards[smallest].Add(member);
        Volatile.Write(ref _count, _count + 1);
    }

    /// <summary>Removes a member from its shard (room lock held).</summary>
    public void Remove(Member member)
    {
        _shards[member.Shard].Remove(member);
        Volatile.Write(ref _count, _count - 1);
    }

    /// <summary>Empties every shard; returns the members, shard by shard (room lock held).</summary>
    public Member[] TakeAll()
    {
        var all = new List<Member>(_count);
        foreach (MemberList shard in _shards)
        {
            all.AddRange(shard.TakeAll());
        }

        Volatile.Write(ref _count, 0);
        return [.. all];
    }
}
