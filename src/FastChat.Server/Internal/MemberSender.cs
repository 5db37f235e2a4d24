using System.Net.Sockets;
using FastChat.Threading;

namespace FastChat.Server.Internal;

/// <summary>Where a member's due bytes go: bytes taken (at least 1), 0 when it would block, -1 on failure.</summary>
internal interface ISendChannel
{
    int TrySend(ReadOnlySpan<byte> data);
}

/// <summary>What <see cref="MemberSender.SendDue"/> left behind.</summary>
internal enum SendOutcome
{
    /// <summary>Everything due was sent; the stream goes on.</summary>
    Idle,

    /// <summary>Everything was sent and the member's stream has ended.</summary>
    Finished,

    /// <summary>The channel took nothing more: the rest waits for the socket.</summary>
    WouldBlock,

    /// <summary>The channel failed; the general path meets the same error and reports it.</summary>
    Failed,
}

/// <summary>
/// One member's sending: the loop that hands what is due, whole contiguous runs of lines, to the
/// socket. The fan-out walker runs it with non-blocking sends while the member's send loop is
/// parked (<see cref="TrySendNow"/>); the send loop runs it itself, and waits for the socket with
/// its SAEA only when the kernel cannot take more (<see cref="RunAsync"/>).
/// </summary>
internal sealed class MemberSender(Socket socket, MemberOutput output, CountingObjectPool<SendArgs> argsPool, ServerCounters counters,
    Microsoft.Extensions.Logging.ILogger logger)
{
    /// <summary>The loop itself: every run that is due, through <paramref name="channel"/>, until it takes nothing more.</summary>
    public static SendOutcome SendDue<TChannel>(MemberOutput output, ref TChannel channel)
        where TChannel : struct, ISendChannel
    {
        while (output.TryGetNext(out ReadOnlyMemory<byte> data, out bool isPrivate))
        {
            int sent = channel.TrySend(data.Span);
            if (sent <= 0)
            {
                return sent == 0 ? SendOutcome.WouldBlock : SendOutcome.Failed;
            }

            output.Advance(isPrivate, sent);
        }

        return output.IsFinished ? SendOutcome.Finished : SendOutcome.Idle;
    }

    /// <summary>
    /// The walker's fast path, while the send loop is parked: true when everything due went out and
    /// the loop can stay parked; false hands over to it (the socket would block, or the stream ended).
    /// </summary>
    public bool TrySendNow()
    {
        if (!NonBlockingSend.IsEnabled)
        {
            return false;
        }

        var channel = new NonBlockingChannel(socket, counters, logger);
        return SendDue(output, ref channel) == SendOutcome.Idle;
    }

    /// <summary>
    /// The send loop: sends what is due whenever the member's signal says there is more; true when
    /// the member's stream ended and all of it was sent, false when the socket failed or was closed.
    /// </summary>
    public async Task<bool> RunAsync()
    {
        SendArgs? args = null;
        AsyncSignal signal = output.Signal;
        try
        {
            while (true)
            {
                var channel = new NonBlockingChannel(socket, counters, logger);
                SendOutcome outcome = NonBlockingSend.IsEnabled ? SendDue(output, ref channel) : SendOutcome.WouldBlock;
                switch (outcome)
                {
                    case SendOutcome.Finished:
                        return true;

                    case SendOutcome.Idle:
                        // Caught up: an idle member holds no send SAEA either (rented per burst, as
                        // Kestrel's SocketSenderPool does).
                        if (args is not null)
                        {
                            argsPool.Return(args);
                            args = null;
                        }

                        if (!await signal.WaitAsync())
                        {
                            return false; // aborted
                        }

                        continue;
                }

                // The kernel takes no more now (or there is no fast path): one SAEA send, which waits
                // for the socket and reports an error as a value.
                if (!output.TryGetNext(out ReadOnlyMemory<byte> data, out bool isPrivate))
                {
                    if (output.IsFinished)
                    {
                        return true;
                    }

                    continue;
                }

                args ??= argsPool.Get();
                SocketResult result = await args.SendAsync(socket, data);
                if (!result.Succeeded)
                {
                    return false;
                }

                counters.Sent(result.BytesTransferred);
                output.Advance(isPrivate, result.BytesTransferred);
            }
        }
        finally
        {
            if (args is not null)
            {
                argsPool.Return(args);
            }
        }
    }

    // send(2) with MSG_DONTWAIT on the member's socket; without libc's send, every send takes the SAEA.
    private readonly struct NonBlockingChannel(Socket socket, ServerCounters counters, Microsoft.Extensions.Logging.ILogger logger) : ISendChannel
    {
        public int TrySend(ReadOnlySpan<byte> data)
        {
            int sent;
            try
            {
                sent = NonBlockingSend.TrySend(socket.SafeHandle, data);
            }
            catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
            {
                if (NonBlockingSend.Disable())
                {
                    Log.FastSendUnavailable(logger, ex);
                }

                return 0;
            }

            if (sent > 0)
            {
                counters.Sent(sent);
            }

            return sent;
        }
    }
}
