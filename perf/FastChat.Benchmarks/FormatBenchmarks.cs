using System.Text;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using FastChat.Protocol;

namespace FastChat.Benchmarks;

/// <summary>
/// Formatting the server lines that are sent most: <c>MSG</c> (every chat line, once per broadcast)
/// and <c>JOIN</c>, with <see cref="ServerLineWriter"/> against string interpolation + encoding.
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class FormatBenchmarks
{
    private readonly byte[] _destination = new byte[ServerLineWriter.MaxLineBytes(1024)];
    private readonly byte[] _id = "4711"u8.ToArray();
    private readonly byte[] _text = "hello everyone, how is it going today? fine, thanks, and you?"u8.ToArray();
    private readonly string _idString = "4711";
    private readonly string _textString = "hello everyone, how is it going today? fine, thanks, and you?";

    /// <summary>MSG by string interpolation, sanitising with a char loop, then ASCII encoding.</summary>
    [Benchmark(Baseline = true)]
    [BenchmarkCategory("MSG")]
    public int MsgNaive()
    {
        var sanitized = new StringBuilder(_textString.Length);
        foreach (char c in _textString)
        {
            sanitized.Append(c is >= ' ' and <= '~' ? c : '?');
        }

        byte[] line = Encoding.ASCII.GetBytes($"MSG {_idString} {sanitized}\r\n");
        return line.Length;
    }

    /// <summary>MSG written straight into the send buffer, text sanitised on the way.</summary>
    [Benchmark]
    [BenchmarkCategory("MSG")]
    public int MsgWriter()
    {
        ServerLineWriter.TryWriteMsg(_destination, _id, _text, out int written);
        return written;
    }

    /// <summary>JOIN by string interpolation and ASCII encoding.</summary>
    [Benchmark(Baseline = true)]
    [BenchmarkCategory("JOIN")]
    public int JoinNaive() => Encoding.ASCII.GetBytes($"JOIN {_idString}\r\n").Length;

    /// <summary>JOIN written straight into the send buffer.</summary>
    [Benchmark]
    [BenchmarkCategory("JOIN")]
    public int JoinWriter()
    {
        ServerLineWriter.TryWriteJoin(_destination, _id, out int written);
        return written;
    }
}

/// <summary>
/// The <c>USERS</c> line for 10 and 10 000 members: <see cref="ServerLineWriter"/> (start, one
/// append per member, CRLF) against <c>string.Join</c> + encoding. Ids are kept pre-formatted as
/// ASCII, as a member keeps its own id.
/// </summary>
[MemoryDiagnoser]
public class UsersLineBenchmarks
{
    private byte[][] _ids = [];
    private string[] _idStrings = [];
    private byte[] _destination = [];

    /// <summary>How many members the line lists.</summary>
    [Params(10, 10_000)]
    public int Members { get; set; }

    /// <summary>Creates the ids 1..Members and a buffer that fits the line.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _idStrings = Enumerable.Range(1, Members).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        _ids = _idStrings.Select(Encoding.ASCII.GetBytes).ToArray();
        _destination = new byte[ServerLineWriter.UsersLength(Members, _ids.Sum(id => id.Length))];
    }

    /// <summary><c>"USERS " + string.Join(' ', ids)</c>, then ASCII encoding.</summary>
    [Benchmark(Baseline = true)]
    public int UsersNaive() => Encoding.ASCII.GetBytes("USERS " + string.Join(' ', _idStrings) + "\r\n").Length;

    /// <summary>Written into one buffer sized with <see cref="ServerLineWriter.UsersLength"/>.</summary>
    [Benchmark]
    public int UsersWriter()
    {
        Span<byte> destination = _destination;
        ServerLineWriter.TryWriteUsersStart(destination, out int at);
        foreach (byte[] id in _ids)
        {
            ServerLineWriter.TryAppendUser(destination[at..], id, out int written);
            at += written;
        }

        ServerLineWriter.TryWriteCrLf(destination[at..], out int crlf);
        return at + crlf;
    }
}
