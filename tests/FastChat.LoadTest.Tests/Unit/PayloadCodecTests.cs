using System.Text;
using CsCheck;
using FastChat.LoadTest.Internal;
using FastChat.Protocol;

namespace FastChat.LoadTest.Tests.Unit;

public class PayloadCodecTests
{
    [Fact]
    public void Write_pads_to_size_with_printable_ascii_and_parses_back()
    {
        byte[] buffer = new byte[128];
        int n = PayloadCodec.Write(buffer, 64, 123456789, 3, 42, 17);
        Assert.Equal(64, n);
        string text = Encoding.ASCII.GetString(buffer, 0, n);
        Assert.StartsWith("t123456789.s3.q42.l17.", text);
        Assert.EndsWith("xxx", text);
        Assert.True(AsciiText.IsPrintable(buffer.AsSpan(0, n)));
        Assert.DoesNotContain(' ', text);
        Assert.True(PayloadCodec.TryParse(buffer.AsSpan(0, n), out PayloadFields f));
        Assert.Equal(new PayloadFields(123456789, 3, 42, 17), f);
    }

    [Fact]
    public void A_header_longer_than_size_is_the_whole_payload()
    {
        byte[] buffer = new byte[PayloadCodec.MaxHeaderLength];
        int n = PayloadCodec.Write(buffer, 8, long.MaxValue / 2, 1000, 999_999_999, 5);
        Assert.Equal(PayloadCodec.Length(8, long.MaxValue / 2, 1000, 999_999_999, 5), n);
        Assert.True(n > 8);
        Assert.True(PayloadCodec.TryParse(buffer.AsSpan(0, n), out PayloadFields f));
        Assert.Equal(999_999_999, f.Sequence);
    }

    [Fact]
    public void Write_reports_a_destination_that_is_too_small()
    {
        Assert.Equal(0, PayloadCodec.Write(new byte[10], 32, 1, 1, 1, 1));
        Assert.Equal(0, PayloadCodec.Write(new byte[40], 64, 1, 1, 1, 1));
    }

    [Theory]
    [InlineData("")]
    [InlineData("hello world")]
    [InlineData("t1.s2.q3.")]
    [InlineData("t1.s2.q3.l4")]
    [InlineData("t1.s.q3.l4.")]
    [InlineData("s1.t2.q3.l4.")]
    [InlineData("t99999999999999999999.s2.q3.l4.")]
    [InlineData("t9999999999999999999.s2.q3.l4.")]
    public void Foreign_text_is_not_a_payload(string text)
    {
        Assert.False(PayloadCodec.TryParse(Encoding.ASCII.GetBytes(text), out _));
    }

    [Fact]
    public void Round_trips_every_value()
    {
        Gen.Select(Gen.Long[0, long.MaxValue / 16], Gen.Int[0, 100_000], Gen.Long[0, long.MaxValue / 16], Gen.Long[0, 1L << 40], Gen.Int[1, 200])
            .Sample((t, s, q, l, size) =>
            {
                byte[] buffer = new byte[Math.Max(size, PayloadCodec.MaxHeaderLength)];
                int n = PayloadCodec.Write(buffer, size, t, s, q, l);
                Assert.Equal(PayloadCodec.Length(size, t, s, q, l), n);
                Assert.True(PayloadCodec.TryParse(buffer.AsSpan(0, n), out PayloadFields f));
                Assert.Equal(new PayloadFields(t, s, q, l), f);
            });
    }
}
