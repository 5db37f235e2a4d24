using System.Net.Sockets;

namespace FastChat.Server.Internal;

internal sealed partial class Connection
{
    private async Task SendLoopAsync()
    {
        bool finished = false;
        try
        {
            finished = await _sender.RunAsync();
            if (!finished)
            {
                SocketFailed();
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

    /// <inheritdoc/>
    public bool TrySendInline()
    {
        try
        {
            return _sender.TrySendNow();
        }
        catch (ObjectDisposedException)
        {
            return false; // closed under us: the send loop sees it and ends
        }
        catch (Exception ex)
        {
            // This runs on a fan-out walker, which must outlive any one connection: end this one as
            // its send loop would have (one close reason, logged), and walk on.
            RecordFailure(ex);
            Abort(CloseReason.InternalError);
            return false;
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
            // Final line sent: FIN, then discard input for the grace period (docs/PROTOCOL.md
            // "Graceful close").
            _discardInput = true;
            TryShutdownSend();
            _linger.Add(this);
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
