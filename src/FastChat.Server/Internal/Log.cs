using System.Net;
using Microsoft.Extensions.Logging;

namespace FastChat.Server.Internal;

/// <summary>The server's log events, source-generated (no boxing, no formatting when disabled).</summary>
internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Information, "Listening on {EndPoint} (max {MaxClients} members, max line {MaxLineLength} B, max pending {MaxPendingBytes} B)")]
    public static partial void Listening(ILogger logger, EndPoint endPoint, int maxClients, int maxLineLength, long maxPendingBytes);

    [LoggerMessage(2, LogLevel.Information, "Member {Id} joined from {Remote} ({Members} online)")]
    public static partial void Joined(ILogger logger, Member id, EndPoint? remote, int members);

    [LoggerMessage(3, LogLevel.Information, "Member {Id} left: {Reason} ({Members} online)")]
    public static partial void Left(ILogger logger, Member id, CloseReason reason, int members);

    [LoggerMessage(4, LogLevel.Warning, "Rejected {Remote}: {Reason}")]
    public static partial void Rejected(ILogger logger, EndPoint? remote, string reason);

    [LoggerMessage(18, LogLevel.Warning, "Rejected {Remote}: its address holds {Max} connections already (--max-clients-per-address); logged once until it gets in again")]
    public static partial void RejectedPerAddress(ILogger logger, EndPoint? remote, int max);

    [LoggerMessage(5, LogLevel.Information, "Stats: {Members} online, {MessagesIn} msgs in, {MessagesOut} deliveries, {BytesIn} B in, {BytesOut} B out, {SlowConsumers} slow consumers cut, {Full} rejected full")]
    public static partial void Stats(ILogger logger, long members, long messagesIn, long messagesOut, long bytesIn, long bytesOut, long slowConsumers, long full);

    [LoggerMessage(6, LogLevel.Information, "Shutting down: {Members} members get BYE shutdown (drain timeout {DrainTimeout})")]
    public static partial void ShuttingDown(ILogger logger, int members, TimeSpan drainTimeout);

    [LoggerMessage(7, LogLevel.Information, "Shutdown complete ({Aborted} connections aborted at the drain timeout)")]
    public static partial void ShutdownComplete(ILogger logger, int aborted);

    [LoggerMessage(8, LogLevel.Error, "Accept failed")]
    public static partial void AcceptFailed(ILogger logger, Exception exception);

    [LoggerMessage(11, LogLevel.Warning, "Accepting paused: accept failed with {Error} ({Open} sockets open); members are served meanwhile, accepting resumes when a socket closes")]
    public static partial void AcceptPausedForError(ILogger logger, System.Net.Sockets.SocketError error, int open);

    [LoggerMessage(14, LogLevel.Warning, "Accepting paused: {Open} sockets open, the file-descriptor budget is {Budget} (raise ulimit -n); members are served meanwhile, accepting resumes when a socket closes")]
    public static partial void AcceptPausedForBudget(ILogger logger, int open, int budget);

    [LoggerMessage(15, LogLevel.Information, "Accepting resumed after {Duration} ({Failures} failed accepts, {Open} sockets open)")]
    public static partial void AcceptResumed(ILogger logger, TimeSpan duration, int failures, int open);

    [LoggerMessage(16, LogLevel.Warning, "Member {Id} from {Remote} cut off: {Reason}")]
    public static partial void Enforced(ILogger logger, Member id, System.Net.EndPoint? remote, string reason);

    [LoggerMessage(17, LogLevel.Warning, "File-descriptor limit {Limit} leaves room for {Budget} sockets, fewer than --max-clients {MaxClients}: raise ulimit -n")]
    public static partial void FewDescriptors(ILogger logger, long limit, int budget, int maxClients);

    [LoggerMessage(9, LogLevel.Error, "Member {Id}: unexpected error")]
    public static partial void ConnectionFailed(ILogger logger, Member id, Exception exception);

    [LoggerMessage(10, LogLevel.Warning, "Member {Id} cut off as a slow consumer (more than {MaxPendingBytes} B unsent)")]
    public static partial void SlowConsumer(ILogger logger, Member id, long maxPendingBytes);

    [LoggerMessage(12, LogLevel.Warning, "Non-blocking send(2) is unavailable; every send takes the SAEA path")]
    public static partial void FastSendUnavailable(ILogger logger, Exception exception);

    [LoggerMessage(19, LogLevel.Error, "Watchdog check failed; the other connections are checked as usual")]
    public static partial void WatchdogFailed(ILogger logger, Exception exception);

    [LoggerMessage(13, LogLevel.Error, "Fan-out walk failed; members it did not reach wait for the next walk")]
    public static partial void WalkFailed(ILogger logger, Exception exception);
}
