using System.Buffers;
using CsCheck;
using FastChat.Fuzz;

namespace FastChat.Protocol.Tests;

/// <summary>
/// Replays the committed fuzz corpus (tools/FastChat.Fuzz/corpus) through the fuzz target, so every
/// seed and every crash added there stays fixed without afl-fuzz; and proves the target's checks
/// can fail at all.
/// </summary>
public class FuzzCorpusTests
{
    // The csproj copies the corpus next to the test assembly.
    private static readonly string CorpusDirectory = Path.Combine(AppContext.BaseDirectory, "fuzz-corpus");

    public static TheoryData<string> CorpusFiles()
    {
        var data = new TheoryData<string>();
        foreach (string path in Directory.EnumerateFiles(CorpusDirectory).Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileName(path));
        }

        return data;
    }

    // FuzzTargets.Run throws FuzzInvariantException when an invariant fails; say which input did it.
    private static void AssertPasses(byte[] input, string what)
    {
        Exception? failure = Record.Exception(() => FuzzTargets.Run(input));
        Assert.True(failure is null, $"{what}: {failure}");
    }

    [Theory]
    [MemberData(nameof(CorpusFiles))]
    public void Corpus_file_passes_every_invariant(string name)
    {
        byte[] input = File.ReadAllBytes(Path.Combine(CorpusDirectory, name));
        AssertPasses(input, name);
    }

    [Fact]
    public void Corpus_is_present_and_small()
    {
        string[] files = Directory.GetFiles(CorpusDirectory);
        Assert.InRange(files.Length, 10, 60);
        Assert.All(files, f => Assert.True(new FileInfo(f).Length < 2048, $"{f} is 2 KB or more"));
    }

    [Fact]
    public void Random_inputs_pass_every_invariant()
    {
        // A few thousand executions: a cheap stand-in for afl-fuzz between real fuzz runs.
        Gen<byte> streamByte = Gen.Frequency(
            (6, (IGen<byte>)Gen.Byte[0x20, 0x7E]),
            (2, Gen.Const((byte)'\r')),
            (2, Gen.Const((byte)'\n')),
            (1, Gen.Const((byte)'/')),
            (1, Gen.Byte));
        streamByte.Array[0, 200].Sample(input => AssertPasses(input, "random input"), iter: 2000,
            print: input => Convert.ToHexString(input));
    }

    [Fact]
    public void Short_inputs_pass_every_invariant()
    {
        AssertPasses([], "empty input");
        for (int b = 0; b < 256; b++)
        {
            AssertPasses([(byte)b], $"byte 0x{b:X2}");
            AssertPasses([7, 0, (byte)b], $"07 00 {b:X2}");
        }
    }

    [Fact]
    public void A_wrong_sanitised_copy_is_detected()
    {
        byte[] source = [(byte)'a', 0x01, 0xFF, (byte)' ', (byte)'b'];
        FuzzTargets.CheckSanitized(source, "a?? b"u8);
        Assert.Throws<FuzzInvariantException>(() => FuzzTargets.CheckSanitized(source, source));
        Assert.Throws<FuzzInvariantException>(() => FuzzTargets.CheckSanitized(source, "a?? b?"u8));
    }

    [Fact]
    public void Holding_more_than_the_limit_plus_one_is_detected()
    {
        FuzzTargets.CheckHeld(held: 9, maxLineLength: 8, skipping: false);
        Assert.Throws<FuzzInvariantException>(() => FuzzTargets.CheckHeld(held: 10, maxLineLength: 8, skipping: false));
        Assert.Throws<FuzzInvariantException>(() => FuzzTargets.CheckHeld(held: 1, maxLineLength: 8, skipping: true));
    }

    [Fact]
    public void A_framer_run_that_differs_from_the_rules_is_detected()
    {
        byte[] stream = "one\r\n123456789\nlast"u8.ToArray();
        FramerTrace rules = FuzzTargets.FramerModel(8, stream);
        FramerTrace whole = FuzzTargets.FeedFramer(8, stream, [stream.Length]);
        FuzzTargets.CheckSameRuns(rules, whole, "whole");
        Assert.Equal([OperationStatus.Done, OperationStatus.InvalidData], whole.Events.Select(e => e.Status));

        // A refusal reported as a line, a lost event, a different leftover: each one is caught.
        FramerTrace wrongEvent = whole with { Events = [whole.Events[0], new FramerResult(OperationStatus.Done, "123456789"u8.ToArray())] };
        FramerTrace lostEvent = whole with { Events = [whole.Events[0]] };
        FramerTrace wrongLeftover = whole with { Leftover = "las"u8.ToArray() };
        Assert.Throws<FuzzInvariantException>(() => FuzzTargets.CheckSameRuns(whole, wrongEvent, "wrong event"));
        Assert.Throws<FuzzInvariantException>(() => FuzzTargets.CheckSameRuns(whole, lostEvent, "lost event"));
        Assert.Throws<FuzzInvariantException>(() => FuzzTargets.CheckSameRuns(whole, wrongLeftover, "wrong leftover"));
    }

    [Fact]
    public void A_sniffer_that_changes_its_mind_is_detected()
    {
        byte[] stream = "GET / HTTP/1.1\r\n"u8.ToArray();
        FuzzTargets.CheckSniffAnswer(stream, 1024, 16, ForeignProtocolKind.Http, 16, OperationStatus.Done, ForeignProtocolKind.Http);
        Assert.Throws<FuzzInvariantException>(() => FuzzTargets.CheckSniffAnswer(
            stream, 1024, 15, ForeignProtocolKind.None, 16, OperationStatus.Done, ForeignProtocolKind.Http));
        Assert.Throws<FuzzInvariantException>(() => FuzzTargets.CheckSniffAnswer(
            stream, 1024, 15, ForeignProtocolKind.Http, 16, OperationStatus.NeedMoreData, ForeignProtocolKind.Http));
    }

    [Fact]
    public void A_bad_server_line_on_the_wire_is_detected()
    {
        FuzzTargets.CheckWireLine("PONG", "PONG\r\n"u8);
        Assert.Throws<FuzzInvariantException>(() => FuzzTargets.CheckWireLine("LF only", "PONG\n"u8));
        Assert.Throws<FuzzInvariantException>(() => FuzzTargets.CheckWireLine("escape", "MSG 1 \x1B[2J\r\n"u8));
        Assert.Throws<FuzzInvariantException>(() => FuzzTargets.CheckWireLine("empty", "\r\n"u8));
    }
}
