using System.Diagnostics;
using System.Globalization;
using System.Threading.Channels;

namespace FastChat.Client.Tests.Infrastructure;

/// <summary>
/// A real process (<c>dotnet some.dll args</c>) with redirected stdin/stdout/stderr, as a person or
/// a script would run it. Every wait is bounded; the process is killed on dispose if still running.
/// </summary>
internal sealed class ChildProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly Channel<string> _stdout = Channel.CreateUnbounded<string>();
    private readonly List<string> _stdoutAll = [];
    private readonly List<string> _stderrAll = [];
    private readonly TaskCompletionSource _stdoutClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _stderrClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ChildProcess(Process process) => _process = process;

    /// <summary>The directory of the test assembly, where the referenced projects' dlls are copied.</summary>
    public static string BinDirectory => AppContext.BaseDirectory;

    public static ChildProcess Start(string dll, params string[] args)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(Path.Combine(BinDirectory, dll));
        foreach (string a in args)
        {
            info.ArgumentList.Add(a);
        }

        // Keep child processes quiet and quick to start on CI.
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        info.Environment["DOTNET_TieredPGO"] = "0";

        var process = new Process { StartInfo = info };
        var child = new ChildProcess(process);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                child._stdout.Writer.TryComplete();
                child._stdoutClosed.TrySetResult();
                return;
            }

            lock (child._stdoutAll)
            {
                child._stdoutAll.Add(e.Data);
            }

            child._stdout.Writer.TryWrite(e.Data);
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                child._stderrClosed.TrySetResult();
                return;
            }

            lock (child._stderrAll)
            {
                child._stderrAll.Add(e.Data);
            }
        };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    public int Id => _process.Id;

    public StreamWriter StandardInput => _process.StandardInput;

    public IReadOnlyList<string> StdoutLines
    {
        get
        {
            lock (_stdoutAll)
            {
                return [.. _stdoutAll];
            }
        }
    }

    public string Stdout => string.Join('\n', StdoutLines);

    public string Stderr
    {
        get
        {
            lock (_stderrAll)
            {
                return string.Join('\n', _stderrAll);
            }
        }
    }

    /// <summary>Reads stdout lines until one matches; fails with everything seen on timeout or exit.</summary>
    public async Task<string> WaitForLineAsync(Func<string, bool> match, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? Timeouts.Short);
        try
        {
            await foreach (string line in _stdout.Reader.ReadAllAsync(cts.Token))
            {
                if (match(line))
                {
                    return line;
                }
            }
        }
        catch (OperationCanceledException)
        {
            // reported below
        }

        throw new TimeoutException($"No matching line. stdout:\n{Stdout}\nstderr:\n{Stderr}");
    }

    /// <summary>Waits for exit (and the end of its output); returns the exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan? timeout = null)
    {
        try
        {
            using var cts = new CancellationTokenSource(timeout ?? Timeouts.Short);
            await _process.WaitForExitAsync(cts.Token);
            await Task.WhenAll(_stdoutClosed.Task, _stderrClosed.Task).WaitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"Process did not exit. stdout:\n{Stdout}\nstderr:\n{Stderr}");
        }

        return _process.ExitCode;
    }

    /// <summary>SIGKILL.</summary>
    public void Kill() => _process.Kill(entireProcessTree: false);

    /// <summary>SIGTERM, via kill(1).</summary>
    public async Task TerminateAsync()
    {
        using var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)]);
        await kill.WaitForExitAsync().WaitAsync(Timeouts.Short);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync().WaitAsync(Timeouts.Short);
            }
        }
        catch (InvalidOperationException)
        {
            // never started or already gone
        }
        catch (TimeoutException)
        {
            // nothing more we can do; the test result already says what went wrong
        }

        _process.Dispose();
    }
}
