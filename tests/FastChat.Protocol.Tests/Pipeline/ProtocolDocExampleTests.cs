using System.Buffers;
using System.Text;
using static FastChat.Protocol.Tests.FramerHarness;

namespace FastChat.Protocol.Tests;

/// <summary>
/// The client lines of docs/PROTOCOL.md (section 13 example session and the section 2/5/7 examples)
/// go through framer, classifier and writer, as a server handles them, and give the bytes the
/// document shows.
/// </summary>
public class ProtocolDocExampleTests
{
    /// <summary>What a server answers one client line, at the protocol level (no membership).</summary>
    private static string Answer(string clientBytes, string senderId)
    {
        var framer = new LineFramer(1024);
        byte[] input = Bytes(clientBytes);
        var output = new StringBuilder();
        byte[] buffer = new byte[2048];
        ReadOnlySpan<byte> rest = input;
        while (true)
        {
            OperationStatus status = framer.TryReadLine(rest, out ReadOnlySpan<byte> line, out int consumed);
            rest = rest[consumed..];
            if (status == OperationStatus.NeedMoreData)
            {
                break;
            }

            int n = 0;
            bool ok = status == OperationStatus.InvalidData
                ? ServerLineWriter.TryWriteLineTooLong(buffer, framer.MaxLineLength, out n)
                : ClientLine.Parse(line, out ReadOnlySpan<byte> argument) switch
                {
                    ClientLineKind.Chat => ServerLineWriter.TryWriteMsg(buffer, Bytes(senderId), argument, out n),
                    ClientLineKind.Ping => ServerLineWriter.TryWritePong(buffer, argument, out n),
                    ClientLineKind.Quit => ServerLineWriter.TryWriteBye(buffer, ProtocolTokens.QuitReason, out n),
                    ClientLineKind.UnknownCommand => ServerLineWriter.TryWriteUnknownCommand(buffer, argument, out n),
                    ClientLineKind.Users => WriteUsers(buffer, ["1", "2"], out n),
                    _ => true, // empty line: nothing
                };
            Assert.True(ok);
            output.Append(Encoding.Latin1.GetString(buffer, 0, n));
        }

        return output.ToString();
    }

    private static bool WriteUsers(Span<byte> buffer, string[] ids, out int written)
    {
        ServerLineWriter.TryWriteUsersStart(buffer, out written);
        foreach (string id in ids)
        {
            ServerLineWriter.TryAppendUser(buffer[written..], Bytes(id), out int n);
            written += n;
        }

        ServerLineWriter.TryWriteCrLf(buffer[written..], out int end);
        written += end;
        return true;
    }

    [Theory]
    // Section 13.
    [InlineData("hello B\r\n", "1", "MSG 1 hello B\r\n")]
    [InlineData("//who is here?\n", "2", "MSG 2 /who is here?\r\n")]
    [InlineData("/users\n", "2", "USERS 1 2\r\n")]
    [InlineData("/ping 42  \n", "2", "PONG 42\r\n")]
    [InlineData("/nick bob\n", "2", "ERR unknown-command nick\r\n")]
    [InlineData("caf\xC3\xA9 \x1B[1m ok  \n", "1", "MSG 1 caf?? ?[1m ok  \r\n")]
    [InlineData("/quit\n", "1", "BYE quit\r\n")]
    // Sections 2, 5 and 7.
    [InlineData("hi\n", "1", "MSG 1 hi\r\n")]
    [InlineData("a\rb\n", "1", "MSG 1 a?b\r\n")]
    [InlineData("ab\r\r\n", "1", "MSG 1 ab?\r\n")]
    [InlineData("\n\r\n", "1", "")]
    [InlineData("hi  \n", "1", "MSG 1 hi  \r\n")]
    [InlineData("   \n", "1", "MSG 1    \r\n")]
    [InlineData("\x1b[2J\n", "1", "MSG 1 ?[2J\r\n")]
    [InlineData("//hi\n//\n///x\n", "1", "MSG 1 /hi\r\nMSG 1 /\r\nMSG 1 //x\r\n")]
    [InlineData("/users please\n", "1", "USERS 1 2\r\n")]
    [InlineData("/ping\n/ping \n/ping    \n", "1", "PONG\r\nPONG\r\nPONG\r\n")]
    [InlineData("/ping a b \n/ping  x\n", "1", "PONG a b\r\nPONG  x\r\n")]
    [InlineData("/\n/ x\n", "1", "ERR unknown-command\r\nERR unknown-command\r\n")]
    [InlineData("/USERS\n/Quit\n", "1", "ERR unknown-command USERS\r\nERR unknown-command Quit\r\n")]
    [InlineData("/users\0\n", "1", "ERR unknown-command users?\r\n")]
    [InlineData("/quit now\n", "1", "BYE quit\r\n")]
    [InlineData("\t\x7f\n", "1", "MSG 1 ??\r\n")]
    [InlineData("partial line without LF", "1", "")]
    public void Client_line_gives_the_documented_answer(string client, string id, string expected) =>
        Assert.Equal(Escape(expected), Escape(Answer(client, id)));

    [Fact]
    public void Line_length_limit_examples()
    {
        string max = new('x', 1024);
        Assert.Equal("MSG 1 " + max + "\r\n", Answer(max + "\r\n", "1"));
        Assert.Equal("ERR line-too-long 1024\r\n", Answer(max + "x\r\n", "1"));
        Assert.Equal("ERR line-too-long 1024\r\nMSG 1 ok\r\n", Answer(new string('x', 1100) + "\nok\n", "1"));
        Assert.Equal("ERR line-too-long 1024\r\n", Answer("/ping " + max + "\n", "1"));

        // Garbage without LF is refused without waiting for an LF.
        Assert.Equal("ERR line-too-long 1024\r\n", Answer(new string('\0', 5000), "1"));
    }
}
