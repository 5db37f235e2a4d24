using System.Buffers;
using System.Text;
using CsCheck;
using FastChat.Protocol;

namespace FastChat.Protocol.Tests;

/// <summary>Telling other protocols from FastChat by a connection's first bytes (docs/PROTOCOL.md "Other protocols").</summary>
public class ForeignProtocolTests
{
    private static (OperationStatus, ForeignProtocolKind) Sniff(string text, int max = 1024)
    {
        OperationStatus status = ForeignProtocol.Sniff(Encoding.Latin1.GetBytes(text), max, out ForeignProtocolKind kind);
        return (status, kind);
    }

    [Theory]
    [InlineData("\x16\x03\x01\x00\xc8\x01", ForeignProtocolKind.Tls)]
    [InlineData("GET / HTTP/1.1\r\n", ForeignProtocolKind.Http)]
    [InlineData("POST /chat HTTP/1.1\r\nHost: x\r\n", ForeignProtocolKind.Http)]
    [InlineData("HEAD /x HTTP/1.0\n", ForeignProtocolKind.Http)]
    [InlineData("OPTIONS * HTTP/1.1\r\n", ForeignProtocolKind.Http)]
    [InlineData("PRI * HTTP/2.0\r\n", ForeignProtocolKind.Http)]
    [InlineData("PROXY TCP4 192.0.2.1 198.51.100.1 56324 6000\r\n", ForeignProtocolKind.Proxy)]
    [InlineData("PROXY TCP6 ::1 ::1 1 2\r\n", ForeignProtocolKind.Proxy)]
    [InlineData("PROXY UNKNOWN\r\n", ForeignProtocolKind.Proxy)]
    [InlineData("\r\n\r\n\0\r\nQUIT\n\x21\x11", ForeignProtocolKind.Proxy)]
    [InlineData("SSH-2.0-OpenSSH_9.2\r\n", ForeignProtocolKind.Ssh)]
    public void Other_protocols_are_told_from_their_first_bytes(string start, ForeignProtocolKind expected) =>
        Assert.Equal((OperationStatus.Done, expected), Sniff(start));

    [Theory]
    [InlineData("hello\n")]
    [InlineData("GET me a coffee\n")]
    [InlineData("GET / HTTP/one\n")]
    [InlineData("get / HTTP/1.1\n")]          // methods are upper case
    [InlineData("PROXY is a word\n")]
    [InlineData("\x16hi")]                      // 0x16 not followed by a TLS major version
    [InlineData("\r\nhello\n")]                 // an empty line first, then chat
    [InlineData("/users\n")]
    [InlineData("x")]                           // cannot start anything foreign: decided at once
    public void Chat_is_not_mistaken_for_another_protocol(string start) =>
        Assert.Equal((OperationStatus.Done, ForeignProtocolKind.None), Sniff(start));

    [Theory]
    [InlineData("")]
    [InlineData("\x16")]
    [InlineData("G")]
    [InlineData("GET")]
    [InlineData("GET /index.html HTTP/1.")]
    [InlineData("PROXY TCP4 1.2.3.4")]
    [InlineData("\r\n\r\n\0")]
    [InlineData("SSH-2.0-Open")]
    public void An_unfinished_start_that_could_be_another_protocol_waits_for_more(string start) =>
        Assert.Equal(OperationStatus.NeedMoreData, Sniff(start).Item1);

    [Fact]
    public void A_request_line_longer_than_the_line_limit_is_still_http()
    {
        string line = "GET /" + new string('a', 2000);
        Assert.Equal((OperationStatus.Done, ForeignProtocolKind.Http), Sniff(line, max: 1024));
        Assert.Equal((OperationStatus.Done, ForeignProtocolKind.Http), Sniff(line + " HTTP/1.1\r\n", max: 1024));
        Assert.Equal((OperationStatus.Done, ForeignProtocolKind.None), Sniff(new string('a', 2000), max: 1024));
    }

    [Fact]
    public void More_bytes_never_change_an_answer_once_given()
    {
        // Streams built from the starts that matter, cut anywhere: every longer prefix of a decided
        // start gives the same decision (the server decides on whatever arrived first).
        string[] starts = ["GET / HTTP/1.1\r\n", "PROXY TCP4 a b 1 2\r\n", "SSH-2.0-x\r\n", "\x16\x03\x01", "\r\n\r\n\0\r\nQUIT\n", "hello\n", "GET me\n", "\r\n"];
        Gen.Select(Gen.Int[0, starts.Length - 1].Select(i => starts[i]), Gen.String[Gen.Char[(char)0, (char)255], 0, 20], Gen.Int[1, 40]).Sample((start, tail, max) =>
        {
            byte[] bytes = Encoding.Latin1.GetBytes(start + tail);
            (OperationStatus Status, ForeignProtocolKind Kind)? decided = null;
            for (int n = 0; n <= bytes.Length; n++)
            {
                OperationStatus status = ForeignProtocol.Sniff(bytes.AsSpan(0, n), max, out ForeignProtocolKind kind);
                if (decided is { } first)
                {
                    Assert.Equal(first, (status, kind));
                }
                else if (status == OperationStatus.Done)
                {
                    decided = (status, kind);
                }
            }
        }, iter: 3000);
    }
}
