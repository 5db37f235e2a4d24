using System.Text;
using CsCheck;
using static FastChat.Protocol.Tests.FramerHarness;

namespace FastChat.Protocol.Tests;

public class ServerLineWriterTests
{
    /// <summary>A writer call: writes into the destination, returns success and the bytes written.</summary>
    private delegate bool Write(Span<byte> destination, out int written);

    private static readonly Dictionary<string, (Write Write, string Expected)> Lines = new()
    {
        ["MSG"] = (W((Span<byte> d, out int n) => ServerLineWriter.TryWriteMsg(d, "7"u8, "hello world"u8, out n)), "MSG 7 hello world\r\n"),
        ["MSG keeps leading and trailing spaces"] = (W((Span<byte> d, out int n) => ServerLineWriter.TryWriteMsg(d, "12"u8, "  a  b  "u8, out n)), "MSG 12   a  b  \r\n"),
        ["MSG sanitises the text"] = (W((Span<byte> d, out int n) => ServerLineWriter.TryWriteMsg(d, "3"u8, Bytes("a\x1b[2Jb\0\xff\xc3\xa9\r\n\t~"), out n)), "MSG 3 a?[2Jb???????~\r\n"),
        ["MSG with a slash text"] = (W((Span<byte> d, out int n) => ServerLineWriter.TryWriteMsg(d, "1"u8, "/hi"u8, out n)), "MSG 1 /hi\r\n"),
        ["WELCOME"] = (W((Span<byte> d, out int n) => ServerLineWriter.TryWriteWelcome(d, "1"u8, out n)), "WELCOME 1\r\n"),
        ["JOIN"] = (W((Span<byte> d, out int n) => ServerLineWriter.TryWriteJoin(d, "42"u8, out n)), "JOIN 42\r\n"),
        ["LEAVE"] = (W((Span<byte> d, out int n) => ServerLineWriter.TryWriteLeave(d, "42"u8, out n)), "LEAVE 42\r\n"),
        ["BYE quit"] = (W((Span<byte> d, out int n) => ServerLineWriter.TryWriteBye(d, ProtocolTokens.QuitReason, out n)), "BYE quit\r\n"),
        ["BYE shutdown"] = (W((Span<byte> d, out int n) => ServerLineWriter.TryWriteBye(d, ProtocolTokens.ShutdownReason, out n)), "BYE shutdown\r\n"),
        ["BYE slow-consumer"] = (W((Span<byte> d, out int n) => ServerLineWriter.TryWriteBye(d, ProtocolTokens.SlowConsumerReason, out n)), "BYE slow-consumer\r\n"),
        ["PONG"] = (W((Span<byte> d, out int n) => ServerLineWriter.TryWritePong(d, "abc"u8, out n)), "PONG abc\r\n"),
        ["PONG with spaces inside"] = (W((Span<byte> d, out int n) => ServerLineWriter.TryWritePong(d, " a b"u8, out n)), "PONG  a b\r\n"),
        ["PONG empty: no trailing space"] = (W((Span<byte> d, out int n) => ServerLineWriter.TryWritePong(d, default, out n)), "PONG\r\n"),
        ["PONG sanitises the token"] = (W((Span<byte> d, out int n) => ServerLineWriter.TryWritePong(d, Bytes("x\x01\x7f\x80y"), out n)), "PONG x???y\r\n"),
        ["FULL"] = (W((Span<byte> d, out int n) => ServerLineWriter.TryWriteFull(d, 10000, out n)), "FULL 10000\r\n"),
        ["FULL 1"] = (W((Span<byte> d, out int n) => ServerLineWriter.TryWriteFull(d, 1, out n)), "FULL 1\r\n"),
        ["FULL int.MaxValue"] = (W((Span<byte> d, out int n) => ServerLineWriter.TryWriteFull(d, int.MaxValue, out n)), "FULL 2147483647\r\n"),
        ["ERR line-too-long"] = (W((Span<byte> d, out int n) => ServerLineWriter.TryWriteLineTooLong(d, 1024, out n)), "ERR line-too-long 1024\r\n"),
        ["ERR unknown-command"] = (W((Span<byte> d, out int n) => ServerLineWriter.TryWriteUnknownCommand(d, "nick"u8, out n)), "ERR unknown-command nick\r\n"),
        ["ERR unknown-command, empty name: no trailing space"] = (W((Span<byte> d, out int n) => ServerLineWriter.TryWriteUnknownCommand(d, default, out n)), "ERR unknown-command\r\n"),
        ["ERR unknown-command sanitises the name"] = (W((Span<byte> d, out int n) => ServerLineWriter.TryWriteUnknownCommand(d, Bytes("\x1b[2J\xff"), out n)), "ERR unknown-command ?[2J?\r\n"),
        ["ERR generic"] = (W((Span<byte> d, out int n) => ServerLineWriter.TryWriteErr(d, "some-code"u8, "some detail"u8, out n)), "ERR some-code some detail\r\n"),
        ["ERR generic, no detail"] = (W((Span<byte> d, out int n) => ServerLineWriter.TryWriteErr(d, "some-code"u8, default, out n)), "ERR some-code\r\n"),
        ["CRLF"] = (W(ServerLineWriter.TryWriteCrLf), "\r\n"),
        ["USERS start"] = (W(ServerLineWriter.TryWriteUsersStart), "USERS"),
        ["USERS append"] = (W((Span<byte> d, out int n) => ServerLineWriter.TryAppendUser(d, "17"u8, out n)), " 17"),
        ["id"] = (W((Span<byte> d, out int n) => ServerLineWriter.TryFormatId(1, d, out n)), "1"),
        ["id long.MaxValue"] = (W((Span<byte> d, out int n) => ServerLineWriter.TryFormatId(long.MaxValue, d, out n)), "9223372036854775807"),
    };

