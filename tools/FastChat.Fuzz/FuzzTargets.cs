using System.Buffers;
using System.Buffers.Text;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;
using FastChat.Protocol;

namespace FastChat.Fuzz;

/// <summary>
/// The fuzz target: one input drives every part of FastChat.Protocol and checks what
/// docs/PROTOCOL.md promises. A broken promise throws <see cref="FuzzInvariantException"/>; any other
/// exception that escapes comes from the protocol code itself. Both are crashes to afl-fuzz.
/// </summary>
/// <remarks>
/// Input layout: byte 0 picks the framer's line limit (1..64; its top bit gives the sniffer the
/// server's default limit of 1024 instead), byte 1 how the stream is cut into receives, the rest is
/// the stream. Every choice is derived from the input, so a crash replays.
/// </remarks>
public static class FuzzTargets
{
    /// <summary>The largest line limit byte 0 can pick; small limits reach the edge cases quickly.</summary>
    public const int MaxFuzzLineLength = 64;

    private const byte Sentinel = 0xA5;

    private delegate bool LineWriter(Span<byte> destination, out int written);

    private static ReadOnlySpan<byte> IdAlphabet =>
        "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz._-"u8;

    /// <summary>Runs every check on <paramref name="input"/>; throws when an invariant breaks.</summary>
    public static void Run(ReadOnlySpan<byte> input)
    {
        int maxLineLength = input.Length > 0 ? 1 + (input[0] % MaxFuzzLineLength) : 8;
        byte chunking = input.Length > 1 ? input[1] : (byte)0;
        ReadOnlySpan<byte> stream = input.Length > 2 ? input[2..] : default;
        var rng = new Rng(Fnv1a(input));
        byte[] id = MakeId(stream, ref rng);

        // Framing, then what the server does with each line: classify it, answer it, relay it.
        foreach (byte[] line in CheckFraming(maxLineLength, chunking, stream, ref rng))
        {
            CheckClientLine(line, id, maxLineLength, ref rng);
            CheckServerLineParse(line);
        }

        // The parsers also get what the framer would never hand them: LFs, lone CRs, any length.
        CheckClientLine(stream, id, maxLineLength: -1, ref rng);
        CheckServerLineParse(stream);
        ReadOnlySpan<byte> remaining = stream;
        while (!remaining.IsEmpty)
        {
            int lf = remaining.IndexOf((byte)'\n');
            ReadOnlySpan<byte> segment = lf < 0 ? remaining : remaining[..lf];
            CheckServerLineParse(segment);
            if (segment.Length > 0 && segment[^1] == (byte)'\r')
            {
                CheckServerLineParse(segment[..^1]);
            }

            remaining = lf < 0 ? default : remaining[(lf + 1)..];
        }

        CheckAsciiText(stream, ref rng);
        CheckWriters(stream, id, maxLineLength, ref rng);

        // The sniffer sees the stream as a connection's first bytes.
        int sniffLimit = input.Length > 0 && (input[0] & 0x80) != 0 ? 1024 : maxLineLength;
        CheckForeignProtocol(stream, sniffLimit);
    }

    // ---- ForeignProtocol -------------------------------------------------------------------------

    /// <summary>
    /// ForeignProtocol's contract: it never throws, and once a prefix is decided
    /// (<see cref="OperationStatus.Done"/>), every longer prefix gives the same answer, so a
    /// connection fed byte by byte decides exactly what one fed all at once does.
    /// </summary>
    private static void CheckForeignProtocol(ReadOnlySpan<byte> stream, int maxLineLength)
    {
        OperationStatus wholeStatus = ForeignProtocol.Sniff(stream, maxLineLength, out ForeignProtocolKind wholeKind);
        Check(wholeStatus is OperationStatus.Done or OperationStatus.NeedMoreData, "Sniff returns Done or NeedMoreData");
        if (wholeStatus == OperationStatus.Done)
        {
            CheckSniffExplained(stream, wholeKind);
        }

        // Every prefix up to well past the line limit, where every answer must have been decided;
        // the whole stream stands in for anything longer.
        int prefixes = Math.Min(stream.Length, maxLineLength + 64);
        int decidedAt = -1;
        ForeignProtocolKind decided = ForeignProtocolKind.None;
        for (int length = 0; length <= prefixes; length++)
        {
            OperationStatus status = ForeignProtocol.Sniff(stream[..length], maxLineLength, out ForeignProtocolKind kind);
            if (decidedAt < 0)
            {
                if (status == OperationStatus.Done)
                {
                    decidedAt = length;
                    decided = kind;
                }

                continue;
            }

            CheckSniffAnswer(stream, maxLineLength, decidedAt, decided, length, status, kind);
        }

        if (decidedAt >= 0)
        {
            CheckSniffAnswer(stream, maxLineLength, decidedAt, decided, stream.Length, wholeStatus, wholeKind);
        }
    }

