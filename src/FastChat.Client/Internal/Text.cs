using System.Text;
using FastChat.Protocol;

namespace FastChat.Client.Internal;

/// <summary>Byte/char conversions of protocol text (printable ASCII only, docs/PROTOCOL.md section 7).</summary>
internal static class Text
{
    /// <summary>
    /// Makes a string of server bytes. The server already relays non-printable bytes as <c>?</c>;
    /// the client does the same again so a misbehaving server cannot put escapes on our terminal.
    /// </summary>
    public static string ToSafeString(ReadOnlySpan<byte> bytes)
    {
        if (bytes.IsEmpty)
        {
            return string.Empty;
        }

        // Fast path: one vectorised check, one vectorised widening.
        if (AsciiText.IsPrintable(bytes))
        {
            return Encoding.ASCII.GetString(bytes);
        }

        return string.Create(bytes.Length, bytes, static (chars, b) =>
        {
            for (int i = 0; i < b.Length; i++)
            {
                chars[i] = AsciiText.IsPrintable(b[i]) ? (char)b[i] : (char)AsciiText.Replacement;
            }
        });
    }

    /// <summary>
    /// Writes <paramref name="text"/> as protocol bytes: every char outside 0x20-0x7E becomes one
    /// <c>?</c> (the server would make one <c>?</c> of every UTF-8 byte, and a CR or LF would split
    /// the line). Returns the number of bytes written (= text length).
    /// </summary>
    public static int WriteSafeAscii(ReadOnlySpan<char> text, Span<byte> destination)
    {
        // Fast path: printable ASCII narrows in one vectorised pass.
        if (!text.ContainsAnyExceptInRange((char)0x20, (char)0x7E))
        {
            return Encoding.ASCII.GetBytes(text, destination);
        }

        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            destination[i] = c is >= (char)0x20 and <= (char)0x7E ? (byte)c : AsciiText.Replacement;
        }

        return text.Length;
    }
}
