using System.Buffers;
using FastChat.Protocol;

namespace FastChat.Server.Internal;

internal sealed partial class Connection
{
    private async Task ReceiveLoopAsync()
    {
        ReceiveArgs args = _receiveArgs!;
        CountingObjectPool<byte[]> pool = _context.Pools.ReceiveBlocks;
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
                    TrackPartialLine(holdsPartial: true, linesCompleted: false, _context.Time.GetTimestamp());
                }
                else
                {
                    sniffing = false;
                    consumed = await ConsumeAsync(block, total);
                }

                // Counted once applied, so whoever sees the count sees its effects (tests do).
                _context.Counters.Received(received);
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
            long now = _context.Time.GetTimestamp();
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
        long now = _context.Time.GetTimestamp();
        Volatile.Write(ref _partialSince, 0); // the wait is ours, not a slow line's
        if (_throttledSince == 0)
        {
            _throttledSince = now;
            _context.Counters.FloodDelayed();
        }
        else if (now - _throttledSince > _context.Limits.FloodTimeout)
        {
            Kick(CloseReason.Flood);
            return false;
        }

        // At least ThrottledBatch apart: the lines that wait are released a batch at a time, so a
        // member held at the rate costs one broadcast walk per batch rather than one per line.
        long wait = _lineRate.TicksUntilNext(now);
        if (wait > 0)
        {
            await Task.Delay(_context.Limits.ToTimeSpan(Math.Max(wait, _context.Limits.ThrottledBatch)), _context.Time);
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
            _context.Hub.Leave(_member);
        }
        else
        {
            Abort(CloseReason.ConnectionReset);
        }

        LoopEnded();
    }

    /// <summary>
    /// Applies the complete lines of <paramref name="data"/> in order, while the member's rate has a
    /// token for each; returns the bytes consumed. <paramref name="throttled"/>: lines are left that
    /// must wait for the rate. <paramref name="lines"/>: at least one line was read.
    /// </summary>
    private int ProcessLines(ReadOnlySpan<byte> data, long now, out bool throttled, out bool lines)
    {
        int offset = 0;
        bool replied = false;
        throttled = false;
        lines = false;
        if (_throttledSince != 0 && _lineRate.IsRested(now))
        {
            _throttledSince = 0; // back under the rate long enough to have its whole burst again
        }

        Span<byte> err = stackalloc byte[40];
        ChatHub.Batch batch = _context.Hub.BeginBatch();
        try
        {
            while (!_discardInput)
            {
                if (_lineRate.IsEnabled && !_lineRate.TryTake(now))
                {
                    // No token. Wait only if what is left can hold a line (an LF, a line already too
                    // long, or the rest of one being skipped); a short tail without LF is just kept.
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

                if (status == OperationStatus.InvalidData)
                {
                    // ERR line-too-long <max>: the line is discarded up to its LF; nothing is broadcast.
                    _context.Counters.LineTooLong();
                    ServerLineWriter.TryWriteLineTooLong(err, _framer.MaxLineLength, out int n);
                    replied |= _member.Output.EnqueuePrivate(batch.ReplyPosition, err[..n]);
                    continue;
                }

                replied |= Apply(ref batch, line);
            }
        }
        finally
        {
            batch.Dispose();
        }

        if (replied)
        {
            _member.Output.Signal.Set();
            _context.Hub.CheckPending(_member);
        }

        return _discardInput ? data.Length : offset;
    }

    /// <summary>One client line; returns true when a private reply was queued.</summary>
    private bool Apply(ref ChatHub.Batch batch, ReadOnlySpan<byte> line)
    {
        switch (ClientLine.Parse(line, out ReadOnlySpan<byte> argument))
        {
            case ClientLineKind.Chat:
                batch.Message(_member, argument);
                return false;

            case ClientLineKind.Users:
                return batch.Users(_member);

            case ClientLineKind.Ping:
            {
                Span<byte> pong = stackalloc byte[5 + 1 + ProtocolTokens.MaxIdLength];
                if (argument.Length + 7 > pong.Length)
                {
                    // Tokens can be as long as a line; format the rare long one on a rented buffer.
                    byte[] rented = ArrayPool<byte>.Shared.Rent(argument.Length + 7);
                    ServerLineWriter.TryWritePong(rented, argument, out int w);
                    bool queued = _member.Output.EnqueuePrivate(batch.ReplyPosition, rented.AsSpan(0, w));
                    ArrayPool<byte>.Shared.Return(rented);
                    return queued;
                }

                ServerLineWriter.TryWritePong(pong, argument, out int written);
                return _member.Output.EnqueuePrivate(batch.ReplyPosition, pong[..written]);
            }

            case ClientLineKind.Quit:
                if (batch.Quit(_member))
                {
                    SetCloseReason(CloseReason.Quit);
                }

                _discardInput = true;
                return true;

            case ClientLineKind.UnknownCommand:
            {
                byte[] rented = ArrayPool<byte>.Shared.Rent(argument.Length + 24);
                ServerLineWriter.TryWriteUnknownCommand(rented, argument, out int w);
                bool queued = _member.Output.EnqueuePrivate(batch.ReplyPosition, rented.AsSpan(0, w));
                ArrayPool<byte>.Shared.Return(rented);
                return queued;
            }

            default: // Empty, /pong: nothing to answer (any line answers a PING)
                return false;
        }
    }
}
