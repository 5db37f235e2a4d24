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

    public static ServerFixture Start(Action<ChatServerOptions>? configure = null)
    {
        var options = new ChatServerOptions { Port = 0, StatsInterval = TimeSpan.Zero, DrainTimeout = TimeSpan.FromSeconds(10) };
        configure?.Invoke(options);
        var server = new ChatServer(options);
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
