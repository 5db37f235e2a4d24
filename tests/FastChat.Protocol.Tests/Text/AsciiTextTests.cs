using CsCheck;

namespace FastChat.Protocol.Tests;

public class AsciiTextTests
{
    // The rule, independently of the implementation: printable ASCII is 0x20..0x7E.
    private static bool Printable(int b) => b >= 0x20 && b <= 0x7E;

    private static byte Sanitised(byte b) => Printable(b) ? b : (byte)'?';

    [Theory]
    [InlineData(0x00, false)]
    [InlineData(0x09, false)]
    [InlineData(0x0A, false)]
    [InlineData(0x0D, false)]
    [InlineData(0x1B, false)]
    [InlineData(0x1F, false)]
    [InlineData(0x20, true)]
    [InlineData(0x41, true)]
    [InlineData(0x7E, true)]
    [InlineData(0x7F, false)]
    [InlineData(0x80, false)]
    [InlineData(0xC3, false)]
    [InlineData(0xFF, false)]
    public void IsPrintable_edges(int value, bool printable)
    {
        byte b = (byte)value;
        Assert.Equal(printable, AsciiText.IsPrintable(b));
        Assert.Equal(printable, AsciiText.IsPrintable([b]));
        Assert.Equal(printable ? -1 : 0, AsciiText.IndexOfNonPrintable([b]));
    }

    [Fact]
    public void IsPrintable_agrees_with_the_rule_on_every_byte_value()
    {
        for (int b = 0; b < 256; b++)
        {
            Assert.True(Printable(b) == AsciiText.IsPrintable((byte)b), $"byte 0x{b:X2}");
        }
    }

    [Fact]
    public void Empty_text_is_printable()
    {
        Assert.True(AsciiText.IsPrintable(ReadOnlySpan<byte>.Empty));
        Assert.Equal(-1, AsciiText.IndexOfNonPrintable(ReadOnlySpan<byte>.Empty));
    }

    [Fact]
    public void Every_byte_value_at_every_position_is_found_and_replaced()
    {
        // Lengths around the vector widths (16/32/64) so the byte lands in a vector body and in the
        // scalar tail; the rest of the text is printable.
        int[] lengths = [1, 2, 15, 16, 17, 31, 32, 33, 47, 63, 64, 65, 100];
        foreach (int length in lengths)
        {
            byte[] text = new byte[length];
            for (int position = 0; position < length; position++)
            {
                for (int value = 0; value < 256; value++)
                {
                    text.AsSpan().Fill((byte)'a');
                    text[position] = (byte)value;
                    bool ok = Printable(value);

                    Assert.Equal(ok ? -1 : position, AsciiText.IndexOfNonPrintable(text));
                    Assert.Equal(ok, AsciiText.IsPrintable(text));

                    byte[] vector = (byte[])text.Clone();
                    AsciiText.ReplaceNonPrintable(vector);
                    byte[] scalar = (byte[])text.Clone();
                    AsciiText.ReplaceNonPrintableScalar(scalar);
                    Assert.Equal(ok ? (byte)value : (byte)'?', vector[position]);
                    Assert.Equal(vector, scalar);
                    Assert.Equal(value == 'a' ? length : length - 1, vector.Count(b => b == (byte)'a'));
                }
            }
        }
    }

    [Fact]
    public void All_256_values_in_every_rotation_vectorised_equals_scalar()
    {
        byte[] all = Enumerable.Range(0, 256).Select(i => (byte)i).ToArray();
        for (int rotation = 0; rotation < 64; rotation++)
        {
            byte[] text = [.. all.Skip(rotation), .. all.Take(rotation)];
            byte[] expected = text.Select(Sanitised).ToArray();

            byte[] vector = (byte[])text.Clone();
            AsciiText.ReplaceNonPrintable(vector);
            byte[] scalar = (byte[])text.Clone();
            AsciiText.ReplaceNonPrintableScalar(scalar);
            byte[] copied = new byte[text.Length];
            int written = AsciiText.CopySanitized(text, copied);

            Assert.Equal(expected, vector);
            Assert.Equal(expected, scalar);
            Assert.Equal(expected, copied);
            Assert.Equal(text.Length, written);
        }
    }

    [Fact]
    public void Vectorised_and_scalar_agree_on_random_text_of_many_lengths()
    {
        // Mostly printable text (the common case) with bursts of anything.
        Gen<byte[]> mostlyPrintable = Gen.Frequency(
            (8, (IGen<byte>)Gen.Byte[0x20, 0x7E]),
            (1, Gen.Byte)).Array[0, 600];
        Gen<byte[]> anything = Gen.Byte.Array[0, 600];

        Gen.OneOf(mostlyPrintable, anything).Sample(text =>
        {
            byte[] expected = text.Select(Sanitised).ToArray();

            byte[] vector = (byte[])text.Clone();
            AsciiText.ReplaceNonPrintable(vector);
            byte[] scalar = (byte[])text.Clone();
            AsciiText.ReplaceNonPrintableScalar(scalar);
            Assert.Equal(expected, vector);
            Assert.Equal(expected, scalar);

            // CopySanitized writes exactly the source length and nothing past it.
            byte[] destination = new byte[text.Length + 3];
            destination.AsSpan().Fill(0xEE);
            Assert.Equal(text.Length, AsciiText.CopySanitized(text, destination));
            Assert.Equal(expected, destination[..text.Length]);
            Assert.All(destination[text.Length..], b => Assert.Equal(0xEE, b));

            int firstBad = Array.FindIndex(text, b => !Printable(b));
            Assert.Equal(firstBad, AsciiText.IndexOfNonPrintable(text));
            Assert.Equal(firstBad < 0, AsciiText.IsPrintable(text));
        }, iter: 2000);
    }

    [Fact]
    public void CopySanitized_leaves_the_source_untouched()
    {
        byte[] source = [0x00, (byte)'a', 0x1B, 0xFF];
        byte[] destination = new byte[4];
        AsciiText.CopySanitized(source, destination);
        Assert.Equal("?a??"u8.ToArray(), destination);
        Assert.Equal(new byte[] { 0x00, (byte)'a', 0x1B, 0xFF }, source);
    }

    [Fact]
    public void CopySanitized_refuses_a_short_destination()
    {
        byte[] destination = new byte[2];
        Assert.Throws<ArgumentException>(() => AsciiText.CopySanitized("abc"u8, destination));
    }

    [Fact]
    public void The_replacement_is_a_question_mark() => Assert.Equal((byte)'?', AsciiText.Replacement);
}
