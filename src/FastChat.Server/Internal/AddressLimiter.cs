using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace FastChat.Server.Internal;

/// <summary>
/// Counts the connections each client address holds (<c>--max-clients-per-address</c>), so one
/// address cannot take every slot. IPv6 addresses count per /64, the block one site or one host
/// usually gets, and which one attacker could otherwise walk through 2^64 addresses of.
/// </summary>
/// <remarks>
/// Acquired when a connection is admitted and released when its socket closes, on any thread, so
/// the table is guarded by a lock; both happen once per connection, never per line.
/// </remarks>
internal sealed class AddressLimiter
{
    private readonly Lock _lock = new();
    private readonly Dictionary<UInt128, Entry> _entries = [];
    private readonly int _max;

    /// <param name="max">Connections per address; 0 = no limit.</param>
    public AddressLimiter(int max) => _max = max;

    public int Max => _max;

    /// <summary>Addresses holding at least one connection (tests and metrics).</summary>
    public int Addresses
    {
        get
        {
            lock (_lock)
            {
                return _entries.Count;
            }
        }
    }

    /// <summary>The key an address counts under: IPv4 (also IPv4-mapped IPv6) whole, IPv6 by its /64.</summary>
    public static UInt128 KeyOf(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        Span<byte> bytes = stackalloc byte[16];
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            // ::ffff:a.b.c.d, so IPv4 keys never meet IPv6 /64 keys.
            address.TryWriteBytes(bytes[12..], out _);
            bytes[10] = 0xFF;
            bytes[11] = 0xFF;
        }
        else
        {
            address.TryWriteBytes(bytes, out _);
            bytes[8..].Clear(); // the interface half: one /64 is one client
        }

        return BinaryPrimitives.ReadUInt128BigEndian(bytes);
    }

    /// <summary>
    /// Takes a slot for <paramref name="key"/>; false when the address already holds the maximum.
    /// <paramref name="firstRefusal"/> is true for the first refusal since the address last got in,
    /// so a storm from one address is logged once, not once per connection.
    /// </summary>
    public bool TryAcquire(UInt128 key, out bool firstRefusal)
    {
        firstRefusal = false;
        if (_max == 0)
        {
            return true;
        }

        lock (_lock)
        {
            ref Entry entry = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(_entries, key, out _);
            if (entry.Connections >= _max)
            {
                firstRefusal = entry.Refused++ == 0;
                return false;
            }

            entry.Connections++;
            entry.Refused = 0;
            return true;
        }
    }

    /// <summary>Gives back a slot taken by <see cref="TryAcquire"/>.</summary>
    public void Release(UInt128 key)
    {
        if (_max == 0)
        {
            return;
        }

        lock (_lock)
        {
            ref Entry entry = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrNullRef(_entries, key);
            if (System.Runtime.CompilerServices.Unsafe.IsNullRef(ref entry) || entry.Connections == 0)
            {
                throw new InvalidOperationException("Address slot released more often than taken.");
            }

            if (--entry.Connections == 0)
            {
                _entries.Remove(key); // the table holds only addresses that hold connections
            }
        }
    }

    private struct Entry
    {
        public int Connections;
        public int Refused;
    }
}
