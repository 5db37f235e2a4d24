using System.Buffers;
using FastChat.Protocol;

namespace FastChat.Server.Internal;

internal sealed partial class Connection
{
    private async Task ReceiveLoopAsync()
    {
        ReceiveArgs args = _receiveArgs!;
        CountingObjectPool<byte[]> pool = _pools.ReceiveBlocks;
        byte[]? block = null;
        int held = 0; // bytes of an unfinished line kept at the start of the block
        bool sniffing = true; // until the first bytes are known not to be another protocol
        try
        {
            while (true)
            {
                if (block is null)
                {
                    // Zero-byte receive: an idle member holds no receive buffer.
                    SocketResult ready = await args.WaitForDataAsync(_socket);
                    if (!ready.Succeeded)
                    {
                        SocketFailed();
                        break;
                    }

                    block = pool.Get();
                }

                SocketResult result = await args.ReceiveAsync(_socket, block.AsMemory(held));
                if (!result.Succeeded)
                {
                    SocketFailed();
                    break;
                }

                int received = result.BytesTransferred;
                if (received == 0)
                {
                    // EOF: the client is leaving. An unfinished line is dropped: a partial line is
                    // never broadcast.
                    SetCloseReason(CloseReason.ClientClosed);
                    break;
                }

                int total = held + received;
                int consumed;
                if (sniffing && !_discardInput && SniffFirstBytes(block.AsSpan(0, total)) == OperationStatus.NeedMoreData)
                {
                    consumed = 0; // hold it all until the first line shows what it is
                    TrackPartialLine(holdsPartial: true, linesCompleted: false, _time.GetTimestamp());
                }
                else
                {
                    sniffing = false;
                    consumed = await ConsumeAsync(block, total);
                }

                // Counted once applied, so whoever sees the count sees its effects (tests do).
                _counters.Received(received);
                Volatile.Write(ref _bytesApplied, _bytesApplied + received);
                held = total - consumed;
                if (held == 0)
                {
                    pool.Return(block);
                    block = null;
                }
                else if (consumed > 0)
                {
                    block.AsSpan(consumed, held).CopyTo(block);
                }
            }
        }
        catch (Exception ex)
        {
            RecordFailure(ex);
        }
        finally
        {
            if (block is not null)
            {
                pool.Return(block);
            }

            ReceiveEnded();
        }
    }

    /// <summary>
    /// Applies the complete lines of <c>block[..total]</c>; returns the bytes used up (the rest is an
    /// unfinished line to keep). Lines over the member's rate wait here, and the socket is not read
    /// meanwhile: the kernel's buffers fill and TCP slows the client down, and nothing is dropped.
    /// </summary>
    private async ValueTask<int> ConsumeAsync(byte[] block, int total)
    {
        int consumed = 0;
        bool completed = false;
        while (true)
        {
            long now = _time.GetTimestamp();
            if (_discardInput)
            {
                return total;
            }

            consumed += ProcessLines(block.AsSpan(consumed, total - consumed), now, out bool throttled, out bool lines);
            completed |= lines;

            if (!throttled || _discardInput)
            {
                TrackPartialLine(holdsPartial: consumed < total || _framer.IsSkipping, completed, now);
                return _discardInput ? total : consumed;
            }

            if (!await WaitForLineRateAsync())
            {
                return total; // flooded for too long: BYE flood, the rest is discarded
            }
        }
    }

    /// <summary>
    /// Lines wait for the member's rate: false (and BYE flood) once it has been over the rate for
    /// longer than --flood-timeout, else true after the delay until its next line may go.
    /// </summary>
    private async ValueTask<bool> WaitForLineRateAsync()
    {
        long now = _time.GetTimestamp();
        Volatile.Write(ref _partialSince, 0); // the wait is ours, not a slow line's
        if (_throttledSince == 0)
        {
            _throttledSince = now;
            _counters.FloodDelayed();
        }
        else if (now - _throttledSince > _limits.FloodTimeout)
        {
            Kick(CloseReason.Flood);
            return false;
        }

        // At least ThrottledBatch apart: the lines that wait are released a batch at a time, so a
        // member held at the rate costs one broadcast walk per batch rather than one per line.
        long wait = _lineRate.TicksUntilNext(now);
        if (wait > 0)
        {
            await Task.Delay(_limits.ToTimeSpan(Math.Max(wait, _limits.ThrottledBatch)), _time);
        }

        return true;
    }

