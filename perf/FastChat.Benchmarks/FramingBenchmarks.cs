using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using BenchmarkDotNet.Attributes;
using FastChat.Protocol;

namespace FastChat.Benchmarks;

/// <summary>How the bytes of one scenario reach the framer.</summary>
public enum FramingShape
{
    /// <summary>One 48-byte chat line in one receive.</summary>
    OneLine,

    /// <summary>64 lines of 64 bytes in one 4 KiB receive.</summary>
    ManyLines,

    /// <summary>The same 64 lines, received 100 bytes at a time: most lines straddle two receives.</summary>
    SplitLines,

    /// <summary>16 lines of 1 000 bytes (limit 1 024) in 4 KiB receives: lines straddle receives.</summary>
    LongLines,
}

/// <summary>The line ending the client uses.</summary>
public enum LineEnding
{
    /// <summary>Bare LF (netcat on Unix).</summary>
    Lf,

    /// <summary>CRLF (telnet, Windows).</summary>
    CrLf,
}

/// <summary>
/// Cutting a client byte stream into lines, three ways: the naive string version (what a first
/// attempt looks like), System.IO.Pipelines with <see cref="SequenceReader{T}"/> (the Kestrel way),
/// and <see cref="LineFramer"/> over one flat receive buffer (what the server does). One operation
/// frames the whole scenario (every receive of <see cref="Shape"/>), so ratios compare like for like.
/// </summary>
[MemoryDiagnoser]
public class FramingBenchmarks
{
    private const int MaxLineLength = 1024;

    private byte[][] _receives = [];
    private byte[] _buffer = [];
    private Pipe _pipe = null!;

    /// <summary>The scenario.</summary>
    [Params(FramingShape.OneLine, FramingShape.ManyLines, FramingShape.SplitLines, FramingShape.LongLines)]
    public FramingShape Shape { get; set; }

    /// <summary>LF or CRLF.</summary>
    [Params(LineEnding.Lf, LineEnding.CrLf)]
    public LineEnding Ending { get; set; }

    /// <summary>Builds the receives of the scenario.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _receives = BuildReceives(Shape, Ending);

        // The server's receive buffer: room for one unfinished line plus one receive.
        _buffer = new byte[MaxLineLength + 1 + _receives.Max(r => r.Length)];

        // Kestrel-like settings: no scheduler hops, no pausing (each receive is read right away).
        _pipe = new Pipe(new PipeOptions(readerScheduler: PipeScheduler.Inline, writerScheduler: PipeScheduler.Inline,
            pauseWriterThreshold: 0, useSynchronizationContext: false));

