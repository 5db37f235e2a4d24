namespace FastChat.Server.Tests;

/// <summary>Settings and the command line: every mistake is one clear line, without a server or a process.</summary>
public class OptionsTests
{
    [Fact]
    public void The_defaults_are_valid()
    {
        Assert.Empty(new ChatServerOptions().Validate());
    }

    [Theory]
    [InlineData(nameof(ChatServerOptions.MaxClientsPerAddress), -1, "--max-clients-per-address must not be negative")]
    [InlineData(nameof(ChatServerOptions.Burst), 0, "--burst must be at least 1")]
    [InlineData(nameof(ChatServerOptions.FanOutThreads), 0, "--fan-out-threads must be between 1 and 64")]
    [InlineData(nameof(ChatServerOptions.FanOutThreads), 65, "--fan-out-threads must be between 1 and 64")]
    public void A_bad_value_is_named_with_its_option(string property, int value, string message)
    {
        var options = new ChatServerOptions();
        typeof(ChatServerOptions).GetProperty(property)!.SetValue(options, value);
        Assert.Contains(options.Validate(), e => e.StartsWith(message, StringComparison.Ordinal));
    }

    [Fact]
    public void Timeouts_outside_their_range_are_refused_and_zero_where_zero_means_off_is_not()
    {
        var options = new ChatServerOptions { IdleTimeout = TimeSpan.Zero, RegistrationTimeout = TimeSpan.Zero, LineTimeout = TimeSpan.Zero };
        Assert.Empty(options.Validate());

        options.PongTimeout = TimeSpan.Zero;
        options.FloodTimeout = TimeSpan.FromDays(2);
        Assert.Equal(
        [
            "--flood-timeout must be more than 0 and at most 86400 seconds (got 172800).",
            "--pong-timeout must be more than 0 and at most 86400 seconds (got 0).",
        ], options.Validate());
    }

    [Fact]
    public void The_total_pending_limit_cannot_be_below_one_members_limit()
    {
        var options = new ChatServerOptions { MaxPendingBytes = 1 << 20, MaxTotalPendingBytes = 1 << 19 };
        Assert.Single(options.Validate());
        options.MaxTotalPendingBytes = 0; // no limit
        Assert.Empty(options.Validate());
    }

    [Theory]
    [InlineData("--port abc", "error: --port must be a whole number, not 'abc'.")]
    [InlineData("--prot 6000", "error: unknown option '--prot' (did you mean --port?); see --help.")]
    [InlineData("--fan-out-thread 2", "error: unknown option '--fan-out-thread' (did you mean --fan-out-threads?); see --help.")]
    [InlineData("--idle-timeout soon", "error: --idle-timeout must be a number of seconds, not 'soon'.")]
    public void A_command_line_mistake_is_one_error_line(string args, string expected)
    {
        System.CommandLine.RootCommand root = ServerCommandLine.Create(out _);
        Assert.Equal([expected], ServerCommandLine.Errors(root.Parse(args.Split(' '))));
    }

    [Fact]
    public void Options_become_configuration_overrides_with_seconds_as_time_spans()
    {
        System.CommandLine.RootCommand root = ServerCommandLine.Create(out var overridesOf);
        Dictionary<string, string?> overrides = overridesOf(root.Parse(["--port", "0", "--idle-timeout", "1.5", "--fan-out-threads", "2"]));
        Assert.Equal("0", overrides["FastChat:Port"]);
        Assert.Equal("00:00:01.5000000", overrides["FastChat:IdleTimeout"]);
        Assert.Equal("2", overrides["FastChat:FanOutThreads"]);
        Assert.Equal(3, overrides.Count);
    }
}
