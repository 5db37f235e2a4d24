using System.Buffers;
using System.Text;

namespace FastChat.Protocol.Tests;

/// <summary>
/// The framing, parsing, sanitising and formatting path runs for every line a server receives and
/// every line it sends, so it must allocate nothing per line.
/// </summary>
/// <remarks>
/// The project runs without tiered compilation (see the csproj): with it, the runtime's background
/// tier-up may allocate on this thread at a moment that depends on the machine's speed.
/// </remarks>
public class AllocationTests
{
    private const int Lines = 10_000;
    private const int MaxLineLength = 1024;
    private const int ReceiveSize = 1500;

    [Fact]
    public void Framing_parsing_and_formatting_10000_lines_allocates_nothing()
    {
        byte[] stream = BuildClientStream();
        byte[] held = new byte[MaxLineLength + 1 + ReceiveSize];
        byte[] output = new byte[ServerLineWriter.MaxLineBytes(MaxLineLength) + 64];

        // Warm-up: JIT and static initialisers (SearchValues) run once, on this first pass.
        Assert.Equal(Lines, Run(stream, held, output));

        long[] rounds = new long[3];
        for (int i = 0; i < rounds.Length; i++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            int lines = Run(stream, held, output);
            rounds[i] = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.Equal(Lines, lines);
        }

        // An allocation per line costs at least 24 bytes a line, 240 KB a round, in every round. The
        // runtime itself now and then allocates a few KB on this thread (seen under a parallel test
        // run), so: nothing in some round, and under a byte a line in each.
        Assert.True(rounds.Min() == 0 && rounds.All(r => r < Lines), $"allocated per round: {string.Join(", ", rounds)} bytes");
    }

    private static byte[] BuildClientStream()
    {
        var sb = new StringBuilder();
        string[] shapes =
        [
            "hello everyone, this is a chat line of ordinary length\r\n",
            "//slash text\n",
            "/ping 1700000000123\r\n",
            "/users\r\n",
            "/nick bob\n",
            "text with \x1b[2J escapes and \xff bytes\r\n",
            "\r\n",
            new string('x', MaxLineLength + 10) + "\r\n",
        ];
        for (int i = 0; i < Lines; i++)
        {
            sb.Append(shapes[i % shapes.Length]);
        }

        return Encoding.Latin1.GetBytes(sb.ToString());
    }

    /// <summary>A connection's receive loop in miniature; returns how many lines it handled.</summary>
    private static int Run(byte[] stream, byte[] held, byte[] output)
    {
        var framer = new LineFramer(MaxLineLength);
        int heldCount = 0;
        int handled = 0;
        for (int position = 0; position < stream.Length; position += ReceiveSize)
        {
            int size = Math.Min(ReceiveSize, stream.Length - position);
            stream.AsSpan(position, size).CopyTo(held.AsSpan(heldCount));
            heldCount += size;

            int start = 0;
            while (true)
            {
                OperationStatus status = framer.TryReadLine(held.AsSpan(start, heldCount - start), out ReadOnlySpan<byte> line, out int consumed);
                start += consumed;
                if (status == OperationStatus.NeedMoreData)
                {
                    break;
                }

                handled++;
                int written = status == OperationStatus.InvalidData
                    ? Write(ServerLineWriter.TryWriteLineTooLong(output, MaxLineLength, out int n), n)
                    : Answer(line, output);
                if (written > 0)
                {
                    Check(output.AsSpan(0, written - 2));
                }
            }

            held.AsSpan(start, heldCount - start).CopyTo(held);
            heldCount -= start;
        }

        return handled;
    }

    private static int Answer(ReadOnlySpan<byte> line, Span<byte> output)
    {
        int n;
        switch (ClientLine.Parse(line, out ReadOnlySpan<byte> argument))
        {
            case ClientLineKind.Chat:
                return Write(ServerLineWriter.TryWriteMsg(output, "12345"u8, argument, out n), n);
            case ClientLineKind.Ping:
                return Write(ServerLineWriter.TryWritePong(output, argument, out n), n);
            case ClientLineKind.UnknownCommand:
                return Write(ServerLineWriter.TryWriteUnknownCommand(output, argument, out n), n);
            case ClientLineKind.Users:
                ServerLineWriter.TryWriteUsersStart(output, out int at);
                Span<byte> id = stackalloc byte[20];
                for (long member = 1; member <= 5; member++)
                {
                    ServerLineWriter.TryFormatId(member, id, out int idLength);
                    ServerLineWriter.TryAppendUser(output[at..], id[..idLength], out n);
                    at += n;
                }

                ServerLineWriter.TryWriteCrLf(output[at..], out n);
                return at + n;
            case ClientLineKind.Quit:
                return Write(ServerLineWriter.TryWriteBye(output, ProtocolTokens.QuitReason, out n), n);
            default:
                return Write(ServerLineWriter.TryWriteFull(output, 10_000, out n), n);
        }
    }

    private static int Write(bool ok, int written)
    {
        if (!ok)
        {
            throw new InvalidOperationException("output buffer too small");
        }

        return written;
    }

    // What a client does with each line it receives.
    private static void Check(ReadOnlySpan<byte> serverLine)
    {
        if (!ServerLine.TryParse(serverLine, out ServerLine parsed))
        {
            throw new InvalidOperationException("unparsable server line");
        }

        int ids = 0;
        foreach (ReadOnlySpan<byte> id in parsed.Ids)
        {
            ids += id.Length;
        }

        if (parsed.Kind == ServerLineKind.Users && ids != 5)
        {
            throw new InvalidOperationException("wrong USERS line");
        }
    }
}