    /// <summary>Throws unless the answer for a longer prefix is the one already decided.</summary>
    internal static void CheckSniffAnswer(ReadOnlySpan<byte> stream, int maxLineLength, int decidedAt,
        ForeignProtocolKind decided, int length, OperationStatus status, ForeignProtocolKind kind)
    {
        if (status != OperationStatus.Done || kind != decided)
        {
            throw new FuzzInvariantException(
                $"ForeignProtocol.Sniff (limit {maxLineLength}) decided {decided} on the first {decidedAt} bytes " +
                $"\"{Escape(stream[..decidedAt])}\" but says {status} {kind} on the first {length}: \"{Escape(stream[..length])}\"");
        }
    }

    // Each answer has its reason in the first bytes (docs/PROTOCOL.md "Other protocols").
    private static void CheckSniffExplained(ReadOnlySpan<byte> stream, ForeignProtocolKind kind)
    {
        bool explained = kind switch
        {
            ForeignProtocolKind.None => true,
            ForeignProtocolKind.Tls => stream.Length >= 2 && stream[0] == 0x16 && stream[1] == 0x03,
            ForeignProtocolKind.Proxy => stream.StartsWith("PROXY "u8) ||
                stream.StartsWith("\r\n\r\n\0\r\nQUIT\n"u8),
            ForeignProtocolKind.Ssh => stream.StartsWith("SSH-"u8),
            ForeignProtocolKind.Http => stream.IndexOf((byte)' ') is > 0 and <= 7 &&
                !stream[..stream.IndexOf((byte)' ')].ContainsAnyExceptInRange((byte)'A', (byte)'Z'),
            _ => false,
        };
        if (!explained)
        {
            throw new FuzzInvariantException($"ForeignProtocol.Sniff says {kind} for \"{Escape(stream)}\"");
        }
    }

    // ---- LineFramer ------------------------------------------------------------------------------

    private static List<byte[]> CheckFraming(int maxLineLength, byte chunking, ReadOnlySpan<byte> stream, ref Rng rng)
    {
        FramerTrace rules = FramerModel(maxLineLength, stream);
        FramerTrace whole = FeedFramer(maxLineLength, stream, [stream.Length]);
        int[] ones = new int[stream.Length];
        ones.AsSpan().Fill(1);
        FramerTrace byteByByte = FeedFramer(maxLineLength, stream, ones);
        FramerTrace chunked = FeedFramer(maxLineLength, stream, ChunkSizes(stream.Length, chunking, maxLineLength, ref rng));

        CheckSameRuns(rules, whole, "all at once vs the framing rules");
        CheckSameRuns(whole, byteByByte, "byte by byte vs all at once");
        CheckSameRuns(whole, chunked, $"chunked (mode 0x{chunking:X2}) vs all at once");

        var lines = new List<byte[]>();
        foreach (FramerResult e in whole.Events)
        {
            if (e.Status == OperationStatus.Done)
            {
                lines.Add(e.Line);
            }
        }

        return lines;
    }

    /// <summary>
    /// Drives the framer as a connection does: append each receive to the held-back bytes, read lines
    /// until NeedMoreData, keep only the unconsumed bytes for the next receive.
    /// </summary>
    internal static FramerTrace FeedFramer(int maxLineLength, ReadOnlySpan<byte> stream, ReadOnlySpan<int> chunkSizes)
    {
        var framer = new LineFramer(maxLineLength);
        Check(framer.MaxBufferedBytes == maxLineLength + 1, "MaxBufferedBytes is the limit plus one CR");
        var events = new List<FramerResult>();
        byte[] held = new byte[stream.Length];
        int heldCount = 0;
        int position = 0;
        int maxHeld = 0;
        foreach (int size in chunkSizes)
        {
            int take = Math.Min(size, stream.Length - position);
            stream.Slice(position, take).CopyTo(held.AsSpan(heldCount));
            heldCount += take;
            position += take;

            int start = 0;
            while (true)
            {
                ReadOnlySpan<byte> pending = held.AsSpan(start, heldCount - start);
                OperationStatus status = framer.TryReadLine(pending, out ReadOnlySpan<byte> line, out int consumed);
                Check(consumed >= 0 && consumed <= pending.Length, "consumed is within the input");
                switch (status)
                {
                    case OperationStatus.Done:
                        // Progress is guaranteed: a line consumes at least its LF.
                        Check(consumed > line.Length, "a line consumes at least its LF");
                        Check(line.Length <= maxLineLength, "a line is within the limit");
                        Check(!line.Contains((byte)'\n'), "a line has no LF");
                        Check(IsSliceOf(line, pending), "a line is a slice of the input");
                        events.Add(new FramerResult(status, line.ToArray()));
                        break;
                    case OperationStatus.InvalidData:
                        Check(consumed > 0, "a refusal makes progress");
                        Check(line.IsEmpty, "a refusal has no line");
                        events.Add(new FramerResult(status, []));
                        break;
                    case OperationStatus.NeedMoreData:
                        Check(line.IsEmpty, "NeedMoreData has no line");
                        break;
                    default:
                        throw new FuzzInvariantException($"LineFramer returned {status}");
                }

                start += consumed;
                if (status == OperationStatus.NeedMoreData)
                {
                    break;
                }
            }

            held.AsSpan(start, heldCount - start).CopyTo(held);
            heldCount -= start;
            CheckHeld(heldCount, maxLineLength, framer.IsSkipping);
            maxHeld = Math.Max(maxHeld, heldCount);
        }

        Check(position == stream.Length, "the chunks cover the stream");
        return new FramerTrace(events, held.AsSpan(0, heldCount).ToArray(), framer.IsSkipping, maxHeld);
    }

