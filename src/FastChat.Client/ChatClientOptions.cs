namespace FastChat.Client;

/// <summary>Settings of a <see cref="ChatClient"/>.</summary>
public sealed class ChatClientOptions
{
    /// <summary>How long name resolution and connecting may take together (default 10 s).</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The longest server line accepted, without CRLF (default 1 MiB). A <c>USERS</c> line grows with
    /// the member count (docs/PROTOCOL.md section 2); longer lines are skipped.
    /// </summary>
    public int MaxLineLength { get; set; } = 1024 * 1024;

    /// <summary>
    /// How many events may wait unread (default 1024). When the reader falls behind, the client stops
    /// reading the socket, so a slow reader is eventually cut off by the server as a slow consumer
    /// instead of growing this process's memory without bound.
    /// </summary>
    public int EventCapacity { get; set; } = 1024;

    /// <summary>The initial receive buffer size (default 16 KiB); it grows only for longer lines.</summary>
    public int ReceiveBufferSize { get; set; } = 16 * 1024;

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(ConnectTimeout, TimeSpan.Zero, nameof(ConnectTimeout));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MaxLineLength, nameof(MaxLineLength));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(EventCapacity, nameof(EventCapacity));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(ReceiveBufferSize, nameof(ReceiveBufferSize));
    }
}
