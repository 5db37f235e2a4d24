using System.Buffers;
using FastChat.Protocol;
using static FastChat.Server.Tests.Catalogue.Attacker;

namespace FastChat.Server.Tests.Catalogue;

/// <summary>Runs alone: each case checks that the process's CPU goes back to idle.</summary>
[CollectionDefinition(nameof(CatalogueCollection), DisableParallelization = true)]
public sealed class CatalogueCollection;

/// <summary>
/// Hostile and odd input against a server with its default limits (docs/PROTOCOL.md "Limits"):
/// each case asserts the documented answer to the attacker, that the honest members get exactly the
/// bytes of a control run apart from the attacker's own lines, and that nothing leaks.
/// </summary>
[Collection(nameof(CatalogueCollection))]
public class BadInputCatalogueTests
{
    public static TheoryData<string> Names => [.. Cases.Keys];

    [Theory]
    [MemberData(nameof(Names))]
    public Task Case(string name) => CatalogueHarness.RunAsync(Cases[name]);

    private static readonly string[] JoinLeave = ["JOIN 3", "LEAVE 3"];

    private static string[] Relays(params string[] messages) => ["JOIN 3", .. messages.Select(m => $"MSG 3 {m}"), "LEAVE 3"];

    // One member sends bytes; reads the answers it expects (then leaves).
    private static CatalogueCase Echo(string send, string[] answers, string[] relayed) => new(async attack =>
    {
        await using TestClient c = await attack.JoinAsync();
        await c.SendRawAsync(Bytes(send));
        foreach (string answer in answers)
        {
            Assert.Equal(answer, await c.ReadLineAsync());
        }

        Assert.Empty(await c.SyncAsync()); // nothing else came back
    }, relayed);

    // One member sends bytes and is ended by the server with the given final lines.
    private static CatalogueCase EndedWith(string send, params string[] lines) => new(async attack =>
    {
        await using TestClient c = await attack.JoinAsync();
        await c.SendRawAsync(Bytes(send));
        Assert.Equal(lines, await c.ReadToEndAsync());
    }, JoinLeave);

    // Sends lines far over the rate, then lets the clock run until the server says BYE flood.
    private static CatalogueCase Flood(string line, int count, Func<string, bool> answer) => new(async attack =>
    {
        await using TestClient c = await attack.JoinAsync();
        Task sending = SendInBackground(c, Bytes(string.Concat(Enumerable.Repeat(line, count))));
        await attack.AdvanceUntilAsync(() => attack.Server.Server.MemberCount == 2, "BYE flood");
        List<string> got = await c.ReadToEndAsync();
        Assert.Equal("BYE flood", got[^1]);
        Assert.All(got[..^1], l => Assert.True(answer(l), l));
        await sending;
    }, JoinLeave);

    // The server stops reading a flooder, so its send may wait until the server closes it.
    private static async Task SendInBackground(TestClient client, byte[] bytes)
    {
        try
        {
            await Task.Run(() => client.SendRawAsync(bytes));
        }
        catch (Exception ex) when (ex is System.Net.Sockets.SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // cut off (reset) before it was all sent: expected for a flooder
        }
    }

    private static readonly string Random1MB = RandomText(1 << 20, seed: 1);

