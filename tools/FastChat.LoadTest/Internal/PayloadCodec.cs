using System.Buffers.Text;

namespace FastChat.LoadTest.Internal;

/// <summary>One decoded load-test payload.</summary>
internal readonly record struct PayloadFields(long IntendedTicks, int Sender, long Sequence, long LagTicks);

/// <summary>
/// The load-test payload, one printable token padded with 'x': <c>t&lt;intended&gt;.s&lt;sender&gt;.q&lt;seq&gt;.l&lt;lag&gt;</c>.
/// The schedule lag lets a receiver split latency into service time and lag; ticks count from the run's
/// epoch, which keeps the header short enough for small payloads.
/// </summary>
internal static class PayloadCodec
{
    /// <summary>Longest header: four 19-digit numbers plus four tags and four dots.</summary>
    public const int MaxHeaderLength = (4 * 19) + 8;

    /// <summary>Writes a payload of at least <paramref name="size"/> bytes (more when the header is longer).</summary>
    /// <returns>Bytes written, or 0 if <paramref name="destination"/> is too small.</returns>
    public static int Write(Span<byte> destination, int size, long intendedTicks, int sender, long sequence, long lagTicks)
    {
        int pos = 0;
        if (!Field(destination, ref pos, (byte)'t', intendedTicks) ||
            !Field(destination, ref pos, (byte)'s', sender) ||
            !Field(destination, ref pos, (byte)'q', sequence) ||
            !Field(destination, ref pos, (byte)'l', lagTicks))
        {
            return 0;
        }

        if (pos < size)
        {
            if (destination.Length < size)
            {
                return 0;
            }

            destination[pos..size].Fill((byte)'x');
            pos = size;
        }

        return pos;
    }

    /// <summary>The length <see cref="Write"/> produces for these values.</summary>
    public static int Length(int size, long intendedTicks, int sender, long sequence, long lagTicks)
    {
        int header = 8 + Digits(intendedTicks) + Digits(sender) + Digits(sequence) + Digits(lagTicks);
        return Math.Max(size, header);
    }

    /// <summary>Parses a payload; false for anything this tool did not write.</summary>
    public static bool TryParse(ReadOnlySpan<byte> payload, out PayloadFields fields)
    {
        fields = default;
        int pos = 0;
        if (!ReadField(payload, ref pos, (byte)'t', out long t) ||
            !ReadField(payload, ref pos, (byte)'s', out long s) ||
            !ReadField(payload, ref pos, (byte)'q', out long q) ||
            !ReadField(payload, ref pos, (byte)'l', out long l) ||
            s > int.MaxValue)
        {
            return false;
        }

        fields = new PayloadFields(t, (int)s, q, l);
        return true;
    }

    private static bool Field(Span<byte> destination, ref int pos, byte tag, long value)
    {
        if (pos >= destination.Length)
        {
            return false;
        }

        destination[pos++] = tag;
        if (value < 0 || !Utf8Formatter.TryFormat(value, destination[pos..], out int written) || pos + written >= destination.Length)
        {
            return false;
        }

        pos += written;
        destination[pos++] = (byte)'.';
        return true;
    }

    private static bool ReadField(ReadOnlySpan<byte> payload, ref int pos, byte tag, out long value)
    {
        value = 0;
        if (pos >= payload.Length || payload[pos] != tag)
        {
            return false;
        }

        pos++;
        int start = pos;
        ulong v = 0;
        while (pos < payload.Length && (uint)(payload[pos] - '0') <= 9)
        {
            if (pos - start >= 19)
            {
                return false; // more digits than a long has: not ours
            }

            v = (v * 10) + (uint)(payload[pos] - '0');
            pos++;
        }

        if (pos == start || pos >= payload.Length || payload[pos] != (byte)'.' || v > long.MaxValue)
        {
            return false;
        }

        pos++;
        value = (long)v;
        return true;
    }

    private static int Digits(long value)
    {
        int d = 1;
        while (value >= 10)
        {
            value /= 10;
            d++;
        }

        return d;
    }
}