    /// <summary>
    /// The promise of LineFramer's remarks: between receives the caller holds at most the limit plus
    /// one CR of an unfinished line, and nothing at all while an overlong line is being skipped.
    /// </summary>
    internal static void CheckHeld(int held, int maxLineLength, bool skipping)
    {
        if (held > maxLineLength + 1)
        {
            throw new FuzzInvariantException($"caller holds {held} bytes of an unfinished line, limit {maxLineLength}");
        }

        if (skipping && held != 0)
        {
            throw new FuzzInvariantException($"caller holds {held} bytes while the framer skips an overlong line");
        }
    }

    /// <summary>The framing rules of docs/PROTOCOL.md "Framing", applied to the whole stream at once.</summary>
    internal static FramerTrace FramerModel(int maxLineLength, ReadOnlySpan<byte> stream)
    {
        var events = new List<FramerResult>();
        int start = 0;
        for (int i = 0; i < stream.Length; i++)
        {
            if (stream[i] != (byte)'\n')
            {
                continue;
            }

            ReadOnlySpan<byte> line = stream[start..i];
            if (line.Length > 0 && line[^1] == (byte)'\r')
            {
                line = line[..^1];
            }

            events.Add(line.Length > maxLineLength
                ? new FramerResult(OperationStatus.InvalidData, [])
                : new FramerResult(OperationStatus.Done, line.ToArray()));
            start = i + 1;
        }

        // The unterminated tail is refused once it can no longer become "max bytes + CRLF".
        ReadOnlySpan<byte> tail = stream[start..];
        bool refused = tail.Length > maxLineLength + 1 ||
            (tail.Length == maxLineLength + 1 && tail[^1] != (byte)'\r');
        if (refused)
        {
            events.Add(new FramerResult(OperationStatus.InvalidData, []));
            return new FramerTrace(events, [], Skipping: true, MaxHeld: 0);
        }

        return new FramerTrace(events, tail.ToArray(), Skipping: false, MaxHeld: 0);
    }

    /// <summary>Throws unless both runs saw the same lines and refusals and ended in the same state.</summary>
    internal static void CheckSameRuns(FramerTrace expected, FramerTrace actual, string what)
    {
        int count = Math.Min(expected.Events.Count, actual.Events.Count);
        for (int i = 0; i < count; i++)
        {
            FramerResult e = expected.Events[i];
            FramerResult a = actual.Events[i];
            if (e.Status != a.Status || !e.Line.AsSpan().SequenceEqual(a.Line))
            {
                throw new FuzzInvariantException(
                    $"{what}: event {i} differs: expected {Show(e)}, got {Show(a)}");
            }
        }

        if (expected.Events.Count != actual.Events.Count)
        {
            throw new FuzzInvariantException(
                $"{what}: {expected.Events.Count} events expected, got {actual.Events.Count}");
        }

        if (!expected.Leftover.AsSpan().SequenceEqual(actual.Leftover))
        {
            throw new FuzzInvariantException(
                $"{what}: leftover differs: expected \"{Escape(expected.Leftover)}\", got \"{Escape(actual.Leftover)}\"");
        }

        if (expected.Skipping != actual.Skipping)
        {
            throw new FuzzInvariantException($"{what}: skipping {expected.Skipping} expected, got {actual.Skipping}");
        }
    }

    // Receives of a real connection: around the line limit (mode 0), fixed (1) or random (2, 3).
    private static int[] ChunkSizes(int length, byte chunking, int maxLineLength, ref Rng rng)
    {
        int mode = chunking >> 6;
        int span = (chunking & 0x3F) + 1;
        var sizes = new List<int>();
        for (int total = 0; total < length;)
        {
            int size = mode switch
            {
                0 => Math.Max(1, maxLineLength - 2 + rng.Next(5)),
                1 => span,
                _ => 1 + rng.Next(span),
            };
            sizes.Add(size);
            total += size;
        }

        return [.. sizes];
    }

    // ---- ClientLine ------------------------------------------------------------------------------

