using System.Text;
using BenchmarkDotNet.Attributes;
using FastChat.Protocol;

namespace FastChat.Benchmarks;

/// <summary>
/// Classifying one client line (<see cref="ClientLine.Parse"/>) against a naive string version
/// (decode, <c>StartsWith</c>, <c>Split</c>), for each kind of line a client sends.
/// </summary>
[MemoryDiagnoser]
public class ParseBenchmarks
{
    private byte[] _line = [];

    /// <summary>The line, as the framer hands it over (no CR/LF).</summary>
    [Params("hello everyone, how is it going today?", "//slashes are chat too", "/users", "/ping 1234567890", "/quit", "/nick bob")]
    public string Line { get; set; } = "";

    /// <summary>Encodes the line.</summary>
    [GlobalSetup]
    public void Setup() => _line = Encoding.ASCII.GetBytes(Line);

    /// <summary>Decode to a string, then classify with string APIs.</summary>
    [Benchmark(Baseline = true)]
    public int NaiveString()
    {
        string line = Encoding.ASCII.GetString(_line);
        if (line.Length == 0)
        {
            return 0;
        }

        if (!line.StartsWith('/') || line.StartsWith("//", StringComparison.Ordinal))
        {
            return line.StartsWith('/') ? line[1..].Length : line.Length;
        }

        string[] words = line[1..].Split(' ', 2);
        return words[0] switch
        {
            "users" => 1,
            "quit" => 2,
            "ping" => words.Length > 1 ? words[1].TrimEnd(' ').Length : 0,
            _ => words[0].Length,
        };
    }

    /// <summary>The protocol library: spans into the receive buffer, no decoding.</summary>
    [Benchmark]
    public int ClientLineParse()
    {
        ClientLineKind kind = ClientLine.Parse(_line, out ReadOnlySpan<byte> argument);
        return (int)kind + argument.Length;
    }
}
