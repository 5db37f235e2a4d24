using System.Buffers;
using System.Runtime.InteropServices;
using System.Text;

namespace FastChat.Protocol.Tests;

/// <summary>What a caller of <see cref="LineFramer"/> observed over a whole stream.</summary>
/// <param name="Events">Each line as <c>"line:&lt;bytes as Latin-1&gt;"</c>, each refusal as <see cref="FramerHarness.TooLong"/>.</param>
/// <param name="Leftover">The unconsumed bytes at the end of the stream (an unfinished line).</param>
/// <param name="Skipping">Whether the framer was skipping an overlong line at the end.</param>
/// <param name="MaxHeld">The most bytes the caller had to keep between two receives.</param>
internal sealed record FramerRun(IReadOnlyList<string> Events, byte[] Leftover, bool Skipping, int MaxHeld);

/// <summary>
/// Drives <see cref="LineFramer"/> the way a connection does: append what arrives to the held-back
/// bytes, read lines until NeedMoreData, drop the consumed bytes, keep the rest.
/// </summary>
internal static class FramerHarness
{
    public const string TooLong = "too-long";

    public static string LineEvent(ReadOnlySpan<byte> line) => "line:" + Encoding.Latin1.GetString(line);

    public static byte[] Bytes(string latin1) => Encoding.Latin1.GetBytes(latin1);

    public static FramerRun Feed(int maxLineLength, byte[] input, IEnumerable<int> chunkSizes)
    {
        var framer = new LineFramer(maxLineLength);
        var held = new List<byte>();
        var events = new List<string>();
        int maxHeld = 0;
        int position = 0;
        foreach (int size in chunkSizes)
        {
            int take = Math.Min(size, input.Length - position);
            held.AddRange(input.AsSpan(position, take));
            position += take;

            while (true)
            {
                ReadOnlySpan<byte> span = CollectionsMarshal.AsSpan(held);
                OperationStatus status = framer.TryReadLine(span, out ReadOnlySpan<byte> line, out int consumed);
                Assert.InRange(consumed, 0, span.Length);
                switch (status)
                {
                    case OperationStatus.Done:
                        Assert.True(consumed > line.Length, "a line consumes at least its LF");
                        events.Add(LineEvent(line));
                        break;
                    case OperationStatus.InvalidData:
                        Assert.True(consumed > 0, "a refusal must make progress");
                        Assert.True(line.IsEmpty);
                        events.Add(TooLong);
                        break;
                    case OperationStatus.NeedMoreData:
                        Assert.True(line.IsEmpty);
                        break;
                    default:
                        Assert.Fail($"unexpected status {status}");
                        break;
                }

                held.RemoveRange(0, consumed);
                if (status == OperationStatus.NeedMoreData)
                {
                    break;
                }
            }

            // Between receives the caller holds only the unfinished line.
            maxHeld = Math.Max(maxHeld, held.Count);
        }

        Assert.Equal(input.Length, position);
        return new FramerRun(events, [.. held], framer.IsSkipping, maxHeld);
    }

    public static FramerRun FeedWhole(int maxLineLength, byte[] input) => Feed(maxLineLength, input, [input.Length]);

    public static FramerRun FeedByteByByte(int maxLineLength, byte[] input) =>
        Feed(maxLineLength, input, Enumerable.Repeat(1, input.Length));

    /// <summary>
    /// The framing rules written down as plainly as possible (docs/PROTOCOL.md section 2), on the
    /// whole stream at once: every LF-terminated segment minus one CR before the LF is a line, refused
    /// when longer than the limit; the unterminated tail is refused once it can no longer become a line.
    /// </summary>
    public static FramerRun Model(int maxLineLength, byte[] input)
    {
        var events = new List<string>();
        int start = 0;
        for (int i = 0; i < input.Length; i++)
        {
            if (input[i] != (byte)'\n')
            {
                continue;
            }

            byte[] line = input[start..i];
            if (line.Length > 0 && line[^1] == (byte)'\r')
            {
                line = line[..^1];
            }

            events.Add(line.Length > maxLineLength ? TooLong : LineEvent(line));
            start = i + 1;
        }

        byte[] tail = input[start..];
        bool refused = tail.Length > maxLineLength + 1 ||
            (tail.Length == maxLineLength + 1 && tail[^1] != (byte)'\r');
        if (refused)
        {
            events.Add(TooLong);
            return new FramerRun(events, [], Skipping: true, MaxHeld: 0);
        }

        return new FramerRun(events, tail, Skipping: false, MaxHeld: 0);
    }

    public static void AssertSameOutcome(FramerRun expected, FramerRun actual, string because)
    {
        Assert.True(expected.Events.SequenceEqual(actual.Events),
            $"{because}: events differ.\nexpected: {Show(expected.Events)}\nactual:   {Show(actual.Events)}");
        Assert.True(expected.Leftover.AsSpan().SequenceEqual(actual.Leftover), $"{because}: leftover differs");
        Assert.Equal(expected.Skipping, actual.Skipping);
    }

    public static string Show(IEnumerable<string> events) =>
        "[" + string.Join(", ", events.Select(e => Escape(e))) + "]";

    public static string Escape(string s)
    {
        var sb = new StringBuilder();
        foreach (char c in s)
        {
            sb.Append(c is >= ' ' and <= '~' ? c.ToString() : $"\\x{(int)c:X2}");
        }

        return sb.ToString();
    }
}
