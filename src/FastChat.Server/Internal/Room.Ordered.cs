using FastChat.Protocol;

namespace FastChat.Server.Internal;

/// <summary>
/// Told when the room ends a local member's connection on its own (cut off, kicked, gone) while
/// another source decides the order: that source then puts the member's LEAVE in its place.
/// </summary>
internal interface IDepartures
{
    void Departed(Member member);
}

internal sealed partial class Room
{
    /// <summary>
    /// Hands the order to another source (a cluster's stream): from now on the room appends JOIN,
    /// LEAVE and MSG only through <see cref="BeginOrdered"/>, and announces its own departures.
    /// </summary>
    public void OrderBy(IDepartures departures) => _departures = departures;

    /// <summary>Takes the lock for a run of events applied in an external order; dispose to publish them.</summary>
    public OrderedWriter BeginOrdered() => new(this);

    /// <summary>
    /// Events applied in an order decided elsewhere, under one lock acquisition and one publish. The
    /// same order applied on every node gives every node the same members and the same lines.
    /// </summary>
    internal ref struct OrderedWriter
    {
        private readonly Room _room;
        private bool _written;

        public OrderedWriter(Room room)
        {
            _room = room;
            _room._lock.Enter();
        }

        public readonly bool IsClosed => _room._closed;

        public readonly int MemberCount => _room.MemberCount;

        /// <summary>
        /// A local member's JOIN: as <see cref="TryJoin"/>, full at <paramref name="maxMembers"/>, the
        /// limit the JOIN carries, so every node decides the same whatever its own setting.
        /// </summary>
        public JoinResult Join(Member member, int maxMembers)
        {
            JoinResult result = _room.TryJoinLocked(member, maxMembers);
            _written |= result == JoinResult.Joined;
            return result;
        }

        /// <summary>Another node's member's JOIN: false when the room holds <paramref name="maxMembers"/> (every node decides the same).</summary>
        public bool JoinRemote(byte[] id, int maxMembers = int.MaxValue)
        {
            if (_room._closed || _room.MemberCount >= maxMembers || _room._remote.Contains(id))
            {
                return false;
            }

            _room.AppendJoinLocked(id);
            _room._remote.Add(id);
            _written = true;
            return true;
        }

        /// <summary>A local member's LEAVE: its stream ends here, LEAVE for the others.</summary>
        public bool Leave(Member member)
        {
            if (!member.TryMarkLeft())
            {
                return false;
            }

            _room._members.Remove(member);
            member.Output.SetEnd(_room._log.WritePosition, _room._log.TailSegment);
            _room.AppendLeaveLocked(member.IdBytes);
            _written = true;
            return true;
        }

        /// <summary>The LEAVE of a member without a connection here (another node's, or one whose connection already went).</summary>
        public bool LeaveRemote(scoped ReadOnlySpan<byte> id)
        {
            if (!_room._remote.Remove(id))
            {
                return false;
            }

            _room.AppendLeaveLocked(id);
            _written = true;
            return true;
        }

        /// <summary>MSG &lt;id&gt; &lt;text&gt; from any member of the room.</summary>
        public void Message(scoped ReadOnlySpan<byte> id, scoped ReadOnlySpan<byte> text)
        {
            if (_room._closed)
            {
                return; // nothing after BYE shutdown
            }

            int recipients = _room._members.Count;
            Span<byte> span = _room._log.GetSpan(ServerLineWriter.MsgLength(id.Length, text.Length), recipients);
            ServerLineWriter.TryWriteMsg(span, id, text, out int written);
            _room._log.Advance(written);
            _room._counters.MessageBroadcast(recipients);
            _written = true;
        }

        /// <summary>A private line for a local member at this point of the order (a reply held until its earlier lines were applied).</summary>
        public readonly bool Private(Member member, ReadOnlySpan<byte> line) =>
            member.IsMember && member.Output.EnqueuePrivate(_room._log.WritePosition, line);

        /// <summary>USERS for a local member at this point of the order.</summary>
        public readonly void Users(Member member)
        {
            if (member.IsMember)
            {
                _room.WriteUsers(member, _room._log.WritePosition);
            }
        }

        /// <summary>Whether a member without a connection here is in the room.</summary>
        public readonly bool IsRemoteMember(ReadOnlySpan<byte> id) => _room._remote.Contains(id);

        /// <summary>The ids without a connection here that start with <paramref name="prefix"/> (a copy: leaving changes the set).</summary>
        public readonly List<byte[]> RemoteIdsStartingWith(ReadOnlySpan<byte> prefix)
        {
            var ids = new List<byte[]>();
            foreach (byte[] id in _room._remote.Ids)
            {
                if (id.AsSpan().StartsWith(prefix))
                {
                    ids.Add(id);
                }
            }

            return ids;
        }

        /// <summary>Every member id of the room, here and elsewhere (for a snapshot).</summary>
        public readonly List<byte[]> AllMemberIds()
        {
            var ids = new List<byte[]>(_room._remote.Ids);
            for (int shard = 0; shard < _room._members.ShardCount; shard++)
            {
                foreach (Member? member in _room._members[shard].Slots)
                {
                    if (member is not null)
                    {
                        ids.Add(member.IdBytes);
                    }
                }
            }

            return ids;
        }

        /// <summary>A local member ends here with BYE &lt;reason&gt; (its /quit, in its place), then LEAVE.</summary>
        public void End(Member member, CloseReason reason)
        {
            if (!member.IsMember)
            {
                return;
            }

            member.Transport.OnEnded(reason);
            Span<byte> bye = stackalloc byte[4 + 32 + 2];
            ServerLineWriter.TryWriteBye(bye, CloseReasons.ByeReason(reason), out int written);
            member.Output.EnqueuePrivate(_room._log.WritePosition, bye[..written]);
            Leave(member);
        }

        public void Dispose()
        {
            if (_written)
            {
                _room._log.Publish();
            }

            _room._lock.Exit();
            if (_written)
            {
                _room.WakeAll();
            }
        }
    }
}

