using System.Buffers;
using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using FastChat.Protocol;
using FastChat.Threading;

namespace FastChat.LoadTest.Internal;

/// <summary>How a connection's handshake ended.</summary>
internal enum ConnectOutcome : byte
{
    /// <summary>Ready (FastChat WELCOME, Redis subscribe confirmation, NATS PONG).</summary>
    Ready,

    /// <summary>FastChat <c>FULL &lt;max&gt;</c>: refused because the server is full.</summary>
    Full,

    /// <summary>FastChat <c>FULL &lt;max&gt; per-address</c>: refused because the source address holds the server's per-address maximum.</summary>
    FullPerAddress,

    /// <summary>Connect or handshake failed, or the connection closed first.</summary>
    Failed,
}

/// <summary>
/// One client socket and its receive loop: the ValueTask receive API into a fixed slice of a pinned slab,
/// so a steady loop allocates nothing; a line longer than the slice is held in a rented buffer.
/// </summary>
internal sealed class ClientConnection : IDisposable
{
    private readonly Memory<byte> _slabBuffer;
    private Memory<byte> _buffer;
    private byte[]? _rented;
    private readonly TaskCompletionSource<ConnectOutcome> _handshake =
        new(TaskCreationOptions.RunContinuationsAsynchronously);

    // One writer at a time: a /pong from the receive loop must not land inside a sender's batch
    // (a partial send leaves half a line on the wire). Uncontended, a wait completes synchronously.
    private readonly SemaphoreSlim _sendGate = new(1, 1);
    private long _pongs;
    private LineFramer _framer;
    private AsyncSignal? _resume;
    private volatile bool _paused;
    private volatile ReadThrottle? _throttle;
    private int _closed;

    public ClientConnection(int index, Socket socket, Memory<byte> buffer, int maxLineLength)
    {
        Index = index;
        Socket = socket;
        _slabBuffer = _buffer = buffer;
        _framer = new LineFramer(maxLineLength);
        if (buffer.Length < 64)
        {
            throw new ArgumentException("receive buffer too small", nameof(buffer));
        }
    }

    public int Index { get; }

    public Socket Socket { get; }

    public LineSink? Sink { get; set; }

    public Task<ConnectOutcome> Handshake => _handshake.Task;

    public long BytesReceived { get; private set; }

    /// <summary>Completed receive calls (deliveries per read shows how well the server coalesces).</summary>
    public long Reads { get; private set; }

    /// <summary>Stopwatch ticks at which the connection ended (0 while open).</summary>
    public long ClosedAtTicks { get; private set; }

    /// <summary>Why the connection ended: "eof", "bye:&lt;reason&gt;", "full", a socket error, "closed-by-tool".</summary>
    public string? CloseReason { get; private set; }

    public bool IsClosed => Volatile.Read(ref _closed) != 0;

    /// <summary><c>/pong</c> lines sent in answer to the server's <c>PING</c>.</summary>
    public long PongsSent => Volatile.Read(ref _pongs);

    /// <summary>The handshake completed and the server admitted the connection.</summary>
    public bool IsReady => Handshake.IsCompletedSuccessfully && Handshake.Result == ConnectOutcome.Ready;

    public void CompleteHandshake(ConnectOutcome outcome) => _handshake.TrySetResult(outcome);

    /// <summary>
    /// The server refused the connection with <c>FULL &lt;max&gt; [scope]</c>: the handshake ends as
    /// <see cref="ConnectOutcome.Full"/> (no scope), <see cref="ConnectOutcome.FullPerAddress"/>, or, for
    /// any other scope (a cluster node's <c>unavailable</c>), <see cref="ConnectOutcome.Failed"/>: the room is not full.
    /// </summary>
    public void OnFull(ReadOnlySpan<byte> scope)
    {
        SetCloseReason(scope.IsEmpty ? "full" : "full:" + Encoding.ASCII.GetString(scope));
        CompleteHandshake(scope.IsEmpty ? ConnectOutcome.Full
            : scope.SequenceEqual(ProtocolTokens.PerAddressScope) ? ConnectOutcome.FullPerAddress
            : ConnectOutcome.Failed);
    }

    /// <summary>The server said <c>BYE &lt;reason&gt;</c>: the close reason records it before the EOF arrives.</summary>
    public void OnBye(ReadOnlySpan<byte> reason) => SetCloseReason("bye:" + Encoding.ASCII.GetString(reason));

    /// <summary>Stops reading (slow-consumer simulation): the kernel buffers fill, then the server's.</summary>
    public void PauseReading()
    {
        _resume ??= new AsyncSignal();
        _paused = true;
    }

    public void ResumeReading()
    {
        _paused = false;
        _resume?.Set();
    }

    /// <summary>Reads at most this rate from now on (a reader that keeps up only partly); null reads freely again.</summary>
    public ReadThrottle? Throttle
    {
        get => _throttle;
        set => _throttle = value;
    }

