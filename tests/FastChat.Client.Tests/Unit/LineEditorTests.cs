using FastChat.Client.Internal.Cli;

namespace FastChat.Client.Tests.Unit;

public class LineEditorTests
{
    private const string Erase = "\r\u001b[2K";

    private static ConsoleKeyInfo Key(char c) => new(c, ConsoleKey.A, false, false, false);

    private static ConsoleKeyInfo Key(ConsoleKey k, bool ctrl = false) => new('\0', k, false, false, ctrl);

    private static void Type(LineEditor e, string text)
    {
        foreach (char c in text)
        {
            Assert.Equal(KeyResult.None, e.HandleKey(Key(c), out _));
        }
    }

    [Fact]
    public void An_incoming_line_is_printed_above_and_the_unfinished_input_is_redrawn()
    {
        var screen = new StringWriter();
        var editor = new LineEditor(screen, () => 80);
        editor.Start();
        Type(editor, "hel");
        screen.GetStringBuilder().Clear();

        editor.PrintAbove("[12:04:31] 3: hi");

        // Erase the prompt row, print the line, then the prompt with "hel" and the cursor after it.
        Assert.Equal(Erase + "[12:04:31] 3: hi\n" + Erase + "> hel\r\u001b[5C", screen.ToString());
        Type(editor, "lo");
        Assert.Equal(KeyResult.Submitted, editor.HandleKey(Key(ConsoleKey.Enter), out string? line));
        Assert.Equal("hello", line);
        Assert.Equal("", editor.Current);
    }

    [Fact]
    public void Editing_keys_move_insert_and_delete()
    {
        var editor = new LineEditor(TextWriter.Null, () => 80);
        Type(editor, "wrld");
        editor.HandleKey(Key(ConsoleKey.Home), out _);
        editor.HandleKey(Key(ConsoleKey.RightArrow), out _);
        Type(editor, "o");
        editor.HandleKey(Key(ConsoleKey.End), out _);
        editor.HandleKey(Key(ConsoleKey.Backspace), out _);
        Assert.Equal("worl", editor.Current);
        editor.HandleKey(Key(ConsoleKey.U, ctrl: true), out _);
        Assert.Equal("", editor.Current);
        Assert.Equal(KeyResult.EndOfInput, editor.HandleKey(Key(ConsoleKey.D, ctrl: true), out _));
    }

    [Fact]
    public void History_recalls_earlier_lines()
    {
        var editor = new LineEditor(TextWriter.Null, () => 80);
        Type(editor, "first");
        editor.HandleKey(Key(ConsoleKey.Enter), out _);
        Type(editor, "second");
        editor.HandleKey(Key(ConsoleKey.Enter), out _);
        editor.HandleKey(Key(ConsoleKey.UpArrow), out _);
        editor.HandleKey(Key(ConsoleKey.UpArrow), out _);
        Assert.Equal("first", editor.Current);
        editor.HandleKey(Key(ConsoleKey.DownArrow), out _);
        Assert.Equal("second", editor.Current);
    }

    [Fact]
    public void A_line_wider_than_the_window_stays_on_one_row()
    {
        var screen = new StringWriter();
        var editor = new LineEditor(screen, () => 20);
        Type(editor, new string('x', 50));
        screen.GetStringBuilder().Clear();
        editor.PrintAbove("msg");
        string prompt = screen.ToString()[(Erase + "msg\n" + Erase).Length..];
        string visible = prompt[..prompt.IndexOf('\r', StringComparison.Ordinal)];
        Assert.True(visible.Length < 20, visible);
        Assert.EndsWith("xxx", visible, StringComparison.Ordinal);
    }
}
