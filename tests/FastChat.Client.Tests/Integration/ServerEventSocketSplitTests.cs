using System.Net.Sockets;
using CsCheck;
using FastChat.Client.Tests.Infrastructure;
using static FastChat.Client.Tests.Infrastructure.ServerStreams;
using static FastChat.Tests.Shared.SplitGen;

namespace FastChat.Client.Tests.Integration;

/// <summary>The same through ChatClient's own receive loop, fed by a fake server over loopback.</summary>
public class ServerEventSocketSplitTests
{
    private static string PrintSocket((int Max, int BufferSize, byte[] Stream, int[] Chunks) t) =>
        $"max={t.Max} buffer={t.BufferSize} stream=\"{Escape(t.Stream)}\" chunks=[{string.Join(",", t.Chunks)}]";

    [Fact]
    public async Task A_real_client_turns_the_server_bytes_into_the_same_events_however_they_arrive()
    {
        // Through ChatClient's own receive loop: a receive buffer smaller than the lines forces
        // splits, growth and moving the unfinished line, on top of the sends the fake server makes.
        Gen<(int Max, int BufferSize, byte[] Stream, int[] Chunks)> gen =
            from max in MaxLineLength
            from bufferSize in Gen.Int[1, 48]
            from stream in ServerStream
            from chunks in Chunks(stream.Length)
            select (max, bufferSize, stream, chunks);

        await gen.SampleAsync(
            async (max, bufferSize, stream, chunks) =>
            {
                (List<string> expected, bool finalLineSeen) = Receive(max, stream, [stream.Length]);
                expected.Add(Describe(new DisconnectedEvent(
                    finalLineSeen ? DisconnectReason.Closed : DisconnectReason.ConnectionLost, SocketError.Success, T)));

                await using var server = new FakeServer();
                Task<Socket> accepted = server.AcceptAsync();
                var options = new ChatClientOptions { MaxLineLength = max, ReceiveBufferSize = bufferSize };
                await using ChatClient client = await ChatClient.ConnectAsync("127.0.0.1", server.Port, options).WaitAsync(Timeouts.Short);
                Socket peer = await accepted;
                int position = 0;
                foreach (int size in chunks)
                {
                    for (int sent = 0; sent < size;)
                    {
                        sent += await peer.SendAsync(stream.AsMemory(position + sent, size - sent)).AsTask().WaitAsync(Timeouts.Short);
                    }

                    position += size;
                }

                server.Close();
                (_, List<ChatEvent> seen) = await client.UntilAsync<DisconnectedEvent>();
                List<string> actual = [.. seen.Select(Describe)];
                Assert.True(expected.SequenceEqual(actual), $"expected: {Show(expected)}\nactual:   {Show(actual)}");
            },
            iter: 300,
            print: PrintSocket);
    }
}
