using System.Buffers.Text;
using System.Text;
using FastChat.Protocol;

namespace FastChat.LoadTest.Internal;

/// <summary>What the fanout scenario talks to: FastChat, Redis pub/sub or NATS (as the shared C harness).</summary>
internal enum TargetKind : byte
{
    FastChat,
    Redis,
    Nats,
}

/// <summary>Protocol-specific pieces of the fanout scenario: handshakes, message framing, line parsing.</summary>
internal abstract class FanoutTarget
{
    protected FanoutTarget(string channel) => Channel = Encoding.ASCII.GetBytes(channel);

    protected byte[] Channel { get; }

    /// <summary>FastChat senders are members (they receive their own echo); Redis/NATS senders are extra publish-only connections.</summary>
    public abstract bool SendersAreMembers { get; }

    public abstract byte[] ReceiverHello { get; }

    public abstract byte[] SenderHello { get; }

    /// <summary>Writes one publish of <paramref name="payload"/>; returns bytes written or 0 when it does not fit.</summary>
    public abstract int WriteMessage(Span<byte> destination, ReadOnlySpan<byte> payload);

    /// <summary>Most bytes <see cref="WriteMessage"/> adds around a payload.</summary>
    public abstract int FramingOverhead { get; }

    public abstract LineSink CreateReceiver(FanoutReceiver receiver);

    public abstract LineSink CreateSenderOnly(FanoutReceiver state);

    public static FanoutTarget Create(TargetKind kind, string channel) => kind switch
    {
        TargetKind.Redis => new RedisTarget(channel),
        TargetKind.Nats => new NatsTarget(channel),
        _ => new FastChatTarget(),
    };
}

/// <summary>FastChat protocol v1: a chat line is the payload plus LF; receivers parse <c>MSG &lt;id&gt; &lt;text&gt;</c>.</summary>
internal sealed class FastChatTarget : FanoutTarget
{
    public FastChatTarget()
        : base("chat")
    {
    }

    public override bool SendersAreMembers => true;

    public override byte[] ReceiverHello => [];

    public override byte[] SenderHello => [];

    public override int FramingOverhead => 1;

    public override int WriteMessage(Span<byte> destination, ReadOnlySpan<byte> payload)
    {
        if (destination.Length < payload.Length + 1)
        {
            return 0;
        }

        payload.CopyTo(destination);
        destination[payload.Length] = (byte)'\n';
        return payload.Length + 1;
    }

    public override LineSink CreateReceiver(FanoutReceiver receiver) => new Sink(receiver);

    public override LineSink CreateSenderOnly(FanoutReceiver state) => new Sink(state);

    private sealed class Sink(FanoutReceiver r) : LineSink
    {
        public override void BeginBatch(long nowTicks) => r.BeginBatch();

        public override void EndBatch(long nowTicks) => r.EndBatch();

        public override void OnOverlongLine() => r.UnknownLines++;

