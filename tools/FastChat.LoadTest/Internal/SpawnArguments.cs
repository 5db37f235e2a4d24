using System.Globalization;

namespace FastChat.LoadTest.Internal;

/// <summary>
/// The command line of a <c>--spawn</c>ed server: the scenario's arguments, flood control off for the
/// benchmark scenarios, then the user's <c>--server-arg</c>s, which win (docs/LOADTEST.md, against a
/// server with its default limits).
/// </summary>
internal static class SpawnArguments
{
    public const string LineRateOption = "--max-lines-per-second";

    /// <summary>The arguments and, when the tool turned flood control off, the sentence that says so.</summary>
    public static (List<string> Args, string? Note) Build(IReadOnlyList<string> scenarioArgs, IReadOnlyList<string> userArgs, bool keepFloodControl)
    {
        var args = new List<string>(scenarioArgs);
        string? note = null;
        if (!keepFloodControl && !Sets(userArgs, LineRateOption) && !Sets(scenarioArgs, LineRateOption))
        {
            args.Add(LineRateOption);
            args.Add("0");
            note = $"spawned with {LineRateOption} 0 (flood control off: this scenario sends faster than the server's default 25 lines/s per member; " +
                $"--server-arg={LineRateOption}=N sets a limit instead)";
        }

        args.AddRange(userArgs);
        return (args, note);
    }

    /// <summary>Whether <paramref name="args"/> set <paramref name="option"/> (<c>--x=v</c> or <c>--x v</c>).</summary>
    public static bool Sets(IReadOnlyList<string> args, string option) =>
        args.Any(a => a == option || a.StartsWith(option + "=", StringComparison.Ordinal));

    /// <summary>The last value <paramref name="args"/> give <paramref name="option"/> as a number, or null.</summary>
    public static double? Number(IReadOnlyList<string> args, string option)
    {
        double? value = null;
        for (int i = 0; i < args.Count; i++)
        {
            string? text = args[i] == option && i + 1 < args.Count ? args[i + 1]
                : args[i].StartsWith(option + "=", StringComparison.Ordinal) ? args[i][(option.Length + 1)..]
                : null;
            if (text is not null && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double v))
            {
                value = v;
            }
        }

        return value;
    }
}
