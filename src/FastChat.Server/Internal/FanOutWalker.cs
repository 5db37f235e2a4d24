using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace FastChat.Server.Internal;

/// <summary>
/// One fan-out thread over one shard of the members: after something was published it walks them
/// in order, as Redis walks its clients before it sleeps, sends what is due for each member whose
/// sender is parked (non-blocking, borrowing the sender's turn), wakes the others' senders, and
/// cuts off members that are too far behind (docs/ARCHITECTURE.md "Fan-out").
/// </summary>
/// <remarks>
/// Requests coalesce: any number of publishes during a walk cost one more walk. One walker in member
/// order bounds how long any member waits to one pass; more walkers split the members between cores.
/// </remarks>
internal sealed class FanOutWalker : IDisposable
{
    private readonly Room _room;
    private readonly BroadcastLog _log;
    private readonly MemberList _members;
    private readonly RoomLimits _limits;
    private readonly OutputTotals _totals;
    private readonly ServerCounters _counters;
    private readonly Action<Exception> _walkFailed;
    private readonly Thread _thread;

    // Monitor wait/pulse rather than an event: nothing to dispose, so a late Request (a member
    // leaving after the room stopped) is a harmless no-op instead of touching a disposed handle.
    private readonly object _gate = new();
    private int _requested;
    private volatile bool _stopped;

    public FanOutWalker(Room room, BroadcastLog log, MemberList members, int shard, RoomLimits limits,
        OutputTotals totals, ServerCounters counters, Action<Exception> walkFailed)
    {
        _room = room;
        _log = log;
        _members = members;
        _limits = limits;
        _totals = totals;
        _counters = counters;
        _walkFailed = walkFailed;
        _thread = new Thread(Run) { IsBackground = true, Name = $"FastChat fan-out {shard + 1}" };
        _thread.Start();
    }

    /// <summary>Asks for a walk; cheap when one is already pending (no lock, no syscall).</summary>
    public void Request()
    {
        if (Interlocked.Exchange(ref _requested, 1) == 0)
        {
            lock (_gate)
            {
                Monitor.Pulse(_gate);
            }
        }
    }

    public void Dispose()
    {
        if (_stopped)
        {
            return;
        }

        _stopped = true;
        lock (_gate)
        {
            Monitor.Pulse(_gate);
        }

        if (Thread.CurrentThread != _thread)
        {
            _thread.Join();
        }
    }

    // Compiled optimized from the start: the loop runs for the life of the process, and replacing
    // it on the stack later (OSR) maps the runtime's unwind tables into RSS at an arbitrary walk.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Run()
    {
        while (true)
        {
            lock (_gate)
            {
                // Checked under the gate: a Request between the check and the wait pulses after it.
                while (Volatile.Read(ref _requested) == 0 && !_stopped)
                {
                    Monitor.Wait(_gate);
                }
            }

            if (_stopped)
            {
                return;
            }

            // A request made during a walk sets the flag again: walk once more before sleeping.
            while (Interlocked.Exchange(ref _requested, 0) == 1)
            {
                try
                {
                    Walk();
                }
                catch (Exception ex)
                {
                    _walkFailed(ex);
                }
            }
        }
    }

    // Timed for fastchat.flush.walk.duration only while a listener has that histogram enabled.
    private void Walk()
    {
        if (!_counters.WalkDurationEnabled)
        {
            WalkOnce();
            return;
        }

        long start = Stopwatch.GetTimestamp();
        WalkOnce();
        _counters.Walked(Stopwatch.GetElapsedTime(start));
    }

    // One walk in member order; members it cut off are removed and it goes round again, so a walk
    // with a cut-off is timed as one, passes included.
    private void WalkOnce()
    {
        while (true)
        {
            long published = _log.PublishedPosition;
            List<Member>? slow = null;
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
                longestLogBacklog = Math.Max(longestLogBacklog, logBacklog);
                if (pending > _limits.MaxPendingBytes)
                {
                    (slow ??= []).Add(member);
                }
                else if (output.Signal.TryBorrow())
                {
                    // Fast path: the sender is parked; send for it from here, resume it only if the
                    // socket would block or the stream ended.
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
                    _room.CutOff(member, CloseReason.SlowConsumer);
                }

                continue;
            }

            // The server's whole unsent output: the log from the member furthest behind to the tail
            // (one copy however many are behind) plus every private line queued. This shard's
            // backlog is a lower bound of the room's; over the limit, the room looks at every shard.
            if (_limits.MaxTotalPendingBytes > 0 && longestLogBacklog + _totals.PrivateBytes > _limits.MaxTotalPendingBytes &&
                _room.CutOffForTotal())
            {
                continue;
            }

            return;
        }
    }
}
