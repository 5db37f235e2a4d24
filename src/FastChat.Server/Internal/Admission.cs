using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace FastChat.Server.Internal;

/// <summary>
/// Decides what an accepted socket becomes: a member (WELCOME and its loops), or a connection refused
/// with <c>FULL</c> (the room is full, or its address holds its limit), or nothing (shutdown).
/// </summary>
internal sealed class Admission(
    IRoom room,
    AcceptGate gate,
    AddressLimiter addresses,
    ConnectionRegistry registry,
    ServerPools pools,
    OutputTotals totals,
    ConnectionLimits limits,
    ServerCounters counters,
    Lingerer linger,
    TimeProvider time,
    ILogger logger)
{
    private readonly Rejections _rejections = new(gate, linger, counters);

    /// <summary>Admits or refuses one accepted socket (already counted by <see cref="AcceptGate.Opened"/>).</summary>
    public void Admit(Socket socket)
    {
        counters.Accepted();
        EndPoint? remote;
        try
        {
            socket.NoDelay = true; // we coalesce ourselves: one send per member per batch
            remote = socket.RemoteEndPoint;
        }
        catch (SocketException)
        {
            gate.Close(socket); // reset while it waited in the accept queue: nothing to say
            return;
        }

        if (room.IsClosed)
        {
            counters.Rejected(RejectReason.Shutdown);
            gate.Close(socket);
            return;
        }

        // Cheap pre-check, so a storm of refused connections allocates no member state.
        if (room.MemberCount >= room.MaxMembers)
        {
            RefuseFull(socket, remote);
            return;
        }

        UInt128 key = remote is IPEndPoint ip ? AddressLimiter.KeyOf(ip.Address) : 0;
        if (!addresses.TryAcquire(key, out bool firstRefusal))
        {
            if (firstRefusal)
            {
                Log.RejectedPerAddress(logger, remote, addresses.Max);
            }

            _rejections.Refuse(socket, RejectReason.PerAddress, addresses.Max);
            return;
        }

        var lease = new ConnectionLease(gate, addresses, key);
        var connection = new Connection(socket, remote, lease, room, pools, totals, limits, counters, linger, time, registry, logger);
        registry.Track(connection);
        ValueTask<JoinResult> join = room.JoinAsync(connection.Member);
        if (join.IsCompletedSuccessfully)
        {
            Joined(connection, socket, remote, lease, join.Result); // the room decides at once: no task
        }
        else
        {
            _ = JoinedAsync(connection, socket, remote, lease, join);
        }
    }

    private async Task JoinedAsync(Connection connection, Socket socket, EndPoint? remote, ConnectionLease lease, ValueTask<JoinResult> join)
    {
        JoinResult result;
        try
        {
            result = await join;
        }
        catch (Exception ex)
        {
            Log.AcceptFailed(logger, ex);
            result = JoinResult.Unavailable;
        }

        Joined(connection, socket, remote, lease, result);
    }

    private void Joined(Connection connection, Socket socket, EndPoint? remote, ConnectionLease lease, JoinResult result)
    {
        switch (result)
        {
            case JoinResult.Joined:
                counters.Joined();
                Log.Joined(logger, connection.Member, remote, room.MemberCount);
                connection.Start();
                break;
            case JoinResult.Full:
                registry.Untrack(connection);
                lease.ReleaseAddress();
                RefuseFull(socket, remote);
                break;
            case JoinResult.Unavailable:
                registry.Untrack(connection);
                lease.ReleaseAddress();
                Log.Rejected(logger, remote, "unavailable");
                _rejections.Refuse(socket, RejectReason.Unavailable, room.MaxMembers);
                break;
            default:
                registry.Untrack(connection);
                lease.ReleaseAddress();
                counters.Rejected(RejectReason.Shutdown);
                gate.Close(socket);
                break;
        }
    }

    private void RefuseFull(Socket socket, EndPoint? remote)
    {
        Log.Rejected(logger, remote, "full");
        _rejections.Refuse(socket, RejectReason.Full, room.MaxMembers);
    }
}

/// <summary>What an admitted connection holds of the server's limits: its descriptor and its address's slot.</summary>
internal readonly struct ConnectionLease(AcceptGate gate, AddressLimiter addresses, UInt128 address)
{
    public void CloseSocket(Socket socket) => gate.Close(socket);

    public void ReleaseAddress() => addresses.Release(address);
}
