using System.Globalization;
using System.Text;
using CsCheck;
using static FastChat.Tests.Shared.SplitGen;
using static FastChat.Protocol.Tests.FramerHarness;

namespace FastChat.Protocol.Tests;

/// <summary>
/// TCP may cut a stream anywhere, so every reader must see in any split of a stream exactly what it
/// sees in the whole stream: the framer, the server's classification of client lines and the
/// client's parsing of server lines. The splits are generated as cut points between bytes.
/// </summary>
public class SplitPropertyTests
{
    private const int Iterations = 5000;

    // The framing limit of a client reading server lines (ChatClientOptions.MaxLineLength default).
    private const int ClientMaxLineLength = 1024 * 1024;

    private const string IdAlphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz._-";

    // Any byte but LF, biased toward the ones framing and sanitising care about.
    private static readonly Gen<byte> NonLfByte = Gen.Frequency(
        (6, (IGen<byte>)Gen.Byte[0x20, 0x7E]),
        (3, Gen.Const((byte)'\r')),
        (1, Gen.Const((byte)0)),
        (2, Gen.Byte[0x80, 0xFF]),
        (1, Gen.Byte.Where(b => b != (byte)'\n')));

    private static readonly Gen<byte> StreamByte = Gen.Frequency(
        (8, (IGen<byte>)NonLfByte),
        (2, Gen.Const((byte)'\n')));

    // How a run of line bytes ends: the CR cases decide whether a line of max bytes still fits.
    private static readonly Gen<byte[]> LineEnd = Gen.Frequency(
        (3, (IGen<byte[]>)Gen.Const(Bytes("\n"))),
        (3, Gen.Const(Bytes("\r\n"))),
        (1, Gen.Const(Bytes("\r\r\n"))),
        (1, Gen.Const(Bytes("\r"))),
        (1, Gen.Const(Array.Empty<byte>())));

    /// <summary>Framer input for a limit: short bits, lines of max-2..max+2 bytes and long runs without LF.</summary>
    private static Gen<byte[]> FramerInput(int max)
    {
        Gen<byte[]> nearLimit = Gen.Select(NonLfByte.Array[Math.Max(0, max - 2), max + 2], LineEnd, Concat);
        Gen<byte[]> longRun = Gen.Select(NonLfByte.Array[max + 3, (3 * max) + 3], LineEnd, Concat);
        Gen<byte[]> segment = Gen.Frequency(
            (3, (IGen<byte[]>)StreamByte.Array[1, 8]),
            (3, nearLimit),
            (1, longRun));
        return segment.Array[0, 10].Select(Concat);
    }

    /// <summary>What a hostile client sends to make the server hold bytes: long runs, LF rare or absent.</summary>
    private static Gen<byte[]> HostileInput(int max) => Gen.Frequency(
        (1, (IGen<byte[]>)NonLfByte.Array[0, (4 * max) + 8]),
        (1, Gen.Frequency((60, (IGen<byte>)NonLfByte), (1, Gen.Const((byte)'\n'))).Array[0, (4 * max) + 8]));

    private static Gen<(int Max, byte[] Input, int[] Chunks)> Split(Gen<int> max, Func<int, Gen<byte[]>> input) =>
        from m in max
        from bytes in input(m)
        from chunks in Chunks(bytes.Length)
        select (m, bytes, chunks);

    private static string Print((int Max, byte[] Input, int[] Chunks) t) =>
        $"max={t.Max} input=\"{Escape(Latin1(t.Input))}\" ({t.Input.Length} bytes) chunks=[{string.Join(",", t.Chunks)}]";

    [Fact]
    public void Framer_gives_the_same_lines_and_refusals_for_any_split_as_for_the_whole_input()
    {
        Split(Gen.Int[1, 64], FramerInput).Sample(
            (max, input, chunks) =>
            {
                // Same events, same unfinished tail, same skipping state: nothing depends on the cuts.
                FramerRun whole = FeedWhole(max, input);
                FramerRun split = Feed(max, input, chunks);
                AssertSameOutcome(whole, split, "split vs whole");
            },
            iter: Iterations,
            print: Print);
    }

