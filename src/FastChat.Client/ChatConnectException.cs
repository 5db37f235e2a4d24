using System.Net.Sockets;

namespace FastChat.Client;

/// <summary>Why <see cref="ChatClient.ConnectAsync(string, int, ChatClientOptions?, CancellationToken)"/> failed.</summary>
public enum ConnectFailure
{
    /// <summary>Nothing listens at the address (connection refused).</summary>
    Refused,

    /// <summary>The host or network cannot be reached.</summary>
    Unreachable,

    /// <summary>Connecting took longer than <see cref="ChatClientOptions.ConnectTimeout"/>.</summary>
    TimedOut,

    /// <summary>The host name does not resolve.</summary>
    HostNotFound,

    /// <summary>Any other socket error; see <see cref="ChatConnectException.SocketError"/>.</summary>
    Other,
}

/// <summary>Connecting to a FastChat server failed.</summary>
public sealed class ChatConnectException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ChatConnectException(string host, int port, ConnectFailure failure, SocketError socketError, Exception? inner)
        : base($"Cannot connect to {host}:{port}: {Describe(failure, socketError)}.", inner)
    {
        Host = host;
        Port = port;
        Failure = failure;
        SocketError = socketError;
    }

    /// <summary>The host as given.</summary>
    public string Host { get; }

    /// <summary>The port.</summary>
    public int Port { get; }

    /// <summary>The class of failure.</summary>
    public ConnectFailure Failure { get; }

    /// <summary>The socket error, when a socket reported one.</summary>
    public SocketError SocketError { get; }

    /// <summary>A few words for people: "connection refused", "timed out", ...</summary>
    public static string Describe(ConnectFailure failure, SocketError socketError) => failure switch
    {
        ConnectFailure.Refused => "connection refused",
        ConnectFailure.Unreachable => "host unreachable",
        ConnectFailure.TimedOut => "timed out",
        ConnectFailure.HostNotFound => "host name not found",
        _ => $"socket error {socketError}",
    };
}
