using System.Buffers.Text;
using System.Text;

namespace FastChat.LoadTest.Internal;

/// <summary>What the fanout scenario talks to: FastChat, Redis pub/sub or NATS.</summary>
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

    /// <summary>Most bytes <see cref="WriteMessage"/> adds around a payload.</summary>
    public abstract int FramingOverhead { get; }

    public static FanoutTarget Create(TargetKind kind, string channel) => kind switch
    {
        TargetKind.Redis => new RedisTarget(channel),
        TargetKind.Nats => new NatsTarget(channel),
        _ => new FastChatTarget(),
    };

    /// <summary>Writes one publish of <paramref name="payload"/>; returns bytes written or 0 when it does not fit.</summary>
    public int WriteMessage(Span<byte> destination, ReadOnlySpan<byte> payload) =>
        destination.Length < payload.Length + FramingOverhead ? 0 : Frame(new FrameWriter(destination), payload);

    public abstract LineSink CreateReceiver(FanoutReceiver receiver);

    public abstract LineSink CreateSenderOnly(FanoutReceiver state);

    /// <summary>Frames one publish; <paramref name="w"/> has room for the payload plus <see cref="FramingOverhead"/>.</summary>
    protected abstract int Frame(FrameWriter w, ReadOnlySpan<byte> payload);

    /// <summary>Appends the pieces of one frame to a buffer known to be large enough.</summary>
    protected ref struct FrameWriter(Span<byte> destination)
    {
        private readonly Span<byte> _destination = destination;

        public int Length { get; private set; }

        public void Append(ReadOnlySpan<byte> bytes)
        {
            bytes.CopyTo(_destination[Length..]);
            Length += bytes.Length;
        }

        public void Append(byte b) => _destination[Length++] = b;

        public void Append(int number)
        {
            Utf8Formatter.TryFormat(number, _destination[Length..], out int written);
            Length += written;
        }
    }

    /// <summary>A sink that hands a fanout member's lines to its <see cref="FanoutReceiver"/>, one receive batch at a time.</summary>
    protected abstract class ReceiverSink(FanoutReceiver receiver) : LineSink
    {
        protected FanoutReceiver Receiver { get; } = receiver;

        public override void BeginBatch(long nowTicks) => Receiver.BeginBatch();

        public override void EndBatch(long nowTicks) => Receiver.EndBatch();
    }
}
