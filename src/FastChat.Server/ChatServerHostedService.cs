using Microsoft.Extensions.Hosting;

namespace FastChat.Server;

/// <summary>Runs a <see cref="ChatServer"/> inside the generic host (SIGTERM/SIGINT, configuration, logging).</summary>
internal sealed class ChatServerHostedService(ChatServer server, TextWriter stdout) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        // Program binds before the host starts (so a bind error is one line, not a host failure).
        var endPoint = server.LocalEndPoint ?? server.Start();

        // The one line scripts wait for: the real port, on standard output; logs go to stderr.
        string address = endPoint.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6
            ? $"[{endPoint.Address}]"
            : endPoint.Address.ToString();
        stdout.WriteLine($"listening on {address}:{endPoint.Port}");
        stdout.Flush();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => server.StopAsync(cancellationToken);
}