    // maxLineLength is -1 for bytes that did not come through the framer.
    private static void CheckClientLine(ReadOnlySpan<byte> line, byte[] id, int maxLineLength, ref Rng rng)
    {
        ClientLineKind kind = ClientLine.Parse(line, out ReadOnlySpan<byte> argument);
        Check(IsSliceOf(argument, line), "ClientLine's argument is a slice of the line");

        // docs/PROTOCOL.md section 5, written out independently of the implementation (so a new
        // command must be added here too).
        ClientLineKind expectedKind;
        ReadOnlySpan<byte> expectedArgument = default;
        if (line.IsEmpty)
        {
            expectedKind = ClientLineKind.Empty;
        }
        else if (line[0] != (byte)'/')
        {
            expectedKind = ClientLineKind.Chat;
            expectedArgument = line;
        }
        else if (line.Length > 1 && line[1] == (byte)'/')
        {
            expectedKind = ClientLineKind.Chat;
            expectedArgument = line[1..];
        }
        else
        {
            ReadOnlySpan<byte> afterSlash = line[1..];
            int space = afterSlash.IndexOf((byte)' ');
            ReadOnlySpan<byte> name = space < 0 ? afterSlash : afterSlash[..space];
            if (name.SequenceEqual("users"u8))
            {
                expectedKind = ClientLineKind.Users;
            }
            else if (name.SequenceEqual("quit"u8))
            {
                expectedKind = ClientLineKind.Quit;
            }
            else if (name.SequenceEqual("ping"u8) || name.SequenceEqual("pong"u8))
            {
                expectedKind = name[1] == (byte)'i' ? ClientLineKind.Ping : ClientLineKind.Pong;
                expectedArgument = space < 0 ? default : afterSlash[(space + 1)..].TrimEnd((byte)' ');
            }
            else
            {
                expectedKind = ClientLineKind.UnknownCommand;
                expectedArgument = name;
            }
        }

        if (kind != expectedKind || !argument.SequenceEqual(expectedArgument))
        {
            throw new FuzzInvariantException(
                $"ClientLine.Parse(\"{Escape(line)}\") = {kind} \"{Escape(argument)}\", " +
                $"expected {expectedKind} \"{Escape(expectedArgument)}\"");
        }

        // The server's answer to the line, as it would write it.
        byte[] raw = argument.ToArray();
        switch (kind)
        {
            case ClientLineKind.Chat:
                int written = CheckLine("MSG (relayed chat)",
                    (Span<byte> d, out int w) => ServerLineWriter.TryWriteMsg(d, id, raw, out w),
                    4 + id.Length + 1 + raw.Length + 2, ServerLineKind.Message, id, Sanitize(raw), ref rng);
                Check(written == ServerLineWriter.MsgLength(id.Length, raw.Length), "MsgLength matches the MSG line");
                Check(maxLineLength < 0 || written <= ServerLineWriter.MaxLineBytes(maxLineLength),
                    "a relayed chat line fits MaxLineBytes");
                break;
            case ClientLineKind.Ping:
                CheckLine("PONG (ping answer)",
                    (Span<byte> d, out int w) => ServerLineWriter.TryWritePong(d, raw, out w),
                    4 + (raw.Length == 0 ? 0 : 1 + raw.Length) + 2, ServerLineKind.Pong, Sanitize(raw), default, ref rng);
                break;
            case ClientLineKind.UnknownCommand:
                CheckLine("ERR unknown-command (answer)",
                    (Span<byte> d, out int w) => ServerLineWriter.TryWriteUnknownCommand(d, raw, out w),
                    4 + 15 + (raw.Length == 0 ? 0 : 1 + raw.Length) + 2, ServerLineKind.Error,
                    "unknown-command"u8, Sanitize(raw), ref rng);
                break;
            default:
                break;
        }
    }

    // ---- ServerLine.TryParse ---------------------------------------------------------------------

    private static void CheckServerLineParse(ReadOnlySpan<byte> line)
    {
        bool ok = ServerLine.TryParse(line, out ServerLine parsed);
        Check(IsSliceOf(parsed.Argument, line) && IsSliceOf(parsed.Rest, line),
            "ServerLine's spans are slices of the line");
        if (!ok)
        {
            Check(parsed.Kind == ServerLineKind.Unknown, "a refused server line is Unknown");
            return;
        }

        Check(parsed.Kind != ServerLineKind.Unknown, "an accepted server line has a kind");
        switch (parsed.Kind)
        {
            case ServerLineKind.Welcome or ServerLineKind.Join or ServerLineKind.Leave or ServerLineKind.Message:
                Check(IsId(parsed.Argument), "the id of an accepted line is an id");
                break;
            case ServerLineKind.Full:
                Check(!parsed.Argument.IsEmpty && !parsed.Argument.ContainsAnyExceptInRange((byte)'0', (byte)'9'),
                    "FULL carries digits");
                Check(!parsed.Rest.ContainsAnyExcept(ScopeAlphabet), "a FULL scope is lower-case letters and hyphens");
                break;
            case ServerLineKind.Users:
                int ids = 0;
                foreach (ReadOnlySpan<byte> member in parsed.Ids)
                {
                    Check(IsId(member), "every USERS entry is an id");
                    ids++;
                }

                int expectedIds = parsed.Argument.IsEmpty ? 0 : parsed.Argument.Count((byte)' ') + 1;
                Check(ids == expectedIds, "USERS enumerates one id per space-separated entry");
                break;
            case ServerLineKind.Error or ServerLineKind.Bye:
                Check(!parsed.Argument.IsEmpty && !parsed.Argument.Contains((byte)' '), "the ERR code / BYE reason is one word");
                break;
            default:
                break;
        }

        // A canonical printable line re-encodes to exactly its own bytes.
        if (!IsPrintableReference(line))
        {
            return;
        }

        byte[] buffer = new byte[line.Length + 2];
        byte[] argument = parsed.Argument.ToArray();
        bool rewritten;
        int written;
        switch (parsed.Kind)
        {
            case ServerLineKind.Welcome:
                rewritten = ServerLineWriter.TryWriteWelcome(buffer, argument, out written);
                break;
            case ServerLineKind.Join:
                rewritten = ServerLineWriter.TryWriteJoin(buffer, argument, out written);
                break;
            case ServerLineKind.Leave:
                rewritten = ServerLineWriter.TryWriteLeave(buffer, argument, out written);
                break;
            case ServerLineKind.Bye:
                rewritten = ServerLineWriter.TryWriteBye(buffer, argument, out written);
                break;
            case ServerLineKind.Message:
                rewritten = ServerLineWriter.TryWriteMsg(buffer, argument, parsed.Rest, out written);
                break;
            default:
                return;
        }

        if (!rewritten || written != buffer.Length || !buffer.AsSpan(0, line.Length).SequenceEqual(line))
        {
            throw new FuzzInvariantException(
                $"\"{Escape(line)}\" parsed as {parsed.Kind} does not re-encode to itself: \"{Escape(buffer)}\"");
        }
    }