    private static readonly Dictionary<string, CatalogueCase> Cases = new()
    {
        // ---- bytes that are sanitised, not refused ----
        ["NUL in a line"] = Echo("a\0b\n", ["MSG 3 a?b"], Relays("a?b")),
        ["C0 control bytes"] = Echo(C0() + "\n", [$"MSG 3 {new string('?', 30)}"], Relays(new string('?', 30))),
        ["DEL"] = Echo("\x7f\n", ["MSG 3 ?"], Relays("?")),
        ["bytes 0x80-0xFF"] = Echo(HighBytes() + "\n", [$"MSG 3 {new string('?', 128)}"], Relays(new string('?', 128))),
        ["UTF-8"] = Echo("caf\xc3\xa9\n", ["MSG 3 caf??"], Relays("caf??")),
        ["terminal escapes"] = Echo("\x1b[2J\x1b[31mred\n", ["MSG 3 ?[2J?[31mred"], Relays("?[2J?[31mred")),
        ["telnet negotiation"] = Echo("\xff\xfb\x1fhello\n", ["MSG 3 ???hello"], Relays("???hello")),
        ["lone CR inside a line"] = Echo("a\rb\n", ["MSG 3 a?b"], Relays("a?b")),
        ["only CRs"] = Echo("\r\r\r\n", ["MSG 3 ??"], Relays("??")),
        ["CR CR LF"] = Echo("ab\r\r\n", ["MSG 3 ab?"], Relays("ab?")),
        ["a line of spaces"] = Echo("   \n", ["MSG 3    "], Relays("   ")),
        ["a spoofed MSG line"] = Echo("MSG 1 I am one\n", ["MSG 3 MSG 1 I am one"], Relays("MSG 1 I am one")),
        ["CRLF injection"] = Echo("hi\r\nJOIN 99\n", ["MSG 3 hi", "MSG 3 JOIN 99"], Relays("hi", "JOIN 99")),

        // ---- line length ----
        ["exactly the longest line"] = Echo(new string('x', 1024) + "\r\n", [$"MSG 3 {new string('x', 1024)}"], Relays(new string('x', 1024))),
        ["one byte too long"] = Echo(new string('x', 1025) + "\n", ["ERR line-too-long 1024"], JoinLeave),
        ["longest line with its CR in a later packet"] = new(async attack =>
        {
            await using TestClient c = await attack.JoinAsync();
            await attack.SendAndWaitReadAsync(c, Bytes(new string('y', 1024) + "\r"));
            await c.SendAsync("\n");
            Assert.Equal($"MSG 3 {new string('y', 1024)}", await c.ReadLineAsync());
        }, Relays(new string('y', 1024))),
        ["three overlong lines then a good one"] = Echo(string.Concat(Enumerable.Repeat(new string('z', 2000) + "\n", 3)) + "ok\n",
            ["ERR line-too-long 1024", "ERR line-too-long 1024", "ERR line-too-long 1024", "MSG 3 ok"], Relays("ok")),
        ["an overlong command"] = Echo("/ping " + new string('p', 1100) + "\n", ["ERR line-too-long 1024"], JoinLeave),
        ["10 MB without LF, then silence"] = new(async attack =>
        {
            await using TestClient c = await attack.JoinAsync();
            byte[] big = new byte[10 << 20];
            big.AsSpan().Fill((byte)'x');
            await attack.SendAndWaitReadAsync(c, big);
            Assert.Equal("ERR line-too-long 1024", await c.ReadLineAsync());
            attack.Advance(TimeSpan.FromSeconds(10.5));
            Assert.Equal(["BYE line-timeout"], await c.ReadToEndAsync());
        }, JoinLeave),
        ["10 MB without LF, then a line"] = new(async attack =>
        {
            await using TestClient c = await attack.JoinAsync();
            byte[] big = new byte[10 << 20];
            big.AsSpan().Fill((byte)'x');
            await attack.SendAndWaitReadAsync(c, big);
            await c.SendAsync("\nok\n");
            Assert.Equal("ERR line-too-long 1024", await c.ReadLineAsync());
            Assert.Equal("MSG 3 ok", await c.ReadLineAsync());
        }, Relays("ok")),
        ["1 MB of random bytes"] = new(async attack =>
        {
            await using TestClient c = await attack.JoinAsync();
            Task sending = SendInBackground(c, Bytes(Random1MB));
            await attack.AdvanceUntilAsync(() => attack.Server.Server.MemberCount == 2, "BYE flood");
            Assert.Equal("BYE flood", (await c.ReadToEndAsync(TimeSpan.FromSeconds(30)))[^1]);
            await sending;
        }, CheckRelayed: relayed =>
        {
            // What was relayed is, byte for byte, the start of what the protocol makes of those bytes.
            string[] model = [.. ModelRelays(Random1MB)];
            string[] messages = [.. relayed.Where(l => l.StartsWith("MSG", StringComparison.Ordinal))];
            Assert.InRange(messages.Length, 40, 400);
            Assert.Equal(model[..messages.Length], messages);
            Assert.Equal(["JOIN 3", "LEAVE 3"], relayed.Where(l => !l.StartsWith("MSG", StringComparison.Ordinal)));
        }),

        // ---- other protocols ----
        ["TLS ClientHello"] = EndedWith("\x16\x03\x01\x00\xc8\x01\x00\x00\xc4\x03\x03" + new string('\x5a', 32), "BYE wrong-protocol"),
        ["HTTP GET"] = EndedWith("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", "BYE wrong-protocol"),
        ["a browser's cross-protocol POST"] = EndedWith(
            "POST /chat HTTP/1.1\r\nHost: 127.0.0.1:6000\r\nOrigin: http://evil.example\r\nContent-Type: text/plain\r\nContent-Length: 9\r\n\r\nhi all\r\n\r\n",
            "BYE wrong-protocol"),
        ["HTTP request a byte at a time"] = new(async attack =>
        {
            await using TestClient c = await attack.JoinAsync();
            foreach (char ch in "GET /index.html HTTP/1.0\r\n")
            {
                await c.SendAsync(ch.ToString());
            }

            Assert.Equal(["BYE wrong-protocol"], await c.ReadToEndAsync());
        }, JoinLeave),
        ["PROXY v1 header"] = EndedWith("PROXY TCP4 192.0.2.1 198.51.100.1 56324 6000\r\nhello\n", "BYE wrong-protocol"),
        ["PROXY v2 header"] = EndedWith("\r\n\r\n\0\r\nQUIT\n\x21\x11\x00\x0c" + new string('\x01', 12) + "hello\n", "BYE wrong-protocol"),
        ["SSH identification"] = EndedWith("SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n", "BYE wrong-protocol"),
        ["chat that starts like HTTP"] = Echo("GET me a coffee\n", ["MSG 3 GET me a coffee"], Relays("GET me a coffee")),
        ["HTTP as the second line is chat"] = Echo("hi\nGET / HTTP/1.1\n", ["MSG 3 hi", "MSG 3 GET / HTTP/1.1"], Relays("hi", "GET / HTTP/1.1")),

        // ---- odd commands ----
        ["/users with trailing spaces"] = Echo("/users  \n", ["USERS 1 2 3"], JoinLeave),
        ["/ping with odd spacing"] = Echo("/ping   x  \n", ["PONG   x"], JoinLeave),
        ["commands are case-sensitive"] = Echo("/USERS\n", ["ERR unknown-command USERS"], JoinLeave),
        ["an empty command name"] = Echo("/ users\n", ["ERR unknown-command"], JoinLeave),
        ["a lone slash"] = Echo("/\n", ["ERR unknown-command"], JoinLeave),
        ["a NUL in a command name"] = Echo("/nick\0bob\n", ["ERR unknown-command nick?bob"], JoinLeave),
        ["escaped slashes"] = Echo("//\n///x\n", ["MSG 3 /", "MSG 3 //x"], Relays("/", "//x")),
        ["/pong gets no answer"] = Echo("/pong 7\n", [], JoinLeave),
        ["a long /ping token"] = Echo("/ping " + new string('t', 1000) + "\n", ["PONG " + new string('t', 1000)], JoinLeave),
        ["lines after /quit in the same packet"] = EndedWith("/quit now\nnot relayed\nnor this\n", "BYE quit"),

        // ---- floods ----
        ["empty-line flood"] = Flood("\n", 100_000, _ => false),
        ["CRLF flood"] = Flood("\r\n", 50_000, _ => false),
        ["unread /users flood"] = Flood("/users\n", 5000, l => l == "USERS 1 2 3"),
        ["an honest 20 lines a second in bursts of 10"] = new(async attack =>
        {
            await using TestClient c = await attack.JoinAsync();
            for (int burst = 0; burst < 10; burst++)
            {
                await c.SendAsync(string.Concat(Enumerable.Range(0, 10).Select(i => $"{burst}.{i}\n")));
                Assert.Equal($"MSG 3 {burst}.9", (await c.ReadUntilAsync(l => l == $"MSG 3 {burst}.9"))[^1]);
                attack.Advance(TimeSpan.FromSeconds(0.5));
            }

            Assert.Equal(0, attack.Server.Counters.FloodDelays);
        }, Relays([.. Enumerable.Range(0, 100).Select(i => $"{i / 10}.{i % 10}")])),
        ["unread long PONGs"] = new(async attack =>
        {
            await using TestClient c = await attack.ConnectAsync(receiveBufferSize: 4096);
            await c.ReadWelcomeAsync();
            // 8 MB of PONGs: more than the kernel's buffers can take for a reader that never reads.
            Task sending = SendInBackground(c, Bytes(string.Concat(Enumerable.Repeat("/ping " + new string('q', 1000) + "\n", 8000))));
            await attack.AdvanceUntilAsync(() => attack.Server.Server.MemberCount == 2, "the member is cut off");
            List<string> got = await c.ReadToEndAsync(TimeSpan.FromSeconds(30));
            Assert.All(got, l => Assert.True(l.StartsWith("PONG", StringComparison.Ordinal) || l == "BYE slow-consumer", l));
            Assert.Equal(1, attack.Server.Counters.SlowConsumers);
            await sending;
        }, JoinLeave, Configure: o =>
        {
            o.MaxPendingBytes = 64 * 1024;
            o.MaxLinesPerSecond = 0;
        }),

        // ---- connections that end badly ----
        ["reset in the middle of a line"] = new(async attack =>
        {
            TestClient c = await attack.JoinAsync();
            await attack.SendAndWaitReadAsync(c, Bytes("partial lin"));
            c.Reset();
        }, JoinLeave),
        ["reset while the server is sending to it"] = new(async attack =>
        {
            TestClient stalled = await attack.ConnectAsync(receiveBufferSize: 4096);
            await stalled.ReadWelcomeAsync();
            await using TestClient talker = await attack.JoinAsync();
            await talker.SendAsync(string.Concat(Enumerable.Range(0, 50).Select(i => $"{i} {new string('r', 1000)}\n")));
            await talker.ReadUntilAsync(l => l.StartsWith("MSG 4 49 ", StringComparison.Ordinal));
            stalled.Reset();
        }, CheckRelayed: relayed =>
        {
            Assert.Equal(["JOIN 3", "JOIN 4"], relayed.Take(2));
            Assert.Equal(Enumerable.Range(0, 50).Select(i => $"MSG 4 {i} {new string('r', 1000)}"), relayed.Where(l => l.StartsWith("MSG", StringComparison.Ordinal)));
            Assert.Equal(["LEAVE 3", "LEAVE 4"], relayed.Where(l => l.StartsWith("LEAVE", StringComparison.Ordinal)).Order(StringComparer.Ordinal));
        }),
        ["half-close after two lines"] = new(async attack =>
        {
            await using TestClient c = await attack.JoinAsync();
            await c.SendAsync("x\ny\n");
            c.ShutdownSend();
            Assert.Equal(["MSG 3 x", "MSG 3 y"], await c.ReadToEndAsync());
        }, Relays("x", "y")),
        ["half-close in the middle of a line"] = new(async attack =>
        {
            await using TestClient c = await attack.JoinAsync();
            await c.SendAsync("x\nparti");
            c.ShutdownSend();
            Assert.Equal(["MSG 3 x"], await c.ReadToEndAsync());
        }, Relays("x")),
        ["connect and close at once"] = new(async attack =>
        {
            TestClient c = await attack.ConnectAsync();
            await ServerFixture.WaitUntilAsync(() => attack.Server.Server.MemberCount == 3, "it was admitted");
            await c.DisposeAsync();
        }, JoinLeave),

        // ---- slow and silent ----
        ["a connection that never sends"] = new(async attack =>
        {
            await using TestClient c = await attack.JoinAsync();
            attack.Advance(TimeSpan.FromSeconds(5.5));
            Assert.Matches("^PING [0-9]+$", await c.ReadLineAsync());
            attack.Advance(TimeSpan.FromSeconds(10.5));
            Assert.Equal(["BYE registration-timeout"], await c.ReadToEndAsync());
        }, JoinLeave),
        ["slowloris: one byte a second"] = new(async attack =>
        {
            // No complete line yet, so it is pinged at 5 s as well; the line deadline comes first.
            await using TestClient c = await attack.JoinAsync();
            for (int i = 0; i < 11; i++)
            {
                await attack.SendAndWaitReadAsync(c, [(byte)'s']);
                attack.Advance(TimeSpan.FromSeconds(1));
            }

            Assert.Equal(["PING 1", "BYE line-timeout"], await c.ReadToEndAsync());
        }, JoinLeave),
        ["a slow line that ends in time"] = new(async attack =>
        {
            await using TestClient c = await attack.JoinAsync();
            await attack.SendAndWaitReadAsync(c, Bytes("hel"));
            attack.Advance(TimeSpan.FromSeconds(9));
            await c.SendAsync("lo\n");
            Assert.Equal("PING 1", await c.ReadLineAsync()); // no complete line by 5 s
            Assert.Equal("MSG 3 hello", await c.ReadLineAsync());
        }, Relays("hello")),

        // ---- many connections ----
        ["one address opens 12 connections"] = new(async attack =>
        {
            var admitted = new List<TestClient>();
            for (int i = 0; i < 10; i++)
            {
                admitted.Add(await attack.JoinAsync());
            }

            for (int i = 0; i < 2; i++)
            {
                await using TestClient refused = await attack.ConnectAsync();
                Assert.Equal(["FULL 10 per-address"], await refused.ReadToEndAsync());
            }

            foreach (TestClient c in admitted)
            {
                await c.DisposeAsync();
            }
        }, CheckRelayed: relayed =>
        {
            Assert.Equal(Enumerable.Range(3, 10).Select(i => $"JOIN {i}"), relayed.Take(10));
            Assert.Equal(Enumerable.Range(3, 10).Select(i => $"LEAVE {i}").Order(StringComparer.Ordinal), relayed.Skip(10).Order(StringComparer.Ordinal));
        }),
        ["a storm of 5000 connects and closes from one address"] = new(attack => StormAsync(attack, 5000), CheckRelayed: relayed =>
        {
            // Never more than 10 of its connections are members at once (a member's LEAVE comes
            // before its slot is given back); every other connect got FULL 10 per-address.
            PairedJoinsAndLeaves(relayed);
            int members = 0;
            foreach (string line in relayed)
            {
                members += line.StartsWith("JOIN", StringComparison.Ordinal) ? 1 : -1;
                Assert.InRange(members, 0, 10);
            }
        }),
        ["a storm of 5000 connects and closes, no per-address limit"] = new(attack => StormAsync(attack, 5000),
            CheckRelayed: relayed =>
            {
                PairedJoinsAndLeaves(relayed);
                Assert.Equal(10_000, relayed.Count);
            }, Configure: o => o.MaxClientsPerAddress = 0),
        ["churn while a member broadcasts"] = new(async attack =>
        {
            await using TestClient talker = await attack.JoinAsync();
            Task churn = Task.Run(async () =>
            {
                for (int i = 0; i < 100; i++)
                {
                    TestClient c = await attack.ConnectAsync();
                    await c.ReadWelcomeAsync();
                    await c.DisposeAsync();
                }
            });
            for (int i = 0; i < 40; i++)
            {
                await talker.SendAsync($"steady {i}\n");
            }

            await churn;
            await talker.ReadUntilAsync(l => l == "MSG 3 steady 39");
        }, CheckRelayed: relayed =>
        {
            Assert.Equal(Enumerable.Range(0, 40).Select(i => $"MSG 3 steady {i}"), relayed.Where(l => l.StartsWith("MSG", StringComparison.Ordinal)));
            PairedJoinsAndLeaves(relayed);
        }),
    };

