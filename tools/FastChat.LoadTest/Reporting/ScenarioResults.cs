namespace FastChat.LoadTest.Reporting;

/// <summary>The chat scenario's traffic and membership checks.</summary>
internal sealed record ChatResult(long MessagesSent, long MessagesReceived, long Leaves, long RejoinFailed, long Reordered, int ViewsMismatched, LatencySummary Latency);

/// <summary>The connect scenario: the storm, the churn after it (if any) and who is left.</summary>
internal sealed record ConnectStormResult(double Seconds, double ConnectsPerSecond, int ViewsMismatchedAfterStorm, ConnectChurnResult? Churn, int LiveMembers);

/// <summary>The connect scenario's churn: leave+join cycles, how long they took, views that differ afterwards.</summary>
internal sealed record ConnectChurnResult(int Cycles, double Seconds, int ViewsMismatched);

/// <summary>The overflow scenario: exactly the excess refused, nobody disturbed, no loss, a freed slot reused.</summary>
internal sealed record OverflowResult(
    int MembersAdmitted,
    int ExcessFull,
    int ExcessAdmitted,
    int FullMaxMismatch,
    int MembersDisturbed,
    long Lost,
    long Reordered,
    int SlotReused,
    int InconsistentViews,
    bool Ok);
