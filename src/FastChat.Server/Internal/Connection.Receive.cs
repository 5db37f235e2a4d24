using System.Buffers;
using System.Net.Sockets;
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
                    // EOF: the client is leaving (PROTOCOL-NOTES 2). An unfinished line is dropped:
                    // a partial line is never broadcast.
                    SetCloseReason(CloseReason.ClientClosed);
                    break;
                }

                _context.Counters.Received(received);
                int total = held + received;
                int consumed = _discardInput ? total : ProcessLines(block.AsSpan(0, total));
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

    private void ReceiveEnded()
    {
        _receiveEnded = true;
        switch (CloseReason)
        {
            case CloseReason.ClientClosed:
            case CloseReason.Quit:
            case CloseReason.Shutdown:
            case CloseReason.SlowConsumer:
                // Leaving cleanly: the sender still flushes what the member is owed, then closes.
                _context.Hub.Leave(_member);
                break;
            default:
                Abort(CloseReason.ConnectionReset);
                break;
        }

        LoopEnded();
    }

    /// <summary>
    /// Applies every complete line of <paramref name="data"/> in order; returns the bytes consumed
    /// (the rest is an unfinished line to keep).
    /// </summary>
    private int ProcessLines(ReadOnlySpan<byte> data)
    {
        int offset = 0;
        bool replied = false;
        Span<byte> err = stackalloc byte[40];
        ChatHub.Batch batch = _context.Hub.BeginBatch();
        try
        {
            while (!_discardInput)
            {
                OperationStatus status = _framer.TryReadLine(data[offset..], out ReadOnlySpan<byte> line, out int consumed);
                offset += consumed;
                if (status == OperationStatus.NeedMoreData)
                {
                    break;
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

            default: // Empty: ignored
                return false;
        }
    }
}
