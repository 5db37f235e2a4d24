using System.Buffers;
using System.Text;
using CsCheck;
using static FastChat.Protocol.Tests.FramerHarness;

namespace FastChat.Protocol.Tests;

public class ServerLineTests
{
    private static string Latin1(ReadOnlySpan<byte> bytes) => Encoding.Latin1.GetString(bytes);

    private static List<string> Ids(ServerLine line)
    {
        var ids = new List<string>();
        foreach (ReadOnlySpan<byte> id in line.Ids)
        {
            ids.Add(Latin1(id));
        }

        return ids;
    }

    [Theory]
    [InlineData("WELCOME 1", ServerLineKind.Welcome, "1", "")]
    [InlineData("WELCOME a.B_c-9", ServerLineKind.Welcome, "a.B_c-9", "")]
    [InlineData("JOIN 42", ServerLineKind.Join, "42", "")]
    [InlineData("LEAVE 42", ServerLineKind.Leave, "42", "")]
    [InlineData("MSG 7 hello world", ServerLineKind.Message, "7", "hello world")]
    [InlineData("MSG 7   padded  ", ServerLineKind.Message, "7", "  padded  ")]
    [InlineData("MSG 7 /hi", ServerLineKind.Message, "7", "/hi")]
    [InlineData("MSG 7 ", ServerLineKind.Message, "7", "")]
    [InlineData("FULL 10000", ServerLineKind.Full, "10000", "")]
    [InlineData("FULL 10 per-address", ServerLineKind.Full, "10", "per-address")]
    [InlineData("PING 42", ServerLineKind.Ping, "42", "")]
    [InlineData("PING", ServerLineKind.Ping, "", "")]
    [InlineData("ERR line-too-long 1024", ServerLineKind.Error, "line-too-long", "1024")]
    [InlineData("ERR unknown-command nick", ServerLineKind.Error, "unknown-command", "nick")]
    [InlineData("ERR unknown-command", ServerLineKind.Error, "unknown-command", "")]
    [InlineData("ERR future-code some detail", ServerLineKind.Error, "future-code", "some detail")]
    [InlineData("PONG abc", ServerLineKind.Pong, "abc", "")]
    [InlineData("PONG a b", ServerLineKind.Pong, "a b", "")]
    [InlineData("PONG  x", ServerLineKind.Pong, " x", "")]
    [InlineData("PONG", ServerLineKind.Pong, "", "")]
    [InlineData("BYE quit", ServerLineKind.Bye, "quit", "")]
    [InlineData("BYE shutdown", ServerLineKind.Bye, "shutdown", "")]
    [InlineData("BYE slow-consumer", ServerLineKind.Bye, "slow-consumer", "")]
    [InlineData("BYE future-reason", ServerLineKind.Bye, "future-reason", "")]
    [InlineData("USERS", ServerLineKind.Users, "", "")]
    [InlineData("USERS 1", ServerLineKind.Users, "1", "")]
    [InlineData("USERS 1 2 3", ServerLineKind.Users, "1 2 3", "")]
    public void Parses_every_kind(string text, ServerLineKind kind, string argument, string rest)
    {
        Assert.True(ServerLine.TryParse(Bytes(text), out ServerLine line));
        Assert.Equal(kind, line.Kind);
        Assert.Equal(argument, Latin1(line.Argument));
        Assert.Equal(rest, Latin1(line.Rest));
    }

    [Theory]
    [InlineData("USERS", new string[0])]
    [InlineData("USERS 1", new[] { "1" })]
    [InlineData("USERS 1 2 30", new[] { "1", "2", "30" })]
    [InlineData("USERS x.y z-9_A", new[] { "x.y", "z-9_A" })]
    public void Enumerates_the_ids_of_USERS(string text, string[] ids)
    {
        Assert.True(ServerLine.TryParse(Bytes(text), out ServerLine line));
        Assert.Equal(ids, Ids(line));
    }

    [Theory]
    [InlineData("JOIN 1")]
    [InlineData("MSG 1 a b")]
    [InlineData("PONG 1 2")]
    public void Ids_is_empty_for_other_kinds(string text)
    {
        Assert.True(ServerLine.TryParse(Bytes(text), out ServerLine line));
        Assert.Empty(Ids(line));
    }

