using System.CommandLine;
using System.Globalization;
using System.Net.Sockets;
using FastChat.Server;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

// Socket continuations run on the socket engine's thread instead of hopping to the thread pool.
// The runtime reads this once, from the environment, when the first socket registers, so it is set
// here before anything opens one; a value the user set wins (0 turns it off). Safe because no
// continuation here waits for anything but the hub lock (held for one line, or for one join's
// USERS line): a receive parses and publishes, a send is non-blocking, accepting runs on the
// thread pool (SocketListener), and a full log queue drops lines (below). Measured side by side
// on 2 cores (docs/PERFORMANCE.md, 2026-11-26, C harness, pairs of runs): (a) 20.8/21.4 -> 24.0/25.3
// M deliveries/s at less server CPU (83 -> 65-67 %), (c) p99 median of 3 10.0 -> 7.3 ms, (d) equal.
const string InlineCompletions = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";
if (Environment.GetEnvironmentVariable(InlineCompletions) is null)
{
    Environment.SetEnvironmentVariable(InlineCompletions, "1");
}

// Command line -> configuration (CLI > environment FastChat__X > appsettings.json > defaults),
// validated before anything listens, then the generic host runs the server until SIGTERM/SIGINT.
var bind = new Option<string?>("--bind") { Description = "Address to listen on: 127.0.0.1 (default), 0.0.0.0, :: or ::1." };
var port = new Option<int?>("--port") { Description = "TCP port (default 6000; 0 picks a free port)." };
var maxClients = new Option<int?>("--max-clients") { Description = "Members admitted at once; the next gets FULL (default 10000)." };
var maxLine = new Option<int?>("--max-line-length") { Description = "Longest client line in bytes, without CR/LF (default 1024)." };
var maxPending = new Option<long?>("--max-pending-bytes") { Description = "Unsent output per member before it is cut off as a slow consumer (default 4194304)." };
var drain = new Option<double?>("--drain-timeout") { Description = "Seconds shutdown waits for members to take their last bytes (default 5)." };
var stats = new Option<double?>("--stats-interval") { Description = "Seconds between stats log lines; 0 turns them off (default 10)." };
var backlog = new Option<int?>("--backlog") { Description = "Length of the kernel's accept queue (default 4096)." };

var root = new RootCommand("FastChat server: a TCP chat server speaking FastChat protocol v1 (docs/PROTOCOL.md).")
{
    bind, port, maxClients, maxLine, maxPending, drain, stats, backlog,
};

root.SetAction(async (ParseResult parsed, CancellationToken _) =>
{
    var overrides = new Dictionary<string, string?>();
    void Set<T>(Option<T> option, string key, Func<T, string>? format = null)
    {
        T? value = parsed.GetValue(option);
        if (value is not null)
        {
            overrides[$"{ChatServerOptions.SectionName}:{key}"] = format is null
                ? Convert.ToString(value, CultureInfo.InvariantCulture)
                : format(value);
        }
    }

    static string Seconds(double? s) => TimeSpan.FromSeconds(s!.Value).ToString("c", CultureInfo.InvariantCulture);
    Set(bind, nameof(ChatServerOptions.Bind));
    Set(port, nameof(ChatServerOptions.Port));
    Set(maxClients, nameof(ChatServerOptions.MaxClients));
    Set(maxLine, nameof(ChatServerOptions.MaxLineLength));
    Set(maxPending, nameof(ChatServerOptions.MaxPendingBytes));
    Set(drain, nameof(ChatServerOptions.DrainTimeout), Seconds);
    Set(stats, nameof(ChatServerOptions.StatsInterval), Seconds);
    Set(backlog, nameof(ChatServerOptions.Backlog));

    HostApplicationBuilder builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
    {
        ContentRootPath = AppContext.BaseDirectory,
        DisableDefaults = false,
    });
    builder.Configuration.AddInMemoryCollection(overrides);

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
        await host.RunAsync(CancellationToken.None);
    }
    catch (SocketException ex)
    {
        await Console.Error.WriteLineAsync($"error: cannot listen on {options.Bind}:{options.Port}: {ex.Message}");
        return 1;
    }

    return 0;
});

// Termination signals belong to the host (graceful drain), not to the command-line parser.
return await root.Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null });
