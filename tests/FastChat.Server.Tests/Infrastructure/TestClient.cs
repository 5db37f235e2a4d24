using System.Net;
using System.Net.Sockets;
using System.Text;

namespace FastChat.Server.Tests;

/// <summary>
/// A raw-socket test client: sends bytes exactly as given and reads server lines, checking that each
/// ends with CRLF. Every read is bounded by a timeout; nothing sleeps to synchronise.
/// </summary>
internal sealed class TestClient : IAsyncDisposable
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(15);

    private readonly Socket _socket;
    private readonly byte[] _buffer = new byte[64 * 1024];
    private readonly MemoryStream _pending = new();
    private bool _eof;
    private static int s_sync;
    private bool _reset;

    private TestClient(Socket socket) => _socket = socket;

    public string? Id { get; private set; }

    public string[] InitialUsers { get; private set; } = [];

    public Socket Socket => _socket;

    /// <summary>True once the server reset the connection (rather than closing it cleanly).</summary>
    public bool WasReset => _reset;

    /// <param name="endPoint">The server.</param>
    /// <param name="receiveBufferSize">A small kernel receive buffer, for clients that stop reading.</param>
    /// <param name="localAddress">The source address (127.0.0.x on loopback), for per-address limits.</param>
    public static async Task<TestClient> ConnectAsync(IPEndPoint endPoint, int? receiveBufferSize = null, IPAddress? localAddress = null)
    {
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        if (receiveBufferSize is int size)
        {
            socket.ReceiveBufferSize = size; // before connect, so the window is small from the start
        }

        if (localAddress is not null)
        {
            socket.Bind(new IPEndPoint(localAddress, 0));
        }

        using var cts = new CancellationTokenSource(DefaultTimeout);
        await socket.ConnectAsync(endPoint, cts.Token);
        return new TestClient(socket);
    }

    /// <summary>Connects and reads WELCOME and USERS.</summary>
    public static async Task<TestClient> JoinAsync(IPEndPoint endPoint, IPAddress? localAddress = null)
    {
        TestClient client = await ConnectAsync(endPoint, localAddress: localAddress);
        await client.ReadWelcomeAsync();
        return client;
    }

    public async Task ReadWelcomeAsync()
    {
        string welcome = await ReadLineAsync();
        Assert.StartsWith("WELCOME ", welcome);
        Id = welcome["WELCOME ".Length..];
        string users = await ReadLineAsync();
        Assert.StartsWith("USERS", users);
        InitialUsers = users.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1..];
        Assert.Contains(Id, InitialUsers);
    }

    public Task SendAsync(string text) => SendRawAsync(Encoding.Latin1.GetBytes(text));

    public async Task SendRawAsync(byte[] bytes)
    {
        using var cts = new CancellationTokenSource(DefaultTimeout);
        await _socket.SendAsync(bytes, SocketFlags.None, cts.Token);
    }

    /// <summary>Reads one line (without CRLF); fails on timeout or EOF.</summary>
    public async Task<string> ReadLineAsync(TimeSpan? timeout = null) =>
        await ReadLineOrEofAsync(timeout) ?? throw new EndOfStreamException("The server closed the connection.");

    /// <summary>Reads one line, or null at EOF (a reset also counts as EOF here).</summary>
    public async Task<string?> ReadLineOrEofAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? DefaultTimeout);
        while (true)
        {
            byte[] data = _pending.GetBuffer();
            int length = (int)_pending.Length;
            int lf = Array.IndexOf(data, (byte)'\n', 0, length);
            if (lf >= 0)
            {
                Assert.True(lf > 0 && data[lf - 1] == (byte)'\r', "server lines must end with CRLF");
                string line = Encoding.Latin1.GetString(data, 0, lf - 1);
                byte[] rest = data.AsSpan(lf + 1, length - lf - 1).ToArray();
                _pending.SetLength(0);
                _pending.Write(rest);
                return line;
            }

            if (_eof)
            {
                // A clean EOF never cuts a line; a reset may (the kernel drops what it still held).
                Assert.True(length == 0 || _reset, $"partial line at EOF: '{Encoding.Latin1.GetString(data, 0, length)}'");
                return null;
            }

            int n;
            try
            {
                n = await _socket.ReceiveAsync(_buffer, SocketFlags.None, cts.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"No line from the server within the timeout (client {Id}).");
            }
            catch (SocketException ex) when (ex.SocketErrorCode == SocketError.ConnectionReset)
            {
                n = 0;
                _reset = true;
            }

            if (n == 0)
            {
                _eof = true;
            }
            else
            {
                _pending.Write(_buffer, 0, n);
            }
        }
    }

    /// <summary>Reads lines until one matches; returns every line read, the match last.</summary>
    public async Task<List<string>> ReadUntilAsync(Func<string, bool> match, TimeSpan? timeout = null)
    {
        var lines = new List<string>();
        while (true)
        {
            string line = await ReadLineAsync(timeout);
            lines.Add(line);
            if (match(line))
            {
                return lines;
            }
        }
    }

    /// <summary>
    /// Reads until <paramref name="messages"/> MSG lines have arrived, releasing
    /// <paramref name="progress"/> after every <paramref name="batch"/> of them (a sender paces
    /// itself on it); returns every line read.
    /// </summary>
    public async Task<List<string>> ReadMessagesAsync(int messages, int batch, SemaphoreSlim progress)
    {
        var lines = new List<string>();
        int seen = 0;
        while (seen < messages)
        {
            string line = await ReadLineAsync();
            lines.Add(line);
            if (line.StartsWith("MSG", StringComparison.Ordinal) && ++seen % batch == 0)
            {
                progress.Release();
            }
        }

        return lines;
    }

    /// <summary>Reads all lines up to EOF.</summary>
    public async Task<List<string>> ReadToEndAsync(TimeSpan? timeout = null)
    {
        var lines = new List<string>();
        while (await ReadLineOrEofAsync(timeout) is { } line)
        {
            lines.Add(line);
        }

        return lines;
    }

    /// <summary>Sends /ping with a unique token and returns every line before the PONG.</summary>
    public async Task<List<string>> SyncAsync()
    {
        // Short, so it fits the smallest line limits the tests use.
        string token = Interlocked.Increment(ref s_sync).ToString(System.Globalization.CultureInfo.InvariantCulture);
        await SendAsync($"/ping {token}\n");
        List<string> lines = await ReadUntilAsync(l => l == $"PONG {token}");
        lines.RemoveAt(lines.Count - 1);
        return lines;
    }

    /// <summary>Half-closes our sending side (FIN).</summary>
    public void ShutdownSend() => _socket.Shutdown(SocketShutdown.Send);

    /// <summary>Closes with an RST (linger 0), like a crashed client.</summary>
    public void Reset()
    {
        _socket.LingerState = new LingerOption(true, 0);
        _socket.Close();
    }

    public ValueTask DisposeAsync()
    {
        _socket.Dispose();
        _pending.Dispose();
        return ValueTask.CompletedTask;
    }
}
