using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using FastChat.LoadTest.Internal;

namespace FastChat.LoadTest.Tests.Unit;

/// <summary>The receive-side parsers of the three targets, fed every split of a byte stream.</summary>
public class TargetParsingTests
{
    private static string Payload(int sender, long seq) =>
        Encoding.ASCII.GetString(PayloadBytes(sender, seq));

    private static byte[] PayloadBytes(int sender, long seq)
    {
        byte[] b = new byte[64];
        int n = PayloadCodec.Write(b, 32, 1000 + seq, sender, seq, 0);
        return b[..n];
    }

    public static TheoryData<string> Kinds => ["FastChat", "Redis", "Nats"];

    private static string Stream(TargetKind kind) => kind switch
    {
        TargetKind.Redis => "*3\r\n$9\r\nsubscribe\r\n$4\r\nchat\r\n:1\r\n" + string.Concat(Enumerable.Range(0, 6).Select(i =>
            $"*3\r\n$7\r\nmessage\r\n$4\r\nchat\r\n${Payload(i % 2, i / 2).Length}\r\n{Payload(i % 2, i / 2)}\r\n")),
        TargetKind.Nats => "INFO {\"server_id\":\"x\"}\r\nPONG\r\n" + string.Concat(Enumerable.Range(0, 6).Select(i =>
            $"MSG chat 1 {Payload(i % 2, i / 2).Length}\r\n{Payload(i % 2, i / 2)}\r\n")),
        _ => "WELCOME 7\r\nUSERS 7\r\nJOIN 8\r\n" + string.Concat(Enumerable.Range(0, 6).Select(i => $"MSG 3 {Payload(i % 2, i / 2)}\r\n")) + "LEAVE 8\r\n",
    };

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task Every_message_is_verified_whatever_the_read_boundaries(string kindName)
    {
        TargetKind kind = Enum.Parse<TargetKind>(kindName);
        byte[] stream = Encoding.ASCII.GetBytes(Stream(kind));
        for (int split = 1; split < stream.Length; split++)
        {
            using var run = new FanoutRunState(2, 4);
            run.Epoch = 1;
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            var connection = new ClientConnection(0, socket, new byte[4096], 4096);
            var receiver = new FanoutReceiver(run, connection, 0, verifies: true);
            connection.Sink = FanoutTarget.Create(kind, "chat").CreateReceiver(receiver);

            int held = connection.Feed(stream.AsSpan(0, split), 0, Stopwatch.GetTimestamp());
            held = connection.Feed(stream.AsSpan(split), held, Stopwatch.GetTimestamp());

            Assert.Equal(0, held);
            Assert.Equal(6, receiver.Verifier!.Received);
            Assert.True(receiver.Verifier.HasAll([3, 3]), $"split {split}");
            Assert.Equal(0, receiver.Verifier.Gaps + receiver.Verifier.Duplicates + receiver.ForeignMessages + receiver.UnknownLines);
            Assert.Equal(TaskStatus.RanToCompletion, connection.Handshake.Status);
            Assert.Equal(ConnectOutcome.Ready, await connection.Handshake);
        }
    }

    [Fact]
    public void Publishes_are_framed_as_each_protocol_expects()
    {
        byte[] payload = PayloadBytes(1, 2);
        string p = Encoding.ASCII.GetString(payload);
        byte[] buffer = new byte[256];
        string Frame(TargetKind k) => Encoding.ASCII.GetString(buffer, 0, FanoutTarget.Create(k, "chat").WriteMessage(buffer, payload));

        Assert.Equal(p + "\n", Frame(TargetKind.FastChat));
        Assert.Equal($"*3\r\n$7\r\nPUBLISH\r\n$4\r\nchat\r\n${p.Length}\r\n{p}\r\n", Frame(TargetKind.Redis));
        Assert.Equal($"PUB chat {p.Length}\r\n{p}\r\n", Frame(TargetKind.Nats));
    }
}
