using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace FastChat.Protocol;

/// <summary>
/// The text rule of protocol v1: every byte outside printable ASCII (0x20-0x7E) is relayed as
/// <c>?</c>, so no client can push terminal escapes, NULs or UTF-8 fragments to another's screen.
/// </summary>
public static class AsciiText
{
    /// <summary>The byte that replaces every non-printable byte.</summary>
    public const byte Replacement = (byte)'?';

    /// <summary>True when every byte of <paramref name="text"/> is printable ASCII.</summary>
    public static bool IsPrintable(ReadOnlySpan<byte> text) => IndexOfNonPrintable(text) < 0;

    /// <summary>Index of the first byte outside 0x20-0x7E, or -1.</summary>
    public static int IndexOfNonPrintable(ReadOnlySpan<byte> text) =>
        // IndexOfAnyExceptInRange is vectorised by the runtime (Vector128/256/512 where available).
        text.IndexOfAnyExceptInRange((byte)0x20, (byte)0x7E);

    /// <summary>
    /// Copies <paramref name="source"/> to <paramref name="destination"/>, replacing every
    /// non-printable byte by <c>?</c>. Returns the number of bytes written (= source length).
    /// </summary>
    /// <exception cref="ArgumentException">The destination is shorter than the source.</exception>
    public static int CopySanitized(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        if (destination.Length < source.Length)
        {
            throw new ArgumentException("Destination is shorter than the source.", nameof(destination));
        }

        // Fast path: chat text is almost always printable already; one vectorised scan, one copy.
        int bad = IndexOfNonPrintable(source);
        source.CopyTo(destination);
        if (bad >= 0)
        {
            // General path: replace from the first offending byte on.
            ReplaceNonPrintable(destination.Slice(bad, source.Length - bad));
        }

        return source.Length;
    }

    /// <summary>Replaces every non-printable byte of <paramref name="text"/> in place.</summary>
    public static void ReplaceNonPrintable(Span<byte> text)
    {
        int i = 0;
        if (Vector128.IsHardwareAccelerated && text.Length >= Vector128<byte>.Count)
        {
            // (b - 0x20) as unsigned is <= 0x5E exactly for 0x20..0x7E: one subtract and one unsigned
            // compare classify 16 bytes, then a blend keeps printable bytes and writes '?' elsewhere.
            Vector128<byte> offset = Vector128.Create((byte)0x20);
            Vector128<byte> span = Vector128.Create((byte)(0x7E - 0x20));
            Vector128<byte> question = Vector128.Create(Replacement);
            ref byte start = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(text);
            int lastBlock = text.Length - Vector128<byte>.Count;
            for (; i <= lastBlock; i += Vector128<byte>.Count)
            {
                Vector128<byte> v = Vector128.LoadUnsafe(ref start, (nuint)i);
                Vector128<byte> ok = Vector128.LessThanOrEqual(v - offset, span);
                Vector128.ConditionalSelect(ok, v, question).StoreUnsafe(ref start, (nuint)i);
            }
        }

        ReplaceNonPrintableScalar(text[i..]);
    }

    /// <summary>The scalar version of <see cref="ReplaceNonPrintable"/>; kept public for benchmarks.</summary>
    public static void ReplaceNonPrintableScalar(Span<byte> text)
    {
        for (int i = 0; i < text.Length; i++)
        {
            if (!IsPrintable(text[i]))
            {
                text[i] = Replacement;
            }
        }
    }

    /// <summary>True for 0x20..0x7E.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsPrintable(byte b) => (uint)(b - 0x20) <= 0x7E - 0x20;
}
