using System.Net.Sockets;
using FastChat.Protocol;

namespace FastChat.Server.Internal;

/// <summary>
/// Connections refused before they became members: each gets <c>FULL &lt;max&gt;</c> (or
/// <c>FULL &lt;max&gt; per-address</c>), a FIN, and is closed after the grace period
/// (docs/PROTOCOL.md "Graceful close"). It uses no id and nobody else hears of it.
/// </summary>
internal sealed class Rejections(AcceptGate gate, Lingerer linger, ServerCounters counters)
{
    /// <summary>
    /// At most this many refused connections wait out their grace period at once; past it (a connect
    /// storm) they are closed right after their line, which may then be lost to an RST: a storm must
    /// not turn the grace period into thousands of held descriptors.
    /// </summary>
    public const int MaxLingering = 1024;

    private int _lingering;

    public void Refuse(Socket socket, RejectReason reason, int max)
    {
        counters.Rejected(reason);
        try
        {
            // A fresh socket's send buffer is empty, so this small send never waits; non-blocking
            // all the same, so a misbehaving peer can never stall the accept loop.
            socket.Blocking = false;
            Span<byte> line = stackalloc byte[40];
            ReadOnlySpan<byte> scope = reason switch
            {
                RejectReason.PerAddress => ProtocolTokens.PerAddressScope,
                RejectReason.Unavailable => ProtocolTokens.UnavailableScope,
                _ => default,
            };
            ServerLineWriter.TryWriteFull(line, max, scope, out int written);
            socket.Send(line[..written], SocketFlags.None);
            socket.Shutdown(SocketShutdown.Send);
            if (Interlocked.Increment(ref _lingering) > MaxLingering)
            {
                Interlocked.Decrement(ref _lingering);
                gate.Close(socket);
                return;
            }

            linger.Add(new RejectedConnection(socket, this));
        }
        catch (SocketException)
        {
            gate.Close(socket); // the peer is already gone
        }
    }

    // The grace period of one refused connection is over.
    private void Closed(Socket socket)
    {
        Interlocked.Decrement(ref _lingering);
        gate.Close(socket);
    }

    private sealed class RejectedConnection(Socket socket, Rejections owner) : ILingering
    {
        private const int MaxDiscardBytes = 64 * 1024;

        [ThreadStatic]
        private static byte[]? t_discard;

        public void OnLingerExpired()
        {
            // Discard what the client sent meanwhile, so closing does not turn into an RST that could
            // destroy FULL before the client read it; bounded, so a client that keeps sending cannot
            // keep this thread here.
            byte[] discard = t_discard ??= new byte[4096];
            try
            {
                int n = 0;
                for (int total = 0; total < MaxDiscardBytes && socket.Available > 0; total += n)
                {
                    if ((n = socket.Receive(discard, SocketFlags.None)) <= 0)
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
                owner.Closed(socket);
            }
        }
    }
}
