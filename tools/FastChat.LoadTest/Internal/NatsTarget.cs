using System.Text;

namespace FastChat.LoadTest.Internal;

/// <summary>Core NATS text protocol: <c>SUB chat 1</c>, <c>PUB chat &lt;len&gt;</c>, <c>MSG chat 1 &lt;len&gt;</c> + payload line.</summary>
internal sealed class NatsTarget(string channel) : FanoutTarget(channel)
{
    private static readonly byte[] s_pong = "PONG\r\n"u8.ToArray();

    public override bool SendersAreMembers => false;

    public override byte[] ReceiverHello => Encoding.ASCII.GetBytes(
        $"CONNECT {{\"verbose\":false,\"pedantic\":false}}\r\nSUB {Encoding.ASCII.GetString(Channel)} 1\r\nPING\r\n");

    public override byte[] SenderHello => "CONNECT {\"verbose\":false,\"pedantic\":false}\r\nPING\r\n"u8.ToArray();

    public override int FramingOverhead => 20 + Channel.Length;

    public override LineSink CreateReceiver(FanoutReceiver receiver) => new Sink(receiver, isReceiver: true);

    public override LineSink CreateSenderOnly(FanoutReceiver state) => new Sink(state, isReceiver: false);

    // PUB <subject> <len>\r\n<payload>\r\n
    protected override int Frame(FrameWriter w, ReadOnlySpan<byte> payload)
    {
        w.Append("PUB "u8);
        w.Append(Channel);
        w.Append((byte)' ');
        w.Append(payload.Length);
        w.Append("\r\n"u8);
        w.Append(payload);
        w.Append("\r\n"u8);
        return w.Length;
    }

    private sealed class Sink(FanoutReceiver r, bool isReceiver) : ReceiverSink(r)
    {
        private bool _payloadNext;

        public override void OnLine(ReadOnlySpan<byte> line, long nowTicks)
        {
            if (_payloadNext)
            {
                _payloadNext = false;
                Receiver.OnPayload(line, nowTicks);
                return;
            }

            if (line.StartsWith("MSG "u8))
            {
                _payloadNext = isReceiver;
            }
            else if (line.SequenceEqual("PONG"u8))
            {
                Receiver.Connection.CompleteHandshake(ConnectOutcome.Ready);
            }
            else if (line.SequenceEqual("PING"u8))
            {
                Receiver.Connection.Post(s_pong);
            }
            else if (line.StartsWith("-ERR"u8))
            {
                Receiver.ServerErrors++;
            }
        }
    }
}
