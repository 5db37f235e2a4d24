using System.Diagnostics;
using System.Text;
using FastChat.Protocol;

namespace FastChat.LoadTest.Internal;

/// <summary>
/// A FastChat member that tracks the member set it is told about and checks the protocol's
/// consistency guarantees (issue 2, "Ordering and consistency"): WELCOME first, then USERS naming
/// itself; replaying JOIN/LEAVE on top of USERS never names someone twice (JOIN of a present id)
/// or someone unknown (LEAVE of an absent id). Messages carrying a load-test payload are checked
/// for per-sender order and their latency recorded. Ids are held in an <see cref="IdSet"/>.
/// </summary>
internal sealed class MemberView : LineSink
{
    private readonly IdSet _members = new();
    private readonly Dictionary<int, long> _lastSeq = [];
    private readonly Action<long>? _latencyTicks;
    private readonly long _epoch;
    private int _lineIndex;

    public MemberView(ClientConnection connection, long epoch = 0, Action<long>? latencyTicks = null)
    {
        Connection = connection;
        _epoch = epoch;
        _latencyTicks = latencyTicks;
    }

    public ClientConnection Connection { get; }

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

    public override void OnLine(ReadOnlySpan<byte> line, long nowTicks)
    {
        int index = _lineIndex++;
        if (!ServerLine.TryParse(line, out ServerLine l))
        {
            Error($"unparsable line '{Encoding.ASCII.GetString(line)}'");
            return;
        }

        switch (l.Kind)
        {
            // WELCOME <id>: the first line an admitted client gets.
            case ServerLineKind.Welcome:
                if (index != 0)
                {
                    Error("WELCOME was not the first line");
                }

                Id = Encoding.ASCII.GetString(l.Argument);
                WelcomeTicks = nowTicks;
                break;

            // USERS <id> ...: the second line, every member including itself.
            case ServerLineKind.Users:
                if (index == 1)
                {
                    foreach (ReadOnlySpan<byte> id in l.Ids)
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

                break;

            // JOIN <id>
            case ServerLineKind.Join:
                Joins++;
                if (!_members.Add(l.Argument))
                {
                    Error($"JOIN {Encoding.ASCII.GetString(l.Argument)} of a member already present");
                }

                break;

            // LEAVE <id>
            case ServerLineKind.Leave:
                Leaves++;
                if (!_members.Remove(l.Argument))
                {
                    Error($"LEAVE {Encoding.ASCII.GetString(l.Argument)} of an unknown member");
                }

                break;

            // MSG <id> <text>
            case ServerLineKind.Message:
                Messages++;
                if (!_members.Contains(l.Argument))
                {
                    Error($"MSG from {Encoding.ASCII.GetString(l.Argument)}, who is not a member");
                }

                if (PayloadCodec.TryParse(l.Rest, out PayloadFields f))
                {
                    if (_lastSeq.TryGetValue(f.Sender, out long last) && f.Sequence <= last)
                    {
                        OutOfOrder++;
                    }

                    _lastSeq[f.Sender] = f.Sequence;
                    _latencyTicks?.Invoke(nowTicks - (_epoch + f.IntendedTicks));
                }

                break;

            // FULL <max> [per-address]
            case ServerLineKind.Full:
                FullMax = Encoding.ASCII.GetString(l.Argument);
                FullScope = l.Rest.IsEmpty ? null : Encoding.ASCII.GetString(l.Rest);
                Connection.SetCloseReason(FullScope is null ? "full" : "full:" + FullScope);
                Connection.CompleteHandshake(FullScope is null ? ConnectOutcome.Full : ConnectOutcome.FullPerAddress);
                break;

            // PING <token>: private, outside the global order (the line index still counts it).
            case ServerLineKind.Ping:
                Connection.AnswerPing(l.Argument);
                break;

            // BYE <reason>
            case ServerLineKind.Bye:
                Connection.SetCloseReason("bye:" + Encoding.ASCII.GetString(l.Argument));
                break;

            case ServerLineKind.Error:
                Errors++;
                break;

            default:
                break;
        }
    }

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
