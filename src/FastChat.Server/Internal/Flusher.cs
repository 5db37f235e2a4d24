using System.Runtime.CompilerServices;

namespace FastChat.Server.Internal;

/// <summary>
/// The thread that walks the members after something was published, as Redis's
/// <c>handleClientsWithPendingWrites</c> walks its clients before it sleeps: for each member whose
/// sender is waiting, the walk sends what is due itself with non-blocking sends (it borrows the
/// sender's turn, <see cref="Connection.TrySendInline"/>); only when the socket would block, or
/// the member's stream ended, does the sender resume and take over with its SAEA.
/// </summary>
/// <remarks>
/// Why (issue 6, config (d), 5000 members at 100 msg/s): before, every broadcast queued one
/// thread-pool work item per member; the pool ran them on both cores in an order of its own, so
/// passes were short and unfair, batches small (2.2 messages per send against Redis's 3.3), and the
/// server used 142 % of a core where Redis used 100 % (docs/PERFORMANCE.md). One walker in member
/// order bounds how long any member waits to one pass and leaves the other core to the rest.
/// Requests coalesce: any number of publishes during a walk cost one more walk.
/// </remarks>
internal sealed class Flusher : IDisposable
{
    private readonly Action _walk;
    private readonly Action<Exception> _walkFailed;
    private readonly Thread _thread;

    // Monitor wait/pulse rather than an event: nothing to dispose, so a late Request (a member
    // leaving after the hub stopped) is a harmless no-op instead of touching a disposed handle.
    private readonly object _gate = new();
    private int _requested;
    private volatile bool _stopped;

    /// <param name="walk">One walk over the members.</param>
    /// <param name="walkFailed">
    /// A walk threw (a bug): reported here, and the thread lives on for the next request rather than
    /// take the process down with it; members the failed walk did not reach wait for the next one.
    /// </param>
    public Flusher(Action walk, Action<Exception> walkFailed)
    {
        _walk = walk;
        _walkFailed = walkFailed;
        _thread = new Thread(Run) { IsBackground = true, Name = "FastChat flusher" };
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

    // Compiled optimized from the start: this loop runs for the life of the process, so at tier 0
    // it would be replaced on the stack (OSR) at some later walk. Measured 2026-11-26: that came at
    // the first slow-consumer cut-off and mapped 384 KB of libcoreclr's unwind tables into RSS
    // then (issue 6 bounds RSS growth while a member stalls; docs/PERFORMANCE.md "What changed").
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
                    _walk();
                }
                catch (Exception ex)
                {
                    _walkFailed(ex);
                }
            }
        }
    }
}