    [Theory]
    [InlineData("")]
    [InlineData(" ")]
    [InlineData("HELLO 1")]
    [InlineData("msg 1 x")]
    [InlineData("Welcome 1")]
    [InlineData(" MSG 1 x")]
    [InlineData("MSGX 1 x")]
    [InlineData("WELCOMEX 1")]
    [InlineData("USERSX")]
    // MSG needs an id and the space before the text.
    [InlineData("MSG")]
    [InlineData("MSG ")]
    [InlineData("MSG 1")]
    [InlineData("MSG  x")]
    // One-argument lines take exactly one argument.
    [InlineData("WELCOME")]
    [InlineData("WELCOME ")]
    [InlineData("WELCOME 1 2")]
    [InlineData("WELCOME 1 ")]
    [InlineData("JOIN")]
    [InlineData("JOIN 1 2")]
    [InlineData("LEAVE")]
    [InlineData("LEAVE  1")]
    [InlineData("FULL")]
    [InlineData("FULL 1 2")]
    [InlineData("FULL 1 per address")]
    [InlineData("FULL 1 ")]
    [InlineData("BYE")]
    [InlineData("BYE ")]
    [InlineData("BYE quit now")]
    [InlineData("ERR")]
    [InlineData("ERR ")]
    [InlineData("ERR  detail")]
    // Ids are 1 to 32 bytes of [0-9A-Za-z._-].
    [InlineData("WELCOME a/b")]
    [InlineData("JOIN \x1b[2J")]
    [InlineData("LEAVE \xff")]
    [InlineData("MSG ?? hi")]
    [InlineData("JOIN 123456789012345678901234567890123")]
    [InlineData("USERS 1 \x1b 3")]
    [InlineData("USERS 1  2")]
    [InlineData("USERS 1 ")]
    [InlineData("USERS ")]
    // FULL carries a decimal number.
    [InlineData("FULL many")]
    [InlineData("FULL -1")]
    [InlineData("FULL 10x")]
    public void Rejects_malformed_lines(string text)
    {
        Assert.False(ServerLine.TryParse(Bytes(text), out ServerLine line));
        Assert.Equal(ServerLineKind.Unknown, line.Kind);
        Assert.True(line.Argument.IsEmpty);
        Assert.True(line.Rest.IsEmpty);
    }

    [Fact]
    public void Accepts_an_id_of_exactly_32_bytes()
    {
        string id = new('a', ProtocolTokens.MaxIdLength);
        Assert.True(ServerLine.TryParse(Bytes("JOIN " + id), out ServerLine line));
        Assert.Equal(id, Latin1(line.Argument));
    }

    [Fact]
    public void Fields_are_slices_of_the_line()
    {
        byte[] text = Bytes("MSG 12 hello");
        Assert.True(ServerLine.TryParse(text, out ServerLine line));
        Assert.True(((ReadOnlySpan<byte>)text).Overlaps(line.Argument, out int offset));
        Assert.Equal(4, offset);
        Assert.True(((ReadOnlySpan<byte>)text).Overlaps(line.Rest, out offset));
        Assert.Equal(7, offset);
    }

    [Fact]
    public void Every_written_line_parses_back()
    {
        byte[] buffer = new byte[256];
        int n;

        Assert.True(ServerLineWriter.TryWriteWelcome(buffer, "5"u8, out n));
        AssertParses(buffer.AsSpan(0, n), ServerLineKind.Welcome, "5", "");
        Assert.True(ServerLineWriter.TryWriteJoin(buffer, "6"u8, out n));
        AssertParses(buffer.AsSpan(0, n), ServerLineKind.Join, "6", "");
        Assert.True(ServerLineWriter.TryWriteLeave(buffer, "7"u8, out n));
        AssertParses(buffer.AsSpan(0, n), ServerLineKind.Leave, "7", "");
        Assert.True(ServerLineWriter.TryWriteMsg(buffer, "8"u8, Bytes(" hi\x01 "), out n));
        AssertParses(buffer.AsSpan(0, n), ServerLineKind.Message, "8", " hi? ");
        Assert.True(ServerLineWriter.TryWriteFull(buffer, 3, out n));
        AssertParses(buffer.AsSpan(0, n), ServerLineKind.Full, "3", "");
        Assert.True(ServerLineWriter.TryWriteLineTooLong(buffer, 1024, out n));
        AssertParses(buffer.AsSpan(0, n), ServerLineKind.Error, "line-too-long", "1024");
        Assert.True(ServerLineWriter.TryWriteUnknownCommand(buffer, "nick"u8, out n));
        AssertParses(buffer.AsSpan(0, n), ServerLineKind.Error, "unknown-command", "nick");
        Assert.True(ServerLineWriter.TryWriteUnknownCommand(buffer, default, out n));
        AssertParses(buffer.AsSpan(0, n), ServerLineKind.Error, "unknown-command", "");
        Assert.True(ServerLineWriter.TryWritePong(buffer, "t 1"u8, out n));
        AssertParses(buffer.AsSpan(0, n), ServerLineKind.Pong, "t 1", "");
        Assert.True(ServerLineWriter.TryWritePong(buffer, default, out n));
        AssertParses(buffer.AsSpan(0, n), ServerLineKind.Pong, "", "");
        Assert.True(ServerLineWriter.TryWriteBye(buffer, ProtocolTokens.SlowConsumerReason, out n));
        AssertParses(buffer.AsSpan(0, n), ServerLineKind.Bye, "slow-consumer", "");

        Assert.True(ServerLineWriter.TryWriteUsersStart(buffer, out n));
        Assert.True(ServerLineWriter.TryAppendUser(buffer.AsSpan(n), "1"u8, out int m));
        n += m;
        Assert.True(ServerLineWriter.TryAppendUser(buffer.AsSpan(n), "22"u8, out m));
        n += m;
        Assert.True(ServerLineWriter.TryWriteCrLf(buffer.AsSpan(n), out m));
        n += m;
        AssertParses(buffer.AsSpan(0, n), ServerLineKind.Users, "1 22", "");
    }