    /// <summary>
    /// The first bytes of the connection: another protocol (a TLS ClientHello, an HTTP request, a
    /// PROXY header) is refused with one line, BYE wrong-protocol, instead of being read as chat.
    /// </summary>
    private OperationStatus SniffFirstBytes(ReadOnlySpan<byte> start)
    {
        OperationStatus status = ForeignProtocol.Sniff(start, _framer.MaxLineLength, out ForeignProtocolKind kind);
        if (status == OperationStatus.Done && kind != ForeignProtocolKind.None)
        {
            Kick(CloseReason.WrongProtocol);
        }

        return status;
    }

    private void ReceiveEnded()
    {
        _receiveEnded = true;
        if (CloseReasons.IsCleanLeave(CloseReason))
        {
            // Leaving cleanly (EOF, /quit, kicked, cut off, shutdown): the sender still flushes what
            // the member is owed, then closes.
            _room.Leave(_member);
        }
        else
        {
            Abort(CloseReason.ConnectionReset);
        }

        LoopEnded();
    }

    /// <summary>
    /// Frames the complete lines of <paramref name="data"/>, while the member's rate has a token for
    /// each, and hands what they ask for to the room in order; returns the bytes consumed.
    /// <paramref name="throttled"/>: lines are left that must wait for the rate.
    /// <paramref name="lines"/>: at least one line was read.
    /// </summary>
    private int ProcessLines(ReadOnlySpan<byte> data, long now, out bool throttled, out bool lines)
    {
        const int MaxActions = 64; // per room call: one lock for up to this many lines
        Span<MemberAction> actions = stackalloc MemberAction[MaxActions];
        int count = 0;
        int offset = 0;
        throttled = false;
        lines = false;
        if (_throttledSince != 0 && _lineRate.IsRested(now))
        {
            _throttledSince = 0; // back under the rate long enough to have its whole burst again
        }

        while (!_discardInput)
        {
            if (_lineRate.IsEnabled && !_lineRate.TryTake(now))
            {
                // No token. Wait only if what is left can hold a line (an LF, a line already too long,
                // or the rest of one being skipped); a short tail without LF is just kept.
                ReadOnlySpan<byte> rest = data[offset..];
                throttled = _framer.IsSkipping || rest.Length > _framer.MaxLineLength || rest.Contains((byte)'\n');
                break;
            }

            OperationStatus status = _framer.TryReadLine(data[offset..], out ReadOnlySpan<byte> line, out int consumed);
            offset += consumed;
            if (status == OperationStatus.NeedMoreData)
            {
                _lineRate.Refund();
                break;
            }

            if (!lines)
            {
                // Stamped before any reply can go out: whoever sees the reply sees the member alive.
                lines = true;
                LinesArrived(now);
            }

            MemberAction? action = status == OperationStatus.InvalidData
                ? LineTooLong()
                : Classify(data, line);
            if (action is MemberAction a)
            {
                actions[count++] = a;
                if (count == MaxActions)
                {
                    _room.Apply(_member, data[..offset], actions[..count]);
                    count = 0;
                }
            }
        }

        if (count > 0)
        {
            _room.Apply(_member, data[..offset], actions[..count]);
        }

        return _discardInput ? data.Length : offset;
    }

    // ERR line-too-long <max>: the line is discarded up to its LF; nothing is broadcast.
    private MemberAction LineTooLong()
    {
        _counters.LineTooLong();
        return new MemberAction(MemberActionKind.LineTooLong, 0, 0);
    }

    /// <summary>One client line (a slice of <paramref name="data"/>) as the room's action; null for an empty line or /pong.</summary>
    private static MemberAction? Classify(ReadOnlySpan<byte> data, ReadOnlySpan<byte> line)
    {
        ClientLineKind kind = ClientLine.Parse(line, out ReadOnlySpan<byte> argument);
        int start = 0;
        if (!argument.IsEmpty)
        {
            data.Overlaps(argument, out start); // the argument is a slice of the line, and so of data
        }

        return kind switch
        {
            ClientLineKind.Chat => new MemberAction(MemberActionKind.Chat, start, argument.Length),
            ClientLineKind.Users => new MemberAction(MemberActionKind.Users, 0, 0),
            ClientLineKind.Ping => new MemberAction(MemberActionKind.Ping, start, argument.Length),
            ClientLineKind.Quit => new MemberAction(MemberActionKind.Quit, 0, 0),
            ClientLineKind.UnknownCommand => new MemberAction(MemberActionKind.UnknownCommand, start, argument.Length),
            _ => null, // Empty, /pong: nothing to answer (any line answers a PING)
        };
    }
}
