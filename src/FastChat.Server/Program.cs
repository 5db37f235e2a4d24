using System.CommandLine;
using System.Net.Sockets;
using FastChat.Server;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

// Socket continuations run on the socket engine's thread, without a hop to the thread pool: none of
// them blocks (docs/ARCHITECTURE.md "Threads"). The runtime reads this once, when the first socket
// registers, so it is set before anything opens one; a value the user set wins (0 turns it off).
const string InlineCompletions = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";
if (Environment.GetEnvironmentVariable(InlineCompletions) is null)
{
    Environment.SetEnvironmentVariable(InlineCompletions, "1");
}

// Command line -> configuration (CLI > environment FastChat__X > appsettings.json > defaults),
// validated and bound before the host starts, so every startup problem is one "error:" line
// (exit 2 for the command line or settings, 1 when the address cannot be listened on), never a
// stack trace; then the generic host runs the server until SIGTERM/SIGINT.
RootCommand root = ServerCommandLine.Create(out Func<ParseResult, Dictionary<string, string?>> overridesOf);
root.SetAction(async (ParseResult parsed, CancellationToken startCancel) =>
{
    HostApplicationBuilder builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
    {
        ContentRootPath = AppContext.BaseDirectory,
        DisableDefaults = false,
    });
    builder.Configuration.AddInMemoryCollection(overridesOf(parsed));

    var options = new ChatServerOptions();
    try
    {
        builder.Configuration.GetSection(ChatServerOptions.SectionName).Bind(options);
    }
    catch (InvalidOperationException ex)
    {
        await Console.Error.WriteLineAsync($"error: invalid setting: {ex.InnerException?.Message ?? ex.Message}");
        return 2;
    }

    IReadOnlyList<string> errors = options.Validate();
    if (errors.Count > 0)
    {
        foreach (string error in errors)
        {
            await Console.Error.WriteLineAsync($"error: {error}");
        }

        return 2;
    }

    // Logs go to stderr so stdout carries only the "listening on" line; a full log queue drops
    // lines instead of stalling the accept loop in a connection storm.
    builder.Logging.ClearProviders();
    builder.Logging.AddSimpleConsole(o =>
    {
        o.SingleLine = true;
        o.TimestampFormat = "HH:mm:ss.fff ";
    });
    builder.Services.Configure<ConsoleLoggerOptions>(o =>
    {
        o.LogToStandardErrorThreshold = LogLevel.Trace;
        o.QueueFullMode = ConsoleLoggerQueueFullMode.DropWrite;
        o.MaxQueueLength = 10_000;
    });
    builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = options.DrainTimeout + TimeSpan.FromSeconds(10));
    builder.Services.AddSingleton(options);
    builder.Services.AddSingleton(sp => new ChatServer(options, sp.GetRequiredService<ILoggerFactory>()));
    builder.Services.AddHostedService(sp => new ChatServerHostedService(sp.GetRequiredService<ChatServer>(), Console.Out));

    using IHost host = builder.Build();
    try
    {
        await host.Services.GetRequiredService<ChatServer>().StartAsync(startCancel);
    }
    catch (SocketException ex)
    {
        await Console.Error.WriteLineAsync($"error: cannot listen on {FormatEndPoint(options.Bind, options.Port)}: {Describe(ex)}");
        return 1;
    }
    catch (ClusterUnavailableException ex)
    {
        await Console.Error.WriteLineAsync($"error: cannot join the cluster at {options.Cluster}: {ex.Message}");
        return 1;
    }

    await host.RunAsync(CancellationToken.None);
    return 0;
});

ParseResult parsed = root.Parse(args);
List<string> usageErrors = ServerCommandLine.Errors(parsed);
if (usageErrors.Count > 0)
{
    foreach (string line in usageErrors)
    {
        await Console.Error.WriteLineAsync(line);
    }

    return 2;
}

// Termination signals belong to the host (graceful drain), not to the command-line parser.
return await parsed.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null });

static string FormatEndPoint(string address, int port) =>
    address.Contains(':', StringComparison.Ordinal) ? $"[{address}]:{port}" : $"{address}:{port}";

// The socket error in the words of the C library's strerror, lower case, as users know them.
static string Describe(SocketException ex) => ex.SocketErrorCode switch
{
    SocketError.AddressAlreadyInUse => "address already in use",
    SocketError.AddressNotAvailable => "address not available on this machine",
    SocketError.AccessDenied => "permission denied (ports below 1024 need privileges)",
    _ => ex.Message.Length > 0 ? char.ToLowerInvariant(ex.Message[0]) + ex.Message[1..] : ex.SocketErrorCode.ToString(),
};
