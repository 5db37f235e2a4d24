using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace FastChat.LoadTest.Internal;

/// <summary>Settings for opening many client connections.</summary>
/// <param name="Servers">Where connection i goes: node i mod N (<see cref="ServerNodes.EndPointFor"/>).</param>
/// <param name="ClientsPerAddress">Connections per loopback source address, under a server's per-address cap (0: only <paramref name="PerSourceAddress"/> spreads them).</param>
/// <param name="FirstAddressBlock">The first <see cref="SourceAddresses"/> block, so groups of connections never share an address.</param>
internal sealed record ConnectSettings(
    ServerNodes Servers,
    int Concurrency = 128,
    int PerSourceAddress = 25_000,
    TimeSpan? Timeout = null,
    int ReceiveBufferBytes = 16 * 1024,
    int MaxLineLength = 4096,
    int ClientsPerAddress = 0,
    int FirstAddressBlock = 0)
{
    /// <summary>Connections per source address actually used: the smaller of the two limits.</summary>
    public int PerAddress => ClientsPerAddress > 0 ? Math.Min(ClientsPerAddress, PerSourceAddress) : PerSourceAddress;
}

/// <summary>
/// Opens connections with a bounded number of handshakes in flight (a SYN storm overflows the listen
/// backlog), each from its loopback source address (<see cref="SourceAddresses"/>).
/// </summary>
internal sealed class Connector : IDisposable
{
    /// <summary>
    /// Longest server line a connection accepts: a USERS line of a large room (held in a rented
    /// buffer only while it arrives, see <see cref="ClientConnection"/>).
    /// </summary>
    public const int MaxServerLine = 4 * 1024 * 1024;

    private readonly ConnectSettings _settings;
    private readonly SemaphoreSlim _gate;
    private readonly byte[]? _slab;

    /// <param name="capacity">Connections (indexes 0..capacity-1) sharing one pinned slab of receive
    /// buffers; 0 = any index, each connection with a buffer of its own (churners, attackers: few at
    /// a time, many over a run).</param>
    public Connector(ConnectSettings settings, int capacity)
    {
        _settings = settings;
        _gate = new SemaphoreSlim(settings.Concurrency);

        // One pinned slab for every receive buffer: no per-connection pinning, no GC moves (POH).
        _slab = capacity > 0 ? GC.AllocateUninitializedArray<byte>(checked(capacity * settings.ReceiveBufferBytes), pinned: true) : null;
        Capacity = capacity;
    }

    /// <summary>Connections the slab holds; 0 when every connection has its own buffer.</summary>
    public int Capacity { get; }

    public ConnectSettings Settings => _settings;

    public List<Task> ReceiveLoops { get; } = [];

    /// <summary>The source address used for connection <paramref name="index"/> (null: let the kernel pick).</summary>
    public static IPAddress? SourceAddressFor(int index, int perAddress, IPAddress server) =>
        SourceAddresses.For(index, perAddress, 0, server);

    /// <summary>The source address this connector gives connection <paramref name="index"/>.</summary>
    public IPAddress? SourceAddressOf(int index) => _settings.Servers.CanSpread
        ? SourceAddresses.For(index, _settings.PerAddress, _settings.FirstAddressBlock, _settings.Servers.EndPointFor(index).Address)
        : null;

    /// <summary>Address blocks the first <paramref name="connections"/> connections of this connector take.</summary>
    public int BlocksFor(int connections) =>
        _settings.Servers.CanSpread ? SourceAddresses.BlocksFor(connections, _settings.PerAddress) : 0;

