using System.Buffers;
using CsCheck;
using static FastChat.Protocol.Tests.FramerHarness;

namespace FastChat.Protocol.Tests;

public class LineFramerTests
{
    private const int Max = 8;
    private const string Eight = "12345678";
    private const string Nine = "123456789";

    /// <summary>A stream, and what a reader must see in it with lines of at most <see cref="Max"/> bytes.</summary>
    private sealed record Case(string Input, string[] Events, string Leftover = "", bool Skipping = false);

    private static readonly string Garbage = BinaryGarbage(3 * Max + 5);

    private static readonly Dictionary<string, Case> Cases = new()
    {
        ["several lines, CRLF and LF"] = new("hello\r\nworld\nabc\r\n", ["line:hello", "line:world", "line:abc"]),
        ["empty lines"] = new("\n\r\n\n\r\nx\n", ["line:", "line:", "line:", "line:", "line:x"]),
        ["exactly max + CRLF"] = new(Eight + "\r\nnext\n", ["line:" + Eight, "line:next"]),
        ["exactly max + LF"] = new(Eight + "\n", ["line:" + Eight]),
        ["max+1 + CRLF"] = new(Nine + "\r\nok\n", [TooLong, "line:ok"]),
        ["max+1 + LF"] = new(Nine + "\nok\r\n", [TooLong, "line:ok"]),
        ["overlong with LF"] = new(new string('x', 30) + "\r\nafter\r\n", [TooLong, "line:after"]),
        ["two overlong in a row"] = new(new string('x', 20) + "\n" + new string('y', 20) + "\r\nz\n", [TooLong, TooLong, "line:z"]),
        ["overlong without LF"] = new("ok\n" + new string('x', 30), ["line:ok", TooLong], Skipping: true),
        ["binary garbage without LF"] = new(Garbage, [TooLong], Skipping: true),
        ["binary garbage, then LF and a line"] = new(Garbage + "\nhi\r\n", [TooLong, "line:hi"]),
        ["CR not followed by LF inside a line"] = new("a\rb\r\n\r\rx\n", ["line:a\rb", "line:\r\rx"]),
        ["two CRs before LF: only one dropped"] = new("ab\r\r\n", ["line:ab\r"]),
        ["max + CR + CR + LF is too long"] = new(Eight + "\r\r\nok\n", [TooLong, "line:ok"]),
        ["max + CR + other byte + LF is too long"] = new(Eight + "\rx\nok\n", [TooLong, "line:ok"]),
        ["max + CR + other byte, no LF"] = new(Eight + "\rx", [TooLong], Skipping: true),
        ["lone CR at the end"] = new("abc\r", [], Leftover: "abc\r"),
        ["max bytes and a lone CR at the end: held, not refused"] = new("ok\n" + Eight + "\r", ["line:ok"], Leftover: Eight + "\r"),
        ["max+1 bytes without LF, last not CR"] = new(Nine, [TooLong], Skipping: true),
        ["unfinished line"] = new("one\ntw", ["line:one"], Leftover: "tw"),
        ["LF only"] = new("\n", ["line:"]),
        ["CR LF CR LF"] = new("\r\n\r\n", ["line:", "line:"]),
        ["non-printable bytes are the reader's business, not the framer's"] = new("\0\x1b[2J\xff\n", ["line:\0\x1b[2J\xff"]),
        ["nothing"] = new("", []),
    };

    public static TheoryData<string> CaseNames => [.. Cases.Keys];

    private static string BinaryGarbage(int length)
    {
        // Every byte value except LF, in a scrambled order, CRs included.
        var bytes = new char[length];
        for (int i = 0; i < length; i++)
        {
            int b = (i * 167 + 13) % 256;
            bytes[i] = (char)(b == '\n' ? 0 : b);
        }

        return new string(bytes);
    }