    // ---- AsciiText -------------------------------------------------------------------------------

    private static void CheckAsciiText(ReadOnlySpan<byte> stream, ref Rng rng)
    {
        // A random start gives the vector loop every alignment and tail length.
        ReadOnlySpan<byte> text = stream[rng.Next(Math.Min(stream.Length, 32) + 1)..];
        int expectedIndex = -1;
        for (int i = 0; i < text.Length; i++)
        {
            if (!IsPrintableReference(text[i]))
            {
                expectedIndex = i;
                break;
            }
        }

        Check(AsciiText.IndexOfNonPrintable(text) == expectedIndex, "IndexOfNonPrintable finds the first non-printable byte");
        Check(AsciiText.IsPrintable(text) == (expectedIndex < 0), "IsPrintable agrees with IndexOfNonPrintable");

        byte[] destination = new byte[text.Length + rng.Next(4)];
        destination.AsSpan().Fill(Sentinel);
        int copied = AsciiText.CopySanitized(text, destination);
        Check(copied == text.Length, "CopySanitized writes as many bytes as it reads");
        CheckSanitized(text, destination.AsSpan(0, copied));
        Check(!destination.AsSpan(copied).ContainsAnyExcept(Sentinel), "CopySanitized writes nothing past the text");

        byte[] vector = text.ToArray();
        AsciiText.ReplaceNonPrintable(vector);
        CheckSanitized(text, vector);
        byte[] scalar = text.ToArray();
        AsciiText.ReplaceNonPrintableScalar(scalar);
        CheckSanitized(text, scalar);

        if (!text.IsEmpty)
        {
            // Documented: a destination shorter than the source is an ArgumentException.
            bool refused = false;
            try
            {
                AsciiText.CopySanitized(text, new byte[text.Length - 1]);
            }
            catch (ArgumentException)
            {
                refused = true;
            }

            Check(refused, "CopySanitized refuses a short destination with ArgumentException");
        }
    }

    /// <summary>
    /// Throws unless <paramref name="output"/> is <paramref name="source"/> with every byte outside
    /// 0x20-0x7E replaced by <c>?</c>: same length, printable only (docs/PROTOCOL.md section 7).
    /// </summary>
    internal static void CheckSanitized(ReadOnlySpan<byte> source, ReadOnlySpan<byte> output)
    {
        if (output.Length != source.Length)
        {
            throw new FuzzInvariantException($"sanitised {source.Length} bytes into {output.Length}");
        }

        for (int i = 0; i < source.Length; i++)
        {
            byte expected = IsPrintableReference(source[i]) ? source[i] : (byte)'?';
            if (output[i] != expected)
            {
                throw new FuzzInvariantException(
                    $"sanitised byte {i}: 0x{source[i]:X2} became 0x{output[i]:X2}, expected 0x{expected:X2}");
            }
        }
    }

    // ---- ServerLineWriter round trips ------------------------------------------------------------

