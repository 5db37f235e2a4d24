using System.Buffers;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using CsCheck;
using FastChat.Client.Internal;
using FastChat.Protocol;

namespace FastChat.Client.Tests.Infrastructure;

/// <summary>
/// Server byte streams for the split tests: every v1 line kind, lines v1 does not define and raw
/// bytes, cut into chunks anywhere; and the client's receive path without a socket, for reference.
/// </summary>
internal static class ServerStreams
{
    public static readonly DateTimeOffset T = new(2000, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static Gen<byte[]> Latin1Bytes(Gen<string> text) => text.Select(s => Encoding.Latin1.GetBytes(s));

    // A few ids, so JOIN, LEAVE, USERS and MSG keep meeting the same members (and our own id).
    private static readonly Gen<string> Id = Gen.Frequency(
        (6, (IGen<string>)Gen.Int[1, 6].Select(i => i.ToString(CultureInfo.InvariantCulture))),
        (1, Gen.Char["0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz._-"].Array[1, 33].Select(c => new string(c))));

    // Text from a server that may misbehave: CRs, NULs and high bytes, never an LF.
    private static readonly Gen<string> RawText = Gen.Frequency(
        (8, (IGen<char>)Gen.Char[' ', '~']),
        (2, Gen.Const('\r')),
        (1, Gen.Const('\0')),
        (1, Gen.Char[(char)0x80, (char)0xFF])).Array[0, 30].Select(c => new string(c));

    private static readonly Gen<byte[]> LineEnd = Gen.Frequency(
        (6, (IGen<byte[]>)Gen.Const("\r\n"u8.ToArray())),
        (2, Gen.Const("\n"u8.ToArray())),
        (1, Gen.Const("\r\r\n"u8.ToArray())));

    // Every v1 line kind, some lines v1 does not define, and raw bytes with LFs anywhere.
    private static readonly Gen<byte[]> ServerLineBytes = Gen.Frequency(
        (8, (IGen<byte[]>)Gen.Select(Latin1Bytes(Gen.OneOf(
            Id.Select(id => "WELCOME " + id),
            Id.Array[0, 8].Select(ids => ("USERS " + string.Join(' ', ids)).TrimEnd()),
            Id.Select(id => "JOIN " + id),
            Id.Select(id => "LEAVE " + id),
            Gen.Select(Id, RawText, (id, text) => $"MSG {id} {text}"),
            Gen.OneOf("1", "10000", "x", "").Select(max => "FULL " + max),
            Gen.Select(Gen.OneOf("line-too-long", "unknown-command", ""), RawText, (code, detail) => $"ERR {code} {detail}".TrimEnd()),
            RawText.Select(token => ("PONG " + token).TrimEnd()),
            Gen.OneOf("quit", "shutdown", "slow-consumer", "").Select(reason => "BYE " + reason),
            RawText)), LineEnd, (line, end) => (byte[])[.. line, .. end])),
        (1, Gen.Frequency((9, (IGen<byte>)Gen.Byte), (1, Gen.Const((byte)'\n'))).Array[1, 40]));

    // Limits around the line lengths above: small ones refuse many lines, large ones few.
    public static readonly Gen<int> MaxLineLength = Gen.OneOf(Gen.Int[1, 64], Gen.Int[65, 400]);

    public static readonly Gen<byte[]> ServerStream = ServerLineBytes.Array[0, 16].Select(lines => (byte[])[.. lines.SelectMany(l => l)]);

    /// <summary>An event without its read time, USERS with its ids spelled out.</summary>
    public static string Describe(ChatEvent e) => e switch
    {
        UsersEvent u => $"UsersEvent [{string.Join(",", u.Ids)}]",
        _ => (e with { Time = T }).ToString(),
    };

    /// <summary>
    /// The receive loop of ChatClient without the socket: hand each chunk to the same LineFramer and
    /// ServerEventParser, keeping the unconsumed bytes for the next chunk.
    /// </summary>
    public static (List<string> Events, bool FinalLineSeen) Receive(int maxLineLength, byte[] stream, IEnumerable<int> chunks)
    {
        var framer = new LineFramer(maxLineLength);
        var parser = new ServerEventParser(new MemberSet());
        var held = new List<byte>();
        var events = new List<string>();
        int position = 0;
        foreach (int size in chunks)
        {
            held.AddRange(stream.AsSpan(position, size));
            position += size;
            while (true)
            {
                OperationStatus status = framer.TryReadLine(CollectionsMarshal.AsSpan(held), out ReadOnlySpan<byte> line, out int consumed);
                if (status == OperationStatus.Done && parser.Parse(line, T) is ChatEvent e)
                {
                    events.Add(Describe(e));
                }

                held.RemoveRange(0, consumed);
                if (status == OperationStatus.NeedMoreData)
                {
                    break;
                }
            }
        }

        Assert.Equal(stream.Length, position);
        return (events, parser.FinalLineSeen);
    }

    public static string Escape(byte[] bytes) =>
        string.Concat(bytes.Select(b => b is >= 0x20 and <= 0x7E ? ((char)b).ToString() : $"\\x{b:X2}"));

    public static string Show(IEnumerable<string> events) => "[" + string.Join(", ", events) + "]";
}