        public override void OnLine(ReadOnlySpan<byte> line, long nowTicks)
        {
            // Fast path: MSG <id> <text> is nearly every line of a run.
            if (line.StartsWith("MSG "u8))
            {
                int idEnd = line[4..].IndexOf((byte)' ');
                if (idEnd > 0)
                {
                    r.OnPayload(line[(5 + idEnd)..], nowTicks);
                    return;
                }
            }

            // General path: everything else through the protocol library's parser.
            if (!ServerLine.TryParse(line, out ServerLine l))
            {
                r.UnknownLines++;
                return;
            }

            switch (l.Kind)
            {
                // MSG <id> <text>
                case ServerLineKind.Message:
                    r.OnPayload(l.Rest, nowTicks);
                    break;

                // JOIN <id>
                case ServerLineKind.Join:
                    r.Joins++;
                    r.Run.LastJoinTicks = nowTicks;
                    break;

                // LEAVE <id>
                case ServerLineKind.Leave:
                    r.Leaves++;
                    break;

                // WELCOME <id>
                case ServerLineKind.Welcome:
                    r.Welcomes++;
                    r.Connection.CompleteHandshake(ConnectOutcome.Ready);
                    break;

                // USERS <id> ...
                case ServerLineKind.Users:
                    r.Users++;
                    break;

                // FULL <max> [per-address]
                case ServerLineKind.Full:
                    bool perAddress = !l.Rest.IsEmpty;
                    r.Connection.SetCloseReason(perAddress ? "full:" + Encoding.ASCII.GetString(l.Rest) : "full");
                    r.Connection.CompleteHandshake(perAddress ? ConnectOutcome.FullPerAddress : ConnectOutcome.Full);
                    break;

                // PING <token>: private, not part of the global order; answered at once.
                case ServerLineKind.Ping:
                    r.Connection.AnswerPing(l.Argument);
                    break;

                // BYE <reason>
                case ServerLineKind.Bye:
                    r.Connection.SetCloseReason("bye:" + Encoding.ASCII.GetString(l.Argument));
                    break;

                // ERR <code> <detail>
                case ServerLineKind.Error:
                    r.ServerErrors++;
                    break;

                default:
                    r.UnknownLines++;
                    break;
            }
        }
    }
}

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

    // *3\r\n$7\r\nPUBLISH\r\n$<chlen>\r\n<ch>\r\n$<len>\r\n<payload>\r\n
    public override int WriteMessage(Span<byte> destination, ReadOnlySpan<byte> payload)
    {
        if (destination.Length < payload.Length + FramingOverhead)
        {
            return 0;
        }

        int pos = 0;
        Append(destination, ref pos, "*3\r\n$7\r\nPUBLISH\r\n$"u8);
        Utf8Formatter.TryFormat(Channel.Length, destination[pos..], out int w);
        pos += w;
        Append(destination, ref pos, "\r\n"u8);
        Append(destination, ref pos, Channel);
        Append(destination, ref pos, "\r\n$"u8);
        Utf8Formatter.TryFormat(payload.Length, destination[pos..], out w);
        pos += w;
        Append(destination, ref pos, "\r\n"u8);
        Append(destination, ref pos, payload);
        Append(destination, ref pos, "\r\n"u8);
        return pos;
    }

    public override LineSink CreateReceiver(FanoutReceiver receiver) =>
        new ReceiverSink(receiver, Encoding.ASCII.GetBytes($"*3\r\n$7\r\nmessage\r\n${Channel.Length}\r\n{Encoding.ASCII.GetString(Channel)}\r\n$"));

    public override LineSink CreateSenderOnly(FanoutReceiver state) => new SenderSink(state);

    internal static void Append(Span<byte> destination, ref int pos, ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(destination[pos..]);
        pos += bytes.Length;
    }

    private sealed class ReceiverSink(FanoutReceiver r, byte[] messagePrefix) : LineSink
    {
        private int _element = -1;

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

            r.OnPayload(data.Slice(pos + 2, len), nowTicks);
            return pos + 4 + len;
        }
        private bool _isMessage;
        private bool _isSubscribe;

        public override void BeginBatch(long nowTicks) => r.BeginBatch();

        public override void EndBatch(long nowTicks) => r.EndBatch();

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
                    r.ServerErrors++;
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
                        r.OnPayload(line, nowTicks);
                    }
                    else if (_isSubscribe)
                    {
                        r.Connection.CompleteHandshake(ConnectOutcome.Ready);
                    }

                    break;
                default:
                    r.UnknownLines++;
                    break;
            }
        }
    }

    private sealed class SenderSink(FanoutReceiver r) : LineSink
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

/// <summary>Core NATS text protocol: <c>SUB chat 1</c>, <c>PUB chat &lt;len&gt;</c>, <c>MSG chat 1 &lt;len&gt;</c> + payload line.</summary>
internal sealed class NatsTarget(string channel) : FanoutTarget(channel)
{
    private static readonly byte[] s_pong = "PONG\r\n"u8.ToArray();

    public override bool SendersAreMembers => false;

    public override byte[] ReceiverHello => Encoding.ASCII.GetBytes(
        $"CONNECT {{\"verbose\":false,\"pedantic\":false}}\r\nSUB {Encoding.ASCII.GetString(Channel)} 1\r\nPING\r\n");

    public override byte[] SenderHello => "CONNECT {\"verbose\":false,\"pedantic\":false}\r\nPING\r\n"u8.ToArray();

    public override int FramingOverhead => 20 + Channel.Length;

    // PUB <subject> <len>\r\n<payload>\r\n
    public override int WriteMessage(Span<byte> destination, ReadOnlySpan<byte> payload)
    {
        if (destination.Length < payload.Length + FramingOverhead)
        {
            return 0;
        }

        int pos = 0;
        RedisTarget.Append(destination, ref pos, "PUB "u8);
        RedisTarget.Append(destination, ref pos, Channel);
        destination[pos++] = (byte)' ';
        Utf8Formatter.TryFormat(payload.Length, destination[pos..], out int w);
        pos += w;
        RedisTarget.Append(destination, ref pos, "\r\n"u8);
        RedisTarget.Append(destination, ref pos, payload);
        RedisTarget.Append(destination, ref pos, "\r\n"u8);
        return pos;
    }

    public override LineSink CreateReceiver(FanoutReceiver receiver) => new Sink(receiver, isReceiver: true);

    public override LineSink CreateSenderOnly(FanoutReceiver state) => new Sink(state, isReceiver: false);

    private sealed class Sink(FanoutReceiver r, bool isReceiver) : LineSink
    {
        private bool _payloadNext;

        public override void BeginBatch(long nowTicks) => r.BeginBatch();

        public override void EndBatch(long nowTicks) => r.EndBatch();

        public override void OnLine(ReadOnlySpan<byte> line, long nowTicks)
        {
            if (_payloadNext)
            {
                _payloadNext = false;
                r.OnPayload(line, nowTicks);
                return;
            }

            if (line.StartsWith("MSG "u8))
            {
                _payloadNext = isReceiver;
            }
            else if (line.SequenceEqual("PONG"u8))
            {
                r.Connection.CompleteHandshake(ConnectOutcome.Ready);
            }
            else if (line.SequenceEqual("PING"u8))
            {
                r.Connection.Post(s_pong);
            }
            else if (line.StartsWith("-ERR"u8))
            {
                r.ServerErrors++;
            }
        }
    }
}