    private static void CheckWriters(ReadOnlySpan<byte> stream, byte[] id, int maxLineLength, ref Rng rng)
    {
        byte[] text = Take(stream, 300, ref rng).ToArray();
        CheckLine("MSG", (Span<byte> d, out int w) => ServerLineWriter.TryWriteMsg(d, id, text, out w),
            4 + id.Length + 1 + text.Length + 2, ServerLineKind.Message, id, Sanitize(text), ref rng);

        CheckLine("WELCOME", (Span<byte> d, out int w) => ServerLineWriter.TryWriteWelcome(d, id, out w),
            7 + 1 + id.Length + 2, ServerLineKind.Welcome, id, default, ref rng);
        CheckLine("JOIN", (Span<byte> d, out int w) => ServerLineWriter.TryWriteJoin(d, id, out w),
            4 + 1 + id.Length + 2, ServerLineKind.Join, id, default, ref rng);
        CheckLine("LEAVE", (Span<byte> d, out int w) => ServerLineWriter.TryWriteLeave(d, id, out w),
            5 + 1 + id.Length + 2, ServerLineKind.Leave, id, default, ref rng);

        byte[] reason = rng.Next(4) switch
        {
            0 => "quit"u8.ToArray(),
            1 => "shutdown"u8.ToArray(),
            2 => "slow-consumer"u8.ToArray(),
            _ => MakeId(stream, ref rng),
        };
        CheckLine("BYE", (Span<byte> d, out int w) => ServerLineWriter.TryWriteBye(d, reason, out w),
            3 + 1 + reason.Length + 2, ServerLineKind.Bye, reason, default, ref rng);

        // A ping token never ends with a space (ClientLine trims them), anything else goes.
        byte[] token = Take(stream, 100, ref rng).TrimEnd((byte)' ').ToArray();
        CheckLine("PONG", (Span<byte> d, out int w) => ServerLineWriter.TryWritePong(d, token, out w),
            4 + (token.Length == 0 ? 0 : 1 + token.Length) + 2, ServerLineKind.Pong, Sanitize(token), default, ref rng);

        int max = rng.Next(4) switch
        {
            0 => 0,
            1 => int.MaxValue,
            2 => maxLineLength,
            _ => (int)(rng.NextUInt64() & int.MaxValue),
        };
        byte[] digits = Encoding.ASCII.GetBytes(max.ToString(CultureInfo.InvariantCulture));
        CheckLine("FULL", (Span<byte> d, out int w) => ServerLineWriter.TryWriteFull(d, max, out w),
            4 + 1 + digits.Length + 2, ServerLineKind.Full, digits, default, ref rng);
        CheckLine("ERR line-too-long", (Span<byte> d, out int w) => ServerLineWriter.TryWriteLineTooLong(d, max, out w),
            4 + 13 + 1 + digits.Length + 2, ServerLineKind.Error, "line-too-long"u8, digits, ref rng);
        byte[] scope = rng.Next(2) == 0 ? ProtocolTokens.PerAddressScope.ToArray() : MakeScope(stream, ref rng);
        CheckLine("FULL with a scope", (Span<byte> d, out int w) => ServerLineWriter.TryWriteFull(d, max, scope, out w),
            4 + 1 + digits.Length + 1 + scope.Length + 2, ServerLineKind.Full, digits, scope, ref rng);

        long pingToken = rng.Next(2) == 0 ? rng.Next(1000) : (long)(rng.NextUInt64() >> 1);
        byte[] pingDigits = Encoding.ASCII.GetBytes(pingToken.ToString(CultureInfo.InvariantCulture));
        CheckLine("PING", (Span<byte> d, out int w) => ServerLineWriter.TryWritePing(d, pingToken, out w),
            4 + 1 + pingDigits.Length + 2, ServerLineKind.Ping, pingDigits, default, ref rng);

        // A command name ends at the first space (docs/PROTOCOL.md section 5).
        ReadOnlySpan<byte> nameSource = Take(stream, 100, ref rng);
        int nameEnd = nameSource.IndexOf((byte)' ');
        byte[] name = (nameEnd < 0 ? nameSource : nameSource[..nameEnd]).ToArray();
        CheckLine("ERR unknown-command", (Span<byte> d, out int w) => ServerLineWriter.TryWriteUnknownCommand(d, name, out w),
            4 + 15 + (name.Length == 0 ? 0 : 1 + name.Length) + 2, ServerLineKind.Error,
            "unknown-command"u8, Sanitize(name), ref rng);

        byte[] code = MakeId(stream, ref rng);
        byte[] detail = Take(stream, 100, ref rng).ToArray();
        CheckLine("ERR", (Span<byte> d, out int w) => ServerLineWriter.TryWriteErr(d, code, detail, out w),
            4 + code.Length + (detail.Length == 0 ? 0 : 1 + detail.Length) + 2, ServerLineKind.Error,
            code, Sanitize(detail), ref rng);

        CheckUsers(stream, ref rng);
        CheckFormatId(ref rng);
    }

    private static void CheckUsers(ReadOnlySpan<byte> stream, ref Rng rng)
    {
        var ids = new byte[rng.Next(6)][];
        int idBytes = 0;
        for (int i = 0; i < ids.Length; i++)
        {
            ids[i] = MakeId(stream, ref rng);
            idBytes += ids[i].Length;
        }

        byte[] joined = Encoding.ASCII.GetBytes(string.Join(' ', ids.Select(x => Encoding.ASCII.GetString(x))));
        int expectedLength = 5 + ids.Length + idBytes + 2;
        Check(ServerLineWriter.UsersLength(ids.Length, idBytes) == expectedLength, "UsersLength matches the USERS line");

        // Start, one append per member, CRLF: the pieces fail one by one when space runs out.
        byte[] line = CheckLine("USERS", (Span<byte> d, out int w) => TryWriteUsers(d, ids, out w),
            expectedLength, ServerLineKind.Users, joined, default, ref rng, allOrNothing: false, out _);
        Check(ServerLine.TryParse(line.AsSpan(0, line.Length - 2), out ServerLine parsed), "USERS parses");
        int index = 0;
        foreach (ReadOnlySpan<byte> member in parsed.Ids)
        {
            Check(index < ids.Length && member.SequenceEqual(ids[index]), "USERS ids come back in order");
            index++;
        }

        Check(index == ids.Length, "USERS lists every id");
    }

