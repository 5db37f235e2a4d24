using System.Net;
using System.Net.Sockets;

namespace FastChat.LoadTest.Internal;

/// <summary>
/// Loopback source addresses 127.x.y.z (each is this host on Linux), bound before connecting so the
/// server's per-address cap refuses none and no address runs out of ephemeral ports (docs/LOADTEST.md).
/// </summary>
/// <remarks>Block 0 is the kernel's choice; block b &gt; 0 counts up from 127.0.0.2, skipping last octets 0 and 255.</remarks>
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
    /// Connection <paramref name="index"/>'s address when each carries <paramref name="perAddress"/>, from block
    /// <paramref name="firstBlock"/> on; null when the kernel should choose.
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
