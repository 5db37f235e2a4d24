namespace FastChat.LoadTest.Internal;

/// <summary>Where a room's receive loops note when they last saw a JOIN, so the run can tell when the JOIN storm of its connect is over.</summary>
internal interface IJoinStorm
{
    /// <summary>Stopwatch ticks of the latest JOIN any member saw.</summary>
    long LastJoinTicks { get; set; }
}
