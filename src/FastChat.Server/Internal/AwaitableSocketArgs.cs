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
/// Execution context is not flowed (<c>unsafeSuppressExecutionContextFlow: true</c>): no
/// AsyncLocal state matters here and capturing it costs an allocation per operation.
/// </remarks>
internal class AwaitableSocketArgs : SocketAsyncEventArgs, IValueTaskSource<int>
{
    private ManualResetValueTaskSourceCore<int> _source;

    public AwaitableSocketArgs()
        : base(unsafeSuppressExecutionContextFlow: true)
    {
        // Continuations run inline on the completing thread: on Linux that is already a thread-pool
        // thread (the socket engine dispatches completions), so a second hop would only add latency.
        _source.RunContinuationsAsynchronously = false;
    }

    /// <summary>Starts waiting; call before issuing the socket operation.</summary>
    protected void Prepare() => _source.Reset();

    /// <summary>Result of a synchronously completed operation, or the pending awaitable.</summary>
    protected ValueTask<int> Complete(bool pending)
    {
        if (pending)
        {
            return new ValueTask<int>(this, _source.Version);
        }

        return SocketError == SocketError.Success
            ? new ValueTask<int>(BytesTransferred)
            : ValueTask.FromException<int>(CreateException(SocketError));
    }

    protected override void OnCompleted(SocketAsyncEventArgs e)
    {
        if (SocketError == SocketError.Success)
        {
            _source.SetResult(BytesTransferred);
        }
        else
        {
            _source.SetException(CreateException(SocketError));
        }
    }

    int IValueTaskSource<int>.GetResult(short token) => _source.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<int>.GetStatus(short token) => _source.GetStatus(token);

    void IValueTaskSource<int>.OnCompleted(Action<object?> continuation, object? state, short token,
        ValueTaskSourceOnCompletedFlags flags) => _source.OnCompleted(continuation, state, token, flags);

    // Errors are rare (they end the connection), so an exception per error is acceptable; the
    // connection classifies it into one close reason (CloseReasons.FromException).
    private static SocketException CreateException(SocketError error) => new((int)error);
}

/// <summary>The receive role: a zero-byte wait, then a receive into a rented block.</summary>
internal sealed class ReceiveArgs : AwaitableSocketArgs
{
    /// <summary>
    /// Completes when data (or EOF) is available without holding a buffer: idle connections
    /// then hold no receive memory at all (Kestrel's WaitForDataBeforeAllocatingBuffer).
    /// </summary>
    public ValueTask<int> WaitForDataAsync(Socket socket)
    {
        Prepare();
        SetBuffer(Memory<byte>.Empty);
        return Complete(socket.ReceiveAsync(this));
    }

    public ValueTask<int> ReceiveAsync(Socket socket, Memory<byte> buffer)
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
    public ValueTask<int> SendAsync(Socket socket, ReadOnlyMemory<byte> buffer)
    {
        Prepare();
        SetBuffer(System.Runtime.InteropServices.MemoryMarshal.AsMemory(buffer));
        return Complete(socket.SendAsync(this));
    }

    public void Clear() => SetBuffer(Memory<byte>.Empty);
}
