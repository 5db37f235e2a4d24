using System.Diagnostics;
using System.Text;
using FastChat.Protocol;

namespace FastChat.LoadTest.Internal;

/// <summary>
/// A member that keeps the member set it is told about and checks the consistency guarantees
/// (docs/PROTOCOL.md section 9), and the per-sender order and latency of load-test messages.
/// </summary>
internal sealed class MemberView : FastChatSink
{
    private readonly IdSet _members = new();
    private readonly Dictionary<int, long> _lastSeq = [];
    private readonly Action<long>? _latencyTicks;
    private readonly long _epoch;
    private int _lineIndex;
    private int _index;

    public MemberView(ClientConnection connection, long epoch = 0, Action<long>? latencyTicks = null)
        : base(connection)
    {
        _epoch = epoch;
        _latencyTicks = latencyTicks;
    }

    public string? Id { get; private set; }

    public long WelcomeTicks { get; private set; }

    public IdSet Members => _members;

    public long Joins { get; private set; }

    public long Leaves { get; private set; }

    public long Messages { get; private set; }

    public long OutOfOrder { get; private set; }

    public long ConsistencyErrors { get; private set; }

    public string? FirstError { get; private set; }

    public string? FullMax { get; private set; }

    /// <summary>The scope of a <c>FULL</c> (<c>per-address</c>), null for a server-wide one.</summary>
    public string? FullScope { get; private set; }

    public long Errors { get; private set; }

    // The line index counts every line, PINGs included: WELCOME must be line 0 and USERS line 1.
    public override void OnLine(ReadOnlySpan<byte> line, long nowTicks)
    {
        _index = _lineIndex++;
        base.OnLine(line, nowTicks);
    }

    protected override void OnUnparsable(ReadOnlySpan<byte> line) => Error($"unparsable line '{Encoding.ASCII.GetString(line)}'");

    // WELCOME <id>: the first line an admitted client gets.
    protected override void OnWelcome(ReadOnlySpan<byte> id, long nowTicks)
    {
        if (_index != 0)
        {
            Error("WELCOME was not the first line");
        }

        Id = Encoding.ASCII.GetString(id);
        WelcomeTicks = nowTicks;
    }

    // USERS <id> ...: the second line, every member including itself.
    protected override void OnUsers(ServerLine users)
    {
        if (_index != 1)
        {
            return;
        }

        foreach (ReadOnlySpan<byte> id in users.Ids)
        {
            if (!_members.Add(id))
            {
                Error("USERS names an id twice");
            }
        }

        if (Id is null || !_members.Contains(Id))
        {
            Error("USERS does not name the member itself");
        }

        Connection.CompleteHandshake(ConnectOutcome.Ready);
    }

    protected override void OnJoin(ReadOnlySpan<byte> id, long nowTicks)
    {
        Joins++;
        if (!_members.Add(id))
        {
            Error($"JOIN {Encoding.ASCII.GetString(id)} of a member already present");
        }
    }

    protected override void OnLeave(ReadOnlySpan<byte> id, long nowTicks)
    {
        Leaves++;
        if (!_members.Remove(id))
        {
            Error($"LEAVE {Encoding.ASCII.GetString(id)} of an unknown member");
        }
    }

    protected override void OnMessage(ReadOnlySpan<byte> id, ReadOnlySpan<byte> text, long nowTicks)
    {
        Messages++;
        if (!_members.Contains(id))
        {
            Error($"MSG from {Encoding.ASCII.GetString(id)}, who is not a member");
        }

        if (PayloadCodec.TryParse(text, out PayloadFields f))
        {
            if (_lastSeq.TryGetValue(f.Sender, out long last) && f.Sequence <= last)
            {
                OutOfOrder++;
            }

            _lastSeq[f.Sender] = f.Sequence;
            _latencyTicks?.Invoke(nowTicks - (_epoch + f.IntendedTicks));
        }
    }

    protected override void OnFull(ReadOnlySpan<byte> line, ReadOnlySpan<byte> max, ReadOnlySpan<byte> scope, long nowTicks)
    {
        FullMax = Encoding.ASCII.GetString(max);
        FullScope = scope.IsEmpty ? null : Encoding.ASCII.GetString(scope);
        base.OnFull(line, max, scope, nowTicks);
    }

    protected override void OnError() => Errors++;

    private void Error(string text)
    {
        ConsistencyErrors++;
        FirstError ??= $"member {Id ?? "?"}: {text}";
    }

    /// <summary>Sends one chat line carrying a load-test payload.</summary>
    public ValueTask SendChatAsync(int sender, long seq, long epoch, int size)
    {
        byte[] buffer = new byte[Math.Max(size, PayloadCodec.MaxHeaderLength) + 1];
        long now = Stopwatch.GetTimestamp();
        int n = PayloadCodec.Write(buffer, size, now - epoch, sender, seq, 0);
        buffer[n] = (byte)'\n';
        return Connection.SendAsync(buffer.AsMemory(0, n + 1));
    }
}
