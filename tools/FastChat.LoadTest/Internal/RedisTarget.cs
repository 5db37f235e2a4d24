using System.Text;

namespace FastChat.LoadTest.Internal;

/// <summary>
/// Redis pub/sub over RESP2: receivers SUBSCRIBE and parse <c>*3 $7 message $n chan $len payload</c>
/// line by line (payloads never contain CR/LF); senders pipeline PUBLISH and count <c>:n</c> replies.
/// </summary>
internal sealed class RedisTarget(string channel) : FanoutTarget(channel)
{
    public override bool SendersAreMembers => false;

    public override byte[] ReceiverHello => Encoding.ASCII.GetBytes($"*2\r\n$9\r\nSUBSCRIBE\r\n${Channel.Length}\r\n{Encoding.ASCII.GetString(Channel)}\r\n");

    public override byte[] SenderHello => "*1\r\n$4\r\nPING\r\n"u8.ToArray();

    public override int FramingOverhead => 40 + Channel.Length;

    public override LineSink CreateReceiver(FanoutReceiver receiver) =>
        new MessageSink(receiver, Encoding.ASCII.GetBytes($"*3\r\n$7\r\nmessage\r\n${Channel.Length}\r\n{Encoding.ASCII.GetString(Channel)}\r\n$"));

    public override LineSink CreateSenderOnly(FanoutReceiver state) => new PublisherSink(state);

    // *3\r\n$7\r\nPUBLISH\r\n$<chlen>\r\n<ch>\r\n$<len>\r\n<payload>\r\n
    protected override int Frame(FrameWriter w, ReadOnlySpan<byte> payload)
    {
        w.Append("*3\r\n$7\r\nPUBLISH\r\n$"u8);
        w.Append(Channel.Length);
        w.Append("\r\n"u8);
        w.Append(Channel);
        w.Append("\r\n$"u8);
        w.Append(payload.Length);
        w.Append("\r\n"u8);
        w.Append(payload);
        w.Append("\r\n"u8);
        return w.Length;
    }

    private sealed class MessageSink(FanoutReceiver r, byte[] messagePrefix) : ReceiverSink(r)
    {
        private int _element = -1;
        private bool _isMessage;
        private bool _isSubscribe;

        // Fast path: a whole push message "*3 $7 message $<n> <channel> $<len> <payload>" in the
        // buffer is parsed in one go (one prefix compare instead of framing seven lines).
        public override int TryReadMessage(ReadOnlySpan<byte> data, long nowTicks)
        {
            if (!data.StartsWith(messagePrefix))
            {
                return 0;
            }

            int pos = messagePrefix.Length;
            int len = 0;
            int digits = 0;
            while (pos < data.Length && (uint)(data[pos] - '0') <= 9 && digits < 9)
            {
                len = (len * 10) + (data[pos++] - '0');
                digits++;
            }

            if (digits == 0 || pos + 2 + len + 2 > data.Length || data[pos] != '\r' || data[pos + 1] != '\n' ||
                data[pos + 2 + len] != '\r' || data[pos + 3 + len] != '\n')
            {
                return 0; // incomplete or unexpected: the line path decides
            }

            Receiver.OnPayload(data.Slice(pos + 2, len), nowTicks);
            return pos + 4 + len;
        }

        public override void OnLine(ReadOnlySpan<byte> line, long nowTicks)
        {
            if (line.IsEmpty)
            {
                return;
            }

            switch (line[0])
            {
                case (byte)'*':
                    _element = 0;
                    _isMessage = _isSubscribe = false;
                    return;
                case (byte)'$':
                    return; // bulk length header: the next line is the element
                case (byte)'-':
                    Receiver.ServerErrors++;
                    return;
                default:
                    break;
            }

            switch (_element)
            {
                case 0:
                    _isMessage = line.SequenceEqual("message"u8);
                    _isSubscribe = line.SequenceEqual("subscribe"u8);
                    _element = 1;
                    break;
                case 1:
                    _element = 2;
                    break;
                case 2:
                    _element = -1;
                    if (_isMessage)
                    {
                        Receiver.OnPayload(line, nowTicks);
                    }
                    else if (_isSubscribe)
                    {
                        Receiver.Connection.CompleteHandshake(ConnectOutcome.Ready);
                    }

                    break;
                default:
                    Receiver.UnknownLines++;
                    break;
            }
        }
    }

    // Publish-only: no batches to hand on, only the PING reply that ends the handshake and errors.
    private sealed class PublisherSink(FanoutReceiver r) : LineSink
    {
        public override void OnLine(ReadOnlySpan<byte> line, long nowTicks)
        {
            if (line.SequenceEqual("+PONG"u8))
            {
                r.Connection.CompleteHandshake(ConnectOutcome.Ready);
            }
            else if (!line.IsEmpty && line[0] == (byte)'-')
            {
                r.ServerErrors++;
            }
        }
    }
}
