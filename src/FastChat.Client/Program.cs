using System.CommandLine;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using System.Threading.Channels;
using FastChat.Client.Internal.Cli;

namespace FastChat.Client;

/// <summary>fastchat-client: the console chat client (usage in README.md, "Chat from a terminal").</summary>
internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        RootCommand root = CreateCommand(out Func<ParseResult, CliSettings> settingsOf);
        root.SetAction((parse, _) => RunAsync(settingsOf(parse)));
        ParseResult result = root.Parse(args);
        if (result.Errors.Count > 0)
        {
            foreach (System.CommandLine.Parsing.ParseError error in result.Errors)
            {
                await Console.Error.WriteLineAsync(error.Message);
            }

            await Console.Error.WriteLineAsync("Run 'fastchat-client --help' for usage.");
            return ExitCodes.Usage;
        }

        // Ctrl+C and SIGTERM are handled below as "leave cleanly", not by System.CommandLine's abort.
        return await result.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null });
    }

    internal static RootCommand CreateCommand(out Func<ParseResult, CliSettings> settingsOf)
    {
        var host = new Option<string>("--host")
        {
            Description = "Server host: IPv4 or IPv6 address, or host name",
            HelpName = "host",
            DefaultValueFactory = _ => "127.0.0.1",
        };
        host.Validators.Add(r =>
        {
            if (string.IsNullOrWhiteSpace(r.GetValueOrDefault<string>()))
            {
                r.AddError("--host must not be empty.");
            }
        });
        var port = new Option<int>("--port")
        {
            Description = "Server port (1-65535)",
            HelpName = "port",
            DefaultValueFactory = _ => 6000,
        };
        port.CustomParser = r =>
        {
            string text = r.Tokens.Count > 0 ? r.Tokens[^1].Value : "";
            if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int value) && value is >= 1 and <= 65535)
            {
                return value;
            }

            r.AddError($"--port must be a number from 1 to 65535, not '{text}'.");
            return 0;
        };
        var send = new Option<string?>("--send")
        {
            Description = "Send one message, wait until the server echoes it, then quit",
            HelpName = "text",
        };
        send.Validators.Add(r =>
        {
            if (string.IsNullOrEmpty(r.GetValueOrDefault<string?>()))
            {
                r.AddError("--send needs a non-empty message.");
            }
        });
        var json = new Option<bool>("--json")
        {
            Description = "Print every server event as one JSON object per line",
        };
        var timeout = new Option<double>("--connect-timeout")
        {
            Description = "Seconds to wait for the connection",
            HelpName = "seconds",
            DefaultValueFactory = _ => 10,
        };
        timeout.CustomParser = r =>
        {
            string text = r.Tokens.Count > 0 ? r.Tokens[^1].Value : "";
            if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) && value is > 0 and <= 3600)
            {
                return value;
            }

            r.AddError($"--connect-timeout must be a number of seconds above 0 and at most 3600, not '{text}'.");
            return 0;
        };
        var root = new RootCommand(
            "FastChat console client. Interactive when stdin is a terminal; otherwise sends each stdin line " +
            "as a message, waits for the server's echo of all of them, and exits.")
        {
            host, port, send, json, timeout,
        };
        settingsOf = parse => new CliSettings(
            parse.GetValue(host)!,
            parse.GetValue(port),
            parse.GetValue(send),
            parse.GetValue(json),
            TimeSpan.FromSeconds(parse.GetValue(timeout)));
        return root;
    }

    private static async Task<int> RunAsync(CliSettings settings)
    {
        using var stop = new CancellationTokenSource();
        using PosixSignalRegistration sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        using PosixSignalRegistration sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);

        using var app = new ClientApp(settings, new StreamOutput(Console.OpenStandardOutput()), Console.Error);
        if (settings.Send is { } message)
        {
            return await app.RunAsync(_ => One(message), null, stop.Token);
        }

        if (Console.IsInputRedirected)
        {
            return await app.RunAsync(ReadStdinAsync, null, stop.Token);
        }

        return await app.RunAsync(null, StartKeyboard(), stop.Token);

        void Stop(PosixSignalContext context)
        {
            context.Cancel = true; // leave cleanly with /quit instead of dying
            stop.Cancel();
        }
    }

    private static async IAsyncEnumerable<string> One(string message)
    {
        await Task.CompletedTask;
        yield return message;
    }

    private static async IAsyncEnumerable<string> ReadStdinAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var reader = new StreamReader(Console.OpenStandardInput(), new UTF8Encoding(false));
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            yield return line;
        }
    }

    /// <summary>Reads the keyboard on its own background thread (ReadKey blocks) into a channel of typed lines.</summary>
    private static InteractiveInput StartKeyboard()
    {
        var lines = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleWriter = true, SingleReader = true });
        LineEditor? editor = null;
        ThreadStart read;
        if (Console.IsOutputRedirected)
        {
            // No terminal to redraw on: plain lines, no prompt.
            read = () =>
            {
                while (Console.ReadLine() is { } line)
                {
                    lines.Writer.TryWrite(line);
                }

                lines.Writer.TryComplete();
            };
        }
        else
        {
            editor = new LineEditor(Console.Out, () => Console.WindowWidth);
            LineEditor e = editor;
            read = () =>
            {
                while (true)
                {
                    KeyResult r = e.HandleKey(Console.ReadKey(intercept: true), out string? line);
                    if (r == KeyResult.Submitted)
                    {
                        lines.Writer.TryWrite(line!);
                    }
                    else if (r == KeyResult.EndOfInput)
                    {
                        lines.Writer.TryComplete();
                        return;
                    }
                }
            };
        }

        new Thread(read) { IsBackground = true, Name = "fastchat-keyboard" }.Start();
        return new InteractiveInput(lines.Reader, editor, editor is null ? null : new EditorOutput(editor));
    }
}
