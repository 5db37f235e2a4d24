using System.Buffers;
using FastChat.Protocol;

namespace FastChat.Server.Internal;

internal sealed partial class Room
{
    /// <summary>
    /// Applies the lines of one receive under one lock acquisition and publishes them with one walk.
    /// Each private reply (USERS, PONG, ERR, BYE quit) is pinned to the log position after every line
    /// before it, so it reaches the member after the echo of every chat line it sent earlier.
    /// </summary>
    public bool Apply(Member sender, ReadOnlySpan<byte> lines, ReadOnlySpan<MemberAction> actions)
    {
        bool replied = false;
        bool published = false;
        lock (_lock)
        {
            foreach (MemberAction action in actions)
            {
                if (_closed || !sender.IsMember)
                {
                    break; // nothing after /quit, a kick or shutdown
                }

                ReadOnlySpan<byte> bytes = lines.Slice(action.Start, action.Length);
                switch (action.Kind)
                {
                    case MemberActionKind.Chat:
                        AppendMessageLocked(sender, bytes);
                        published = true;
                        break;
                    case MemberActionKind.Users:
                        WriteUsers(sender, _log.WritePosition);
                        replied = true;
                        break;
                    case MemberActionKind.Quit:
                        EndLocked(sender, CloseReason.Quit);
                        published = replied = true;
                        break;
                    default:
                        replied |= ReplyLocked(sender, action.Kind, bytes);
                        break;
                }
            }

            if (published)
            {
                _log.Publish();
            }
        }

        if (published)
        {
            WakeAll();
        }

        if (replied)
        {
            sender.Output.Signal.Set();
            CheckPending(sender);
        }

        return replied;
    }

    // MSG <id> <text>
    private void AppendMessageLocked(Member sender, ReadOnlySpan<byte> text)
    {
        int recipients = _members.Count;
        Span<byte> span = _log.GetSpan(ServerLineWriter.MsgLength(sender.IdBytes.Length, text.Length), recipients);
        ServerLineWriter.TryWriteMsg(span, sender.IdBytes, text, out int written);
        _log.Advance(written);
        _counters.MessageBroadcast(recipients);
    }

    // PONG [<token>] | ERR unknown-command [<name>] | ERR line-too-long <max>
    private bool ReplyLocked(Member sender, MemberActionKind kind, ReadOnlySpan<byte> argument)
    {
        // Tokens and names can be as long as a line: format the rare long one on a rented buffer.
        int length = argument.Length + 40;
        byte[]? rented = length > 256 ? ArrayPool<byte>.Shared.Rent(length) : null;
        Span<byte> line = rented ?? stackalloc byte[256];
        int written = kind switch
        {
            MemberActionKind.Ping => ServerLineWriter.TryWritePong(line, argument, out int n) ? n : 0,
            MemberActionKind.UnknownCommand => ServerLineWriter.TryWriteUnknownCommand(line, argument, out int n) ? n : 0,
            _ => ServerLineWriter.TryWriteLineTooLong(line, _limits.MaxLineLength, out int n) ? n : 0,
        };
        bool queued = sender.Output.EnqueuePrivate(_log.WritePosition, line[..written]);
        if (rented is not null)
        {
            ArrayPool<byte>.Shared.Return(rented);
        }

        return queued;
    }
}
