using System.Globalization;

namespace FastChat.LoadTest;

/// <summary>Comparison operators of the <c>--assert</c> language.</summary>
internal enum AssertOp : byte
{
    Less,
    LessOrEqual,
    Greater,
    GreaterOrEqual,
    Equal,
    NotEqual,
}

/// <summary>
/// One threshold of the <c>--assert</c> language, <c>METRIC OP VALUE[UNIT]</c> (docs/LOADTEST.md, --assert):
/// a time is converted to the metric's unit, seconds for names ending in <c>_s</c>, else milliseconds.
/// </summary>
internal sealed record Assertion(string Text, string Metric, AssertOp Op, double Value)
{
    public static Assertion Parse(string text)
    {
        string t = text.Replace(" ", "", StringComparison.Ordinal);
        int at = t.IndexOfAny(['<', '>', '=', '!']);
        if (at > 0 && at < t.Length - 1)
        {
            string two = at + 2 <= t.Length ? t.Substring(at, 2) : "";
            (AssertOp op, int length) = two switch
            {
                "<=" => (AssertOp.LessOrEqual, 2),
                ">=" => (AssertOp.GreaterOrEqual, 2),
                "==" => (AssertOp.Equal, 2),
                "!=" => (AssertOp.NotEqual, 2),
                _ => t[at] switch
                {
                    '<' => (AssertOp.Less, 1),
                    '>' => (AssertOp.Greater, 1),
                    '=' => (AssertOp.Equal, 1),
                    _ => ((AssertOp)255, 0),
                },
            };
            if (length > 0 && at + length < t.Length)
            {
                string metric = t[..at];
                return new Assertion(text, metric, op, ParseValue(metric, t[(at + length)..], text));
            }
        }

        throw new FormatException($"assertion '{text}': expected METRIC OP VALUE, e.g. p99<20ms, lost=0, deliveries/s>1M, order=ok");
    }

    private static double ParseValue(string metric, string value, string text)
    {
        switch (value.ToLowerInvariant())
        {
            case "ok" or "true" or "yes":
                return 1;
            case "fail" or "false" or "no":
                return 0;
            default:
                break;
        }

        int end = 0;
        while (end < value.Length && (char.IsAsciiDigit(value[end]) || value[end] is '.' or '-' or '+' or 'e' or 'E'))
        {
            // "e" only as an exponent: stop at a unit like "ms" that has no digit after the e.
            if (value[end] is 'e' or 'E' && (end + 1 >= value.Length || !(char.IsAsciiDigit(value[end + 1]) || value[end + 1] is '-' or '+')))
            {
                break;
            }

            end++;
        }

        if (end == 0 || !double.TryParse(value.AsSpan(0, end), NumberStyles.Float, CultureInfo.InvariantCulture, out double number))
        {
            throw new FormatException($"assertion '{text}': '{value}' is not a number (with optional unit) or ok/fail");
        }

        string unit = value[end..];
        bool metricInSeconds = metric.EndsWith("_s", StringComparison.OrdinalIgnoreCase);
        double timeScale = metricInSeconds ? 1 : 1000; // value in seconds -> metric unit
        return unit switch
        {
            "" or "%" => number,
            "k" or "K" => number * 1e3,
            "M" => number * 1e6,
            "G" => number * 1e9,
            "ns" => number / 1e9 * timeScale,
            "us" or "µs" => number / 1e6 * timeScale,
            "ms" => number / 1e3 * timeScale,
            "s" => number * timeScale,
            "m" or "min" => number * 60 * timeScale,
            _ => throw new FormatException($"assertion '{text}': unknown unit '{unit}' (k M G ns us ms s min %)"),
        };
    }

    /// <summary>Checks the assertion; the line says what was expected and what was measured.</summary>
    public (bool Passed, string Line) Evaluate(IReadOnlyDictionary<string, double> metrics)
    {
        if (!metrics.TryGetValue(Metric, out double actual))
        {
            return (false, $"ASSERTION FAILED: {Text}: no metric '{Metric}' in this scenario (known: {string.Join(", ", metrics.Keys)})");
        }

        double tolerance = 1e-9 * Math.Max(1, Math.Abs(Value));
        bool ok = Op switch
        {
            AssertOp.Less => actual < Value,
            AssertOp.LessOrEqual => actual <= Value + tolerance,
            AssertOp.Greater => actual > Value,
            AssertOp.GreaterOrEqual => actual >= Value - tolerance,
            AssertOp.Equal => Math.Abs(actual - Value) <= tolerance,
            _ => Math.Abs(actual - Value) > tolerance,
        };
        string measured = actual.ToString("G6", CultureInfo.InvariantCulture);
        return ok
            ? (true, $"assertion passed: {Text} (measured {Metric} = {measured})")
            : (false, $"ASSERTION FAILED: {Text} (measured {Metric} = {measured})");
    }
}