        // All three must see the same lines, or the ratios compare different work.
        int expected = NaiveStringSplit();
        if (PipeSequenceReader() != expected || LineFramer() != expected)
        {
            throw new InvalidOperationException($"Framers disagree for {Shape}/{Ending}.");
        }
    }

    /// <summary>Naive: decode each receive to a string, append it to what was left over, split on LF.</summary>
    [Benchmark(Baseline = true)]
    public int NaiveStringSplit()
    {
        int total = 0;
        string pending = string.Empty;
        foreach (byte[] receive in _receives)
        {
            string[] parts = (pending + Encoding.ASCII.GetString(receive)).Split('\n');
            for (int i = 0; i < parts.Length - 1; i++)
            {
                string line = parts[i].TrimEnd('\r');
                if (line.Length <= MaxLineLength)
                {
                    total += line.Length + 1;
                }
            }

            pending = parts[^1];
        }

        return total;
    }

    /// <summary>System.IO.Pipelines: write each receive into a <see cref="Pipe"/>, read lines with
    /// <see cref="SequenceReader{T}.TryReadTo(out ReadOnlySequence{T}, T, bool)"/>.</summary>
    [Benchmark]
    public int PipeSequenceReader()
    {
        int total = 0;
        PipeWriter writer = _pipe.Writer;
        PipeReader reader = _pipe.Reader;
        Span<byte> scratch = stackalloc byte[MaxLineLength + 1];
        foreach (byte[] receive in _receives)
        {
            receive.CopyTo(writer.GetSpan(receive.Length));
            writer.Advance(receive.Length);
            ValueTask<FlushResult> flush = writer.FlushAsync();
            if (!flush.IsCompletedSuccessfully)
            {
                // Cannot happen with pauseWriterThreshold 0 and inline schedulers; keeps the benchmark honest.
                throw new InvalidOperationException("FlushAsync did not complete synchronously.");
            }

            if (!reader.TryRead(out ReadResult result))
            {
                continue;
            }

            var lines = new SequenceReader<byte>(result.Buffer);
            while (lines.TryReadTo(out ReadOnlySequence<byte> sequence, (byte)'\n'))
            {
                if (sequence.Length > MaxLineLength + 1)
                {
                    continue;
                }

                // A line that straddles two pipe segments is copied out; most are single-segment.
                ReadOnlySpan<byte> line = sequence.IsSingleSegment ? sequence.FirstSpan : Copy(sequence, scratch);
                if (!line.IsEmpty && line[^1] == (byte)'\r')
                {
                    line = line[..^1];
                }

                if (line.Length <= MaxLineLength)
                {
                    total += line.Length + 1;
                }
            }

            reader.AdvanceTo(lines.Position, result.Buffer.End);
        }

        return total;

        static ReadOnlySpan<byte> Copy(ReadOnlySequence<byte> sequence, Span<byte> scratch)
        {
            sequence.CopyTo(scratch);
            return scratch[..(int)sequence.Length];
        }
    }

    /// <summary><see cref="LineFramer"/> over one flat buffer: each receive lands after the bytes held
    /// back from the previous one (at most one unfinished line), which are moved to the front first.</summary>
    [Benchmark]
    public int LineFramer()
    {
        int total = 0;
        var framer = new LineFramer(MaxLineLength);
        byte[] buffer = _buffer;
        int held = 0;
        foreach (byte[] receive in _receives)
        {
            // Stands for the socket writing into the pooled receive buffer.
            receive.CopyTo(buffer.AsSpan(held));
            ReadOnlySpan<byte> input = buffer.AsSpan(0, held + receive.Length);
            while (true)
            {
                OperationStatus status = framer.TryReadLine(input, out ReadOnlySpan<byte> line, out int consumed);
                input = input[consumed..];
                if (status == OperationStatus.NeedMoreData)
                {
                    break;
                }

                if (status == OperationStatus.Done)
                {
                    total += line.Length + 1;
                }
            }

            input.CopyTo(buffer);
            held = input.Length;
        }

        return total;
    }

    /// <summary>The receives of a scenario; the content is printable chat text.</summary>
    internal static byte[][] BuildReceives(FramingShape shape, LineEnding ending)
    {
        (int lineLength, int lines, int receiveSize) = shape switch
        {
            FramingShape.OneLine => (48, 1, 0),
            FramingShape.ManyLines => (64, 64, 0),
            FramingShape.SplitLines => (64, 64, 100),
            FramingShape.LongLines => (1000, 16, 4096),
            _ => throw new ArgumentOutOfRangeException(nameof(shape)),
        };

        byte[] stream = BuildLines(lineLength, lines, ending);
        if (receiveSize == 0)
        {
            return [stream];
        }

        return stream.Chunk(receiveSize).ToArray();
    }

    /// <summary><paramref name="lines"/> lines of <paramref name="lineLength"/> bytes each, the
    /// ending included.</summary>
    internal static byte[] BuildLines(int lineLength, int lines, LineEnding ending)
    {
        ReadOnlySpan<byte> text = "the quick brown fox jumps over the lazy dog 0123456789 "u8;
        byte[] eol = ending == LineEnding.CrLf ? "\r\n"u8.ToArray() : "\n"u8.ToArray();
        var stream = new byte[lineLength * lines];
        for (int l = 0; l < lines; l++)
        {
            Span<byte> line = stream.AsSpan(l * lineLength, lineLength);
            for (int i = 0; i < line.Length - eol.Length; i++)
            {
                line[i] = text[(i + l) % text.Length];
            }

            eol.CopyTo(line[^eol.Length..]);
        }

        return stream;
    }
}