    public async Task ReceiveLoopAsync()
    {
        int held = 0;
        string reason = "eof";
        PeriodicTimer? throttleTimer = null;
        try
        {
            while (true)
            {
                while (_paused)
                {
                    await _resume!.WaitAsync();
                }

                if (held == _buffer.Length)
                {
                    Grow(held);
                }

                Memory<byte> free = _buffer[held..];
                ReadThrottle? throttle = _throttle;
                if (throttle is not null)
                {
                    // Read only what the bucket allows: the rest stays in the kernel, so the server's
                    // backlog grows. A PeriodicTimer wait allocates nothing, unlike a Task.Delay.
                    int allowed = throttle.Available(Stopwatch.GetTimestamp(), free.Length);
                    if (allowed == 0)
                    {
                        throttleTimer ??= new PeriodicTimer(ReadThrottle.Tick);
                        await throttleTimer.WaitForNextTickAsync();
                        continue;
                    }

                    free = free[..allowed];
                }

                int n = await Socket.ReceiveAsync(free, SocketFlags.None);
                if (n == 0)
                {
                    break;
                }

                throttle?.Consume(n);
                BytesReceived += n;
                Reads++;
                held = Process(held + n, Stopwatch.GetTimestamp());
                if (_rented is not null && held <= _slabBuffer.Length / 2)
                {
                    Shrink(held);
                }
            }
        }
        catch (SocketException e)
        {
            reason = e.SocketErrorCode.ToString();
        }
        catch (ObjectDisposedException)
        {
            reason = "closed-by-tool";
        }

        throttleTimer?.Dispose();
        MarkClosed(reason);
        if (_rented is not null)
        {
            ArrayPool<byte>.Shared.Return(_rented);
            _rented = null;
        }
    }

    /// <summary>A line longer than the slab slice (a USERS line of a large room): a rented buffer holds it until it is consumed.</summary>
    private void Grow(int held)
    {
        int size = Math.Min(Math.Max(held * 2, 4096), _framer.MaxBufferedBytes + 1);
        if (size <= held)
        {
            size = held + 1; // the framer refuses the line on the next call and skips it
        }

        byte[] bigger = ArrayPool<byte>.Shared.Rent(size);
        _buffer.Span[..held].CopyTo(bigger);
        if (_rented is not null)
        {
            ArrayPool<byte>.Shared.Return(_rented);
        }

        _rented = bigger;
        _buffer = bigger;
    }

    private void Shrink(int held)
    {
        _buffer.Span[..held].CopyTo(_slabBuffer.Span);
        ArrayPool<byte>.Shared.Return(_rented!);
        _rented = null;
        _buffer = _slabBuffer;
    }

    /// <summary>Feeds bytes as if received (tests of the protocol sinks); returns the bytes held back.</summary>
    internal int Feed(ReadOnlySpan<byte> bytes, int held, long now)
    {
        bytes.CopyTo(_buffer.Span[held..]);
        return Process(held + bytes.Length, now);
    }

    /// <summary>Frames the buffered bytes; returns how many unconsumed bytes were moved to the front.</summary>
    private int Process(int length, long now)
    {
        Span<byte> data = _buffer.Span[..length];
        ReadOnlySpan<byte> rest = data;
        LineSink sink = Sink!;
        sink.BeginBatch(now);
        while (true)
        {
            if (!_framer.IsSkipping)
            {
                int whole = sink.TryReadMessage(rest, now);
                if (whole > 0)
                {
                    rest = rest[whole..];
                    continue;
                }
            }

            OperationStatus status = _framer.TryReadLine(rest, out ReadOnlySpan<byte> line, out int consumed);
            rest = rest[consumed..];
            if (status == OperationStatus.Done)
            {
                sink.OnLine(line, now);
            }
            else if (status == OperationStatus.InvalidData)
            {
                sink.OnOverlongLine();
            }
            else
            {
                break;
            }
        }

        sink.EndBatch(now);
        rest.CopyTo(data);
        return rest.Length;
    }

    /// <summary>Sends all of <paramref name="data"/> (loops on partial sends), after any send in progress.</summary>
    public async ValueTask SendAsync(ReadOnlyMemory<byte> data, CancellationToken ct = default)
    {
        await _sendGate.WaitAsync(ct);
        try
        {
            while (!data.IsEmpty)
            {
                int n = await Socket.SendAsync(data, SocketFlags.None, ct);
                data = data[n..];
            }
        }
        finally
        {
            _sendGate.Release();
        }
    }

    /// <summary>Sends all of <paramref name="buffer"/>[<paramref name="offset"/>..+<paramref name="count"/>]
    /// with blocking sends (the open-model scheduler thread), after any send in progress.</summary>
    public void Send(byte[] buffer, int offset, int count)
    {
        _sendGate.Wait();
        try
        {
            int end = offset + count;
            while (offset < end)
            {
                offset += Socket.Send(buffer, offset, end - offset, SocketFlags.None);
            }
        }
        finally
        {
            _sendGate.Release();
        }
    }

    /// <summary>Sends a rare control reply (NATS PONG) without awaiting it.</summary>
    public void Post(byte[] data) => _ = PostAsync(data);

    /// <summary>
    /// Answers the server's <c>PING &lt;token&gt;</c> with <c>/pong &lt;token&gt;</c> (docs/PROTOCOL.md
    /// section 11) without blocking the receive loop; not a chat message, so nothing counts it as one.
    /// </summary>
    public void AnswerPing(ReadOnlySpan<byte> token)
    {
        byte[] line = new byte[7 + token.Length];
        "/pong "u8.CopyTo(line);
        token.CopyTo(line.AsSpan(6));
        line[^1] = (byte)'\n';
        Interlocked.Increment(ref _pongs);
        Post(line);
    }

    private async Task PostAsync(byte[] data)
    {
        try
        {
            await SendAsync(data);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // The connection is ending; its receive loop reports why.
        }
    }

    public void MarkClosed(string reason)
    {
        if (Interlocked.Exchange(ref _closed, 1) == 0)
        {
            ClosedAtTicks = Stopwatch.GetTimestamp();
            CloseReason ??= reason;
            _handshake.TrySetResult(ConnectOutcome.Failed);
        }
    }

    /// <summary>Records why the server is about to close us (BYE reason, FULL) before the EOF arrives.</summary>
    public void SetCloseReason(string reason) => CloseReason ??= reason;

    public void Dispose()
    {
        MarkClosed("closed-by-tool");
        Socket.Dispose();
        _resume?.Set();
    }
}
