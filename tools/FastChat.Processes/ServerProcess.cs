using System.Globalization;
using System.Net;

namespace FastChat.Processes;

/// <summary>
/// A FastChat server as a child process, at the address of the <c>listening on ADDR:PORT</c> line it
/// prints once it accepts connections. Disposing it kills it; <see cref="StopAsync"/> stops it gracefully.
/// </summary>
public sealed class ServerProcess : IAsyncDisposable
{
    public const string ListeningPrefix = "listening on ";

    private ServerProcess(ChildProcess process, string host, int port)
    {
        Process = process;
        Host = host;
        Port = port;
    }

    public ChildProcess Process { get; }

    public int Id => Process.Id;

    /// <summary>The address from the listening line, without IPv6 brackets (127.0.0.1, ::1).</summary>
    public string Host { get; }

    public int Port { get; }

    public IPEndPoint EndPoint => new(IPAddress.Parse(Host), Port);

    /// <summary>Starts the server and waits for its listening line; the process is killed if that fails.</summary>
    /// <exception cref="ServerStartException">It exited before printing the line.</exception>
    /// <exception cref="TimeoutException">The line did not come within <paramref name="timeout"/>.</exception>
    public static async Task<ServerProcess> StartAsync(ProcessStart start, TimeSpan timeout)
    {
        long began = Environment.TickCount64;
        ChildProcess process = ChildProcess.Start(start);
        try
        {
            string? line = await process.Stdout.WaitForLineOrEndAsync(l => l.StartsWith(ListeningPrefix, StringComparison.Ordinal), timeout);
            if (line is null)
            {
                TimeSpan left = timeout - TimeSpan.FromMilliseconds(Environment.TickCount64 - began);
                int exitCode = await ExitCodeWithinAsync(process, left);
                throw new ServerStartException($"server exited before printing 'listening on' (exit {exitCode})", exitCode, process.Stderr.Text);
            }

            if (!TryParseListening(line, out string host, out int port))
            {
                throw new ServerStartException($"cannot read the server's address from '{line}'", -1, process.Stderr.Text);
            }

            return new ServerProcess(process, host, port);
        }
        catch
        {
            await process.DisposeAsync();
            throw;
        }
    }

    /// <summary>Reads <c>listening on ADDR:PORT</c> (ADDR may be a bracketed IPv6 address).</summary>
    public static bool TryParseListening(string line, out string host, out int port)
    {
        ArgumentNullException.ThrowIfNull(line);
        host = "";
        port = 0;
        if (!line.StartsWith(ListeningPrefix, StringComparison.Ordinal))
        {
            return false;
        }

        string address = line[ListeningPrefix.Length..].Trim();
        int colon = address.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(address.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out port) ||
            !IPAddress.TryParse(address[..colon].Trim('[', ']'), out _))
        {
            port = 0;
            return false;
        }

        host = address[..colon].Trim('[', ']');
        return true;
    }

    /// <summary>SIGTERM, then up to <paramref name="grace"/> for the exit, then SIGKILL; returns the exit code (-1 when killed).</summary>
    public async Task<int> StopAsync(TimeSpan grace)
    {
        if (!Process.HasExited)
        {
            await Process.TerminateAsync();
            try
            {
                return await Process.WaitForExitAsync(grace);
            }
            catch (TimeoutException)
            {
                await Process.DisposeAsync();
            }
        }

        return Process.ExitCode ?? -1;
    }

    public ValueTask DisposeAsync() => Process.DisposeAsync();

    private static async Task<int> ExitCodeWithinAsync(ChildProcess process, TimeSpan timeout)
    {
        try
        {
            return await process.WaitForExitAsync(timeout > TimeSpan.Zero ? timeout : TimeSpan.Zero);
        }
        catch (TimeoutException)
        {
            return -1;
        }
    }
}

/// <summary>A server process that ended, or said something unexpected, before it listened.</summary>
public sealed class ServerStartException : InvalidOperationException
{
    public ServerStartException()
    {
    }

    public ServerStartException(string message)
        : base(message)
    {
    }

    public ServerStartException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public ServerStartException(string message, int exitCode, string stderr)
        : base(message)
    {
        ExitCode = exitCode;
        Stderr = stderr;
    }

    /// <summary>Its exit code, or -1 when it had not exited yet.</summary>
    public int ExitCode { get; } = -1;

    /// <summary>What it wrote to stderr.</summary>
    public string Stderr { get; } = "";
}
