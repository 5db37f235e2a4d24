namespace FastChat.Fuzz;

/// <summary>
/// A protocol invariant did not hold for a fuzz input. Thrown by <see cref="FuzzTargets"/> so that
/// afl-fuzz records the input as a crash; any other exception type is the protocol code's own.
/// </summary>
public sealed class FuzzInvariantException : Exception
{
    /// <summary>Creates the exception with no message.</summary>
    public FuzzInvariantException()
    {
    }

    /// <summary>Creates the exception for the invariant described by <paramref name="message"/>.</summary>
    public FuzzInvariantException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with an inner exception.</summary>
    public FuzzInvariantException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