    public static TheoryData<string> LineNames => [.. Lines.Keys];

    /// <summary>The entries that write a whole line (with its CRLF).</summary>
    public static TheoryData<string> WholeLineNames => [.. Lines.Keys.Where(k => Lines[k].Expected.EndsWith("\r\n", StringComparison.Ordinal))];

    /// <summary>The entries that write part of a line: the USERS start and append, an id.</summary>
    public static TheoryData<string> FragmentNames => [.. Lines.Keys.Where(k => !Lines[k].Expected.EndsWith("\r\n", StringComparison.Ordinal))];

    private static Write W(Write write) => write;

    private static string Latin1(ReadOnlySpan<byte> bytes) => Encoding.Latin1.GetString(bytes);

    [Theory]
    [MemberData(nameof(LineNames))]
    public void Writes_the_exact_bytes(string name)
    {
        (Write write, string expected) = Lines[name];
        byte[] destination = new byte[256];
        destination.AsSpan().Fill(0xEE);

        Assert.True(write(destination, out int written));
        Assert.Equal(Escape(expected), Escape(Latin1(destination.AsSpan(0, written))));
        Assert.All(destination[written..], b => Assert.Equal(0xEE, b));
    }

    [Theory]
    [MemberData(nameof(LineNames))]
    public void Fits_a_destination_of_exactly_its_length(string name)
    {
        (Write write, string expected) = Lines[name];
        byte[] destination = new byte[expected.Length];
        Assert.True(write(destination, out int written));
        Assert.Equal(expected.Length, written);
        Assert.Equal(Escape(expected), Escape(Latin1(destination)));
    }

    [Theory]
    [MemberData(nameof(LineNames))]
    public void A_too_small_destination_returns_false_and_writes_nothing(string name)
    {
        (Write write, string expected) = Lines[name];
        for (int size = 0; size < expected.Length; size++)
        {
            byte[] destination = new byte[size];
            destination.AsSpan().Fill(0xEE);
            Assert.False(write(destination, out int written), $"size {size}");
            Assert.Equal(0, written);
            Assert.All(destination, b => Assert.Equal(0xEE, b));
        }
    }

    [Theory]
    [MemberData(nameof(WholeLineNames))]
    public void Server_lines_end_with_CRLF_and_carry_no_other_control_bytes(string name)
    {
        string expected = Lines[name].Expected;
        Assert.EndsWith("\r\n", expected, StringComparison.Ordinal);
        string body = expected[..^2];
        Assert.All(body, c => Assert.InRange(c, ' ', '~'));

        // Servers never send trailing spaces; the one exception is MSG, whose text is the client's,
        // relayed verbatim.
        if (!body.StartsWith("MSG ", StringComparison.Ordinal))
        {
            Assert.False(body.EndsWith(' '), "no trailing space");
            Assert.DoesNotContain("  ", body.Replace("PONG  ", "PONG ", StringComparison.Ordinal), StringComparison.Ordinal);
        }
    }

