using System.Buffers;
using System.Net.Sockets;
using FastChat.Client.Internal;

namespace FastChat.Client;

public sealed partial class ChatClient
{
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private byte[] _sendBuffer = new byte[256];

    /// <summary>
    /// Sends <paramref name="text"/> as one chat message. Text starting with <c>/</c> is escaped as
    /// <c>//</c> so the server relays it as text, not as a command. Every char outside printable
    /// ASCII (0x20-0x7E), CR and LF included, is sent as <c>?</c>, as the server would relay it.
    /// </summary>
    /// <exception cref="ArgumentException">The text is empty (the server ignores empty lines).</exception>
    /// <exception cref="SocketException">The connection failed; a <see cref="DisconnectedEvent"/> follows.</exception>
    public ValueTask SendAsync(string text, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(text);
        return SendLineAsync(text.StartsWith('/') ? "/" : "", text, cancellationToken);
    }

    /// <summary>Asks for a fresh member list: <c>/users</c>, answered by a <see cref="UsersEvent"/>.</summary>
    public ValueTask RequestUsersAsync(CancellationToken cancellationToken = default) =>
        SendLineAsync("/users", "", cancellationToken);

    /// <summary>Sends <c>/ping &lt;token&gt;</c>, answered by a <see cref="PongEvent"/> with the same token.</summary>
    public ValueTask PingAsync(string token = "", CancellationToken cancellationToken = default) =>
        SendLineAsync(token.Length == 0 ? "/ping" : "/ping ", token, cancellationToken);

    /// <summary>
    /// Leaves cleanly: sends <c>/quit</c>; the server answers <c>BYE quit</c> and closes, which ends
    /// <see cref="Events"/> with a <see cref="ByeEvent"/> and a <see cref="DisconnectedEvent"/>.
    /// </summary>
    public ValueTask QuitAsync(CancellationToken cancellationToken = default) =>
        SendLineAsync("/quit", "", cancellationToken);

    // /pong <token>, sent beside the receive loop: it must not wait there for a send of the user's.
    private void AnswerPing(string token) => _ = AnswerPingAsync(token);

    private async Task AnswerPingAsync(string token)
    {
        try
        {
            await SendLineAsync(token.Length == 0 ? "/pong" : "/pong ", token, _closing.Token);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or OperationCanceledException)
        {
            // The connection is ending; the receive loop reports how.
        }
    }

    /// <summary>Sends raw protocol bytes (a whole line with its LF, or any fragment); for tests and tools.</summary>
    public async ValueTask SendRawAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken = default)
    {
        await _sendLock.WaitAsync(cancellationToken);
        try
        {
            await SendAllAsync(bytes, cancellationToken);
        }
        finally
        {
            _sendLock.Release();
        }
    }

    private async ValueTask SendLineAsync(string prefix, string text, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        await _sendLock.WaitAsync(cancellationToken);
        try
        {
            int length = prefix.Length + text.Length + 1;
            if (_sendBuffer.Length < length)
            {
                _sendBuffer = new byte[Math.Max(length, _sendBuffer.Length * 2)];
            }

            // One buffer per client, reused under the lock: a send allocates nothing.
            int n = Text.WriteSafeAscii(prefix, _sendBuffer);
            n += Text.WriteSafeAscii(text, _sendBuffer.AsSpan(n));
            _sendBuffer[n++] = (byte)'\n';
            await SendAllAsync(_sendBuffer.AsMemory(0, n), cancellationToken);
        }
        finally
        {
            _sendLock.Release();
        }
    }

    private async ValueTask SendAllAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
    {
        // Stream sockets may accept part of a buffer; loop on what is left rather than recurse.
        while (!bytes.IsEmpty)
        {
            int sent = await _socket.SendAsync(bytes, SocketFlags.None, cancellationToken);
            bytes = bytes[sent..];
        }
    }
}
