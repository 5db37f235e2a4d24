using System.Text;
using System.Text.Json;
using FastChat.Client.Internal.Cli;

namespace FastChat.Client.Tests.Unit;

public class FormattingTests
{
    private static readonly DateTimeOffset T = new DateTimeOffset(2026, 11, 25, 12, 4, 31, TimeSpan.Zero).ToLocalTime();

    [Fact]
    public void Text_lines_match_the_readme()
    {
        var f = new TextFormatter("127.0.0.1:6000", () => "7");
        Assert.Equal($"[{T:HH:mm:ss}] 3: hello", f.Format(new MessageEvent("3", "hello", false, T)));
        Assert.Equal($"[{T:HH:mm:ss}] 7 (you): hello", f.Format(new MessageEvent("7", "hello", true, T)));
        Assert.Equal("* 9 joined (3 online)", f.Format(new JoinEvent("9", 3, T)));
        Assert.Equal("* 9 left (2 online)", f.Format(new LeaveEvent("9", 2, T)));
        Assert.Equal("* connected to 127.0.0.1:6000 as 7", f.Format(new WelcomeEvent("7", T)));
        Assert.Equal("* 3 online: 3, 7 (you), 10", f.Format(new UsersEvent(["10", "7", "3"], T)));
        Assert.Equal("* server error: line-too-long 1024", f.Format(new ErrorEvent("line-too-long", "1024", T)));
        Assert.Null(f.Format(new DisconnectedEvent(DisconnectReason.Closed, default, T)));
    }

    [Fact]
    public void Outcomes_map_to_distinct_exit_codes()
    {
        static (int, string?) After(params ChatEvent[] events)
        {
            var o = new Outcome();
            foreach (ChatEvent e in events)
            {
                o.Observe(e);
            }

            return o.Result();
        }

        var closed = new DisconnectedEvent(DisconnectReason.Closed, default, T);
        var lost = new DisconnectedEvent(DisconnectReason.ConnectionLost, default, T);
        Assert.Equal((0, null), After(new ByeEvent("quit", T), closed));
        Assert.Equal(ExitCodes.ServerFull, After(new FullEvent(1, T), closed).Item1);
        Assert.Equal(ExitCodes.ServerShutdown, After(new ByeEvent("shutdown", T), closed).Item1);
        Assert.Equal(ExitCodes.ConnectionLost, After(new WelcomeEvent("1", T), lost).Item1);
        Assert.Equal(ExitCodes.ConnectionLost, After(new ByeEvent("slow-consumer", T), closed).Item1);
        Assert.Equal("The server is full (1 members); try again later.", After(new FullEvent(1, T), closed).Item2);
        Assert.Equal((ExitCodes.ServerFull, "Too many connections from this address (the server allows 3); try again later."),
            After(new FullEvent(3, T, "per-address"), closed));
        Assert.Equal((ExitCodes.ConnectionLost, "Connection to the server lost: the server cut this client off for sending too fast for too long."),
            After(new ByeEvent("flood", T), closed));
        Assert.Equal((ExitCodes.ConnectionLost, "Connection to the server lost: the server said BYE future-reason."),
            After(new ByeEvent("future-reason", T), closed));
        int[] codes = [ExitCodes.Ok, ExitCodes.Failure, ExitCodes.Usage, ExitCodes.CannotConnect, ExitCodes.ServerFull,
            ExitCodes.ConnectionLost, ExitCodes.ServerShutdown, ExitCodes.MessagesRefused, ExitCodes.Interrupted];
        Assert.Equal(codes.Length, codes.Distinct().Count());
    }

    [Fact]
    public void Json_objects_have_the_documented_shape()
    {
        using var w = new JsonEventWriter();
        using (JsonDocument d = JsonDocument.Parse(w.Format(new MessageEvent("7", "hi <&> \"q\"", true, T)).ToArray()))
        {
            JsonElement r = d.RootElement;
            Assert.Equal("message", r.GetProperty("event").GetString());
            Assert.Equal("7", r.GetProperty("id").GetString());
            Assert.Equal("hi <&> \"q\"", r.GetProperty("text").GetString());
            Assert.True(r.GetProperty("self").GetBoolean());
            Assert.Equal(T, r.GetProperty("time").GetDateTimeOffset());
        }

        Assert.StartsWith("""{"event":"join","id":"9","online":3,"time":""",
            Encoding.UTF8.GetString(w.Format(new JoinEvent("9", 3, T))), StringComparison.Ordinal);
        Assert.StartsWith("""{"event":"ping","token":"5","time":""",
            Encoding.UTF8.GetString(w.Format(new PingEvent("5", T))), StringComparison.Ordinal);
        Assert.StartsWith("""{"event":"full","max":10,"scope":"per-address","time":""",
            Encoding.UTF8.GetString(w.Format(new FullEvent(10, T, "per-address"))), StringComparison.Ordinal);
        Assert.StartsWith("""{"event":"users","ids":["1","7"],"time":""",
            Encoding.UTF8.GetString(w.Format(new UsersEvent(["1", "7"], T))), StringComparison.Ordinal);
        Assert.StartsWith("""{"event":"disconnected","reason":"connection-lost",""",
            Encoding.UTF8.GetString(w.Format(new DisconnectedEvent(DisconnectReason.ConnectionLost, default, T))), StringComparison.Ordinal);
        Assert.DoesNotContain((byte)'\n', w.Format(new ErrorEvent("unknown-command", "x", T)).ToArray());
    }
}
