using System.Net.Sockets;
using System.Threading.Tasks.Sources;

namespace FastChat.Server.Internal;

/// <summary>
/// A <see cref="SocketAsyncEventArgs"/> that is its own awaitable, as in Kestrel's
/// SocketAwaitableEventArgs: one object per I/O role, reused for the connection's lifetime and
/// pooled after it, so an awaited socket operation allocates nothing.
/// </summary>
/// <remarks>
/// Callers check <c>socket.XxxAsync(this)</c>: false means it completed synchronously and the
/// result is read at once (the caller's loop simply continues: no recursion); true means
/// <see cref="OnCompleted(SocketAsyncEventArgs)"/> will complete the awaiting ValueTask.
/// A socket error is a value (<see cref="SocketResult"/>), not an exception: a peer resetting is
/// an ordinary way for a connection to end, and thousands of clients dropping at once must not
/// cost one thrown exception each.
/// Execution context is not flowed (<c>unsafeSuppressExecutionContextFlow: true</c>): no
/// AsyncLocal state matters here and capturing it costs an allocation per operation.
/// </remarks>
internal class AwaitableSocketArgs : SocketAsyncEventArgs, IValueTaskSource<SocketResult>
{
    private ManualResetValueTaskSourceCore<SocketResult> _source;

    public AwaitableSocketArgs()
        : this(runContinuationsAsynchronously: false)
    {
    }

    /// <param name="runContinuationsAsynchronously">
    /// False (receive, send): the continuation runs inline on the completing thread, the socket
    /// engine's (the server runs socket completions inline, Program.cs), so no hop adds latency.
    /// True: it is queued to the thread pool instead (accept, see SocketListener).
    /// </param>
    protected AwaitableSocketArgs(bool runContinuationsAsynchronously)
        : base(unsafeSuppressExecutionContextFlow: true)
    {
        _source.RunContinuationsAsynchronously = runContinuationsAsynchronously;
    }

    /// <summary>Starts waiting; call before issuing the socket operation.</summary>
    protected void Prepare() => _source.Reset();

    /// <summary>Result of a synchronously completed operation, or the pending awaitable.</summary>
    protected ValueTask<SocketResult> Complete(bool pending) =>
        pending ? new ValueTask<SocketResult>(this, _source.Version) : new ValueTask<SocketResult>(Result);

    protected override void OnCompleted(SocketAsyncEventArgs e) => _source.SetResult(Result);

    private SocketResult Result => new(BytesTransferred, SocketError);

    SocketResult IValueTaskSource<SocketResult>.GetResult(short token) => _source.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<SocketResult>.GetStatus(short token) => _source.GetStatus(token);

    void IValueTaskSource<SocketResult>.OnCompleted(Action<object?> continuation, object? state, short token,
        ValueTaskSourceOnCompletedFlags flags) => _source.OnCompleted(continuation, state, token, flags);
}

/// <summary>What a socket operation did: bytes moved, or the error that ended it.</summary>
internal readonly record struct SocketResult(int BytesTransferred, SocketError Error)
{
    public bool Succeeded => Error == SocketError.Success;
}

/// <summary>The receive role: a zero-byte wait, then a receive into a rented block.</summary>
internal sealed class ReceiveArgs : AwaitableSocketArgs
{
    /// <summary>
    /// Completes when data (or EOF) is available without holding a buffer: idle connections
    /// then hold no receive memory at all (Kestrel's WaitForDataBeforeAllocatingBuffer).
    /// </summary>
    public ValueTask<SocketResult> WaitForDataAsync(Socket socket)
    {
        Prepare();
        SetBuffer(Memory<byte>.Empty);
        return Complete(socket.ReceiveAsync(this));
    }

    public ValueTask<SocketResult> ReceiveAsync(Socket socket, Memory<byte> buffer)
    {
        Prepare();
        SetBuffer(buffer);
        return Complete(socket.ReceiveAsync(this));
    }

    public void Clear() => SetBuffer(Memory<byte>.Empty);
}

/// <summary>The send role: one contiguous region of the broadcast log or of private output.</summary>
internal sealed class SendArgs : AwaitableSocketArgs
{
    public ValueTask<SocketResult> SendAsync(Socket socket, ReadOnlyMemory<byte> buffer)
    {
        Prepare();
        SetBuffer(System.Runtime.InteropServices.MemoryMarshal.AsMemory(buffer));
        return Complete(socket.SendAsync(this));
    }

    public void Clear() => SetBuffer(Memory<byte>.Empty);
}
