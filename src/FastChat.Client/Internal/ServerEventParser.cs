using System.Buffers.Text;
using FastChat.Protocol;

namespace FastChat.Client.Internal;

/// <summary>
/// Turns server lines into <see cref="ChatEvent"/>s and keeps the <see cref="MemberSet"/> in step.
/// Allocates only the event and the strings it hands out; ids of members are interned.
/// </summary>
internal sealed class ServerEventParser
{
    public ServerEventParser(MemberSet members) => Members = members;

    public MemberSet Members { get; }

    /// <summary>Our id, from WELCOME.</summary>
    public string? SelfId { get; private set; }

    /// <summary>True once a line after which the server closes (FULL, BYE) was seen.</summary>
    public bool FinalLineSeen { get; private set; }

    /// <summary>Parses one line (without CRLF); null for a line v1 does not define (ignored, as the protocol asks).</summary>
    public ChatEvent? Parse(ReadOnlySpan<byte> line, DateTimeOffset time)
    {
        if (!ServerLine.TryParse(line, out ServerLine l))
        {
            return null;
        }

        switch (l.Kind)
        {
            // MSG <id> <text>: the hot path. The id comes from the member set, only the text is new.
            case ServerLineKind.Message:
                string from = Members.GetOrCreate(l.Argument);
                return new MessageEvent(from, Text.ToSafeString(l.Rest), from == SelfId, time);

            // JOIN <id>
            case ServerLineKind.Join:
                (string joined, int afterJoin) = Members.Add(l.Argument);
                return new JoinEvent(joined, afterJoin, time);

            // LEAVE <id>
            case ServerLineKind.Leave:
                (string left, int afterLeave) = Members.Remove(l.Argument);
                return new LeaveEvent(left, afterLeave, time);

            // USERS <id> <id> ...
            case ServerLineKind.Users:
                return new UsersEvent(Members.Replace(l.Ids), time);

            // WELCOME <id>
            case ServerLineKind.Welcome:
                SelfId = Text.ToSafeString(l.Argument);
                return new WelcomeEvent(SelfId, time);

            // FULL <max>
            case ServerLineKind.Full:
                FinalLineSeen = true;
                return new FullEvent(Utf8Parser.TryParse(l.Argument, out int max, out int used) && used == l.Argument.Length ? max : -1, time,
                    Text.ToSafeString(l.Rest));

            // BYE <reason>
            case ServerLineKind.Bye:
                FinalLineSeen = true;
                return new ByeEvent(Text.ToSafeString(l.Argument), time);

            // ERR <code> [<detail>]
            case ServerLineKind.Error:
                return new ErrorEvent(Text.ToSafeString(l.Argument), Text.ToSafeString(l.Rest), time);

            // PONG [<token>]
            case ServerLineKind.Pong:
                return new PongEvent(Text.ToSafeString(l.Argument), time);

            // PING <token>
            case ServerLineKind.Ping:
                return new PingEvent(Text.ToSafeString(l.Argument), time);

            default:
                return null;
        }
    }
}
