namespace FastChat.LoadTest.Tests.Unit;

public class AssertionTests
{
    private static readonly Dictionary<string, double> s_metrics = new(StringComparer.OrdinalIgnoreCase)
    {
        ["p99"] = 12.5,              // ms
        ["lost"] = 0,
        ["dup"] = 2,
        ["order"] = 1,
        ["deliveries/s"] = 1_500_000,
        ["connect_s"] = 3.2,
        ["p99.9"] = 30,
    };

    [Theory]
    [InlineData("p99<20ms", true)]
    [InlineData("p99<10ms", false)]
    [InlineData("p99 < 12500us", false)]
    [InlineData("p99<=12500us", true)]
    [InlineData("p99<0.02s", true)]
    [InlineData("p99.9<=30", true)]
    [InlineData("lost=0", true)]
    [InlineData("lost==0", true)]
    [InlineData("dup=0", false)]
    [InlineData("dup!=0", true)]
    [InlineData("order=ok", true)]
    [InlineData("order=fail", false)]
    [InlineData("deliveries/s>1000000", true)]
    [InlineData("deliveries/s>1M", true)]
    [InlineData("deliveries/s>=2M", false)]
    [InlineData("deliveries/s>1.5e6", false)]
    [InlineData("connect_s<5s", true)]
    [InlineData("connect_s<3000ms", false)]
    [InlineData("P99<20ms", true)]
    public void Evaluates_thresholds(string text, bool expected)
    {
        (bool passed, string line) = Assertion.Parse(text).Evaluate(s_metrics);
        Assert.Equal(expected, passed);
        Assert.Contains(text, line);
        Assert.StartsWith(expected ? "assertion passed" : "ASSERTION FAILED", line);
    }

    [Fact]
    public void A_failed_line_names_the_measured_value()
    {
        (bool passed, string line) = Assertion.Parse("p99<10ms").Evaluate(s_metrics);
        Assert.False(passed);
        Assert.Equal("ASSERTION FAILED: p99<10ms (measured p99 = 12.5)", line);
    }

    [Fact]
    public void An_unknown_metric_fails_and_lists_the_known_ones()
    {
        (bool passed, string line) = Assertion.Parse("p42<1ms").Evaluate(s_metrics);
        Assert.False(passed);
        Assert.Contains("no metric 'p42'", line);
        Assert.Contains("deliveries/s", line);
    }

    [Theory]
    [InlineData("p99")]
    [InlineData("<20ms")]
    [InlineData("p99<")]
    [InlineData("p99<fast")]
    [InlineData("p99<20parsecs")]
    [InlineData("p99!20")]
    public void Malformed_assertions_are_rejected(string text)
    {
        FormatException e = Assert.Throws<FormatException>(() => Assertion.Parse(text));
        Assert.Contains(text, e.Message);
    }
}
