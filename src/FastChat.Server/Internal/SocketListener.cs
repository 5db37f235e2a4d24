using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace FastChat.Server.Internal;

/// <summary>The accept role: one listening socket and one reusable accept SAEA.</summary>
internal sealed class SocketListener : IDisposable
{
    private readonly Socket _socket;
    private readonly AcceptArgs _args = new();
    private readonly ILogger _logger;

    public SocketListener(IPEndPoint endPoint, int backlog, ILogger logger)
    {
        _logger = logger;
        _socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        if (endPoint.AddressFamily == AddressFamily.InterNetworkV6 && endPoint.Address.Equals(IPAddress.IPv6Any))
        {
            _socket.DualMode = true; // "::" accepts IPv4 too
        }

        try
        {
            _socket.Bind(endPoint);
            _socket.Listen(backlog);
        }
        catch
        {
            _socket.Dispose();
            throw;
        }

        LocalEndPoint = (IPEndPoint)_socket.LocalEndPoint!;
    }

    public IPEndPoint LocalEndPoint { get; }

    /// <summary>Accepts until disposed; each accepted socket goes to <paramref name="onAccepted"/>.</summary>
    public async Task RunAsync(Action<Socket> onAccepted)
    {
        while (true)
        {
            SocketResult result;
            try
            {
                result = await _args.AcceptAsync(_socket);
            }
            catch (ObjectDisposedException)
            {
                return; // stopped before the accept could start
            }

            if (result.Error is SocketError.OperationAborted or SocketError.Interrupted)
            {
                return; // stopped
            }

            if (!result.Succeeded)
            {
                // Transient (ECONNABORTED, EMFILE...): log and keep accepting; the kernel keeps the
                // queue, so a short pause avoids spinning while out of file descriptors.
                Log.AcceptFailed(_logger, result.Error);
                await Task.Delay(10);
                continue;
            }

            Socket accepted = _args.TakeSocket();
            try
            {
                onAccepted(accepted);
            }
            catch (Exception ex)
            {
                Log.AcceptFailed(_logger, ex);
                accepted.Dispose();
            }
        }
    }

    public void Dispose()
    {
        _socket.Dispose();
        _args.Dispose();
    }

    // Accepting runs on the thread pool, not inline on the socket engine thread that runs every
    // receive and send: admitting a member is O(members) (its USERS line), and a storm of 10 000
    // connects took 3.1-3.5 s with the accept loop on the engine thread against 2.0-2.4 s with the
    // thread pool (C harness, 2 cores, 2026-11-26). After a pending accept the loop continues on a
    // pool thread, accepting synchronously while the kernel's queue has connections.
    private sealed class AcceptArgs() : AwaitableSocketArgs(runContinuationsAsynchronously: true)
    {
        public ValueTask<SocketResult> AcceptAsync(Socket listener)
        {
            Prepare();
            AcceptSocket = null;
            return Complete(listener.AcceptAsync(this));
        }

        public Socket TakeSocket()
        {
            Socket accepted = AcceptSocket!;
            AcceptSocket = null;
            return accepted;
        }
    }
}
