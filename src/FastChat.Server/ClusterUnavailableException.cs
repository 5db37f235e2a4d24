namespace FastChat.Server;

/// <summary>A cluster node could not join its cluster: NATS could not be reached, or refused the room's stream.</summary>
public sealed class ClusterUnavailableException : Exception
{
    public ClusterUnavailableException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}
