using System.Buffers;

namespace FastChat.Protocol;

/// <summary>What a connection's first bytes were, when they were not FastChat.</summary>
public enum ForeignProtocolKind : byte
{
    /// <summary>Nothing foreign: FastChat (or anything else that is read as chat).</summary>
    None,

    /// <summary>A TLS handshake record (a ClientHello: <c>16 03 ..</c>).</summary>
    Tls,

    /// <summary>An HTTP request line (<c>GET / HTTP/1.1</c>, also a browser's cross-protocol POST).</summary>
    Http,

    /// <summary>A PROXY protocol header, v1 (<c>PROXY TCP4 ...</c>) or v2 (its 12-byte signature).</summary>
    Proxy,

    /// <summary>An SSH identification line (<c>SSH-2.0-...</c>).</summary>
    Ssh,
}

/// <summary>
/// Recognises other protocols from the first bytes of a connection, so the server can refuse them
/// with one line instead of relaying a browser's headers as chat or answering a TLS handshake with
/// a stream of ERR lines (docs/PROTOCOL.md section 11, "Other protocols"). Pure and allocation-free.
/// </summary>
/// <remarks>
/// Only the start of a connection is looked at: later lines are chat whatever they look like. The
/// binary ones (TLS, PROXY v2) are told from their first bytes; the text ones from the whole first
/// line, so a chat line such as <c>GET me a coffee</c> stays chat. Feeding a prefix again with more
/// bytes appended never changes an answer already given (<see cref="OperationStatus.Done"/>).
/// </remarks>
public static class ForeignProtocol
{
    // The PROXY protocol v2 signature: \r\n\r\n\0\r\nQUIT\n.
    private static ReadOnlySpan<byte> ProxyV2Signature => [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A];

    private static readonly SearchValues<byte> Digits = SearchValues.Create("0123456789"u8);

    /// <summary>
    /// Decides what <paramref name="start"/> (the first bytes of a connection, as many as have
    /// arrived) is.
    /// </summary>
    /// <param name="start">Every byte received so far on the connection.</param>
    /// <param name="maxLineLength">The server's line limit: a first line that passes it without an
    /// LF is decided on what it has (an HTTP method and a space make it HTTP).</param>
    /// <param name="kind">On <see cref="OperationStatus.Done"/>: the protocol, or <see cref="ForeignProtocolKind.None"/>.</param>
    /// <returns>
    /// <see cref="OperationStatus.Done"/> when decided; <see cref="OperationStatus.NeedMoreData"/>
    /// when the bytes so far could still be the start of another protocol (call again with more).
    /// </returns>
    public static OperationStatus Sniff(ReadOnlySpan<byte> start, int maxLineLength, out ForeignProtocolKind kind)
    {
        kind = ForeignProtocolKind.None;
        if (start.IsEmpty)
        {
            return OperationStatus.NeedMoreData;
        }

        // TLS record header: content type 22 (handshake), then major version 3.
        if (start[0] == 0x16)
        {
            if (start.Length < 2)
            {
                return OperationStatus.NeedMoreData;
            }

            kind = start[1] == 0x03 ? ForeignProtocolKind.Tls : ForeignProtocolKind.None;
            return OperationStatus.Done;
        }

        // PROXY v2: its fixed signature (which an honest client's empty lines can begin like).
        int common = Math.Min(start.Length, ProxyV2Signature.Length);
        if (start[..common].SequenceEqual(ProxyV2Signature[..common]))
        {
            if (common < ProxyV2Signature.Length)
            {
                return OperationStatus.NeedMoreData;
            }

            kind = ForeignProtocolKind.Proxy;
            return OperationStatus.Done;
        }

        // The text protocols are told from the whole first line.
        int lf = start.IndexOf((byte)'\n');
        ReadOnlySpan<byte> line = lf < 0 ? start : start[..lf];
        if (lf >= 0 && line.EndsWith("\r"u8))
        {
            line = line[..^1];
        }

        // A first line past the limit (counted as the framer does, docs/PROTOCOL.md section 2) is
        // decided on its start, so more bytes never change the answer; only an unfinished method waits.
        bool tooLong = lf >= 0
            ? line.Length > maxLineLength
            : line.Length > maxLineLength + 1 || (line.Length == maxLineLength + 1 && line[^1] != (byte)'\r');
        if (tooLong && !(lf < 0 && IsMethodPrefix(line)))
        {
            kind = MethodLength(line) > 0 ? ForeignProtocolKind.Http : ForeignProtocolKind.None;
            return OperationStatus.Done;
        }

        if (lf < 0)
        {
            return CouldBeForeignLine(line) ? OperationStatus.NeedMoreData : OperationStatus.Done;
        }

        kind = IsHttpRequestLine(line) ? ForeignProtocolKind.Http
            : IsProxyV1Line(line) ? ForeignProtocolKind.Proxy
            : line.StartsWith("SSH-"u8) ? ForeignProtocolKind.Ssh
            : ForeignProtocolKind.None;
        return OperationStatus.Done;
    }

