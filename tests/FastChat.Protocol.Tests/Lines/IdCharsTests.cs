namespace FastChat.Protocol.Tests;

/// <summary>Ids looked up among strings as chars: exactly the id's bytes, and nothing longer than an id.</summary>
public class IdCharsTests
{
    [Theory]
    [InlineData("17")]
    [InlineData("n1.k3f9a.17")]
    [InlineData("abcdefghijklmnopqrstuvwxyz012345")] // MaxIdLength bytes
    public void An_id_becomes_the_same_chars(string id)
    {
        Span<char> chars = stackalloc char[ProtocolTokens.MaxIdLength];
        Assert.True(ProtocolTokens.TryGetIdChars(System.Text.Encoding.ASCII.GetBytes(id), chars, out ReadOnlySpan<char> idChars));
        Assert.Equal(id, idChars.ToString());
    }

    [Fact]
    public void Bytes_that_are_not_ASCII_stay_distinct()
    {
        Span<char> a = stackalloc char[ProtocolTokens.MaxIdLength];
        Span<char> b = stackalloc char[ProtocolTokens.MaxIdLength];
        Assert.True(ProtocolTokens.TryGetIdChars([0x61, 0xFF], a, out ReadOnlySpan<char> first));
        Assert.True(ProtocolTokens.TryGetIdChars([0x61, 0xFE], b, out ReadOnlySpan<char> second));
        Assert.False(first.SequenceEqual(second)); // not both "a?"
        Assert.Equal("a\u00ff", first.ToString());
    }

    [Fact]
    public void Longer_than_an_id_is_refused()
    {
        Span<char> chars = stackalloc char[64];
        Assert.False(ProtocolTokens.TryGetIdChars(new byte[ProtocolTokens.MaxIdLength + 1], chars, out _));
        Assert.False(ProtocolTokens.TryGetIdChars("12345"u8, stackalloc char[4], out _));
    }
}