    // Connects and closes `count` times from the attacker's address, 250 at a time.
    private static async Task StormAsync(Attacker attack, int count)
    {
        for (int done = 0; done < count; done += 250)
        {
            TestClient[] batch = await Task.WhenAll(Enumerable.Range(0, 250).Select(_ => attack.ConnectAsync()));
            foreach (TestClient c in batch)
            {
                await c.DisposeAsync();
            }
        }
    }

    // Every JOIN has its LEAVE after it, and no id comes twice.
    private static void PairedJoinsAndLeaves(IReadOnlyList<string> relayed)
    {
        var open = new HashSet<string>();
        var seen = new HashSet<string>();
        foreach (string line in relayed)
        {
            string[] parts = line.Split(' ', 3);
            if (parts[0] == "JOIN")
            {
                Assert.True(seen.Add(parts[1]), $"JOIN {parts[1]} twice");
                open.Add(parts[1]);
            }
            else if (parts[0] == "LEAVE")
            {
                Assert.True(open.Remove(parts[1]), $"LEAVE {parts[1]} without its JOIN");
            }
        }

        Assert.Empty(open);
    }

    // What the honest members should see of these bytes from member 3: each chat line, sanitised.
    private static IEnumerable<string> ModelRelays(string text)
    {
        byte[] bytes = Bytes(text);
        var framer = new LineFramer(1024);
        int offset = 0;
        while (true)
        {
            OperationStatus status = framer.TryReadLine(bytes.AsSpan(offset), out ReadOnlySpan<byte> line, out int consumed);
            offset += consumed;
            if (status == OperationStatus.NeedMoreData)
            {
                yield break;
            }

            if (status == OperationStatus.Done && ClientLine.Parse(line, out ReadOnlySpan<byte> argument) == ClientLineKind.Chat)
            {
                byte[] sanitised = new byte[argument.Length];
                AsciiText.CopySanitized(argument, sanitised);
                yield return "MSG 3 " + System.Text.Encoding.Latin1.GetString(sanitised);
            }
        }
    }

    // Every byte value, LF more often than by chance (short lines), starting with a chat line.
    private static string RandomText(int length, int seed)
    {
        var random = new Random(seed);
        var chars = new char[length];
        for (int i = 0; i < length; i++)
        {
            chars[i] = random.Next(16) == 0 ? '\n' : (char)random.Next(256);
        }

        "random\n".CopyTo(chars);
        return new string(chars);
    }

    private static string C0() => new([.. Enumerable.Range(1, 31).Where(b => b != '\n').Select(b => (char)b)]);

    private static string HighBytes() => new([.. Enumerable.Range(0x80, 128).Select(b => (char)b)]);
}