    [Fact]
    public void Framer_never_holds_more_than_max_plus_one_bytes_whatever_a_client_sends_and_however_it_is_cut()
    {
        // The memory bound per connection: a trailing CR is the only byte held beyond the limit.
        Split(Gen.Int[1, 64], max => Gen.OneOf(FramerInput(max), HostileInput(max))).Sample(
            (max, input, chunks) =>
            {
                FramerRun split = Feed(max, input, chunks);
                Assert.InRange(split.MaxHeld, 0, max + 1);
            },
            iter: Iterations,
            print: Print);
    }

    // Client lines rich in command prefixes, spaces and CRs, so every ClientLineKind comes up.
    private static readonly Gen<byte[]> ClientLineBytes = Gen.Frequency(
        (4, (IGen<byte[]>)Gen.OneOf(
            Bytes("/users"), Bytes("/ping"), Bytes("/quit"), Bytes("/"), Bytes("//"), Bytes(" "), Bytes("  "),
            Bytes("/USERS"), Bytes("/ping  tok  "), Bytes("/users\0"), Bytes("/nick bob"), Bytes("\r"), Bytes("hi"))),
        (3, NonLfByte.Array[1, 10])).Array[0, 4].Select(Concat);

    private static readonly Gen<byte[]> ClientStream =
        Gen.Select(ClientLineBytes, LineEnd, Concat).Array[0, 12].Select(Concat);

    /// <summary>What the server makes of each framed line: a refusal, or the kind and the raw argument.</summary>
    private static List<string> Classify(FramerRun run) =>
        [.. run.Events.Select(e =>
        {
            if (e == TooLong)
            {
                return TooLong;
            }

            ClientLineKind kind = ClientLine.Parse(Bytes(e["line:".Length..]), out ReadOnlySpan<byte> argument);
            return $"{kind}:{Escape(Latin1(argument))}";
        })];

    [Fact]
    public void Server_classifies_client_lines_the_same_for_any_split_as_for_the_whole_stream()
    {
        Split(Gen.Int[1, 64], _ => ClientStream).Sample(
            (max, input, chunks) =>
            {
                List<string> whole = Classify(FeedWhole(max, input));
                List<string> split = Classify(Feed(max, input, chunks));
                Assert.True(whole.SequenceEqual(split), $"whole: {Show(whole)}\nsplit: {Show(split)}");
            },
            iter: Iterations,
            print: Print);
    }

    /// <summary>A line as written by <see cref="ServerLineWriter"/>, and what parsing it must give back.</summary>
    private sealed record WrittenLine(string Expected, byte[] Bytes)
    {
        public override string ToString() => Escape(Latin1(Bytes));
    }

    private delegate bool Writer(Span<byte> destination, out int written);

    private static WrittenLine Written(ServerLineKind kind, byte[] argument, byte[] rest, Writer write)
    {
        byte[] buffer = new byte[1024];
        Assert.True(write(buffer, out int written));
        return new WrittenLine(Describe(kind, argument, rest), buffer[..written]);
    }

    private static string Describe(ServerLineKind kind, ReadOnlySpan<byte> argument, ReadOnlySpan<byte> rest) =>
        $"{kind} [{Escape(Latin1(argument))}] [{Escape(Latin1(rest))}]";

    // Written here rather than with AsciiText, so the expectation does not share code with the writer.
    private static byte[] Sanitised(byte[] text) => [.. text.Select(b => b is >= 0x20 and <= 0x7E ? b : (byte)'?')];

    private static readonly Gen<byte[]> Id = Gen.Frequency(
        (3, (IGen<byte[]>)Gen.Int[1, 99_999].Select(i => Bytes(i.ToString(CultureInfo.InvariantCulture)))),
        (1, Gen.Int[0, IdAlphabet.Length - 1].Select(i => (byte)IdAlphabet[i]).Array[1, ProtocolTokens.MaxIdLength]));

    // Client-supplied text before the writer sanitises it: CR, LF and NUL included.
    private static readonly Gen<byte[]> RawText = StreamByte.Array[0, 40];

