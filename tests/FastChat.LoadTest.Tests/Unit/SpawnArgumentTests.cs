using FastChat.LoadTest.Internal;

namespace FastChat.LoadTest.Tests.Unit;

/// <summary>What a spawned server is started with.</summary>
public class SpawnArgumentTests
{
    [Fact]
    public void Benchmarks_turn_flood_control_off_and_say_so()
    {
        (List<string> args, string? note) = SpawnArguments.Build(["--max-clients", "100"], ["--max-pending-bytes=1048576"], keepFloodControl: false);
        Assert.Equal(["--max-clients", "100", "--max-lines-per-second", "0", "--max-pending-bytes=1048576"], args);
        Assert.Contains("--max-lines-per-second 0", note, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--max-lines-per-second=40")]
    [InlineData("--max-lines-per-second")]
    public void A_rate_the_user_passes_wins(string option)
    {
        string[] user = option.Contains('=', StringComparison.Ordinal) ? [option] : [option, "40"];
        (List<string> args, string? note) = SpawnArguments.Build([], user, keepFloodControl: false);
        Assert.Equal(user, args);
        Assert.Null(note);
        Assert.Equal(40, SpawnArguments.Number(args, SpawnArguments.LineRateOption));
    }

    [Fact]
    public void The_attack_keeps_the_server_defaults()
    {
        (List<string> args, string? note) = SpawnArguments.Build([], [], keepFloodControl: true);
        Assert.Empty(args);
        Assert.Null(note);
        Assert.Null(SpawnArguments.Number(args, "--burst"));
    }
}
