using System.Net;
using System.Net.Sockets;

namespace FastChat.Client.Tests.Infrastructure;

internal static class Ports
{
    /// <summary>A loopback port that was free a moment ago, so connecting to it is refused.</summary>
    public static int NothingListening()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
