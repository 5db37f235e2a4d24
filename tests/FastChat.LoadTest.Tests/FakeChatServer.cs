using System.Net;
using System.Net.Sockets;
using System.Text;

namespace FastChat.LoadTest.Tests;

/// <summary>
/// A deliberately simple FastChat look-alike for verifier tests: WELCOME, USERS, JOIN, and every
/// chat line broadcast as MSG to every member, with injectable faults on chosen members: one
/// broadcast dropped, one duplicated, two consecutive broadcasts swapped.
/// </summary>
internal sealed class FakeChatServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly List<(int Id, NetworkStream Stream)> _members = [];
    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _tasks = [];
    private byte[]? _heldBack;
    private int _nextId = 1;
    private long _broadcasts;

    /// <summary>Member (by join order, 0-based) that misses broadcast <see cref="DropAt"/>.</summary>
    public int DropMember { get; init; } = -1;

    public long DropAt { get; init; } = -1;

    /// <summary>Member that gets broadcast <see cref="DuplicateAt"/> twice.</summary>
    public int DuplicateMember { get; init; } = -1;

    public long DuplicateAt { get; init; } = -1;

    /// <summary>Member that gets broadcast <see cref="ReorderAt"/> after the next one.</summary>
    public int ReorderMember { get; init; } = -1;

    public long ReorderAt { get; init; } = -1;

    public IPEndPoint Start()
    {
        _listener.Start();
        _tasks.Add(AcceptLoopAsync());
        return (IPEndPoint)_listener.LocalEndpoint;
    }

    private async Task AcceptLoopAsync()
    {
        try
        {
            while (true)
            {
                TcpClient client = await _listener.AcceptTcpClientAsync(_stop.Token);
                client.NoDelay = true;
                NetworkStream stream = client.GetStream();
                lock (_gate)
                {
                    int id = _nextId++;
                    foreach ((_, NetworkStream other) in _members)
                    {
                        other.Write(Encoding.ASCII.GetBytes($"JOIN {id}\r\n"));
                    }

                    _members.Add((id, stream));
                    stream.Write(Encoding.ASCII.GetBytes($"WELCOME {id}\r\nUSERS {string.Join(' ', _members.Select(m => m.Id))}\r\n"));
                    _tasks.Add(ReadLoopAsync(id, stream));
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
    }

    private async Task ReadLoopAsync(int id, NetworkStream stream)
    {
        using var reader = new StreamReader(stream, Encoding.ASCII);
        try
        {
            while (await reader.ReadLineAsync(_stop.Token) is { } line)
            {
                Broadcast(Encoding.ASCII.GetBytes($"MSG {id} {line}\r\n"));
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or ObjectDisposedException)
        {
        }
    }

    private void Broadcast(byte[] line)
    {
        lock (_gate)
        {
            long n = _broadcasts++;
            for (int i = 0; i < _members.Count; i++)
            {
                NetworkStream s = _members[i].Stream;
                try
                {
                    if (i == DropMember && n == DropAt)
                    {
                        continue;
                    }

                    if (i == ReorderMember && n == ReorderAt)
                    {
                        _heldBack = line;
                        continue;
                    }

                    s.Write(line);
                    if (i == ReorderMember && n == ReorderAt + 1 && _heldBack is not null)
                    {
                        s.Write(_heldBack);
                    }

                    if (i == DuplicateMember && n == DuplicateAt)
                    {
                        s.Write(line);
                    }
                }
                catch (IOException)
                {
                }
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        lock (_gate)
        {
            foreach ((_, NetworkStream s) in _members)
            {
                s.Dispose();
            }
        }

        await Task.WhenAll(_tasks).WaitAsync(TimeSpan.FromSeconds(5)).ContinueWith(_ => { }, TaskScheduler.Default);
        _stop.Dispose();
    }
}