    // While no LF has come: could these bytes still grow into a foreign first line?
    private static bool CouldBeForeignLine(ReadOnlySpan<byte> line) =>
        MethodLength(line) > 0 || IsPrefixOf(line, "PROXY "u8) || line.StartsWith("PROXY "u8) ||
        IsPrefixOf(line, "SSH-"u8) || line.StartsWith("SSH-"u8) || IsMethodPrefix(line);

    // method SP target SP "HTTP/" DIGIT "." DIGIT   (RFC 9112 request-line)
    private static bool IsHttpRequestLine(ReadOnlySpan<byte> line)
    {
        int method = MethodLength(line);
        if (method == 0)
        {
            return false;
        }

        ReadOnlySpan<byte> rest = line[(method + 1)..];
        int space = rest.IndexOf((byte)' ');
        if (space <= 0)
        {
            return false;
        }

        ReadOnlySpan<byte> version = rest[(space + 1)..];
        return version.Length == 8 && version.StartsWith("HTTP/"u8) &&
            Digits.Contains(version[5]) && version[6] == (byte)'.' && Digits.Contains(version[7]);
    }

    // "PROXY" SP ("TCP4" / "TCP6" / "UNKNOWN") ...   (PROXY protocol v1)
    private static bool IsProxyV1Line(ReadOnlySpan<byte> line) =>
        line.StartsWith("PROXY TCP4 "u8) || line.StartsWith("PROXY TCP6 "u8) ||
        line.SequenceEqual("PROXY UNKNOWN"u8) || line.StartsWith("PROXY UNKNOWN "u8);

    // The length of a known HTTP method followed by SP at the start of the line, or 0.
    private static int MethodLength(ReadOnlySpan<byte> line)
    {
        foreach (string method in Methods)
        {
            if (line.Length > method.Length && line[method.Length] == (byte)' ' && Matches(line, method))
            {
                return method.Length;
            }
        }

        return 0;
    }

    // The line so far is a proper prefix of "<method> ": more bytes may make it a request line.
    private static bool IsMethodPrefix(ReadOnlySpan<byte> line)
    {
        foreach (string method in Methods)
        {
            if (line.Length <= method.Length && Matches(line, method.AsSpan(0, line.Length)))
            {
                return true;
            }
        }

        return false;
    }

    private static bool Matches(ReadOnlySpan<byte> bytes, ReadOnlySpan<char> ascii)
    {
        for (int i = 0; i < ascii.Length; i++)
        {
            if (bytes[i] != ascii[i])
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsPrefixOf(ReadOnlySpan<byte> bytes, ReadOnlySpan<byte> whole) =>
        bytes.Length < whole.Length && whole.StartsWith(bytes);

    private static readonly string[] Methods = ["GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH", "PRI"];
}
