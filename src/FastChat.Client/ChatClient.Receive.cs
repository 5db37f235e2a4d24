using System.Buffers;
using System.Net.Sockets;
using FastChat.Protocol;

namespace FastChat.Client;

public sealed partial class ChatClient
{
    /// <summary>
    /// Reads the socket into one pooled buffer, cuts lines with <see cref="LineFramer"/>, parses them
    /// in place and publishes the events. The buffer holds at most one unfinished line after each
    /// pass; it grows (pooled) only for a line longer than it, up to the configured limit.
    /// </summary>
    private async Task ReceiveLoopAsync()
    {
        // Let the constructor return before the first receive runs on the caller's stack.
        await Task.Yield();

        var framer = new LineFramer(_options.MaxLineLength);
        int limit = framer.MaxBufferedBytes + 1; // max line + CR + LF
        byte[] buffer = ArrayPool<byte>.Shared.Rent(Math.Min(_options.ReceiveBufferSize, limit));
        int filled = 0;
        DisconnectReason reason = DisconnectReason.ConnectionLost;
        SocketError error = SocketError.Success;
        CancellationToken token = _closing.Token;
        try
        {
            while (true)
            {
                if (filled == buffer.Length)
                {
                    // Only an unfinished line longer than the buffer gets here (whole lines are
                    // consumed below); the framer refuses lines past the limit before this overflows.
                    byte[] bigger = ArrayPool<byte>.Shared.Rent(Math.Min(buffer.Length * 2, Math.Max(limit, buffer.Length + 1)));
                    buffer.AsSpan(0, filled).CopyTo(bigger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = bigger;
                }

                // Socket's ValueTask receive reuses a cached awaitable per socket: no allocation per read.
                int received = await _socket.ReceiveAsync(buffer.AsMemory(filled), SocketFlags.None, token);
                if (received == 0)
                {
                    // End of stream: expected after FULL/BYE, a lost connection otherwise.
                    reason = _parser.FinalLineSeen ? DisconnectReason.Closed : DisconnectReason.ConnectionLost;
                    break;
                }

                filled += received;
                int start = 0;
                while (true)
                {
                    ChatEvent? e = NextEvent(ref framer, buffer.AsSpan(start, filled - start), out int consumed, out bool needMore);
                    start += consumed;
                    if (e is PingEvent ping)
                    {
                        // Answered at once, not after the reader gets to it: a silent member that does
                        // not answer in time is cut off (docs/PROTOCOL.md section 11).
                        AnswerPing(ping.Token);
                    }

                    if (e is not null && !_events.Writer.TryWrite(e))
                    {
                        await _events.Writer.WriteAsync(e, token);
                    }

                    if (needMore)
                    {
                        break;
                    }
                }

                // Keep the unfinished line (usually a few bytes, usually none) at the front.
                filled -= start;
                if (filled > 0 && start > 0)
                {
                    buffer.AsSpan(start, filled).CopyTo(buffer);
                }
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            reason = DisconnectReason.ClosedLocally;
        }
        catch (ObjectDisposedException)
        {
            reason = DisconnectReason.ClosedLocally;
        }
        catch (SocketException e)
        {
            // A reset right after the final line is still a clean close for the user.
            reason = _disposed != 0 ? DisconnectReason.ClosedLocally
                : _parser.FinalLineSeen ? DisconnectReason.Closed
                : DisconnectReason.ConnectionLost;
            error = e.SocketErrorCode;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        // The last event. A full channel waits for the reader, unless the client is being disposed.
        var disconnected = new DisconnectedEvent(reason, error, DateTimeOffset.Now);
        if (!_events.Writer.TryWrite(disconnected))
        {
            try
            {
                await _events.Writer.WriteAsync(disconnected, token);
            }
            catch (OperationCanceledException)
            {
                // Disposed while nobody reads: there is no one left to tell.
            }
        }

        _events.Writer.TryComplete();
    }

    /// <summary>
    /// Frames and parses the next line of <paramref name="input"/>. Synchronous so the spans never
    /// cross an await. <paramref name="needMore"/> when no complete line is left.
    /// </summary>
    private ChatEvent? NextEvent(ref LineFramer framer, ReadOnlySpan<byte> input, out int consumed, out bool needMore)
    {
        OperationStatus status = framer.TryReadLine(input, out ReadOnlySpan<byte> line, out consumed);
        needMore = status == OperationStatus.NeedMoreData;

        // InvalidData: a server line past MaxLineLength. It is skipped; nothing to hand out.
        return status == OperationStatus.Done ? _parser.Parse(line, DateTimeOffset.Now) : null;
    }
}