    private static bool TryWriteUsers(Span<byte> destination, byte[][] ids, out int written)
    {
        written = 0;
        if (!ServerLineWriter.TryWriteUsersStart(destination, out int at))
        {
            return false;
        }

        foreach (byte[] id in ids)
        {
            if (!ServerLineWriter.TryAppendUser(destination[at..], id, out int n))
            {
                return false;
            }

            at += n;
        }

        if (!ServerLineWriter.TryWriteCrLf(destination[at..], out int crlf))
        {
            return false;
        }

        written = at + crlf;
        return true;
    }

    private static void CheckFormatId(ref Rng rng)
    {
        long value = rng.Next(3) switch
        {
            0 => 1 + rng.Next(1000),
            1 => long.MaxValue,
            _ => (long)(rng.NextUInt64() >> 1),
        };
        byte[] expected = Encoding.ASCII.GetBytes(value.ToString(CultureInfo.InvariantCulture));
        byte[] buffer = new byte[expected.Length + 4];
        Check(!ServerLineWriter.TryFormatId(value, buffer.AsSpan(0, rng.Next(expected.Length)), out int written) && written == 0,
            "TryFormatId refuses a short destination");
        Check(ServerLineWriter.TryFormatId(value, buffer, out written), "TryFormatId formats");
        Check(buffer.AsSpan(0, written).SequenceEqual(expected), "TryFormatId writes the decimal digits");
        Check(Utf8Parser.TryParse(buffer.AsSpan(0, written), out long back, out int read) && back == value && read == written,
            "a formatted id parses back to the number");
        Check(IsId(buffer.AsSpan(0, written)), "a formatted id is a protocol id");
    }

    private static int CheckLine(string what, LineWriter write, int expectedLength, ServerLineKind kind,
        ReadOnlySpan<byte> argument, ReadOnlySpan<byte> rest, ref Rng rng)
    {
        CheckLine(what, write, expectedLength, kind, argument, rest, ref rng, allOrNothing: true, out int written);
        return written;
    }

    /// <summary>
    /// Writes one line into a too-small destination (must return false and write nothing) and into a
    /// large enough one (must write the exact line), then checks the wire rules and parses it back.
    /// </summary>
    private static byte[] CheckLine(string what, LineWriter write, int expectedLength, ServerLineKind kind,
        ReadOnlySpan<byte> argument, ReadOnlySpan<byte> rest, ref Rng rng, bool allOrNothing, out int written)
    {
        byte[] buffer = new byte[expectedLength + 8];
        buffer.AsSpan().Fill(Sentinel);
        if (write(buffer.AsSpan(0, rng.Next(expectedLength)), out written) || written != 0)
        {
            throw new FuzzInvariantException($"{what}: a destination shorter than {expectedLength} bytes was accepted");
        }

        Check(!allOrNothing || !buffer.AsSpan().ContainsAnyExcept(Sentinel), $"{what}: a refused write wrote bytes");

        buffer.AsSpan().Fill(Sentinel);
        if (!write(buffer.AsSpan(0, expectedLength + rng.Next(9)), out written))
        {
            throw new FuzzInvariantException($"{what}: refused a destination of at least {expectedLength} bytes");
        }

        ReadOnlySpan<byte> line = buffer.AsSpan(0, written);
        if (written != expectedLength)
        {
            throw new FuzzInvariantException($"{what}: wrote {written} bytes, expected {expectedLength}: \"{Escape(line)}\"");
        }

        CheckWireLine(what, line);
        Check(!buffer.AsSpan(written).ContainsAnyExcept(Sentinel), $"{what}: wrote past the line");

        ReadOnlySpan<byte> content = line[..^2];
        if (!ServerLine.TryParse(content, out ServerLine parsed) || parsed.Kind != kind ||
            !parsed.Argument.SequenceEqual(argument) || !parsed.Rest.SequenceEqual(rest))
        {
            throw new FuzzInvariantException(
                $"{what}: \"{Escape(content)}\" parses as {parsed.Kind} \"{Escape(parsed.Argument)}\" \"{Escape(parsed.Rest)}\", " +
                $"expected {kind} \"{Escape(argument)}\" \"{Escape(rest)}\"");
        }

        return line.ToArray();
    }

    /// <summary>docs/PROTOCOL.md "Server to client": CRLF at the end, printable ASCII before it, never empty.</summary>
    internal static void CheckWireLine(string what, ReadOnlySpan<byte> line)
    {
        if (line.Length < 3 || line[^2] != (byte)'\r' || line[^1] != (byte)'\n' || !IsPrintableReference(line[..^2]))
        {
            throw new FuzzInvariantException($"{what}: \"{Escape(line)}\" is not a printable line ending with CRLF");
        }
    }

    // ---- helpers ---------------------------------------------------------------------------------

    private static void Check([DoesNotReturnIf(false)] bool condition, string invariant)
    {
        if (!condition)
        {
            throw new FuzzInvariantException(invariant);
        }
    }

