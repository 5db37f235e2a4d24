using System.Net.Sockets;
using FastChat.Protocol;

namespace FastChat.Server.Internal;

/// <summary>
/// A connection accepted while the server is full: it gets <c>FULL &lt;max&gt;</c>, a FIN, and is
/// closed after the grace period (PROTOCOL-NOTES 1). It uses no id (PROTOCOL-NOTES 6) and nobody
/// else hears of it.
/// </summary>
internal sealed class RejectedConnection : ILingering
{
    [ThreadStatic]
    private static byte[]? t_discard;

    private readonly Socket _socket;

    private RejectedConnection(Socket socket) => _socket = socket;

    public static void Reject(Socket socket, ServerContext context)
    {
        context.Counters.RejectedBecauseFull();
        Log.Rejected(context.Logger, socket.RemoteEndPoint, "full");
        try
        {
            // A fresh socket's send buffer is empty, so this small send never waits; non-blocking
            // all the same, so a misbehaving peer can never stall the accept loop.
            socket.Blocking = false;
            Span<byte> line = stackalloc byte[20];
            ServerLineWriter.TryWriteFull(line, context.Options.MaxClients, out int written);
            socket.Send(line[..written], SocketFlags.None);
            socket.Shutdown(SocketShutdown.Send);
            context.Linger.Add(new RejectedConnection(socket));
        }
        catch (SocketException)
        {
            socket.Dispose(); // the peer is already gone
        }
    }

    public void OnLingerExpired()
    {
        // Discard what the client sent meanwhile, so closing does not turn into an RST that could
        // destroy FULL before the client read it.
        byte[] discard = t_discard ??= new byte[4096];
        try
        {
            while (_socket.Available > 0 && _socket.Receive(discard, SocketFlags.None) > 0)
            {
            }
        }
        catch (SocketException)
        {
        }
        finally
        {
            _socket.Dispose();
        }
    }
}
