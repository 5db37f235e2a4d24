using BenchmarkDotNet.Attributes;
using FastChat.Protocol;

namespace FastChat.Benchmarks;

/// <summary>What the chat text looks like.</summary>
public enum TextKind
{
    /// <summary>Printable ASCII only: the common case, the fast path.</summary>
    Printable,

    /// <summary>Starts with ESC and has a non-printable byte (control or UTF-8) about every 8th byte.</summary>
    Dirty,
}

/// <summary>
/// The text rule of the protocol (non-printable bytes become <c>?</c>): the scalar loop against the
/// Vector128 version of <see cref="AsciiText.ReplaceNonPrintable"/>, and
/// <see cref="AsciiText.CopySanitized"/> (what the writer calls: vectorised scan, copy, repair only
/// from the first bad byte). Every Replace benchmark copies the source into the work buffer first so
/// dirty input stays dirty; CopySanitized does that copy itself.
/// </summary>
[MemoryDiagnoser]
public class SanitizeBenchmarks
{
    private byte[] _source = [];
    private byte[] _work = [];

    /// <summary>Text length in bytes.</summary>
    [Params(32, 1024)]
    public int Length { get; set; }

    /// <summary>Printable or dirty.</summary>
    [Params(TextKind.Printable, TextKind.Dirty)]
    public TextKind Text { get; set; }

    /// <summary>Builds the text.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _source = BuildText(Length, Text);
        _work = new byte[Length];
    }

    /// <summary>Copy, then the byte-at-a-time replacement.</summary>
    [Benchmark(Baseline = true)]
    public void ReplaceScalar()
    {
        _source.CopyTo(_work, 0);
        AsciiText.ReplaceNonPrintableScalar(_work);
    }

    /// <summary>Copy, then the Vector128 replacement (16 bytes per step, scalar tail).</summary>
    [Benchmark]
    public void ReplaceVectorised()
    {
        _source.CopyTo(_work, 0);
        AsciiText.ReplaceNonPrintable(_work);
    }

    /// <summary>The writer's path: vectorised scan, one copy, repair from the first bad byte.</summary>
    [Benchmark]
    public int CopySanitized() => AsciiText.CopySanitized(_source, _work);

    /// <summary>Chat text of <paramref name="length"/> bytes.</summary>
    internal static byte[] BuildText(int length, TextKind kind)
    {
        ReadOnlySpan<byte> printable = "Hello, world! The quick brown fox jumps over the lazy dog. "u8;
        ReadOnlySpan<byte> bad = [0x1B, 0x00, 0x07, 0xC3, 0xA9, 0x7F, 0xFF, 0x09];
        var text = new byte[length];
        for (int i = 0; i < length; i++)
        {
            text[i] = kind == TextKind.Dirty && i % 8 == 0 ? bad[i / 8 % bad.Length] : printable[i % printable.Length];
        }

        return text;
    }
}

/// <summary>
/// The printable-ASCII check that decides the fast path (<see cref="AsciiText.IsPrintable(ReadOnlySpan{byte})"/>),
/// on printable text, which is the case where the whole text must be scanned: byte at a time
/// against the runtime's vectorised <c>IndexOfAnyExceptInRange</c>.
/// </summary>
[MemoryDiagnoser]
public class PrintableCheckBenchmarks
{
    private byte[] _source = [];

    /// <summary>Text length in bytes.</summary>
    [Params(32, 1024)]
    public int Length { get; set; }

    /// <summary>Builds printable text.</summary>
    [GlobalSetup]
    public void Setup() => _source = SanitizeBenchmarks.BuildText(Length, TextKind.Printable);

    /// <summary>The printable check, byte at a time.</summary>
    [Benchmark(Baseline = true)]
    public bool IsPrintableScalar()
    {
        foreach (byte b in _source)
        {
            if (!AsciiText.IsPrintable(b))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The printable check, vectorised by the runtime (IndexOfAnyExceptInRange).</summary>
    [Benchmark]
    public bool IsPrintableVectorised() => AsciiText.IsPrintable(_source);
}