    private static void AssertParses(ReadOnlySpan<byte> written, ServerLineKind kind, string argument, string rest)
    {
        Assert.Equal("\r\n"u8, written[^2..]);
        Assert.True(ServerLine.TryParse(written[..^2], out ServerLine line), Latin1(written));
        Assert.Equal(kind, line.Kind);
        Assert.Equal(argument, Latin1(line.Argument));
        Assert.Equal(rest, Latin1(line.Rest));
    }

    private static readonly Gen<string> GenId =
        Gen.Char["0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz._-"].Array[1, ProtocolTokens.MaxIdLength]
            .Select(chars => new string(chars));

    [Fact]
    public void Round_trip_through_writer_framer_and_parser_on_random_lines()
    {
        // A stream of MSG, JOIN, LEAVE and USERS lines written by the writer, cut by the framer a
        // client would use (LF, CR dropped), parsed back: every field survives (text sanitised).
        Gen<(int Kind, string Id, byte[] Text, string[] Ids)> line = Gen.Select(
            Gen.Int[0, 3], GenId, Gen.Byte.Array[1, 200], GenId.Array[0, 20]);

        line.Array[1, 30].Sample(lines =>
        {
            var stream = new List<byte>();
            byte[] buffer = new byte[8192];
            foreach ((int kind, string id, byte[] text, string[] ids) in lines)
            {
                int n = kind switch
                {
                    0 => ServerLineWriter.TryWriteMsg(buffer, Bytes(id), text, out int w) ? w : -1,
                    1 => ServerLineWriter.TryWriteJoin(buffer, Bytes(id), out int w) ? w : -1,
                    2 => ServerLineWriter.TryWriteLeave(buffer, Bytes(id), out int w) ? w : -1,
                    _ => WriteUsers(buffer, ids),
                };
                Assert.True(n > 0);
                stream.AddRange(buffer.AsSpan(0, n));
            }

            var framer = new LineFramer(ServerLineWriter.MaxLineBytes(200) + 20 * 33);
            ReadOnlySpan<byte> input = [.. stream];
            foreach ((int kind, string id, byte[] text, string[] ids) in lines)
            {
                Assert.Equal(OperationStatus.Done, framer.TryReadLine(input, out ReadOnlySpan<byte> framed, out int consumed));
                input = input[consumed..];
                Assert.True(ServerLine.TryParse(framed, out ServerLine parsed), Escape(Latin1(framed)));
                switch (kind)
                {
                    case 0:
                        Assert.Equal(ServerLineKind.Message, parsed.Kind);
                        Assert.Equal(id, Latin1(parsed.Argument));
                        Assert.Equal(text.Select(b => AsciiText.IsPrintable(b) ? b : (byte)'?').ToArray(), parsed.Rest.ToArray());
                        break;
                    case 1:
                        Assert.Equal(ServerLineKind.Join, parsed.Kind);
                        Assert.Equal(id, Latin1(parsed.Argument));
                        break;
                    case 2:
                        Assert.Equal(ServerLineKind.Leave, parsed.Kind);
                        Assert.Equal(id, Latin1(parsed.Argument));
                        break;
                    default:
                        Assert.Equal(ServerLineKind.Users, parsed.Kind);
                        Assert.Equal(ids, Ids(parsed));
                        break;
                }
            }

            Assert.True(input.IsEmpty);
        }, iter: 500);
    }

    private static int WriteUsers(Span<byte> buffer, string[] ids)
    {
        ServerLineWriter.TryWriteUsersStart(buffer, out int at);
        foreach (string id in ids)
        {
            ServerLineWriter.TryAppendUser(buffer[at..], Bytes(id), out int n);
            at += n;
        }

        ServerLineWriter.TryWriteCrLf(buffer[at..], out int end);
        return at + end;
    }
}
