using System.Net;
using System.Net.Sockets;

namespace FastChat.Client.Tests.Infrastructure;

/// <summary>
/// A port where connecting hangs, like a dead host: a listener that never accepts, its queue full, so
/// Linux drops further SYNs and the next connect waits for its own timeout.
/// </summary>
internal sealed class HungListener : IDisposable
{
    private readonly Socket _listener = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    private readonly List<Socket> _fillers = [];

    private HungListener()
    {
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen(0);
    }

    public int Port => ((IPEndPoint)_listener.LocalEndPoint!).Port;

    public static async Task<HungListener> StartAsync()
    {
        var hung = new HungListener();
        while (true)
        {
            var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            hung._fillers.Add(s);
            using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
            try
            {
                await s.ConnectAsync(new IPEndPoint(IPAddress.Loopback, hung.Port), cts.Token);
            }
            catch (OperationCanceledException)
            {
                return hung; // the queue is full: this connect hung
            }

            if (hung._fillers.Count >= 64)
            {
                hung.Dispose();
                throw new InvalidOperationException("the accept queue never filled");
            }
        }
    }

    public void Dispose()
    {
        _fillers.ForEach(f => f.Dispose());
        _listener.Dispose();
    }
}
