using System.Net.Sockets;

namespace FastChat.Server.Internal;

/// <summary>
/// Counts the sockets the server holds (members, connections closing, refused ones in their grace
/// period) against its file-descriptor budget, and wakes a paused accept loop as soon as one closes.
/// </summary>
internal sealed class AcceptGate
{
    private int _open;
    private TaskCompletionSource? _freed;

    public AcceptGate(int budget) => Budget = budget;

    /// <summary>Sockets the server may hold at once (<see cref="FileDescriptors.SocketBudget"/>).</summary>
    public int Budget { get; }

    /// <summary>Accepted sockets not yet closed.</summary>
    public int Open => Volatile.Read(ref _open);

    public bool HasRoom => Open < Budget;

    /// <summary>Counts an accepted socket; every one must end in <see cref="Close"/>.</summary>
    public void Opened() => Interlocked.Increment(ref _open);

    /// <summary>Disposes an accepted socket and gives its descriptor back to the budget.</summary>
    public void Close(Socket socket)
    {
        socket.Dispose();
        Interlocked.Decrement(ref _open);
        Volatile.Read(ref _freed)?.TrySetResult();
    }

    /// <summary>Completes when a socket closes after this call (or at once if there is room now).</summary>
    public Task WhenRoomAsync()
    {
        var freed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Volatile.Write(ref _freed, freed);
        if (HasRoom)
        {
            freed.TrySetResult();
        }

        return freed.Task;
    }
}
