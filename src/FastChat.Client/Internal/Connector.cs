using System.Net;
using System.Net.Sockets;

namespace FastChat.Client.Internal;

/// <summary>Resolves a host and connects to the first address that answers, within one timeout.</summary>
internal static class Connector
{
    public static async Task<Socket> ConnectAsync(string host, int port, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var timeoutCts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeoutCts.CancelAfter(timeout);
        CancellationToken token = timeoutCts.Token;
        try
        {
            IPAddress[] addresses = await ResolveAsync(host, token);
            SocketException? last = null;

            // Addresses in the resolver's order (RFC 6724 sorting, IPv6 first where usable); one at a
            // time is enough for a chat client, and the shared timeout bounds the whole attempt.
            foreach (IPAddress address in addresses)
            {
                var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    await socket.ConnectAsync(new IPEndPoint(address, port), token);
                    return socket;
                }
                catch (SocketException e)
                {
                    socket.Dispose();
                    last = e;
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            }

            SocketError error = last?.SocketErrorCode ?? SocketError.HostNotFound;
            throw new ChatConnectException(host, port, Classify(error), error, last);
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new ChatConnectException(host, port, ConnectFailure.TimedOut, SocketError.TimedOut, e);
        }
        catch (SocketException e)
        {
            throw new ChatConnectException(host, port, Classify(e.SocketErrorCode), e.SocketErrorCode, e);
        }
    }

    private static async Task<IPAddress[]> ResolveAsync(string host, CancellationToken token)
    {
        // "[::1]" is how people write IPv6 literals next to ports; accept it.
        string bare = host.Length > 2 && host[0] == '[' && host[^1] == ']' ? host[1..^1] : host;
        if (IPAddress.TryParse(bare, out IPAddress? literal))
        {
            return [literal];
        }

        IPAddress[] found = await Dns.GetHostAddressesAsync(bare, token);
        return found.Length > 0 ? found : throw new SocketException((int)SocketError.HostNotFound);
    }

    internal static ConnectFailure Classify(SocketError error) => error switch
    {
        SocketError.ConnectionRefused => ConnectFailure.Refused,
        SocketError.HostUnreachable or SocketError.NetworkUnreachable or SocketError.HostDown or SocketError.NetworkDown
            or SocketError.AddressNotAvailable => ConnectFailure.Unreachable,
        SocketError.TimedOut => ConnectFailure.TimedOut,
        SocketError.HostNotFound or SocketError.NoData or SocketError.TryAgain => ConnectFailure.HostNotFound,
        _ => ConnectFailure.Other,
    };
}
