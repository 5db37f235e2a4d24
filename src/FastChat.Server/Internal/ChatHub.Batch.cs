using System.Diagnostics;
using FastChat.Protocol;

namespace FastChat.Server.Internal;

internal sealed partial class ChatHub
{
    /// <summary>
    /// Starts a batch: all lines of one receive go into the log under one lock acquisition and are
    /// published with one wake-up walk (issue 6, "batch all lines of one receive").
    /// </summary>
    public Batch BeginBatch() => new(this);

    /// <summary>
    /// Has the flusher wake every member's sender and cut off members whose backlog passed the
    /// limit. Returns at once: the publishing thread makes no member's syscall (issue 6).
    /// </summary>
    public void WakeAll() => _flusher.Request();

    /// <summary>
    /// The flusher's walk, timed for <c>fastchat.flush.walk.duration</c> only while a listener
    /// (dotnet-counters, an exporter) has that histogram enabled. Two clock reads are cheap next to
    /// a walk's sends (a syscall per member, ~5 us each at 5000 members, docs/PERFORMANCE.md), but
    /// there is no reason to pay them while nobody listens.
    /// </summary>
    private void WalkMembers()
    {
        if (!_counters.WalkDurationEnabled)
        {
            WalkMembersOnce();
            return;
        }

        long start = Stopwatch.GetTimestamp();
        WalkMembersOnce();
        _counters.Walked(Stopwatch.GetElapsedTime(start));
    }

    /// <summary>
    /// One walk, in member order (see <see cref="Flusher"/>); members it cut off are removed and the
    /// walk goes round again, so a walk with a cut-off is timed as one, passes included.
    /// </summary>
    private void WalkMembersOnce()
    {
        while (true)
        {
            long published = _log.PublishedPosition;
            List<Member>? slow = null;
            Member? furthest = null;
            long furthestPending = 0;
            long longestLogBacklog = 0;
            foreach (Member? member in _members.Slots)
            {
                if (member is null)
                {
                    continue;
                }

                MemberOutput output = member.Output;
                long logBacklog = published - output.Position;
                long pending = logBacklog + output.PrivatePendingBytes;
                if (pending > furthestPending)
                {
                    (furthest, furthestPending) = (member, pending);
                }

                longestLogBacklog = Math.Max(longestLogBacklog, logBacklog);
                if (pending > _maxPendingBytes)
                {
                    (slow ??= []).Add(member);
                }
                else if (output.Signal.TryBorrow())
                {
                    // Fast path: the sender is parked; send for it from here, resume it only if
                    // the socket would block or the stream ended (Connection.TrySendInline).
                    output.Signal.Return(keepParked: member.Transport.TrySendInline());
                }
                else
                {
                    output.Signal.Set();
                }
            }

            if (slow is not null)
            {
                foreach (Member member in slow)
                {
                    CutOff(member, CloseReason.SlowConsumer);
                }

                continue;
            }

            // The server's whole unsent output: the log from the member furthest behind to the
            // tail (one copy, however many members are behind) plus every private line queued. Over
            // the limit, cut the member with the most pending, then look again.
            if (_maxTotalPendingBytes > 0 && furthest is not null &&
                longestLogBacklog + _totals.PrivateBytes > _maxTotalPendingBytes)
            {
                CutOff(furthest, CloseReason.TotalPending);
                continue;
            }

            return;
        }
    }

    /// <summary>
    /// Checks one member after private output was queued for it (a /users flood, say); past the
    /// server-wide limit, the walk finds whom to cut.
    /// </summary>
    public void CheckPending(Member member)
    {
        MemberOutput output = member.Output;
        if (member.IsMember && _log.PublishedPosition - output.Position + output.PrivatePendingBytes > _maxPendingBytes)
        {
            CutOff(member, CloseReason.SlowConsumer);
            WakeAll();
        }
        else if (_maxTotalPendingBytes > 0 && _totals.PrivateBytes > _maxTotalPendingBytes)
        {
            WakeAll();
        }
    }

    private void CutOff(Member member, CloseReason reason)
    {
        lock (_lock)
        {
            if (!member.TryMarkLeft())
            {
                return;
            }

            RemoveLocked(member);
            Span<byte> bye = stackalloc byte[24];
            ServerLineWriter.TryWriteBye(bye, ProtocolTokens.SlowConsumerReason, out int written);
            member.Output.CutOff(_log.TailSegment, bye[..written]);
            AppendLeaveLocked(member);
            _log.Publish();
        }

        _counters.SlowConsumerCut();
        member.Transport.OnSlowConsumer(reason);
        member.Output.Signal.Set();
    }

    /// <summary>The lines of one receive, applied to the hub in order under one lock.</summary>
    internal ref struct Batch
    {
        private readonly ChatHub _hub;
        private bool _locked;

        public Batch(ChatHub hub) => _hub = hub;

        /// <summary>Where a private reply to a line of this batch goes: after every earlier line.</summary>
        public readonly long ReplyPosition => _locked ? _hub._log.WritePosition : _hub._log.PublishedPosition;

        // MSG <id> <text>
        /// <summary>Broadcasts a chat line from <paramref name="sender"/>. False if it cannot be (left, closing).</summary>
        public bool Message(Member sender, ReadOnlySpan<byte> text)
        {
            Enter();
            if (_hub._closed || !sender.IsMember)
            {
                return false;
            }

            int recipients = _hub._members.Count;
            Span<byte> span = _hub._log.GetSpan(ServerLineWriter.MsgLength(sender.IdBytes.Length, text.Length), recipients);
            ServerLineWriter.TryWriteMsg(span, sender.IdBytes, text, out int written);
            _hub._log.Advance(written);
            _hub._counters.MessageBroadcast(recipients);
            return true;
        }

        // USERS <id> ...
        /// <summary>Answers /users with the member set at this point of the order.</summary>
        public bool Users(Member member)
        {
            Enter();
            if (_hub._closed || !member.IsMember)
            {
                return false;
            }

            WriteUsers(member, _hub._log.WritePosition, _hub._members.Slots);
            return true;
        }

        // BYE quit
        /// <summary>Answers /quit: BYE quit after everything before it, then the member leaves.</summary>
        public bool Quit(Member member)
        {
            Enter();
            if (_hub._closed || !member.IsMember)
            {
                return false;
            }

            Span<byte> bye = stackalloc byte[16];
            ServerLineWriter.TryWriteBye(bye, ProtocolTokens.QuitReason, out int written);
            member.Output.EnqueuePrivate(_hub._log.WritePosition, bye[..written]);
            _hub.LeaveLocked(member, endPosition: null);
            return true;
        }

        public void Dispose()
        {
            if (_locked)
            {
                _locked = false;
                _hub._log.Publish();
                _hub._lock.Exit();
                _hub.WakeAll();
            }
        }

        private void Enter()
        {
            if (!_locked)
            {
                _hub._lock.Enter();
                _locked = true;
            }
        }
    }
}
