using System.Globalization;
using System.Text;

namespace FastChat.Client.Internal.Cli;

/// <summary>What a key did.</summary>
internal enum KeyResult
{
    /// <summary>Edited (or ignored); keep reading.</summary>
    None,

    /// <summary>Enter: <see cref="LineEditor.HandleKey"/> returned the line.</summary>
    Submitted,

    /// <summary>Ctrl+D on an empty line: the person is done.</summary>
    EndOfInput,
}

/// <summary>
/// A one-line editor on <see cref="Console.ReadKey(bool)"/> keys, so incoming chat never garbles what
/// is being typed: every incoming line erases the prompt line (<c>CR</c>, ANSI <c>EL2</c>
/// "erase line", ECMA-48 8.3.41), prints, and redraws the prompt with the unfinished input and cursor.
/// The line is kept on one terminal row, scrolled horizontally when it is wider than the window, so
/// redrawing never has to track wrapped rows.
/// </summary>
internal sealed class LineEditor(TextWriter output, Func<int> windowWidth, string prompt = "> ")
{
    private const string EraseLine = "\r\u001b[2K";
    private readonly StringBuilder _line = new();
    private readonly StringBuilder _frame = new();
    private readonly List<string> _history = [];
    private readonly Lock _lock = new();
    private int _cursor;
    private int _historyIndex;
    private bool _stopped;

    /// <summary>The unfinished input (for tests).</summary>
    public string Current
    {
        get
        {
            lock (_lock)
            {
                return _line.ToString();
            }
        }
    }

    public void Start()
    {
        lock (_lock)
        {
            Redraw();
        }
    }

    /// <summary>Prints <paramref name="text"/> above the prompt line and redraws the prompt.</summary>
    public void PrintAbove(string text)
    {
        lock (_lock)
        {
            if (_stopped)
            {
                output.Write(text);
                output.Write('\n');
                output.Flush();
                return;
            }

            // One write per update: the erase, the line and the redrawn prompt reach the terminal together.
            _frame.Clear().Append(EraseLine).Append(text).Append('\n');
            Redraw();
        }
    }

    /// <summary>Erases the prompt for good (before the exit sentence).</summary>
    public void Stop()
    {
        lock (_lock)
        {
            if (!_stopped)
            {
                _stopped = true;
                output.Write(EraseLine);
                output.Flush();
            }
        }
    }

    /// <summary>Applies one key; on <see cref="KeyResult.Submitted"/> <paramref name="line"/> is the typed line.</summary>
    public KeyResult HandleKey(ConsoleKeyInfo key, out string? line)
    {
        line = null;
        lock (_lock)
        {
            bool ctrl = (key.Modifiers & ConsoleModifiers.Control) != 0;
            switch (key.Key)
            {
                case ConsoleKey.Enter:
                    line = _line.ToString();
                    if (line.Length > 0 && (_history.Count == 0 || _history[^1] != line))
                    {
                        _history.Add(line);
                    }

                    _historyIndex = _history.Count;
                    _line.Clear();
                    _cursor = 0;

                    // The line is not echoed here: the server's MSG echo shows it, in the global order.
                    Redraw();
                    return KeyResult.Submitted;
                case ConsoleKey.Backspace when _cursor > 0:
                    _line.Remove(--_cursor, 1);
                    break;
                case ConsoleKey.Delete when _cursor < _line.Length:
                    _line.Remove(_cursor, 1);
                    break;
                case ConsoleKey.LeftArrow when _cursor > 0:
                    _cursor--;
                    break;
                case ConsoleKey.RightArrow when _cursor < _line.Length:
                    _cursor++;
                    break;
                case ConsoleKey.Home:
                case ConsoleKey.A when ctrl:
                    _cursor = 0;
                    break;
                case ConsoleKey.End:
                case ConsoleKey.E when ctrl:
                    _cursor = _line.Length;
                    break;
                case ConsoleKey.U when ctrl:
                case ConsoleKey.Escape:
                    _line.Clear();
                    _cursor = 0;
                    break;
                case ConsoleKey.D when ctrl:
                    if (_line.Length == 0)
                    {
                        return KeyResult.EndOfInput;
                    }

                    break;
                case ConsoleKey.UpArrow when _historyIndex > 0:
                    SetLine(_history[--_historyIndex]);
                    break;
                case ConsoleKey.DownArrow when _historyIndex < _history.Count:
                    _historyIndex++;
                    SetLine(_historyIndex < _history.Count ? _history[_historyIndex] : "");
                    break;
                default:
                    if (!ctrl && !char.IsControl(key.KeyChar) && key.KeyChar != '\0')
                    {
                        _line.Insert(_cursor++, key.KeyChar);
                    }

                    break;
            }

            Redraw();
            return KeyResult.None;
        }
    }

    private void SetLine(string text)
    {
        _line.Clear().Append(text);
        _cursor = text.Length;
    }

    private void Redraw()
    {
        if (_stopped)
        {
            _frame.Clear();
            return;
        }

        // Show a window of the line that ends at the cursor when the line is wider than the terminal.
        int room = Math.Max(10, SafeWidth() - prompt.Length - 1);
        int start = Math.Max(0, _cursor - room);
        int count = Math.Min(room, _line.Length - start);
        _frame.Append(EraseLine).Append(prompt).Append(_line, start, count).Append('\r');
        int column = prompt.Length + _cursor - start;
        if (column > 0)
        {
            _frame.Append(CultureInfo.InvariantCulture, $"\u001b[{column}C");
        }

        output.Write(_frame);
        output.Flush();
        _frame.Clear();
    }

    private int SafeWidth()
    {
        try
        {
            int w = windowWidth();
            return w > 0 ? w : 80;
        }
        catch (IOException)
        {
            return 80;
        }
    }
}
