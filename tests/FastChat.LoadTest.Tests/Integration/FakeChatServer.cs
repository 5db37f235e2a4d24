using System.Net;
using System.Net.Sockets;
using System.Text;

namespace FastChat.LoadTest.Tests.Integration;

/// <summary>
/// A deliberately simple FastChat look-alike for the verifier: faults injected on chosen members (a
/// broadcast dropped, duplicated or swapped), optional PINGs and a per-address cap, remote addresses kept.
/// </summary>
internal sealed class FakeChatServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly List<(int Id, NetworkStream Stream)> _members = [];
    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _tasks = [];
    private byte[]? _heldBack;
    private readonly Dictionary<IPAddress, int> _perAddress = [];
    private readonly List<TcpClient> _refused = [];
    private int _nextId = 1;
    private long _broadcasts;
    private long _nextToken = 1;

    /// <summary>Member (by join order, 0-based) that misses broadcast <see cref="DropAt"/>.</summary>
    public int DropMember { get; init; } = -1;

    public long DropAt { get; init; } = -1;

    /// <summary>Member that gets broadcast <see cref="DuplicateAt"/> twice.</summary>
    public int DuplicateMember { get; init; } = -1;

    public long DuplicateAt { get; init; } = -1;

    /// <summary>Member that gets broadcast <see cref="ReorderAt"/> after the next one.</summary>
    public int ReorderMember { get; init; } = -1;

    public long ReorderAt { get; init; } = -1;

    /// <summary>Sends every member <c>PING &lt;token&gt;</c> this often (null: never).</summary>
    public TimeSpan? PingEvery { get; init; }

    /// <summary>Connections one remote address may hold; the next get <c>FULL &lt;n&gt; per-address</c> (0: no cap).</summary>
    public int MaxPerAddress { get; init; }

    /// <summary>Tokens of the PINGs sent, per member id.</summary>
    public Dictionary<int, List<string>> PingsSent { get; } = [];

    /// <summary>Tokens of the <c>/pong</c> lines received, per member id.</summary>
    public Dictionary<int, List<string>> Pongs { get; } = [];

    /// <summary>The remote address of every accepted connection, refused ones included.</summary>
    public List<IPAddress> RemoteAddresses { get; } = [];

    public IPEndPoint Start()
    {
        _listener.Start();
        _tasks.Add(AcceptLoopAsync());
        if (PingEvery is TimeSpan every)
        {
            _tasks.Add(PingLoopAsync(every));
        }

        return (IPEndPoint)_listener.LocalEndpoint;
    }

    /// <summary>Snapshot of PINGs sent and pongs received, taken under the server's lock.</summary>
    public (int Pings, int Pongs, int Matched) PingCounts()
    {
        lock (_gate)
        {
            int pings = PingsSent.Values.Sum(l => l.Count);
            int pongs = Pongs.Values.Sum(l => l.Count);
            int matched = Pongs.Sum(kv => kv.Value.Count(t => PingsSent.TryGetValue(kv.Key, out List<string>? sent) && sent.Contains(t)));
            return (pings, pongs, matched);
        }
    }

    private async Task PingLoopAsync(TimeSpan every)
    {
        using var timer = new PeriodicTimer(every);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token))
            {
                lock (_gate)
                {
                    foreach ((int id, NetworkStream stream) in _members)
                    {
                        string token = (_nextToken++).ToString(System.Globalization.CultureInfo.InvariantCulture);
                        try
                        {
                            stream.Write(Encoding.ASCII.GetBytes($"PING {token}\r\n"));
                            (PingsSent.TryGetValue(id, out List<string>? l) ? l : PingsSent[id] = []).Add(token);
                        }
                        catch (IOException)
                        {
                        }
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
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
                IPAddress remote = ((IPEndPoint)client.Client.RemoteEndPoint!).Address;
                lock (_gate)
                {
                    RemoteAddresses.Add(remote);
                    int held = _perAddress.GetValueOrDefault(remote);
                    if (MaxPerAddress > 0 && held >= MaxPerAddress)
                    {
                        stream.Write(Encoding.ASCII.GetBytes($"FULL {MaxPerAddress} per-address\r\n"));
                        client.Client.Shutdown(SocketShutdown.Send);
                        _refused.Add(client);
                        continue;
                    }

                    _perAddress[remote] = held + 1;
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
                if (line.StartsWith("/pong ", StringComparison.Ordinal))
                {
                    lock (_gate)
                    {
                        (Pongs.TryGetValue(id, out List<string>? l) ? l : Pongs[id] = []).Add(line[6..]);
                    }

                    continue;
                }

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

            foreach (TcpClient c in _refused)
            {
                c.Dispose();
            }
        }

        await Task.WhenAll(_tasks).WaitAsync(TimeSpan.FromSeconds(5)).ContinueWith(_ => { }, TaskScheduler.Default);
        _stop.Dispose();
    }
}