    private static bool IsSliceOf(ReadOnlySpan<byte> part, ReadOnlySpan<byte> whole) =>
        part.IsEmpty || (whole.Overlaps(part, out int offset) && offset >= 0 && offset + part.Length <= whole.Length);

    // The text rule written independently of AsciiText: printable ASCII is 0x20..0x7E.
    private static bool IsPrintableReference(byte b) => b is >= 0x20 and <= 0x7E;

    private static bool IsPrintableReference(ReadOnlySpan<byte> text)
    {
        foreach (byte b in text)
        {
            if (!IsPrintableReference(b))
            {
                return false;
            }
        }

        return true;
    }

    private static byte[] Sanitize(ReadOnlySpan<byte> text)
    {
        byte[] result = new byte[text.Length];
        for (int i = 0; i < text.Length; i++)
        {
            result[i] = IsPrintableReference(text[i]) ? text[i] : (byte)'?';
        }

        return result;
    }

    // <id> = 1*32( ALPHA / DIGIT / "." / "_" / "-" )
    private static bool IsId(ReadOnlySpan<byte> id)
    {
        if (id.Length is 0 or > ProtocolTokens.MaxIdLength)
        {
            return false;
        }

        foreach (byte b in id)
        {
            if (!IdAlphabet.Contains(b))
            {
                return false;
            }
        }

        return true;
    }

    // An id of 1..32 bytes made from the input, so afl can steer it.
    // scope = 1*( %x61-7A / "-" )  (docs/PROTOCOL.md, FULL)
    private static readonly System.Buffers.SearchValues<byte> ScopeAlphabet =
        System.Buffers.SearchValues.Create("abcdefghijklmnopqrstuvwxyz-"u8);

    private static byte[] MakeScope(ReadOnlySpan<byte> source, ref Rng rng)
    {
        ReadOnlySpan<byte> alphabet = "abcdefghijklmnopqrstuvwxyz-"u8;
        byte[] scope = new byte[1 + rng.Next(16)];
        int start = source.IsEmpty ? 0 : rng.Next(source.Length);
        for (int i = 0; i < scope.Length; i++)
        {
            int b = source.IsEmpty ? rng.Next(256) : source[(start + i) % source.Length];
            scope[i] = alphabet[b % alphabet.Length];
        }

        return scope;
    }

    private static byte[] MakeId(ReadOnlySpan<byte> source, ref Rng rng)
    {
        byte[] id = new byte[1 + rng.Next(ProtocolTokens.MaxIdLength)];
        int start = source.IsEmpty ? 0 : rng.Next(source.Length);
        for (int i = 0; i < id.Length; i++)
        {
            int b = source.IsEmpty ? rng.Next(256) : source[(start + i) % source.Length];
            id[i] = IdAlphabet[b % IdAlphabet.Length];
        }

        return id;
    }

    private static ReadOnlySpan<byte> Take(ReadOnlySpan<byte> source, int maxLength, ref Rng rng)
    {
        int start = rng.Next(source.Length + 1);
        int length = rng.Next(Math.Min(maxLength, source.Length - start) + 1);
        return source.Slice(start, length);
    }

    private static ulong Fnv1a(ReadOnlySpan<byte> data)
    {
        ulong hash = 14695981039346656037UL;
        foreach (byte b in data)
        {
            hash = (hash ^ b) * 1099511628211UL;
        }

        return hash;
    }

    private static string Show(FramerResult e) =>
        e.Status == OperationStatus.Done ? $"line \"{Escape(e.Line)}\"" : e.Status.ToString();

    private static string Escape(ReadOnlySpan<byte> bytes)
    {
        var sb = new StringBuilder();
        foreach (byte b in bytes[..Math.Min(bytes.Length, 120)])
        {
            if (IsPrintableReference(b) && b != (byte)'\\' && b != (byte)'"')
            {
                sb.Append((char)b);
            }
            else
            {
                sb.Append(CultureInfo.InvariantCulture, $"\\x{b:X2}");
            }
        }

        return bytes.Length > 120 ? sb.Append("...").ToString() : sb.ToString();
    }

    /// <summary>A small deterministic generator (xorshift64) seeded from the input.</summary>
    private struct Rng
    {
        private ulong _state;

        public Rng(ulong seed) => _state = seed == 0 ? 0x9E3779B97F4A7C15UL : seed;

        public ulong NextUInt64()
        {
            _state ^= _state << 13;
            _state ^= _state >> 7;
            _state ^= _state << 17;
            return _state;
        }

        public int Next(int exclusiveMax) => exclusiveMax <= 1 ? 0 : (int)(NextUInt64() % (ulong)exclusiveMax);
    }
}

/// <summary>One result of <see cref="LineFramer.TryReadLine"/> a caller acts on: a line or a refusal.</summary>
internal readonly record struct FramerResult(OperationStatus Status, byte[] Line);

/// <summary>What a caller of <see cref="LineFramer"/> saw over a whole stream.</summary>
internal sealed record FramerTrace(IReadOnlyList<FramerResult> Events, byte[] Leftover, bool Skipping, int MaxHeld);
