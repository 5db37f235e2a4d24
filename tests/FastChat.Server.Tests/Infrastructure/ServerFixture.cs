using System.Net;
using FastChat.Server.Internal;

namespace FastChat.Server.Tests;

/// <summary>An in-process server on a free loopback port.</summary>
internal sealed class ServerFixture : IAsyncDisposable
{
    private readonly Microsoft.Extensions.Time.Testing.FakeTimeProvider? _fakeTime;

    private ServerFixture(ChatServer server, IPEndPoint endPoint, TimeProvider? time)
    {
        Server = server;
        EndPoint = endPoint;
        _fakeTime = time as Microsoft.Extensions.Time.Testing.FakeTimeProvider;
    }

    public ChatServer Server { get; }

    public IPEndPoint EndPoint { get; }

    internal ServerCounters Counters => Server.Counters;

    internal ServerPools Pools => Server.Pools;

    internal ConnectionRegistry Connections => Server.Connections;

    /// <summary>Connections whose loops have not both ended (members and leaving ones).</summary>
    internal int LiveConnections => Server.Connections.Count;

    /// <summary>
    /// A server whose per-client limits are off (per-address cap, flood control, PINGs), so tests of
    /// other behaviour can open many loopback clients and send fast; the limits' own tests turn them
    /// on in <paramref name="configure"/> and usually pass a fake clock.
    /// </summary>
    public static ServerFixture Start(Action<ChatServerOptions>? configure = null, TimeProvider? time = null)
    {
        ChatServerOptions options = TestServerOptions.LimitsOff();
        configure?.Invoke(options);
        var server = new ChatServer(options, timeProvider: time);
        return new ServerFixture(server, server.Start(), time);
    }

    public Task<TestClient> JoinAsync() => TestClient.JoinAsync(EndPoint);

    /// <summary>Waits until the server has applied <paramref name="bytes"/> bytes from the member with this id.</summary>
    public Task WaitUntilAppliedAsync(string? id, long bytes) =>
        WaitUntilAsync(() => Server.Connections.Connections.Any(c => c.Member.ToString() == id && c.BytesApplied >= bytes),
            $"member {id} had {bytes} bytes applied");

    public async Task<TestClient[]> JoinManyAsync(int count)
    {
        var clients = new TestClient[count];
        for (int i = 0; i < count; i++)
        {
            clients[i] = await JoinAsync();
        }

        // Let everybody see every JOIN so later reads start from a known point.
        foreach (TestClient client in clients)
        {
            await client.SyncAsync();
        }

        return clients;
    }

    /// <summary>Waits (bounded, polling a condition, not sleeping blindly) until the condition holds.</summary>
    public static async Task WaitUntilAsync(Func<bool> condition, string what, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TestClient.DefaultTimeout);
        while (!condition())
        {
            try
            {
                await Task.Delay(10, cts.Token);
            }
            catch (OperationCanceledException)
            {
                Assert.Fail($"Timed out waiting until {what}.");
            }
        }
    }

    /// <summary>
    /// Stops the server. On a fake clock the drain timeout and the close grace periods only pass
    /// when the clock moves, so it is moved on until the stop completes (a test that failed half-way
    /// may leave members that never read).
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        Task stop = Server.StopAsync();
        for (int i = 0; _fakeTime is not null && !stop.IsCompleted && i < 1000; i++)
        {
            _fakeTime.Advance(TimeSpan.FromMilliseconds(100));
            await Task.WhenAny(stop, Task.Delay(5));
        }

        await stop;
    }
}
