using System.Buffers.Text;

namespace FastChat.LoadTest.Internal;

/// <summary>
/// A flooder's chat line, <c>F&lt;flooder&gt;.q&lt;seq&gt;.xxxx</c>: no time, only its place in that flooder's
/// stream, so a member can check that what the server relayed of a flood is a gap-free prefix of it.
/// </summary>
internal static class FloodPayload
{
    /// <summary>Longest line: the tag, two numbers, dots, padding and the LF.</summary>
    public const int MaxLineLength = 64;

    /// <summary>Writes one line (with LF) into <paramref name="destination"/>; returns its length or 0 when it does not fit.</summary>
    public static int WriteLine(Span<byte> destination, int flooder, long seq, int size)
    {
        if (destination.Length < MaxLineLength)
        {
            return 0;
        }

        int pos = 0;
        destination[pos++] = (byte)'F';
        Utf8Formatter.TryFormat(flooder, destination[pos..], out int w);
        pos += w;
        destination[pos++] = (byte)'.';
        destination[pos++] = (byte)'q';
        Utf8Formatter.TryFormat(seq, destination[pos..], out w);
        pos += w;
        destination[pos++] = (byte)'.';
        int end = Math.Clamp(size, pos, MaxLineLength - 1);
        destination[pos..end].Fill((byte)'x');
        destination[end] = (byte)'\n';
        return end + 1;
    }

    /// <summary>Parses a relayed flood line's text; false for anything else.</summary>
    public static bool TryParse(ReadOnlySpan<byte> text, out int flooder, out long seq)
    {
        flooder = -1;
        seq = -1;
        if (text.Length < 5 || text[0] != (byte)'F' || !Utf8Parser.TryParse(text[1..], out flooder, out int a) || flooder < 0)
        {
            return false;
        }

        ReadOnlySpan<byte> rest = text[(1 + a)..];
        if (rest.Length < 3 || rest[0] != (byte)'.' || rest[1] != (byte)'q' || !Utf8Parser.TryParse(rest[2..], out seq, out int b) || seq < 0)
        {
            return false;
        }

        rest = rest[(2 + b)..];
        return !rest.IsEmpty && rest[0] == (byte)'.';
    }
}
