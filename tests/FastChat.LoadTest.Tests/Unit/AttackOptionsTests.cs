using FastChat.LoadTest.Internal;
using FastChat.LoadTest.Scenarios;

namespace FastChat.LoadTest.Tests.Unit;

/// <summary>The attack scenario's options and bookkeeping.</summary>
public class AttackOptionsTests
{
    [Fact]
    public void Honest_senders_over_the_flood_limit_are_refused_with_a_way_out()
    {
        var e = Assert.Throws<ArgumentException>(() => new AttackOptions { Senders = 4, Rate = 200 }.Validate());
        Assert.Contains("--senders 10", e.Message, StringComparison.Ordinal);
        new AttackOptions { Senders = 10, Rate = 200 }.Validate();
        new AttackOptions { Senders = 4, Rate = 200, ServerLineRate = 0 }.Validate();
    }

    [Fact]
    public void Attacks_are_chosen_by_name()
    {
        Assert.Equal(AttackOptions.AllAttacks, AttackOptions.ParseAttacks("all"));
        Assert.Empty(AttackOptions.ParseAttacks("none"));
        Assert.Equal(["flood", "foreign"], AttackOptions.ParseAttacks("foreign, flood"));
        Assert.Throws<ArgumentException>(() => AttackOptions.ParseAttacks("ddos"));
        Assert.Equal(["flood"], new AttackOptions { Attacks = ["flood", "slowloris"], Slowloris = 0 }.CreateAttacks().Select(a => a.Name));
    }

    [Theory]
    [InlineData("BYE flood", "bye_flood")]
    [InlineData("FULL 10 per-address", "full_per_address")]
    [InlineData("closed (ConnectionReset)", "closed_connectionreset")]
    [InlineData("no answer", "no_answer")]
    public void Answers_become_metric_names(string answer, string slug) => Assert.Equal(slug, AttackScenario.Slug(answer));

    [Fact]
    public void Phase_windows_count_the_messages_intended_in_them()
    {
        var schedule = OpenModelSchedule.Constant(1000, 10); // 10 msg/s, ticks are ms: message k at 100k ms
        // [0, 1000) holds messages 0..9, [1000, 2000) 10..19; only what was sent counts.
        Assert.Equal(10, AttackScenario.CountIntended(schedule, 0, 0, 1000, 100));
        Assert.Equal(10, AttackScenario.CountIntended(schedule, 0, 1000, 2000, 100));
        Assert.Equal(5, AttackScenario.CountIntended(schedule, 0, 1000, 2000, 15));
        Assert.Equal(0, AttackScenario.CountIntended(schedule, 0, 1000, 2000, 8));
    }

    [Fact]
    public void Flood_lines_are_told_from_honest_payloads()
    {
        byte[] line = new byte[FloodPayload.MaxLineLength];
        int n = FloodPayload.WriteLine(line, 3, 12345, 32);
        Assert.Equal(32 + 1, n);
        Assert.Equal((byte)'\n', line[n - 1]);
        Assert.True(FloodPayload.TryParse(line.AsSpan(0, n - 1), out int f, out long seq));
        Assert.Equal((3, 12345L), (f, seq));
        Assert.False(PayloadCodec.TryParse(line.AsSpan(0, n - 1), out _));
        byte[] honest = new byte[64];
        int h = PayloadCodec.Write(honest, 32, 1, 0, 0, 0);
        Assert.False(FloodPayload.TryParse(honest.AsSpan(0, h), out _, out _));
    }

    [Fact]
    public void The_TLS_and_HTTP_openings_are_what_the_server_recognises()
    {
        byte[] hello = Scenarios.Attacks.ForeignProtocolAttack.ClientHello();
        Assert.Equal(System.Buffers.OperationStatus.Done, FastChat.Protocol.ForeignProtocol.Sniff(hello, 1024, out var tls));
        Assert.Equal(FastChat.Protocol.ForeignProtocolKind.Tls, tls);
        Assert.Equal(hello.Length - 5, (hello[3] << 8) | hello[4]);
        byte[] post = Scenarios.Attacks.ForeignProtocolAttack.HttpPost("127.0.0.1:6000");
        Assert.Equal(System.Buffers.OperationStatus.Done, FastChat.Protocol.ForeignProtocol.Sniff(post, 1024, out var http));
        Assert.Equal(FastChat.Protocol.ForeignProtocolKind.Http, http);
    }
}
