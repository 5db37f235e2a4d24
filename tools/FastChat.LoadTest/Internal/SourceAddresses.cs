using System.Net;
using System.Net.Sockets;

namespace FastChat.LoadTest.Internal;

/// <summary>
/// Loopback source addresses for the tool's connections. Every 127.x.y.z is this host on Linux, so
/// binding to many of them before connecting makes the connections come from many addresses: the
/// server's per-address cap (<c>--max-clients-per-address</c>, default 10) then refuses none of
/// them, and no single address runs out of ephemeral ports.
/// </summary>
/// <remarks>
/// Block 0 is the kernel's own choice (no bind: 127.0.0.1 for a 127.0.0.1 server); block b &gt; 0
/// is the b-th address counting up from 127.0.0.2, skipping last octets 0 and 255, up to
/// 127.255.255.254. Only loopback IPv4 servers get bound sockets; any other server sees the
/// kernel's address.
/// </remarks>
internal static class SourceAddresses
{
    /// <summary>Addresses per /24 that are used (last octet 1..254).</summary>
    private const int PerOctet = 254;

    /// <summary>Blocks available: every usable 127.x.y.z (block 0 is 127.0.0.1 itself).</summary>
    public const int MaxBlocks = 256 * 256 * PerOctet;

    /// <summary>Whether connections to <paramref name="server"/> can be spread over loopback source addresses.</summary>
    public static bool CanSpread(IPAddress server) =>
        server.AddressFamily == AddressFamily.InterNetwork && IPAddress.IsLoopback(server);

    /// <summary>The address of block <paramref name="block"/>: null for block 0 (the kernel picks).</summary>
    public static IPAddress? Block(int block)
    {
        if (block <= 0 || block >= MaxBlocks)
        {
            return null;
        }

        // 127.0.0.1 is block 0; block b is the (b+1)-th usable address.
        int n = block;
        int last = 1 + (n % PerOctet);
        int rest = n / PerOctet;
        return new IPAddress([127, (byte)(rest >> 8), (byte)(rest & 0xFF), (byte)last]);
    }

    /// <summary>
    /// The source address of connection <paramref name="index"/> when each address carries
    /// <paramref name="perAddress"/> connections, starting at block <paramref name="firstBlock"/>;
    /// null when the kernel should choose (block 0, a non-loopback or IPv6 server, no spreading).
    /// </summary>
    public static IPAddress? For(int index, int perAddress, int firstBlock, IPAddress server)
    {
        if (perAddress <= 0 || !CanSpread(server))
        {
            return null;
        }

        long block = firstBlock + ((long)index / perAddress);
        return block >= MaxBlocks ? null : Block((int)block);
    }

    /// <summary>Blocks that <paramref name="connections"/> connections take at <paramref name="perAddress"/> each.</summary>
    public static int BlocksFor(int connections, int perAddress) =>
        perAddress <= 0 ? 1 : Math.Max(1, (connections + perAddress - 1) / perAddress);
}
