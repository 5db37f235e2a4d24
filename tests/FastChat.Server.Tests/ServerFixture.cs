using System.Net;
using FastChat.Server.Internal;

namespace FastChat.Server.Tests;

/// <summary>An in-process server on a free loopback port.</summary>
internal sealed class ServerFixture : IAsyncDisposable
{
    private ServerFixture(ChatServer server, IPEndPoint endPoint)
    {
        Server = server;
        EndPoint = endPoint;
    }

    public ChatServer Server { get; }

    public IPEndPoint EndPoint { get; }

    internal ServerContext Context => Server.Context;

    /// <summary>
    /// A server whose per-client limits are off (per-address cap, flood control, PINGs), so tests of
    /// other behaviour can open many loopback clients and send fast; the limits' own tests turn them
    /// on in <paramref name="configure"/> and usually pass a fake clock.
    /// </summary>
    public static ServerFixture Start(Action<ChatServerOptions>? configure = null, TimeProvider? time = null)
    {
        var options = new ChatServerOptions
        {
            Port = 0,
            StatsInterval = TimeSpan.Zero,
            DrainTimeout = TimeSpan.FromSeconds(10),
            MaxClientsPerAddress = 0,
            MaxLinesPerSecond = 0,
            RegistrationTimeout = TimeSpan.Zero,
            IdleTimeout = TimeSpan.Zero,
        };
        configure?.Invoke(options);
        var server = new ChatServer(options, timeProvider: time);
        return new ServerFixture(server, server.Start());
    }

    public Task<TestClient> JoinAsync() => TestClient.JoinAsync(EndPoint);

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

    public ValueTask DisposeAsync() => Server.DisposeAsync();
}
