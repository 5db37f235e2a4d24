namespace FastChat.Processes;

/// <summary>What to start: a program, its arguments, the variables it gets and how it is run.</summary>
public sealed record ProcessStart
{
    public ProcessStart(string fileName, IEnumerable<string>? arguments = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(fileName);
        FileName = fileName;
        Arguments = [.. arguments ?? []];
    }

    public string FileName { get; init; }

    public IReadOnlyList<string> Arguments { get; init; }

    /// <summary>Variables set on top of this process's environment; a null value removes an inherited one.</summary>
    public IReadOnlyDictionary<string, string?> Environment { get; init; } = new Dictionary<string, string?>(StringComparer.Ordinal);

    /// <summary>
    /// When set, the program runs under bash after <c>ulimit -n</c> with this value; bash execs it, so
    /// <see cref="ChildProcess.Id"/> is the program's own process id.
    /// </summary>
    public int? OpenFileLimit { get; init; }

    /// <summary>Lines kept of each output stream, the oldest dropped first; 0 keeps every line.</summary>
    public int MaxLinesKept { get; init; }

    /// <summary><c>dotnet <paramref name="dll"/> arguments...</c>.</summary>
    public static ProcessStart Dotnet(string dll, params IEnumerable<string> arguments) => new("dotnet", [dll, .. arguments]);

    /// <summary>A <c>.dll</c> under <c>dotnet</c>; any other path is executed itself.</summary>
    public static ProcessStart ForPath(string path, params IEnumerable<string> arguments) =>
        path.EndsWith(".dll", StringComparison.OrdinalIgnoreCase) ? Dotnet(path, arguments) : new ProcessStart(path, arguments);

    /// <summary><c>bash -c <paramref name="script"/></c> with <paramref name="arguments"/> as <c>$0</c>, <c>$1</c>, ...</summary>
    public static ProcessStart Shell(string script, params IEnumerable<string> arguments) => new("bash", ["-c", script, .. arguments]);

    /// <summary>A copy that also sets (or, with null, removes) <paramref name="name"/>.</summary>
    public ProcessStart WithEnvironment(string name, string? value) =>
        this with { Environment = new Dictionary<string, string?>(Environment, StringComparer.Ordinal) { [name] = value } };
}