    /// <summary>How the first <paramref name="connections"/> connections are spread over source addresses (the report's <c>source_addresses</c> fact).</summary>
    public string DescribeSpread(int connections)
    {
        if (!_settings.Servers.CanSpread)
        {
            return _settings.Servers.IsCluster
                ? "the kernel's choice (not every server is loopback IPv4)"
                : $"the kernel's choice (the server {_settings.Servers.First.Address} is not loopback IPv4)";
        }

        int blocks = BlocksFor(connections);
        string first = SourceAddresses.Block(_settings.FirstAddressBlock)?.ToString() ?? "127.0.0.1";
        string last = SourceAddresses.Block(_settings.FirstAddressBlock + blocks - 1)?.ToString() ?? "127.0.0.1";
        string why = _settings.ClientsPerAddress > 0 ? "--clients-per-address" : "--clients-per-address 0: spread only for ephemeral ports";
        return $"{connections} connections, at most {_settings.PerAddress} per address, over {blocks} loopback addresses {first} .. {last} ({why})";
    }

    /// <summary>Receive loops still running (connections not closed yet).</summary>
    public int OpenReceiveLoops()
    {
        lock (ReceiveLoops)
        {
            return ReceiveLoops.Count(t => !t.IsCompleted);
        }
    }

    /// <summary>Gives the receive loops of closed connections up to <paramref name="timeout"/> to end.</summary>
    public Task WaitForReceiveLoopsAsync(TimeSpan timeout)
    {
        Task[] loops;
        lock (ReceiveLoops)
        {
            loops = [.. ReceiveLoops];
        }

        return Task.WhenAny(Task.WhenAll(loops), Task.Delay(timeout, CancellationToken.None));
    }

    /// <summary>
    /// Connects connection <paramref name="index"/>, starts its receive loop, sends <paramref name="hello"/> and waits
    /// for the handshake outcome its sink reports; <paramref name="bindTo"/> overrides the source address.
    /// </summary>
    public async Task<(ClientConnection? Connection, ConnectOutcome Outcome, long HandshakeTicks)> ConnectAsync(
        int index, Func<ClientConnection, LineSink> sinkFactory, ReadOnlyMemory<byte> hello, CancellationToken ct, int receiveBufferSize = 0,
        IPAddress? bindTo = null)
    {
        await _gate.WaitAsync(ct);
        long start = Stopwatch.GetTimestamp();
        IPEndPoint server = _settings.Servers.EndPointFor(index);
        Socket socket = new(server.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        ClientConnection? connection = null;
        try
        {
            IPAddress? source = bindTo ?? SourceAddressOf(index);
            if (source is not null)
            {
                socket.Bind(new IPEndPoint(source, 0));
            }

            if (receiveBufferSize > 0)
            {
                // Before connect, so the window the kernel advertises is small from the start.
                socket.ReceiveBufferSize = receiveBufferSize;
            }

            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(_settings.Timeout ?? TimeSpan.FromSeconds(20));
            await socket.ConnectAsync(server, timeout.Token);
            int size = _settings.ReceiveBufferBytes;
            Memory<byte> buffer = _slab is null ? new byte[size] : _slab.AsMemory(index * size, size);
            connection = new ClientConnection(index, socket, buffer, _settings.MaxLineLength);
            connection.Sink = sinkFactory(connection);
            lock (ReceiveLoops)
            {
                ReceiveLoops.Add(connection.ReceiveLoopAsync());
            }

            if (!hello.IsEmpty)
            {
                await connection.SendAsync(hello);
            }

            ConnectOutcome outcome = await connection.Handshake.WaitAsync(timeout.Token);
            return (connection, outcome, Stopwatch.GetTimestamp() - start);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or TimeoutException)
        {
            if (connection is null)
            {
                socket.Dispose();
            }
            else
            {
                connection.SetCloseReason(e is SocketException se ? se.SocketErrorCode.ToString() : "handshake-timeout");
            }

            return (connection, ConnectOutcome.Failed, Stopwatch.GetTimestamp() - start);
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose() => _gate.Dispose();

    /// <summary>The soft open-file limit of this process (from /proc/self/limits), or -1.</summary>
    public static long OpenFileLimit()
    {
        try
        {
            foreach (string line in File.ReadLines("/proc/self/limits"))
            {
                if (line.StartsWith("Max open files", StringComparison.Ordinal))
                {
                    string[] parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                    return long.TryParse(parts[3], out long soft) ? soft : -1;
                }
            }
        }
        catch (IOException)
        {
        }

        return -1;
    }
}