/// <summary>
/// The members of the room without a connection here: other nodes' members, and local ones whose
/// connection went before their LEAVE came in the order. Ids only; order does not matter (USERS is a set).
/// </summary>
internal sealed class RemoteMembers
{
    private readonly List<byte[]> _ids = [];
    private readonly Dictionary<string, int> _index;
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _byChars;
    private int _idBytes;

    public RemoteMembers()
    {
        _index = new Dictionary<string, int>(StringComparer.Ordinal);
        _byChars = _index.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    public int Count => _ids.Count;

    /// <summary>The bytes of all ids together (for sizing a USERS line).</summary>
    public int IdBytes => _idBytes;

    public List<byte[]> Ids => _ids;

    // Looked up as chars on the stack: no string per event.
    public bool Contains(ReadOnlySpan<byte> id)
    {
        Span<char> chars = stackalloc char[ProtocolTokens.MaxIdLength];
        return ProtocolTokens.TryGetIdChars(id, chars, out ReadOnlySpan<char> key) && _byChars.ContainsKey(key);
    }

    public void Add(byte[] id)
    {
        string key = Key(id);
        if (_index.TryAdd(key, _ids.Count))
        {
            _ids.Add(id);
            _idBytes += id.Length;
        }
    }

    public bool Remove(ReadOnlySpan<byte> id)
    {
        Span<char> chars = stackalloc char[ProtocolTokens.MaxIdLength];
        if (!ProtocolTokens.TryGetIdChars(id, chars, out ReadOnlySpan<char> key) || !_byChars.Remove(key, out _, out int at))
        {
            return false;
        }

        // Swap the last into the hole: O(1), and the order of a set does not matter.
        _idBytes -= _ids[at].Length;
        int last = _ids.Count - 1;
        if (at != last)
        {
            _ids[at] = _ids[last];
            _index[Key(_ids[at])] = at;
        }

        _ids.RemoveAt(last);
        return true;
    }

    public void Clear()
    {
        _ids.Clear();
        _index.Clear();
        _idBytes = 0;
    }

    // The same decoding as ProtocolTokens.TryGetIdChars, so a stored key and a lookup always agree.
    private static string Key(ReadOnlySpan<byte> id) => System.Text.Encoding.Latin1.GetString(id);
}
