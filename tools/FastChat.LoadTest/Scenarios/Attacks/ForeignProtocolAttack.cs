using System.Diagnostics;
using System.Text;
using FastChat.LoadTest.Internal;

namespace FastChat.LoadTest.Scenarios.Attacks;

/// <summary>
/// Connections opening with another protocol (a TLS ClientHello, or a browser's cross-protocol HTTP POST):
/// the server answers <c>BYE wrong-protocol</c> and relays nothing of it.
/// </summary>
internal sealed class ForeignProtocolAttack(int connections) : Attack("foreign", "BYE wrong-protocol", connections)
{
    public override string Description => $"{Connections} connections speaking TLS (ClientHello) or HTTP (POST with headers)";

    public override Task RunAsync(AttackContext context, CancellationToken ct) =>
        Task.WhenAll(Enumerable.Range(0, Connections).Select(i => OneAsync(context, i % 2 == 0 ? "TLS" : "HTTP", ct)));

    // Timed from the connect: the opening goes out with it.
    private async Task OneAsync(AttackContext context, string protocol, CancellationToken ct)
    {
        byte[] hello = protocol == "TLS" ? ClientHello() : HttpPost(context.Connector.Settings.Servers.First.ToString());
        long start = Stopwatch.GetTimestamp();
        if (await JoinAsync(context, ct, hello: hello, detail: protocol, refusalNamesFull: true) is (ClientConnection conn, ControlSink sink))
        {
            await AnswerAsync(context, conn, sink, start, "wrong-protocol", protocol, ct);
        }
    }

    /// <summary>A TLS 1.2/1.3 ClientHello record as a browser starts it: version, random, cipher suites, SNI.</summary>
    internal static byte[] ClientHello()
    {
        byte[] host = "chat.example.org"u8.ToArray();
        var ext = new List<byte>();
        // server_name (0): list length, type host_name (0), name length, name
        ext.AddRange([0x00, 0x00]);
        ext.AddRange(U16(host.Length + 5));
        ext.AddRange(U16(host.Length + 3));
        ext.Add(0x00);
        ext.AddRange(U16(host.Length));
        ext.AddRange(host);
        // supported_versions (43): TLS 1.3, TLS 1.2
        ext.AddRange([0x00, 0x2B, 0x00, 0x05, 0x04, 0x03, 0x04, 0x03, 0x03]);

        var body = new List<byte> { 0x03, 0x03 };          // legacy_version TLS 1.2
        body.AddRange(Enumerable.Range(0, 32).Select(i => (byte)(i * 7)));  // random
        body.Add(0x00);                                   // session id: empty
        body.AddRange([0x00, 0x06, 0x13, 0x01, 0x13, 0x02, 0xC0, 0x2F]);   // 3 cipher suites
        body.AddRange([0x01, 0x00]);                      // compression: null
        body.AddRange(U16(ext.Count));
        body.AddRange(ext);

        var hs = new List<byte> { 0x01, 0x00 };           // ClientHello, 24-bit length
        hs.AddRange(U16(body.Count));
        hs.AddRange(body);

        var record = new List<byte> { 0x16, 0x03, 0x01 }; // handshake record, TLS 1.0 on the wire
        record.AddRange(U16(hs.Count));
        record.AddRange(hs);
        return [.. record];
    }

    /// <summary>What a web page's form posting to the chat port sends (the cross-protocol attack).</summary>
    internal static byte[] HttpPost(string host)
    {
        const string Body = "message=hello+from+a+web+page%0Asecond+line";
        return Encoding.ASCII.GetBytes(
            "POST /chat HTTP/1.1\r\n" +
            $"Host: {host}\r\n" +
            "User-Agent: Mozilla/5.0 (X11; Linux x86_64) fastchat-loadtest\r\n" +
            "Origin: http://attacker.example\r\n" +
            "Content-Type: application/x-www-form-urlencoded\r\n" +
            $"Content-Length: {Body.Length}\r\n" +
            "\r\n" + Body + "\n");
    }

    private static byte[] U16(int v) => [(byte)(v >> 8), (byte)v];
}
