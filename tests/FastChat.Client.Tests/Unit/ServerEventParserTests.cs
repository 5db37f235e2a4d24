using System.Text;
using FastChat.Client.Internal;

namespace FastChat.Client.Tests.Unit;

public class ServerEventParserTests
{
    private static readonly DateTimeOffset T = new(2026, 11, 25, 12, 4, 31, TimeSpan.Zero);

    private static ChatEvent? Parse(ServerEventParser parser, string line) => parser.Parse(Encoding.ASCII.GetBytes(line), T);

    [Fact]
    public void Welcome_sets_our_id_and_messages_from_it_are_marked_self()
    {
        var parser = new ServerEventParser(new MemberSet());
        Assert.Equal(new WelcomeEvent("7", T), Parse(parser, "WELCOME 7"));
        Assert.Equal("7", parser.SelfId);
        Assert.Equal(["3", "7"], Assert.IsType<UsersEvent>(Parse(parser, "USERS 3 7")).Ids);

        Assert.Equal(new MessageEvent("7", "hello", true, T), Parse(parser, "MSG 7 hello"));
        Assert.Equal(new MessageEvent("3", "hi there", false, T), Parse(parser, "MSG 3 hi there"));
    }

    [Theory]
    [InlineData("MSG 7 ", "7", "")]
    [InlineData("MSG 12 a  b ", "12", "a  b ")]
    [InlineData("MSG 9 MSG 9 nested", "9", "MSG 9 nested")]
    public void Message_text_is_everything_after_the_id(string line, string id, string text)
    {
        var e = Assert.IsType<MessageEvent>(Parse(new ServerEventParser(new MemberSet()), line));
        Assert.Equal(id, e.Id);
        Assert.Equal(text, e.Text);
        Assert.False(e.IsSelf);
    }

    [Fact]
    public void Every_v1_line_kind_becomes_its_event()
    {
        var parser = new ServerEventParser(new MemberSet());
        Assert.Equal(new FullEvent(10000, T), Parse(parser, "FULL 10000"));
        Assert.Equal(new ErrorEvent("line-too-long", "1024", T), Parse(parser, "ERR line-too-long 1024"));
        Assert.Equal(new ErrorEvent("unknown-command", "", T), Parse(parser, "ERR unknown-command"));
        Assert.Equal(new PongEvent("abc", T), Parse(parser, "PONG abc"));
        Assert.Equal(new PongEvent("", T), Parse(parser, "PONG"));
        Assert.Equal(new ByeEvent("shutdown", T), Parse(parser, "BYE shutdown"));
        Assert.True(((ByeEvent)Parse(parser, "BYE quit")!).IsQuit);
        Assert.True(((ByeEvent)Parse(parser, "BYE slow-consumer")!).IsSlowConsumer);
    }

    [Fact]
    public void Final_lines_are_remembered_so_the_close_after_them_is_not_a_lost_connection()
    {
        var parser = new ServerEventParser(new MemberSet());
        Parse(parser, "WELCOME 1");
        Assert.False(parser.FinalLineSeen);
        Parse(parser, "BYE shutdown");
        Assert.True(parser.FinalLineSeen);

        var full = new ServerEventParser(new MemberSet());
        Parse(full, "FULL 1");
        Assert.True(full.FinalLineSeen);
    }

    [Theory]
    [InlineData("")]
    [InlineData("HELLO 1")]
    [InlineData("MSG 7")]
    [InlineData("JOIN")]
    [InlineData("JOIN 1 2")]
    [InlineData("ERR")]
    [InlineData("msg 7 lower-case keyword")]
    public void Lines_v1_does_not_define_are_ignored(string line) =>
        Assert.Null(Parse(new ServerEventParser(new MemberSet()), line));

    [Fact]
    public void Non_printable_bytes_from_a_misbehaving_server_never_reach_the_text()
    {
        var parser = new ServerEventParser(new MemberSet());
        var e = (MessageEvent)parser.Parse("MSG 3 a\u001b[2Jb\u00e9"u8.ToArray().Concat(new byte[] { 0x00, 0xFF }).ToArray(), T)!;
        Assert.Equal("a?[2Jb????", e.Text);
    }

    [Fact]
    public void Ids_of_members_are_interned_so_a_message_allocates_only_the_event_and_its_text()
    {
        var parser = new ServerEventParser(new MemberSet());
        Parse(parser, "WELCOME 7");
        Parse(parser, "USERS 3 7");
        byte[] line = "MSG 3 hello"u8.ToArray();
        var first = (MessageEvent)parser.Parse(line, T)!;
        var second = (MessageEvent)parser.Parse(line, T)!;
        Assert.Same(first.Id, second.Id);

        const int Rounds = 1000;
        for (int i = 0; i < 100; i++)
        {
            parser.Parse(line, T); // warm up
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < Rounds; i++)
        {
            parser.Parse(line, T);
        }

        long perMessage = (GC.GetAllocatedBytesForCurrentThread() - before) / Rounds;

        // MessageEvent (object header + 3 refs/fields + DateTimeOffset, ~56 B) + "hello" (~32 B).
        Assert.InRange(perMessage, 1, 100);
    }
}
