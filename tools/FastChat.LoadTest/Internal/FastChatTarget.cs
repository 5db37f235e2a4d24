using FastChat.Protocol;

namespace FastChat.LoadTest.Internal;

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

    public override LineSink CreateReceiver(FanoutReceiver receiver) => new Sink(receiver);

    public override LineSink CreateSenderOnly(FanoutReceiver state) => new Sink(state);

    protected override int Frame(FrameWriter w, ReadOnlySpan<byte> payload)
    {
        w.Append(payload);
        w.Append((byte)'\n');
        return w.Length;
    }

    private sealed class Sink(FanoutReceiver r) : FastChatSink(r.Connection)
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
            base.OnLine(line, nowTicks);
        }

        protected override void OnUnparsable(ReadOnlySpan<byte> line) => r.UnknownLines++;

        protected override void OnMessage(ReadOnlySpan<byte> id, ReadOnlySpan<byte> text, long nowTicks) => r.OnPayload(text, nowTicks);

        protected override void OnJoin(ReadOnlySpan<byte> id, long nowTicks)
        {
            r.Joins++;
            r.Run.LastJoinTicks = nowTicks;
        }

        protected override void OnLeave(ReadOnlySpan<byte> id, long nowTicks) => r.Leaves++;

        protected override void OnWelcome(ReadOnlySpan<byte> id, long nowTicks)
        {
            r.Welcomes++;
            Connection.CompleteHandshake(ConnectOutcome.Ready);
        }

        protected override void OnUsers(ServerLine users) => r.Users++;

        protected override void OnError() => r.ServerErrors++;

        protected override void OnOther() => r.UnknownLines++;
    }
}
