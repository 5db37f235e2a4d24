using System.Net.Sockets;

namespace FastChat.Server.Internal;

internal sealed partial class Connection
{
    private async Task SendLoopAsync()
    {
        SendArgs args = _sendArgs!;
        MemberOutput output = _member.Output;
        bool finished = false;
        try
        {
            while (true)
            {
                // Everything due goes out as contiguous runs: one send per run, never one per line.
                if (output.TryGetNext(out ReadOnlyMemory<byte> data, out bool isPrivate))
                {
                    int sent = await args.SendAsync(_socket, data);
                    _context.Counters.Sent(sent);
                    output.Advance(isPrivate, sent);
                    continue;
                }

                if (output.IsFinished)
                {
                    finished = true;
                    break;
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
            SendEnded(finished);
        }
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
