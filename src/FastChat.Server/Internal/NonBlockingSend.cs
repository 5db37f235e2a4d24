using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace FastChat.Server.Internal;

/// <summary>
/// One non-blocking <c>send(2)</c> straight on a socket's descriptor: the fast path of
/// <see cref="MemberSender"/>, cheaper than the SAEA for a send that nearly always completes at once.
/// </summary>
/// <remarks>
/// Not <see cref="Socket.Send(ReadOnlySpan{byte}, SocketFlags, out SocketError)"/>: when the kernel
/// takes part of a buffer and then would block, that reports WouldBlock and 0 bytes, so what went
/// out is lost. Linux only (the errno values below); elsewhere every send takes the SAEA.
/// </remarks>
internal static partial class NonBlockingSend
{
    // <sys/socket.h>, Linux: MSG_DONTWAIT = 0x40 (do not block even on a blocking descriptor),
    // MSG_NOSIGNAL = 0x4000 (a reset peer is EPIPE, not SIGPIPE). <errno.h>: EINTR 4, EAGAIN 11.
    private const int MsgDontWait = 0x40;
    private const int MsgNoSignal = 0x4000;
    private const int EIntr = 4;
    private const int EAgain = 11;

    private static volatile bool s_enabled = OperatingSystem.IsLinux();

    public static bool IsEnabled => s_enabled;

    /// <summary>Turns the fast path off for the process (libc or its send not found); true the first time.</summary>
    public static bool Disable()
    {
        bool was = s_enabled;
        s_enabled = false;
        return was;
    }

    /// <summary>
    /// Sends what the kernel takes now: the byte count (at least 1), 0 when it would block, or -1
    /// on any error (the general path then meets the same error and reports it as a value).
    /// </summary>
    public static int TrySend(SafeSocketHandle socket, ReadOnlySpan<byte> data)
    {
        while (true)
        {
            nint sent = Send(socket, ref MemoryMarshal.GetReference(data), (nuint)data.Length, MsgDontWait | MsgNoSignal);
            if (sent >= 0)
            {
                return (int)sent;
            }

            int errno = Marshal.GetLastPInvokeError();
            if (errno != EIntr)
            {
                return errno == EAgain ? 0 : -1;
            }
        }
    }

    [LibraryImport("libc", EntryPoint = "send", SetLastError = true)]
    private static partial nint Send(SafeSocketHandle socket, ref byte buffer, nuint length, int flags);
}
