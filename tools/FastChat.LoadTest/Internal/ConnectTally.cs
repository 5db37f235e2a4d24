using FastChat.LoadTest.Reporting;

namespace FastChat.LoadTest.Internal;

/// <summary>Counts how the handshakes of a group of connections ended, from any thread.</summary>
internal sealed class ConnectTally
{
    private int _ready;
    private int _full;
    private int _fullPerAddress;
    private int _failed;

    public ConnectionCounts Counts => new(Volatile.Read(ref _ready), Volatile.Read(ref _full), Volatile.Read(ref _fullPerAddress), Volatile.Read(ref _failed));

    public void Add(ConnectOutcome outcome)
    {
        switch (outcome)
        {
            case ConnectOutcome.Ready:
                Interlocked.Increment(ref _ready);
                break;
            case ConnectOutcome.Full:
                Interlocked.Increment(ref _full);
                break;
            case ConnectOutcome.FullPerAddress:
                Interlocked.Increment(ref _fullPerAddress);
                break;
            default:
                Interlocked.Increment(ref _failed);
                break;
        }
    }
}