    [Theory]
    [MemberData(nameof(FragmentNames))]
    public void Line_fragments_are_printable_and_end_no_line(string name)
    {
        string expected = Lines[name].Expected;
        Assert.NotEmpty(expected);
        Assert.All(expected, c => Assert.InRange(c, ' ', '~'));
    }

    [Theory]
    [InlineData(new string[0], "USERS\r\n")]
    [InlineData(new[] { "1" }, "USERS 1\r\n")]
    [InlineData(new[] { "1", "2", "30" }, "USERS 1 2 30\r\n")]
    [InlineData(new[] { "a.b_c-D", "9" }, "USERS a.b_c-D 9\r\n")]
    public void Builds_a_USERS_line(string[] ids, string expected)
    {
        int idBytes = ids.Sum(id => id.Length);
        int length = ServerLineWriter.UsersLength(ids.Length, idBytes);
        Assert.Equal(expected.Length, length);

        byte[] line = new byte[length];
        Assert.True(ServerLineWriter.TryWriteUsersStart(line, out int at));
        foreach (string id in ids)
        {
            Assert.True(ServerLineWriter.TryAppendUser(line.AsSpan(at), Bytes(id), out int n));
            at += n;
        }

        Assert.True(ServerLineWriter.TryWriteCrLf(line.AsSpan(at), out int end));
        Assert.Equal(length, at + end);
        Assert.Equal(expected, Latin1(line));
    }

    [Fact]
    public void Message_length_helpers_match_what_is_written()
    {
        byte[] destination = new byte[2048];
        Assert.True(ServerLineWriter.TryWriteMsg(destination, "123"u8, "hello"u8, out int written));
        Assert.Equal(ServerLineWriter.MsgLength(3, 5), written);

        // The longest line: a max-length text from a max-length id.
        byte[] id = Bytes(new string('i', ProtocolTokens.MaxIdLength));
        byte[] text = Bytes(new string('t', 1024));
        int longest = ServerLineWriter.MaxLineBytes(1024);
        Assert.Equal("MSG ".Length + 32 + 1 + 1024 + 2, longest);
        Assert.True(ServerLineWriter.TryWriteMsg(destination.AsSpan(0, longest), id, text, out written));
        Assert.Equal(longest, written);
    }

    [Fact]
    public void Random_chat_text_becomes_one_printable_MSG_line()
    {
        Gen.Byte.Array[1, 300].Sample(text =>
        {
            byte[] destination = new byte[ServerLineWriter.MsgLength(2, text.Length)];
            Assert.True(ServerLineWriter.TryWriteMsg(destination, "99"u8, text, out int written));
            Assert.Equal(destination.Length, written);
            Assert.Equal("MSG 99 "u8, destination.AsSpan(0, 7));
            Assert.Equal("\r\n"u8, destination.AsSpan(written - 2));

            ReadOnlySpan<byte> relayed = destination.AsSpan(7, text.Length);
            Assert.True(AsciiText.IsPrintable(relayed));
            for (int i = 0; i < text.Length; i++)
            {
                Assert.Equal(AsciiText.IsPrintable(text[i]) ? text[i] : (byte)'?', relayed[i]);
            }
        }, iter: 1000);
    }

    [Fact]
    public void Full_with_a_scope_of_any_length_is_written_or_refused_never_thrown()
    {
        Span<byte> big = stackalloc byte[200];
        Assert.True(ServerLineWriter.TryWriteFull(big, 10, "per-address"u8, out int n));
        Assert.Equal("FULL 10 per-address\r\n", System.Text.Encoding.ASCII.GetString(big[..n]));
        byte[] longScope = System.Text.Encoding.ASCII.GetBytes(new string('s', 100));
        Assert.True(ServerLineWriter.TryWriteFull(big, 10, longScope, out n));
        Assert.Equal(4 + 1 + 2 + 1 + 100 + 2, n);
        Assert.False(ServerLineWriter.TryWriteFull(big[..50], 10, longScope, out n));
        Assert.Equal(0, n);
    }
}
