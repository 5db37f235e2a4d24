using System.Text;

namespace FastChat.Client.Internal.Cli;

/// <summary>Where event lines go: stdout directly, or above the line being typed.</summary>
internal interface IEventOutput
{
    void WriteLine(string line);

    void WriteUtf8Line(ReadOnlySpan<byte> utf8);
}

/// <summary>Plain stdout, one flushed line at a time so a reading program sees each event at once.</summary>
internal sealed class StreamOutput(Stream stdout) : IEventOutput
{
    private readonly Lock _lock = new();
    private byte[] _scratch = new byte[256];

    public void WriteLine(string line)
    {
        lock (_lock)
        {
            int max = Encoding.UTF8.GetMaxByteCount(line.Length) + 1;
            if (_scratch.Length < max)
            {
                _scratch = new byte[Math.Max(max, _scratch.Length * 2)];
            }

            int n = Encoding.UTF8.GetBytes(line, _scratch);
            _scratch[n++] = (byte)'\n';
            stdout.Write(_scratch, 0, n);
            stdout.Flush();
        }
    }

    public void WriteUtf8Line(ReadOnlySpan<byte> utf8)
    {
        lock (_lock)
        {
            stdout.Write(utf8);
            stdout.Write("\n"u8);
            stdout.Flush();
        }
    }
}

/// <summary>Lines printed above the prompt of a <see cref="LineEditor"/>.</summary>
internal sealed class EditorOutput(LineEditor editor) : IEventOutput
{
    public void WriteLine(string line) => editor.PrintAbove(line);

    public void WriteUtf8Line(ReadOnlySpan<byte> utf8) => editor.PrintAbove(Encoding.UTF8.GetString(utf8));
}
