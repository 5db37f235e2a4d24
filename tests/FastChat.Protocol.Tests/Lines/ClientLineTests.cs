using static FastChat.Protocol.Tests.FramerHarness;

namespace FastChat.Protocol.Tests;

/// <summary>Every client line of docs/PROTOCOL.md section 5.</summary>
public class ClientLineTests
{
    [Theory]
    // Empty line: ignored.
    [InlineData("", ClientLineKind.Empty, "")]
    // Chat text, relayed verbatim apart from sanitising: spaces kept, '/' inside is plain text.
    [InlineData("hello", ClientLineKind.Chat, "hello")]
    [InlineData("hello world", ClientLineKind.Chat, "hello world")]
    [InlineData("  padded  ", ClientLineKind.Chat, "  padded  ")]
    [InlineData(" ", ClientLineKind.Chat, " ")]
    [InlineData(" /users", ClientLineKind.Chat, " /users")]
    [InlineData("a/b", ClientLineKind.Chat, "a/b")]
    [InlineData("\r", ClientLineKind.Chat, "\r")]
    [InlineData("\x1b[2J\0\xff", ClientLineKind.Chat, "\x1b[2J\0\xff")]
    // "//" escapes a chat text that starts with '/': one '/' is dropped.
    [InlineData("//hi", ClientLineKind.Chat, "/hi")]
    [InlineData("//", ClientLineKind.Chat, "/")]
    [InlineData("///x", ClientLineKind.Chat, "//x")]
    [InlineData("// x", ClientLineKind.Chat, "/ x")]
    [InlineData("//users", ClientLineKind.Chat, "/users")]
    // /users and /quit ignore extra arguments.
    [InlineData("/users", ClientLineKind.Users, "")]
    [InlineData("/users ", ClientLineKind.Users, "")]
    [InlineData("/users everyone please", ClientLineKind.Users, "")]
    [InlineData("/quit", ClientLineKind.Quit, "")]
    [InlineData("/quit bye all", ClientLineKind.Quit, "")]
    [InlineData("/quit ", ClientLineKind.Quit, "")]
    // /ping <token>: the rest after the first space, trailing spaces removed, leading spaces kept.
    [InlineData("/ping", ClientLineKind.Ping, "")]
    [InlineData("/ping ", ClientLineKind.Ping, "")]
    [InlineData("/ping    ", ClientLineKind.Ping, "")]
    [InlineData("/ping abc", ClientLineKind.Ping, "abc")]
    [InlineData("/ping abc   ", ClientLineKind.Ping, "abc")]
    [InlineData("/ping a b  c", ClientLineKind.Ping, "a b  c")]
    [InlineData("/ping  x", ClientLineKind.Ping, " x")]
    [InlineData("/ping 1700000000123 42", ClientLineKind.Ping, "1700000000123 42")]
    [InlineData("/ping \x01\t", ClientLineKind.Ping, "\x01\t")]
    // Command names are case-sensitive and end at the first space (0x20) only.
    [InlineData("/USERS", ClientLineKind.UnknownCommand, "USERS")]
    [InlineData("/Quit", ClientLineKind.UnknownCommand, "Quit")]
    [InlineData("/PING x", ClientLineKind.UnknownCommand, "PING")]
    [InlineData("/ping\tx", ClientLineKind.UnknownCommand, "ping\tx")]
    [InlineData("/pingx", ClientLineKind.UnknownCommand, "pingx")]
    [InlineData("/user", ClientLineKind.UnknownCommand, "user")]
    [InlineData("/usersx", ClientLineKind.UnknownCommand, "usersx")]
    [InlineData("/nick bob", ClientLineKind.UnknownCommand, "nick")]
    [InlineData("/nick bob alice", ClientLineKind.UnknownCommand, "nick")]
    [InlineData("/\x1b[2J", ClientLineKind.UnknownCommand, "\x1b[2J")]
    // An empty name is an unknown command with an empty name.
    [InlineData("/", ClientLineKind.UnknownCommand, "")]
    [InlineData("/ ", ClientLineKind.UnknownCommand, "")]
    [InlineData("/ x", ClientLineKind.UnknownCommand, "")]
    [InlineData("/ users", ClientLineKind.UnknownCommand, "")]
    public void Classifies_the_line(string line, ClientLineKind kind, string argument)
    {
        Assert.Equal(kind, ClientLine.Parse(Bytes(line), out ReadOnlySpan<byte> actual));
        Assert.Equal(Escape(argument), Escape(System.Text.Encoding.Latin1.GetString(actual)));
    }

    [Fact]
    public void The_argument_is_a_slice_of_the_line()
    {
        byte[] line = Bytes("/ping token");
        ClientLine.Parse(line, out ReadOnlySpan<byte> token);
        Assert.True(((ReadOnlySpan<byte>)line).Overlaps(token, out int offset));
        Assert.Equal(6, offset);

        byte[] chat = Bytes("//hi");
        ClientLine.Parse(chat, out ReadOnlySpan<byte> text);
        Assert.True(((ReadOnlySpan<byte>)chat).Overlaps(text, out offset));
        Assert.Equal(1, offset);
    }
}
