using System.Buffers;

namespace FastChat.Protocol;

/// <summary>
/// Splits a client byte stream into lines (protocol v1, docs/PROTOCOL.md section 2).
/// </summary>
/// <remarks>
/// <para>
/// A client line ends with LF; one CR right before the LF is dropped. The length of a line is the
/// number of bytes before the LF minus that one CR, so a line of exactly <see cref="MaxLineLength"/>
/// bytes followed by CRLF is accepted. A line that grows past the limit is refused
/// as soon as the limit is passed, also when no LF ever comes; the framer then skips input up to the
/// next LF. The caller therefore never has to hold more than <c>MaxLineLength + 1</c> bytes of an
/// unfinished line: the "+1" is a trailing CR that may still turn out to be part of CRLF.
/// </para>
/// <para>
/// The framer owns no buffer: the caller keeps the unconsumed bytes (at most one unfinished line) and
/// hands them back with the next bytes it receives. The only state carried between calls is whether
/// an overlong line is being skipped, so the type is a small mutable struct held by the connection.
/// </para>
/// </remarks>
public struct LineFramer
{
    private bool _skipping;

    /// <summary>Creates a framer for lines of at most <paramref name="maxLineLength"/> bytes.</summary>
    public LineFramer(int maxLineLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxLineLength);
        MaxLineLength = maxLineLength;
    }

    /// <summary>The longest line accepted, not counting CR/LF.</summary>
    public int MaxLineLength { get; }

    /// <summary>True while the rest of an overlong line is being skipped.</summary>
    public readonly bool IsSkipping => _skipping;

    /// <summary>
    /// The most bytes a caller must be able to hold for one unfinished line: the limit plus a CR
    /// whose LF has not arrived yet.
    /// </summary>
    public readonly int MaxBufferedBytes => MaxLineLength + 1;

    /// <summary>
    /// Reads the next line from <paramref name="input"/>.
    /// </summary>
    /// <param name="input">Unconsumed bytes: the caller's held-back bytes followed by new ones.</param>
    /// <param name="line">On <see cref="OperationStatus.Done"/>: the line without CR/LF. Otherwise empty.</param>
    /// <param name="consumed">How many bytes of <paramref name="input"/> were used up; the caller drops
    /// them and keeps the rest for the next call.</param>
    /// <returns>
    /// <see cref="OperationStatus.Done"/>: a line (possibly empty) is in <paramref name="line"/>.
    /// <see cref="OperationStatus.NeedMoreData"/>: no complete line; keep <c>input[consumed..]</c>
    /// and call again when more bytes arrive.
    /// <see cref="OperationStatus.InvalidData"/>: a line passed <see cref="MaxLineLength"/>; it is
    /// refused once, and its remaining bytes up to the LF are skipped by later calls.
    /// </returns>
    public OperationStatus TryReadLine(ReadOnlySpan<byte> input, out ReadOnlySpan<byte> line, out int consumed)
    {
        line = default;
        consumed = 0;

        if (_skipping)
        {
            int lf = input.IndexOf((byte)'\n');
            if (lf < 0)
            {
                consumed = input.Length; // discard everything: we hold nothing while skipping
                return OperationStatus.NeedMoreData;
            }

            _skipping = false;
            consumed = lf + 1;
            input = input[consumed..];
        }

        int end = input.IndexOf((byte)'\n');
        if (end >= 0)
        {
            // Fast path: a whole line is in the buffer.
            ReadOnlySpan<byte> candidate = input[..end];
            if (candidate.Length > 0 && candidate[^1] == (byte)'\r')
            {
                candidate = candidate[..^1];
            }

            consumed += end + 1;
            if (candidate.Length > MaxLineLength)
            {
                return OperationStatus.InvalidData; // whole overlong line consumed, nothing to skip
            }

            line = candidate;
            return OperationStatus.Done;
        }

        // No LF yet. Refuse as soon as the unfinished line can no longer fit: more than max+1 bytes,
        // or max+1 bytes whose last is not a CR (it can then not become "max bytes + CRLF").
        if (input.Length > MaxLineLength + 1 ||
            (input.Length == MaxLineLength + 1 && input[^1] != (byte)'\r'))
        {
            _skipping = true;
            consumed += input.Length;
            return OperationStatus.InvalidData;
        }

        return OperationStatus.NeedMoreData;
    }
}
