using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace FastChat.Server.Internal;

/// <summary>The accept role: one listening socket and one reusable accept SAEA.</summary>
internal sealed class SocketListener : IDisposable
{
    private readonly Socket _socket;
    private readonly AcceptArgs _args = new();
    private readonly CancellationTokenSource _stop = new(); // never disposed: the loop may still read its token
    private readonly ILogger _logger;

    public SocketListener(IPEndPoint endPoint, int backlog, ILogger logger)
    {
        _logger = logger;
        _socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        if (endPoint.AddressFamily == AddressFamily.InterNetworkV6 && endPoint.Address.Equals(IPAddress.IPv6Any))
        {
            _socket.DualMode = true; // "::" accepts IPv4 too
        }

        try
        {
            _socket.Bind(endPoint);
            _socket.Listen(backlog);
        }
        catch
        {
            _socket.Dispose();
            throw;
        }

        LocalEndPoint = (IPEndPoint)_socket.LocalEndPoint!;
    }

    public IPEndPoint LocalEndPoint { get; }

    /// <summary>
    /// Accepts until disposed; each accepted socket goes to <paramref name="onAccepted"/>. Accepting
    /// pauses while the server holds its whole socket budget, and backs off while accept(2) fails for
    /// want of descriptors or memory; the members are served meanwhile, the kernel keeps the queue,
    /// and accepting resumes as soon as a socket closes (docs/PROTOCOL.md "Limits").
    /// </summary>
    public async Task RunAsync(Action<Socket> onAccepted, AcceptGate gate, ServerCounters counters, TimeProvider time)
    {
        Pause? pause = null;
        while (true)
        {
            if (!gate.HasRoom)
            {
                pause ??= StartPause(AcceptPause.FdBudget, gate, counters, time);
                if (!await WaitAsync(gate.WhenRoomAsync()))
                {
                    return; // stopped while paused
                }

                continue;
            }

            SocketResult result;
            try
            {
                result = await _args.AcceptAsync(_socket);
            }
            catch (ObjectDisposedException)
            {
                return; // stopped before the accept could start
            }

            if (result.Error is SocketError.OperationAborted or SocketError.Interrupted)
            {
                return; // stopped
            }

            if (!result.Succeeded)
            {
                if (result.Error is SocketError.ConnectionAborted or SocketError.ConnectionReset)
                {
                    continue; // the client gave up while in the queue: nothing to pause for
                }

                // EMFILE/ENFILE, ENOBUFS/ENOMEM or anything else: wait, doubling from 10 ms to 1 s, or
                // until a socket closes, whichever comes first.
                AcceptPause reason = result.Error switch
                {
                    SocketError.TooManyOpenSockets => AcceptPause.FdExhausted,
                    SocketError.NoBufferSpaceAvailable => AcceptPause.NoMemory,
                    _ => AcceptPause.Error,
                };
                pause ??= StartPause(reason, gate, counters, time, result.Error);
                pause.Failures++;
                pause.Backoff = pause.Backoff == TimeSpan.Zero ? MinBackoff : TimeSpan.FromTicks(Math.Min(pause.Backoff.Ticks * 2, MaxBackoff.Ticks));
                if (!await WaitAsync(Task.WhenAny(gate.WhenRoomAsync(), Task.Delay(pause.Backoff, time, _stop.Token))))
                {
                    return;
                }

                continue;
            }

            if (pause is not null)
            {
                Log.AcceptResumed(_logger, time.GetElapsedTime(pause.Since), pause.Failures, gate.Open);
                pause = null;
            }

            Socket accepted = _args.TakeSocket();
            gate.Opened();
            try
            {
                onAccepted(accepted);
            }
            catch (Exception ex)
            {
                Log.AcceptFailed(_logger, ex);
                gate.Close(accepted);
            }
        }
    }

    // A pause ends when its task does, or with false when the listener is stopped meanwhile.
    private async Task<bool> WaitAsync(Task until)
    {
        try
        {
            await until.WaitAsync(_stop.Token);
            return !_stop.IsCancellationRequested;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private static readonly TimeSpan MinBackoff = TimeSpan.FromMilliseconds(10);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(1);

    // One pause episode: logged and counted once when it starts, logged again when it ends.
    private Pause StartPause(AcceptPause reason, AcceptGate gate, ServerCounters counters, TimeProvider time,
        SocketError error = SocketError.Success)
    {
        counters.AcceptPaused(reason);
        if (reason == AcceptPause.FdBudget)
        {
            Log.AcceptPausedForBudget(_logger, gate.Open, gate.Budget);
        }
        else
        {
            Log.AcceptPausedForError(_logger, error, gate.Open);
        }

        return new Pause(time.GetTimestamp());
    }

    private sealed class Pause(long since)
    {
        public long Since { get; } = since;

        public int Failures { get; set; }

        public TimeSpan Backoff { get; set; }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _socket.Dispose();
        _args.Dispose();
    }

    // Accepting runs on the thread pool, not inline on the socket engine's thread that runs every
    // receive and send: admitting a member is O(members) (its USERS line), which a connect storm
    // would otherwise put in front of everyone's receives.
    private sealed class AcceptArgs() : AwaitableSocketArgs(runContinuationsAsynchronously: true)
    {
        public ValueTask<SocketResult> AcceptAsync(Socket listener)
        {
            Prepare();
            AcceptSocket = null;
            return Complete(listener.AcceptAsync(this));
        }

        public Socket TakeSocket()
        {
            Socket accepted = AcceptSocket!;
            AcceptSocket = null;
            return accepted;
        }
    }
}
