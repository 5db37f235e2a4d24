using System.Net.Sockets;
using System.Threading.Channels;
using FastChat.Client.Internal;

namespace FastChat.Client;

/// <summary>
/// A connection to a FastChat server (protocol v1, docs/PROTOCOL.md): a typed event stream, chat and
/// command sending, and the member set kept from <c>USERS</c>/<c>JOIN</c>/<c>LEAVE</c>.
/// </summary>
/// <example>
/// <code>
/// await using var client = await ChatClient.ConnectAsync("127.0.0.1", 6000);
/// await client.SendAsync("hello");
/// await foreach (ChatEvent e in client.Events.ReadAllAsync()) { ... }
/// </code>
/// </example>
public sealed partial class ChatClient : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly ChatClientOptions _options;
    private readonly Channel<ChatEvent> _events;
    private readonly MemberSet _members = new();
    private readonly ServerEventParser _parser;
    private readonly CancellationTokenSource _closing = new();
    private readonly Task _receiving;
    private int _disposed;

    private ChatClient(Socket socket, ChatClientOptions options)
    {
        _socket = socket;
        _options = options;
        _parser = new ServerEventParser(_members);

        // Bounded: a reader that falls behind stops the receive loop instead of growing memory, and
        // the server then cuts off a slow consumer (docs/PROTOCOL.md section 10).
        _events = Channel.CreateBounded<ChatEvent>(new BoundedChannelOptions(options.EventCapacity)
        {
            SingleWriter = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        _receiving = ReceiveLoopAsync();
    }

    /// <summary>
    /// Connects to <paramref name="host"/> (an IPv4 or IPv6 literal, optionally in brackets, or a host
    /// name) within <see cref="ChatClientOptions.ConnectTimeout"/>. Reading starts at once: the first
    /// event is <see cref="WelcomeEvent"/> (then <see cref="UsersEvent"/>) or <see cref="FullEvent"/>.
    /// </summary>
    /// <exception cref="ChatConnectException">Refused, unreachable, timed out or unknown host.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public static async Task<ChatClient> ConnectAsync(string host, int port, ChatClientOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(host);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(port);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(port, 65535);
        options ??= new ChatClientOptions();
        options.Validate();
        Socket socket = await Connector.ConnectAsync(host, port, options.ConnectTimeout, cancellationToken);
        return new ChatClient(socket, options);
    }

    /// <summary>Every server event in order; completes after the final <see cref="DisconnectedEvent"/>.</summary>
    public ChannelReader<ChatEvent> Events => _events.Reader;

    /// <summary>This client's id once <see cref="WelcomeEvent"/> was read; null before.</summary>
    public string? Id => _parser.SelfId;

    /// <summary>
    /// The members as of the last event the receive loop read (which may be ahead of the events you
    /// have consumed), sorted by id. A fresh array each call.
    /// </summary>
    public IReadOnlyList<string> Members => _members.Snapshot();

    /// <summary>How many members there are as of the last event read.</summary>
    public int MemberCount => _members.Count;

    /// <summary>True when <paramref name="id"/> is a member as of the last event read.</summary>
    public bool IsMember(string id) => _members.Contains(id);

    /// <summary>The local end point of the connection.</summary>
    public System.Net.EndPoint? LocalEndPoint => _socket.LocalEndPoint;

    /// <summary>The server's end point.</summary>
    public System.Net.EndPoint? RemoteEndPoint => _socket.RemoteEndPoint;

    /// <summary>Closes the connection (without <c>/quit</c>; call <see cref="QuitAsync"/> first to leave cleanly).</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _closing.CancelAsync();
        _socket.Dispose();
        try
        {
            await _receiving;
        }
        finally
        {
            _sendLock.Dispose();
            _closing.Dispose();
        }
    }
}
