using System.Net.Sockets;
using FastChat.Protocol;

namespace FastChat.Server.Internal;

/// <summary>
/// A connection refused before it became a member: it gets <c>FULL &lt;max&gt;</c> (or
/// <c>FULL &lt;max&gt; per-address</c>), a FIN, and is closed after the grace period
/// (docs/PROTOCOL.md "Graceful close"). It uses no id and nobody else hears of it.
/// </summary>
internal sealed class RejectedConnection : ILingering
{
    /// <summary>
    /// At most this many refused connections wait out their grace period at once; past it (a connect
    /// storm) they are closed right after their line, which may then be lost to an RST: a storm must
    /// not turn the grace period into thousands of held descriptors.
    /// </summary>
    public const int MaxLingering = 1024;

    private const int MaxDiscardBytes = 64 * 1024;

    [ThreadStatic]
    private static byte[]? t_discard;

    private readonly Socket _socket;
    private readonly ServerContext _context;

    private RejectedConnection(Socket socket, ServerContext context)
    {
        _socket = socket;
        _context = context;
    }

    public static void Reject(Socket socket, ServerContext context, RejectReason reason)
    {
        context.Counters.Rejected(reason);
        try
        {
            // A fresh socket's send buffer is empty, so this small send never waits; non-blocking
            // all the same, so a misbehaving peer can never stall the accept loop.
            socket.Blocking = false;
            Span<byte> line = stackalloc byte[40];
            int written;
            if (reason == RejectReason.PerAddress)
            {
                ServerLineWriter.TryWriteFull(line, context.Addresses.Max, ProtocolTokens.PerAddressScope, out written);
            }
            else
            {
                ServerLineWriter.TryWriteFull(line, context.Options.MaxClients, out written);
            }

            socket.Send(line[..written], SocketFlags.None);
            socket.Shutdown(SocketShutdown.Send);
            if (Interlocked.Increment(ref context.RejectsLingering) > MaxLingering)
            {
                Interlocked.Decrement(ref context.RejectsLingering);
                context.Gate.Close(socket);
                return;
            }

            context.Linger.Add(new RejectedConnection(socket, context));
        }
        catch (SocketException)
        {
            context.Gate.Close(socket); // the peer is already gone
        }
    }

    public void OnLingerExpired()
    {
        // Discard what the client sent meanwhile, so closing does not turn into an RST that could
        // destroy FULL before the client read it; bounded, so a client that keeps sending cannot
        // keep this thread here.
        byte[] discard = t_discard ??= new byte[4096];
        try
        {
            int n = 0;
            for (int total = 0; total < MaxDiscardBytes && _socket.Available > 0; total += n)
            {
                if ((n = _socket.Receive(discard, SocketFlags.None)) <= 0)
                {
                    break;
                }
            }
        }
        catch (SocketException)
        {
        }
        catch (ObjectDisposedException)
        {
        }
        finally
        {
            Interlocked.Decrement(ref _context.RejectsLingering);
            _context.Gate.Close(_socket);
        }
    }
}
