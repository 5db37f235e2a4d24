using System.Buffers;
using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using FastChat.Protocol;

namespace FastChat.LoadTest.Internal;

/// <summary>
/// <c>fastchat-loadtest bench-verify</c>: how many deliveries per second one core of the tool can
/// frame, parse, verify and record, without sockets (the receive path minus the read() call).
/// </summary>
internal static class VerifyBenchmark
{
    public static (double DeliveriesPerSecond, double NanosPerDelivery, long Lost) Run(int senders, int size, TimeSpan duration)
    {
        using var run = new FanoutRunState(senders, 16);
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        var connection = new ClientConnection(0, socket, new byte[64 * 1024], 4096);
        var receiver = new FanoutReceiver(run, connection, 0, verifies: true);
        LineSink sink = new FastChatTarget().CreateReceiver(receiver);
        run.Epoch = Stopwatch.GetTimestamp();
        run.MeasureStart = run.Epoch;
        var framer = new LineFramer(4096);
        long[] seq = new long[senders];
        byte[] buffer = new byte[64 * 1024];
        Span<byte> payload = stackalloc byte[Math.Max(size, PayloadCodec.MaxHeaderLength)];
        long delivered = 0;
        long busy = 0; // ticks spent framing, parsing, verifying and recording (buffer building excluded)
        long budget = (long)(duration.TotalSeconds * Stopwatch.Frequency);
        while (busy < budget)
        {
            // Build one receive's worth of lines as a server would send them: "MSG <id> <payload>\r\n".
            int pos = 0;
            long now = Stopwatch.GetTimestamp();
            int lines = 0;
            while (pos + 200 < buffer.Length)
            {
                int s = lines++ % senders;
                Encoding.ASCII.GetBytes("MSG 12345 ", buffer.AsSpan(pos));
                pos += 10;
                int n = PayloadCodec.Write(payload, size, now - run.Epoch, s, seq[s]++, 0);
                payload[..n].CopyTo(buffer.AsSpan(pos));
                pos += n;
                buffer[pos++] = (byte)'\r';
                buffer[pos++] = (byte)'\n';
            }

            long t = Stopwatch.GetTimestamp();
            ReadOnlySpan<byte> rest = buffer.AsSpan(0, pos);
            sink.BeginBatch(t);
            while (framer.TryReadLine(rest, out ReadOnlySpan<byte> line, out int consumed) == OperationStatus.Done)
            {
                rest = rest[consumed..];
                sink.OnLine(line, t);
            }

            sink.EndBatch(t);
            busy += Stopwatch.GetTimestamp() - t;
            delivered += lines;
        }

        double seconds = busy / (double)Stopwatch.Frequency;
        return (delivered / seconds, seconds * 1e9 / delivered, receiver.Verifier!.Gaps);
    }
}
