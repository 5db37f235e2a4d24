using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace FastChat.LoadTest.Internal;

/// <summary>Settings for opening many client connections.</summary>
internal sealed record ConnectSettings(
    IPEndPoint Server,
    int Concurrency = 128,
    int PerSourceAddress = 25_000,
    TimeSpan? Timeout = null,
    int ReceiveBufferBytes = 16 * 1024,
    int MaxLineLength = 4096);

/// <summary>
/// Opens connections with a bounded number of handshakes in flight (a storm of SYNs overflows the
/// listen backlog; the C harness uses the same 128 default), spreading sockets over loopback source
/// addresses 127.0.0.1, 127.0.0.2, ... past <see cref="ConnectSettings.PerSourceAddress"/> each: one
/// source address has about 28k ephemeral ports (net.ipv4.ip_local_port_range 32768-60999).
/// </summary>
internal sealed class Connector : IDisposable
{
    private readonly ConnectSettings _settings;
    private readonly SemaphoreSlim _gate;
    private readonly byte[] _slab;

    public Connector(ConnectSettings settings, int capacity)
    {
        _settings = settings;
        _gate = new SemaphoreSlim(settings.Concurrency);

        // One pinned slab for every receive buffer: no per-connection pinning, no GC moves (POH).
        _slab = GC.AllocateUninitializedArray<byte>(checked(capacity * settings.ReceiveBufferBytes), pinned: true);
        Capacity = capacity;
    }

    public int Capacity { get; }

    public List<Task> ReceiveLoops { get; } = [];

    /// <summary>The source address used for connection <paramref name="index"/> (null: let the kernel pick).</summary>
    public static IPAddress? SourceAddressFor(int index, int perAddress, IPAddress server)
    {
        if (index < perAddress || !IPAddress.IsLoopback(server) || server.AddressFamily != AddressFamily.InterNetwork)
        {
            return null;
        }

        int n = 1 + (index / perAddress);
        return n > 254 ? null : new IPAddress(new byte[] { 127, 0, 0, (byte)n });
    }

    /// <summary>
    /// Connects connection <paramref name="index"/>, installs its sink, starts its receive loop, sends
    /// <paramref name="hello"/> and waits for the handshake outcome (the sink completes it).
    /// </summary>
    public async Task<(ClientConnection? Connection, ConnectOutcome Outcome, long HandshakeTicks)> ConnectAsync(
        int index, Func<ClientConnection, LineSink> sinkFactory, ReadOnlyMemory<byte> hello, CancellationToken ct, int receiveBufferSize = 0)
    {
        await _gate.WaitAsync(ct);
        long start = Stopwatch.GetTimestamp();
        Socket socket = new(_settings.Server.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        ClientConnection? connection = null;
        try
        {
            IPAddress? source = SourceAddressFor(index, _settings.PerSourceAddress, _settings.Server.Address);
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
            await socket.ConnectAsync(_settings.Server, timeout.Token);
            int size = _settings.ReceiveBufferBytes;
            connection = new ClientConnection(index, socket, _slab.AsMemory(index * size, size), _settings.MaxLineLength);
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
