using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Threading.Channels;
using CliWrap;

namespace FastChat.Processes;

/// <summary>
/// A program run as a child process, as a person or a script runs it: stdin a pipe the caller writes and
/// closes, stdout and stderr kept line by line. Disposing it kills it if it still runs.
/// </summary>
public sealed class ChildProcess : IAsyncDisposable
{
    private static readonly TimeSpan s_disposeWait = TimeSpan.FromSeconds(10);

    private readonly CancellationTokenSource _kill = new();
    private readonly Channel<string> _input = Channel.CreateUnbounded<string>();
    private readonly CommandTask<CommandResult> _run;
    private readonly Task<int> _exit;
    private int _disposed;

    private ChildProcess(ProcessStart start)
    {
        Stdout = new OutputLines(start.MaxLinesKept, Describe);
        Stderr = new OutputLines(start.MaxLinesKept, Describe);
        (string file, IReadOnlyList<string> arguments) = start.OpenFileLimit is int limit
            ? ("bash", ["-c", $"ulimit -n {limit.ToString(CultureInfo.InvariantCulture)} && exec \"$0\" \"$@\"", start.FileName, .. start.Arguments])
            : (start.FileName, start.Arguments);
        Command command = CliWrap.Cli.Wrap(file)
            .WithArguments(arguments)
            .WithEnvironmentVariables(env =>
            {
                foreach ((string name, string? value) in start.Environment)
                {
                    env.Set(name, value);
                }
            })
            .WithStandardInputPipe(PipeSource.Create(CopyInputAsync))
            .WithStandardOutputPipe(PipeTarget.ToDelegate(Stdout.Add))
            .WithStandardErrorPipe(PipeTarget.ToDelegate(Stderr.Add))
            .WithValidation(CommandResultValidation.None);
        _run = command.ExecuteAsync(_kill.Token);
        Id = _run.ProcessId;
        _exit = WatchAsync();
    }

    /// <summary>Starts the program; a program that cannot be started throws <see cref="System.ComponentModel.Win32Exception"/>.</summary>
    public static ChildProcess Start(ProcessStart start)
    {
        ArgumentNullException.ThrowIfNull(start);
        return new ChildProcess(start);
    }

    public int Id { get; }

    public OutputLines Stdout { get; }

    public OutputLines Stderr { get; }

    /// <summary>True once the process has exited and its output has been read to the end.</summary>
    public bool HasExited => _exit.IsCompleted;

    /// <summary>The exit code once <see cref="HasExited"/> (-1 when it was killed by disposal), else null.</summary>
    public int? ExitCode => _exit.IsCompletedSuccessfully ? _exit.Result : null;

    /// <summary>Writes <paramref name="text"/> to the process's stdin.</summary>
    public ValueTask WriteInputAsync(string text, CancellationToken cancellationToken = default) =>
        _input.Writer.WriteAsync(text, cancellationToken);

    /// <summary>Closes stdin once what was written has gone out (the end of a piped script).</summary>
    public void CloseInput() => _input.Writer.TryComplete();

    /// <summary>Waits for the exit and the end of its output; returns the exit code.</summary>
    /// <exception cref="TimeoutException">It still runs after <paramref name="timeout"/> (the message holds its output).</exception>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        try
        {
            return await _exit.WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"Process did not exit. {Describe()}");
        }
    }

    /// <summary>Sends SIGTERM (through kill(1)): a graceful stop for a program that handles it.</summary>
    public async Task TerminateAsync(CancellationToken cancellationToken = default)
    {
        if (HasExited)
        {
            return;
        }

        await CliWrap.Cli.Wrap("kill")
            .WithArguments(["-TERM", Id.ToString(CultureInfo.InvariantCulture)])
            .WithValidation(CommandResultValidation.None)
            .ExecuteAsync(cancellationToken);
    }

    /// <summary>Sends SIGKILL to the process itself (not its children).</summary>
    public void Kill()
    {
        if (HasExited)
        {
            return;
        }

        try
        {
            using var process = Process.GetProcessById(Id);
            process.Kill(entireProcessTree: false);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            // It exited in the meantime.
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        if (!_exit.IsCompleted)
        {
            await _kill.CancelAsync();
        }

        try
        {
            await _exit.WaitAsync(s_disposeWait);
        }
        catch (TimeoutException)
        {
            // Nothing more can be done; the caller's result already says what went wrong.
        }

        _input.Writer.TryComplete();
        _run.Dispose();
        _kill.Dispose();
    }

    private async Task<int> WatchAsync()
    {
        try
        {
            CommandResult result = await _run;
            return result.ExitCode;
        }
        catch (OperationCanceledException)
        {
            return -1;
        }
        finally
        {
            Stdout.End();
            Stderr.End();
        }
    }

    private async Task CopyInputAsync(Stream stdin, CancellationToken cancellationToken)
    {
        await foreach (string text in _input.Reader.ReadAllAsync(cancellationToken))
        {
            await stdin.WriteAsync(Encoding.UTF8.GetBytes(text), cancellationToken);
            await stdin.FlushAsync(cancellationToken);
        }
    }

    private string Describe() => $"stdout:\n{Stdout.Text}\nstderr:\n{Stderr.Text}";
}