    private static readonly Gen<WrittenLine> ServerLineGen = Gen.OneOf(
        Gen.Select(Id, RawText, (id, text) => Written(ServerLineKind.Message, id, Sanitised(text),
            (Span<byte> d, out int n) => ServerLineWriter.TryWriteMsg(d, id, text, out n))),
        Id.Select(id => Written(ServerLineKind.Join, id, [],
            (Span<byte> d, out int n) => ServerLineWriter.TryWriteJoin(d, id, out n))),
        Id.Select(id => Written(ServerLineKind.Leave, id, [],
            (Span<byte> d, out int n) => ServerLineWriter.TryWriteLeave(d, id, out n))),
        Id.Select(id => Written(ServerLineKind.Welcome, id, [],
            (Span<byte> d, out int n) => ServerLineWriter.TryWriteWelcome(d, id, out n))),
        Id.Array[0, 12].Select(ids => Written(ServerLineKind.Users, Bytes(string.Join(' ', ids.Select(id => Latin1(id)))), [],
            (Span<byte> d, out int n) =>
            {
                ServerLineWriter.TryWriteUsersStart(d, out n);
                foreach (byte[] id in ids)
                {
                    ServerLineWriter.TryAppendUser(d[n..], id, out int appended);
                    n += appended;
                }

                ServerLineWriter.TryWriteCrLf(d[n..], out int end);
                n += end;
                return true;
            })),
        RawText.Select(token => Written(ServerLineKind.Pong, Sanitised(token), [],
            (Span<byte> d, out int n) => ServerLineWriter.TryWritePong(d, token, out n))),
        Gen.Int[1, 1 << 20].Select(max => Written(ServerLineKind.Error, Bytes("line-too-long"), Bytes(max.ToString(CultureInfo.InvariantCulture)),
            (Span<byte> d, out int n) => ServerLineWriter.TryWriteLineTooLong(d, max, out n))),
        RawText.Select(name => Written(ServerLineKind.Error, Bytes("unknown-command"), Sanitised(name),
            (Span<byte> d, out int n) => ServerLineWriter.TryWriteUnknownCommand(d, name, out n))),
        Gen.OneOf("quit", "shutdown", "slow-consumer").Select(reason => Written(ServerLineKind.Bye, Bytes(reason), [],
            (Span<byte> d, out int n) => ServerLineWriter.TryWriteBye(d, Bytes(reason), out n))),
        Gen.Int[0, int.MaxValue].Select(max => Written(ServerLineKind.Full, Bytes(max.ToString(CultureInfo.InvariantCulture)), [],
            (Span<byte> d, out int n) => ServerLineWriter.TryWriteFull(d, max, out n))));

    /// <summary>What a client reads from a stream of server lines: the kind, argument and rest of each.</summary>
    private static List<string> ParseServerLines(FramerRun run)
    {
        Assert.Empty(run.Leftover);
        return [.. run.Events.Select(e =>
        {
            Assert.NotEqual(TooLong, e);
            byte[] line = Bytes(e["line:".Length..]);
            Assert.True(ServerLine.TryParse(line, out ServerLine parsed), $"not a v1 line: {Escape(Latin1(line))}");
            return Describe(parsed.Kind, parsed.Argument, parsed.Rest);
        })];
    }

    [Fact]
    public void Client_parses_written_server_lines_back_the_same_for_any_split()
    {
        // Extends the whole-stream round trip in ServerLineTests to every line kind and to splits.
        Gen<(WrittenLine[] Lines, byte[] Stream, int[] Chunks)> gen =
            from lines in ServerLineGen.Array[0, 16]
            let stream = Concat(lines.Select(l => l.Bytes))
            from chunks in Chunks(stream.Length)
            select (lines, stream, chunks);

        gen.Sample(
            (lines, stream, chunks) =>
            {
                List<string> written = [.. lines.Select(l => l.Expected)];
                List<string> whole = ParseServerLines(FeedWhole(ClientMaxLineLength, stream));
                List<string> split = ParseServerLines(Feed(ClientMaxLineLength, stream, chunks));
                Assert.True(written.SequenceEqual(whole), $"written: {Show(written)}\nwhole:   {Show(whole)}");
                Assert.True(whole.SequenceEqual(split), $"whole: {Show(whole)}\nsplit: {Show(split)}");
            },
            iter: Iterations,
            print: PrintLines);
    }

    private static string PrintLines((WrittenLine[] Lines, byte[] Stream, int[] Chunks) t) =>
        $"stream=\"{Escape(Latin1(t.Stream))}\" chunks=[{string.Join(",", t.Chunks)}]";

    private static byte[] Concat(byte[] a, byte[] b) => [.. a, .. b];

    private static byte[] Concat(IEnumerable<byte[]> parts) => [.. parts.SelectMany(p => p)];

    private static string Latin1(ReadOnlySpan<byte> bytes) => Encoding.Latin1.GetString(bytes);
}