    private static FramerRun Expected(Case c) => new([.. c.Events], Bytes(c.Leftover), c.Skipping, 0);

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Whole_input_gives_the_expected_lines(string name)
    {
        Case c = Cases[name];
        byte[] input = Bytes(c.Input);
        AssertSameOutcome(Expected(c), FeedWhole(Max, input), "whole");
        AssertSameOutcome(Expected(c), Model(Max, input), "reference model");
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Every_split_point_gives_the_same_lines(string name)
    {
        Case c = Cases[name];
        byte[] input = Bytes(c.Input);
        FramerRun expected = Expected(c);
        for (int split = 0; split <= input.Length; split++)
        {
            FramerRun run = Feed(Max, input, [split, input.Length - split]);
            AssertSameOutcome(expected, run, $"split at {split}");
            Assert.InRange(run.MaxHeld, 0, Max + 1);
        }
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Every_pair_of_split_points_gives_the_same_lines(string name)
    {
        Case c = Cases[name];
        byte[] input = Bytes(c.Input);
        FramerRun expected = Expected(c);
        for (int first = 0; first <= input.Length; first++)
        {
            for (int second = first; second <= input.Length; second++)
            {
                FramerRun run = Feed(Max, input, [first, second - first, input.Length - second]);
                AssertSameOutcome(expected, run, $"splits at {first} and {second}");
                Assert.InRange(run.MaxHeld, 0, Max + 1);
            }
        }
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Byte_by_byte_gives_the_same_lines(string name)
    {
        Case c = Cases[name];
        FramerRun run = FeedByteByByte(Max, Bytes(c.Input));
        AssertSameOutcome(Expected(c), run, "byte by byte");
        Assert.InRange(run.MaxHeld, 0, Max + 1);
    }

    public static TheoryData<string, string[]> DefaultLimitCases => new()
    {
        { new string('a', 1024) + "\r\n" + "b\n", ["line:" + new string('a', 1024), "line:b"] },
        { new string('a', 1024) + "\n", ["line:" + new string('a', 1024)] },
        { new string('a', 1025) + "\r\nb\n", [TooLong, "line:b"] },
        { BinaryGarbage(3000) + "\nb\n", [TooLong, "line:b"] },
        { "x\n" + BinaryGarbage(3000), ["line:x", TooLong] },
    };

    [Theory]
    [MemberData(nameof(DefaultLimitCases))]
    public void Default_limit_1024_every_split_point(string input, string[] events)
    {
        byte[] bytes = Bytes(input);
        FramerRun model = Model(1024, bytes);
        Assert.Equal(events, model.Events);
        for (int split = 0; split <= bytes.Length; split++)
        {
            FramerRun run = Feed(1024, bytes, [split, bytes.Length - split]);
            AssertSameOutcome(model, run, $"split at {split}");
            Assert.InRange(run.MaxHeld, 0, 1025);
        }

        FramerRun single = FeedByteByByte(1024, bytes);
        AssertSameOutcome(model, single, "byte by byte");
        Assert.InRange(single.MaxHeld, 0, 1025);
    }

    [Fact]
    public void Matches_the_reference_model_on_random_streams_and_chunkings()
    {
        // Streams rich in the bytes that matter (CR, LF) around lines near the limit.
        Gen<byte> streamByte = Gen.Frequency(
            (6, (IGen<byte>)Gen.Byte[(byte)'a', (byte)'z']),
            (2, Gen.Const((byte)'\r')),
            (2, Gen.Const((byte)'\n')),
            (1, Gen.Byte));
        Gen<(int Max, byte[] Input, int[] Chunks)> gen = Gen.Select(
            Gen.Int[1, 12],
            streamByte.Array[0, 120],
            Gen.Int[1, 16].Array[1, 40]);

        gen.Sample(
            (max, input, chunks) =>
            {
                // Chunk sizes cycle until the whole input is fed.
                IEnumerable<int> sizes = Enumerable.Range(0, input.Length + 1).Select(i => chunks[i % chunks.Length]);
                FramerRun expected = Model(max, input);
                FramerRun run = Feed(max, input, sizes);
                AssertSameOutcome(expected, run, "random chunking");
                Assert.InRange(run.MaxHeld, 0, max + 1);
            },
            iter: 3000,
            print: t => $"max={t.Item1} input={Escape(System.Text.Encoding.Latin1.GetString(t.Item2))} chunks=[{string.Join(",", t.Item3)}]");
    }

    [Fact]
    public void Reports_the_consumed_bytes_of_each_line()
    {
        var framer = new LineFramer(16);
        ReadOnlySpan<byte> input = "hi\r\nyo\nrest"u8;

        Assert.Equal(OperationStatus.Done, framer.TryReadLine(input, out ReadOnlySpan<byte> line, out int consumed));
        Assert.Equal("hi"u8, line);
        Assert.Equal(4, consumed);
        input = input[consumed..];

        Assert.Equal(OperationStatus.Done, framer.TryReadLine(input, out line, out consumed));
        Assert.Equal("yo"u8, line);
        Assert.Equal(3, consumed);
        input = input[consumed..];

        Assert.Equal(OperationStatus.NeedMoreData, framer.TryReadLine(input, out line, out consumed));
        Assert.Equal(0, consumed);
        Assert.True(line.IsEmpty);
    }

    [Fact]
    public void Refuses_an_unterminated_line_as_soon_as_it_passes_the_limit_and_skips_to_the_LF()
    {
        var framer = new LineFramer(4);

        Assert.Equal(OperationStatus.NeedMoreData, framer.TryReadLine("abcd"u8, out _, out int consumed));
        Assert.Equal(0, consumed);

        // "abcd\r" may still be "abcd" + CRLF: held, not refused.
        Assert.Equal(OperationStatus.NeedMoreData, framer.TryReadLine("abcd\r"u8, out _, out consumed));
        Assert.Equal(0, consumed);
        Assert.False(framer.IsSkipping);

        // "abcde": the 5th byte is not a CR, so the line can no longer fit.
        Assert.Equal(OperationStatus.InvalidData, framer.TryReadLine("abcde"u8, out _, out consumed));
        Assert.Equal(5, consumed);
        Assert.True(framer.IsSkipping);

        // While skipping, everything up to the LF is dropped and nothing is held.
        Assert.Equal(OperationStatus.NeedMoreData, framer.TryReadLine("more garbage"u8, out _, out consumed));
        Assert.Equal(12, consumed);

        // The LF ends the skip and the next line reads normally, in the same call.
        Assert.Equal(OperationStatus.Done, framer.TryReadLine("xx\nok\r\n"u8, out ReadOnlySpan<byte> line, out consumed));
        Assert.Equal("ok"u8, line);
        Assert.Equal(7, consumed);
        Assert.False(framer.IsSkipping);
    }

    [Fact]
    public void Exposes_its_limits()
    {
        var framer = new LineFramer(1024);
        Assert.Equal(1024, framer.MaxLineLength);
        Assert.Equal(1025, framer.MaxBufferedBytes);
        Assert.False(framer.IsSkipping);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public void Rejects_a_limit_below_one(int max) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new LineFramer(max));

    [Fact]
    public void The_line_is_a_slice_of_the_input_not_a_copy()
    {
        var framer = new LineFramer(16);
        byte[] buffer = Bytes("abc\r\n");
        framer.TryReadLine(buffer, out ReadOnlySpan<byte> line, out _);
        Assert.True(((ReadOnlySpan<byte>)buffer).Overlaps(line, out int offset));
        Assert.Equal(0, offset);
    }
}
