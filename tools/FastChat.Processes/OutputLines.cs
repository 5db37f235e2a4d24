namespace FastChat.Processes;

/// <summary>
/// The lines a child process writes to one stream (stdout or stderr), kept as they arrive so a
/// caller can read them, count them, or wait for one.
/// </summary>
public sealed class OutputLines
{
    private readonly Lock _gate = new();
    private readonly List<string> _lines = [];
    private readonly List<Waiter> _waiters = [];
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly int _maxLines;
    private readonly Func<string> _describe;
    private long _dropped;
    private long _cursor;
    private bool _ended;

    internal OutputLines(int maxLines, Func<string> describe)
    {
        _maxLines = maxLines;
        _describe = describe;
    }

    /// <summary>The lines kept so far.</summary>
    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_gate)
            {
                return [.. _lines];
            }
        }
    }

    /// <summary>The lines kept so far, joined with LF.</summary>
    public string Text => string.Join('\n', Lines);

    /// <summary>Completes when the stream has ended (the process exited and its output was read).</summary>
    public Task Completion => _completion.Task;

    /// <summary>How many of the kept lines contain <paramref name="text"/>.</summary>
    public int Count(string text) => Lines.Count(l => l.Contains(text, StringComparison.Ordinal));

    /// <summary>Completes once a line containing <paramref name="text"/> has been written, before or after this call.</summary>
    /// <remarks>It stays pending if the stream ends without one, so it can be raced against another task.</remarks>
    public Task WhenSeen(string text) => Register(l => l.Contains(text, StringComparison.Ordinal), fromStart: true, endsWithStream: false);

    /// <summary>The first line, written before or after this call, that matches.</summary>
    /// <exception cref="TimeoutException">No line matched within <paramref name="timeout"/>.</exception>
    /// <exception cref="EndOfStreamException">The stream ended without a matching line.</exception>
    public Task<string> WaitForLineAsync(Func<string, bool> match, TimeSpan timeout) => WaitAsync(match, timeout, fromStart: true);

    /// <summary>The first line containing <paramref name="text"/>; see <see cref="WaitForLineAsync"/>.</summary>
    public Task<string> WaitForTextAsync(string text, TimeSpan timeout) =>
        WaitForLineAsync(l => l.Contains(text, StringComparison.Ordinal), timeout);

    /// <summary>
    /// Reads the stream in order: the first matching line after the one the previous call returned
    /// (the lines between are passed over). For one reader at a time.
    /// </summary>
    /// <exception cref="TimeoutException">No line matched within <paramref name="timeout"/>.</exception>
    /// <exception cref="EndOfStreamException">The stream ended without a matching line.</exception>
    public Task<string> NextLineAsync(Func<string, bool> match, TimeSpan timeout) => WaitAsync(match, timeout, fromStart: false);

    /// <summary>Like <see cref="WaitForLineAsync"/>, but null when the stream ends first.</summary>
    internal async Task<string?> WaitForLineOrEndAsync(Func<string, bool> match, TimeSpan timeout)
    {
        try
        {
            return await WaitOrEndAsync(match, fromStart: true, timeout);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"No matching line within {timeout.TotalSeconds:0.#} s. {_describe()}");
        }
    }

    internal void Add(string line)
    {
        lock (_gate)
        {
            long index = _dropped + _lines.Count;
            _lines.Add(line);
            if (_maxLines > 0 && _lines.Count > _maxLines)
            {
                _lines.RemoveAt(0);
                _dropped++;
            }

            for (int i = _waiters.Count - 1; i >= 0; i--)
            {
                Waiter w = _waiters[i];
                if (index >= w.From && w.Match(line))
                {
                    _waiters.RemoveAt(i);
                    if (w.AdvancesCursor)
                    {
                        _cursor = index + 1;
                    }

                    w.Result.TrySetResult(line);
                }
            }
        }
    }

    internal void End()
    {
        lock (_gate)
        {
            _ended = true;
            foreach (Waiter w in _waiters.Where(w => w.EndsWithStream))
            {
                w.Result.TrySetResult(null);
            }

            _waiters.RemoveAll(w => w.EndsWithStream);
        }

        _completion.TrySetResult();
    }

    private async Task<string> WaitAsync(Func<string, bool> match, TimeSpan timeout, bool fromStart)
    {
        string? line;
        try
        {
            line = await WaitOrEndAsync(match, fromStart, timeout);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"No matching line. {_describe()}");
        }

        return line ?? throw new EndOfStreamException($"The output ended without a matching line. {_describe()}");
    }

    private async Task<string?> WaitOrEndAsync(Func<string, bool> match, bool fromStart, TimeSpan timeout)
    {
        Task<string?> seen = Register(match, fromStart, endsWithStream: true);
        try
        {
            return await seen.WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            lock (_gate)
            {
                _waiters.RemoveAll(w => w.Result.Task == seen);
            }

            throw;
        }
    }

    // A wait from the start looks at every line; one from the cursor (fromStart false) moves the
    // cursor past the line it returns.
    private Task<string?> Register(Func<string, bool> match, bool fromStart, bool endsWithStream)
    {
        bool advancesCursor = !fromStart;
        lock (_gate)
        {
            long from = fromStart ? 0 : _cursor;
            for (long i = Math.Max(from, _dropped); i < _dropped + _lines.Count; i++)
            {
                string line = _lines[(int)(i - _dropped)];
                if (match(line))
                {
                    if (advancesCursor)
                    {
                        _cursor = i + 1;
                    }

                    return Task.FromResult<string?>(line);
                }
            }

            if (_ended && endsWithStream)
            {
                return Task.FromResult<string?>(null);
            }

            var waiter = new Waiter(from, match, advancesCursor, endsWithStream);
            _waiters.Add(waiter);
            return waiter.Result.Task;
        }
    }

    private sealed record Waiter(long From, Func<string, bool> Match, bool AdvancesCursor, bool EndsWithStream)
    {
        public TaskCompletionSource<string?> Result { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
