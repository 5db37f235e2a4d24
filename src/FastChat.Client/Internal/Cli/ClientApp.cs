using System.Threading.Channels;

namespace FastChat.Client.Internal.Cli;

/// <summary>
/// Runs the program: connects, then the scripted mode (<c>--send</c>, or stdin not a terminal) or the
/// interactive mode, and maps the end of the connection to an exit code and one sentence on stderr.
/// </summary>
internal sealed class ClientApp : IDisposable
{
    /// <summary>How long a clean <c>/quit</c> may take before the client just closes.</summary>
    internal static readonly TimeSpan QuitTimeout = TimeSpan.FromSeconds(5);

    private readonly CliSettings _settings;
    private readonly TextWriter _stderr;
    private readonly Outcome _outcome = new();
    private readonly TaskCompletionSource _welcomed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private IEventOutput _output;
    private TextFormatter? _text;
    private JsonEventWriter? _json;

    public ClientApp(CliSettings settings, IEventOutput output, TextWriter stderr)
    {
        _settings = settings;
        _output = output;
        _stderr = stderr;
    }

    /// <summary>
    /// <paramref name="stop"/> is Ctrl+C / SIGTERM: leave cleanly. Interactive when
    /// <paramref name="interactiveInput"/> is given, scripted from <paramref name="scriptLines"/> otherwise.
    /// </summary>
    public async Task<int> RunAsync(Func<CancellationToken, IAsyncEnumerable<string>>? scriptLines, InteractiveInput? interactiveInput, CancellationToken stop)
    {
        ChatClient client;
        try
        {
            client = await ChatClient.ConnectAsync(_settings.Host, _settings.Port, new ChatClientOptions { ConnectTimeout = _settings.ConnectTimeout }, stop);
        }
        catch (ChatConnectException e)
        {
            _stderr.WriteLine($"Cannot connect to the server at {_settings.Address}: {ChatConnectException.Describe(e.Failure, e.SocketError)}.");
            return ExitCodes.CannotConnect;
        }
        catch (OperationCanceledException)
        {
            return ExitCodes.Interrupted;
        }

        await using (client)
        {
            return await RunConnectedAsync(client, scriptLines, interactiveInput, stop);
        }
    }

    private async Task<int> RunConnectedAsync(ChatClient client, Func<CancellationToken, IAsyncEnumerable<string>>? scriptLines, InteractiveInput? interactiveInput, CancellationToken stop)
    {
        _text = new TextFormatter(_settings.Address, () => client.Id);
        _json = _settings.Json ? new JsonEventWriter() : null;
        if (interactiveInput is not null)
        {
            _output = interactiveInput.Output ?? _output;
        }

        int code = interactiveInput is null
            ? await new ScriptedSession(this, client).RunAsync(scriptLines!(stop), stop)
            : await RunInteractiveAsync(client, interactiveInput, stop);
        interactiveInput?.Editor?.Stop();
        return code;
    }

    public void Dispose() => _json?.Dispose();

    internal Task Welcomed => _welcomed.Task;

    /// <summary>Reads every event: prints it, tracks the outcome, tells the session.</summary>
    internal async Task PumpAsync(ChatClient client, Action<ChatEvent>? onEvent = null)
    {
        await foreach (ChatEvent e in client.Events.ReadAllAsync())
        {
            Print(e);
            _outcome.Observe(e);
            if (e is WelcomeEvent)
            {
                _welcomed.TrySetResult();
            }

            onEvent?.Invoke(e);
        }

        _welcomed.TrySetResult();
    }

    private void Print(ChatEvent e)
    {
        if (_json is not null)
        {
            _output.WriteUtf8Line(_json.Format(e));
        }
        else if (_text!.Format(e) is { } line)
        {
            _output.WriteLine(line);
        }
    }

    /// <summary>Waits (bounded) for the server to answer /quit and close; returns the exit code.</summary>
    internal async Task<int> FinishAsync(ChatClient client, Task pump, bool quit, int okCode = ExitCodes.Ok, string? okSentence = null)
    {
        if (quit && !pump.IsCompleted)
        {
            try
            {
                await client.QuitAsync();
            }
            catch (Exception e) when (e is System.Net.Sockets.SocketException or ObjectDisposedException or IOException)
            {
                // The pump reports the lost connection.
            }
        }

        try
        {
            await pump.WaitAsync(QuitTimeout);
        }
        catch (TimeoutException)
        {
            await client.DisposeAsync();
            await pump.WaitAsync(QuitTimeout);
        }

        (int code, string? sentence) = _outcome.Result();
        if (code == ExitCodes.Ok && okCode != ExitCodes.Ok)
        {
            (code, sentence) = (okCode, okSentence);
        }

        if (sentence is not null)
        {
            _stderr.WriteLine(sentence);
        }

        return code;
    }

    private async Task<int> RunInteractiveAsync(ChatClient client, InteractiveInput input, CancellationToken stop)
    {
        Task pump = PumpAsync(client);
        input.Editor?.Start();
        using var stopInput = CancellationTokenSource.CreateLinkedTokenSource(stop);
        _ = pump.ContinueWith(static (_, s) => ((CancellationTokenSource)s!).Cancel(), stopInput, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        bool quit = true;
        try
        {
            await foreach (string line in input.Lines.ReadAllAsync(stopInput.Token))
            {
                if (!await HandleTypedLineAsync(client, line))
                {
                    break;
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Ctrl+C (quit) or the connection ended (nothing left to quit).
            quit = !pump.IsCompleted;
        }
        catch (Exception e) when (e is System.Net.Sockets.SocketException or ObjectDisposedException or IOException)
        {
            quit = false; // sending failed: the pump reports the lost connection
        }

        input.Editor?.Stop();
        return await FinishAsync(client, pump, quit);
    }

    /// <summary>Acts on one typed line; false for /quit.</summary>
    private async Task<bool> HandleTypedLineAsync(ChatClient client, string line)
    {
        if (line.Length == 0)
        {
            return true;
        }

        if (line.StartsWith("//", StringComparison.Ordinal))
        {
            await client.SendAsync(line[1..]);
            return true;
        }

        if (line[0] != '/')
        {
            await client.SendAsync(line);
            return true;
        }

        int space = line.IndexOf(' ', StringComparison.Ordinal);
        string command = space < 0 ? line : line[..space];
        switch (command)
        {
            case "/quit":
                return false;
            case "/users":
                await client.RequestUsersAsync();
                break;
            case "/ping":
                await client.PingAsync(space < 0 ? "" : line[(space + 1)..].Trim());
                break;
            case "/help":
                foreach (string helpLine in TextFormatter.Help.Split('\n'))
                {
                    _output.WriteLine(helpLine);
                }

                break;
            default:
                _output.WriteLine($"* unknown command {command}; type /help for the list, // to send text starting with /");
                break;
        }

        return true;
    }
}

/// <summary>Typed lines of the interactive mode, and the editor that draws them (null without a terminal).</summary>
internal sealed record InteractiveInput(ChannelReader<string> Lines, LineEditor? Editor, IEventOutput? Output);
