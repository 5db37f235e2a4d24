using System.Net.Sockets;

namespace FastChat.Server.Tests;

/// <summary>Many concurrent clients on one server.</summary>
public class ScaleTests
{
    [Fact]
    public async Task Two_thousand_concurrent_clients_all_join_and_all_receive_a_broadcast()
    {
        const int count = 2000;
        await using var server = ServerFixture.Start();
        var clients = new List<TestClient>(count);
        try
        {
            using var gate = new SemaphoreSlim(200);
            TestClient[] joined = await Task.WhenAll(Enumerable.Range(0, count).Select(async _ =>
            {
                await gate.WaitAsync();
                try
                {
                    TestClient client = await TestClient.ConnectAsync(server.EndPoint);
                    await client.ReadWelcomeAsync();
                    return client;
                }
                finally
                {
                    gate.Release();
                }
            }));
            clients.AddRange(joined);
            Assert.Equal(count, server.Server.MemberCount);

            await clients[^1].SendAsync("to everyone\n");
            string expected = $"MSG {clients[^1].Id} to everyone";
            await Task.WhenAll(clients.Select(c => c.ReadUntilAsync(l => l.StartsWith("MSG ", StringComparison.Ordinal))
                .ContinueWith(t => Assert.Equal(expected, t.Result[^1]), TaskScheduler.Default)));
        }
        finally
        {
            foreach (TestClient client in clients)
            {
                await client.DisposeAsync();
            }
        }
    }
}
