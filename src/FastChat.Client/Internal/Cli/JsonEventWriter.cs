using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace FastChat.Client.Internal.Cli;

/// <summary>
/// Writes one JSON object per event (<c>--json</c>), e.g.
/// <c>{"event":"message","id":"7","text":"hi","self":true,"time":"..."}</c> (time in ISO 8601).
/// Utf8JsonWriter over one reused buffer: no reflection, no per-event writer.
/// </summary>
internal sealed class JsonEventWriter : IDisposable
{
    private readonly ArrayBufferWriter<byte> _buffer = new(512);

    // Relaxed escaping keeps '<', '>', '&' and '\'' readable; the output is not embedded in HTML.
    private readonly Utf8JsonWriter _writer;

    public JsonEventWriter() =>
        _writer = new Utf8JsonWriter(_buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });

    public void Dispose() => _writer.Dispose();

    /// <summary>The UTF-8 JSON of <paramref name="e"/>, without newline; valid until the next call.</summary>
    public ReadOnlySpan<byte> Format(ChatEvent e)
    {
        _buffer.ResetWrittenCount();
        _writer.Reset(_buffer);
        _writer.WriteStartObject();
        switch (e)
        {
            case MessageEvent m:
                _writer.WriteString("event"u8, "message"u8);
                _writer.WriteString("id"u8, m.Id);
                _writer.WriteString("text"u8, m.Text);
                _writer.WriteBoolean("self"u8, m.IsSelf);
                break;
            case JoinEvent j:
                _writer.WriteString("event"u8, "join"u8);
                _writer.WriteString("id"u8, j.Id);
                _writer.WriteNumber("online"u8, j.Online);
                break;
            case LeaveEvent l:
                _writer.WriteString("event"u8, "leave"u8);
                _writer.WriteString("id"u8, l.Id);
                _writer.WriteNumber("online"u8, l.Online);
                break;
            case WelcomeEvent w:
                _writer.WriteString("event"u8, "welcome"u8);
                _writer.WriteString("id"u8, w.Id);
                break;
            case UsersEvent u:
                _writer.WriteString("event"u8, "users"u8);
                _writer.WriteStartArray("ids"u8);
                foreach (string id in u.Ids)
                {
                    _writer.WriteStringValue(id);
                }

                _writer.WriteEndArray();
                break;
            case FullEvent f:
                _writer.WriteString("event"u8, "full"u8);
                _writer.WriteNumber("max"u8, f.Max);
                if (f.Scope.Length > 0)
                {
                    _writer.WriteString("scope"u8, f.Scope);
                }

                break;
            case ErrorEvent err:
                _writer.WriteString("event"u8, "error"u8);
                _writer.WriteString("code"u8, err.Code);
                _writer.WriteString("detail"u8, err.Detail);
                break;
            case PongEvent p:
                _writer.WriteString("event"u8, "pong"u8);
                _writer.WriteString("token"u8, p.Token);
                break;
            case PingEvent p:
                _writer.WriteString("event"u8, "ping"u8);
                _writer.WriteString("token"u8, p.Token);
                break;
            case ByeEvent b:
                _writer.WriteString("event"u8, "bye"u8);
                _writer.WriteString("reason"u8, b.Reason);
                break;
            case DisconnectedEvent d:
                _writer.WriteString("event"u8, "disconnected"u8);
                _writer.WriteString("reason"u8, d.Reason switch
                {
                    DisconnectReason.Closed => "closed"u8,
                    DisconnectReason.ClosedLocally => "closed-locally"u8,
                    _ => "connection-lost"u8,
                });
                break;
        }

        _writer.WriteString("time"u8, e.Time);
        _writer.WriteEndObject();
        _writer.Flush();
        return _buffer.WrittenSpan;
    }
}
