using System.Net;
using System.Net.Sockets;
using System.Text;

namespace FastChat.Client.Tests.Infrastructure;

/// <summary>
/// A scripted stand-in for the server: one accepted connection, raw bytes out, lines in. Lets the
/// library be tested against exact byte sequences (splits, resets) the real server never produces.
/// </summary>
internal sealed class FakeServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private Socket? _peer;
    private readonly byte[] _buffer = new byte[4096];
    private int _filled;

    public FakeServer() => _listener.Start();

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public async Task<Socket> AcceptAsync()
    {
        _peer = await _listener.AcceptSocketAsync(TestContext.Current.CancellationToken).AsTask().WaitAsync(Timeouts.Short);
        _peer.NoDelay = true;
        return _peer;
    }

    public async Task SendAsync(string text)
    {
        byte[] bytes = Encoding.ASCII.GetBytes(text);
        int sent = 0;
        while (sent < bytes.Length)
        {
            sent += await _peer!.SendAsync(bytes.AsMemory(sent), TestContext.Current.CancellationToken).AsTask().WaitAsync(Timeouts.Short);
        }
    }

    /// <summary>Sends <paramref name="text"/> one byte per send, so the client sees every split point.</summary>
    public async Task SendBytewiseAsync(string text)
    {
        foreach (byte b in Encoding.ASCII.GetBytes(text))
        {
            await _peer!.SendAsync(new[] { b }, TestContext.Current.CancellationToken).AsTask().WaitAsync(Timeouts.Short);
        }
    }

    /// <summary>The next raw line the client sent, LF included.</summary>
    public async Task<string> ReadLineAsync()
    {
        while (true)
        {
            int lf = Array.IndexOf(_buffer, (byte)'\n', 0, _filled);
            if (lf >= 0)
            {
                string line = Encoding.Latin1.GetString(_buffer, 0, lf + 1);
                Array.Copy(_buffer, lf + 1, _buffer, 0, _filled - lf - 1);
                _filled -= lf + 1;
                return line;
            }

            int n = await _peer!.ReceiveAsync(_buffer.AsMemory(_filled), TestContext.Current.CancellationToken).AsTask().WaitAsync(Timeouts.Short);
            if (n == 0)
            {
                throw new EndOfStreamException("client closed");
            }

            _filled += n;
        }
    }

    /// <summary>Closes with a FIN.</summary>
    public void Close()
    {
        _peer!.Shutdown(SocketShutdown.Both);
        _peer.Dispose();
    }

    /// <summary>Closes with an RST (SO_LINGER 0).</summary>
    public void Reset()
    {
        _peer!.LingerState = new LingerOption(true, 0);
        _peer.Dispose();
    }

    public ValueTask DisposeAsync()
    {
        _peer?.Dispose();
        _listener.Stop();
        _listener.Dispose();
        return ValueTask.CompletedTask;
    }
}
