using System.Net.Sockets;

namespace FastChat.Server.Internal;

internal sealed partial class Connection
{
    private async Task SendLoopAsync()
    {
        CountingObjectPool<SendArgs> pool = _context.Pools.SendArgs;
        MemberOutput output = _member.Output;
        SendArgs? args = null;
        bool finished = false;
        try
        {
            while (true)
            {
                // Everything due goes out as contiguous runs: one send per run, never one per line.
                if (output.TryGetNext(out ReadOnlyMemory<byte> data, out bool isPrivate))
                {
                    args ??= pool.Get();
                    SocketResult result = await args.SendAsync(_socket, data);
                    if (!result.Succeeded)
                    {
                        SocketFailed();
                        break;
                    }

                    _context.Counters.Sent(result.BytesTransferred);
                    output.Advance(isPrivate, result.BytesTransferred);
                    continue;
                }

                if (output.IsFinished)
                {
                    finished = true;
                    break;
                }

                // Caught up: an idle member holds no send SAEA either (272 bytes each, measured with
                // dotnet-gcdump; issue 6 counts RSS per idle member). Kestrel's SocketSenderPool
                // rents per send the same way.
                if (args is not null)
                {
                    pool.Return(args);
                    args = null;
                }

                if (!await output.Signal.WaitAsync())
                {
                    break; // aborted
                }
            }
        }
        catch (Exception ex)
        {
            RecordFailure(ex);
        }
        finally
        {
            if (args is not null)
            {
                pool.Return(args);
            }

            SendEnded(finished);
        }
    }

    /// <inheritdoc/>
    public bool TrySendInline()
    {
        if (!NonBlockingSend.IsEnabled)
        {
            return false;
        }

        MemberOutput output = _member.Output;
        try
        {
            while (output.TryGetNext(out ReadOnlyMemory<byte> data, out bool isPrivate))
            {
                int sent = NonBlockingSend.TrySend(_socket.SafeHandle, data.Span);
                if (sent <= 0)
                {
                    return false; // would block, or failed: the send loop's SAEA takes it from here
                }

                _context.Counters.Sent(sent);
                output.Advance(isPrivate, sent);
            }
        }
        catch (ObjectDisposedException)
        {
            return false; // closed under us: the send loop sees it and ends
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            if (NonBlockingSend.Disable())
            {
                Log.FastSendUnavailable(_context.Logger, ex);
            }

            return false;
        }
        catch (Exception ex)
        {
            // This runs on the flusher, which must outlive any one connection: end this one as its
            // send loop would have (one close reason, logged), and walk on.
            RecordFailure(ex);
            Abort(CloseReason.InternalError);
            return false;
        }

        return !output.IsFinished;
    }

    private void SendEnded(bool finished)
    {
        if (!finished)
        {
            Abort(CloseReason.ConnectionReset);
        }
        else if (_receiveEnded)
        {
            // The client already closed its side; our last line is out: close (FIN).
            TryShutdownSend();
            CloseSocket();
        }
        else
        {
            // Final line sent: FIN, then discard input for the grace period (PROTOCOL-NOTES 1).
            _discardInput = true;
            TryShutdownSend();
            _context.Linger.Add(this);
        }

        LoopEnded();
    }

    private void TryShutdownSend()
    {
        try
        {
            _socket.Shutdown(SocketShutdown.Send);
        }
        catch (SocketException)
        {
            // Already reset by the peer: nothing left to say.
        }
        catch (ObjectDisposedException)
        {
        }
    }
}
