using FastChat.Protocol;

namespace FastChat.Server.Internal;

/// <summary>
/// The deadlines of a connection (docs/PROTOCOL.md "Limits"): PING after silence, a line that must
/// end in time, and a bounded drain once the member has left. The receive loop stamps the times;
/// the <see cref="Watchdog"/> checks them on its own timer, so the hot path only stores a timestamp
/// per receive.
/// </summary>
internal sealed partial class Connection
{
    private LineRate _lineRate;
    private long _throttledSince;     // receive loop only: when its lines first had to wait, 0 when not
    private long _lastLineAt;         // when the last complete line was read (admission to start)
    private long _partialSince;       // when the unfinished line in the buffer started, 0 when none
    private long _pingSentAt;         // when an unanswered PING went out, 0 when none
    private long _leftAt;             // watchdog only: when it first saw the member gone
    private volatile bool _sentAnyLine;
    private volatile bool _started;   // the loops run: before that there is nothing to check

    private void StartLiveness()
    {
        Volatile.Write(ref _lastLineAt, _time.GetTimestamp());
        _started = true;
    }

    /// <summary>Receive loop: complete lines were read at <paramref name="now"/>; any line answers a PING.</summary>
    private void LinesArrived(long now)
    {
        Volatile.Write(ref _lastLineAt, now);
        if (Volatile.Read(ref _pingSentAt) != 0)
        {
            Volatile.Write(ref _pingSentAt, 0);
        }

        _sentAnyLine = true;
    }

    /// <summary>Receive loop: after a receive, whether an unfinished line is held (and whether it is new).</summary>
    private void TrackPartialLine(bool holdsPartial, bool linesCompleted, long now)
    {
        if (!holdsPartial)
        {
            Volatile.Write(ref _partialSince, 0);
        }
        else if (linesCompleted || Volatile.Read(ref _partialSince) == 0)
        {
            Volatile.Write(ref _partialSince, now); // the line after the last complete one starts now
        }
    }

    /// <summary>
    /// Watchdog, once per tick: ends a connection whose deadline passed, or asks a silent member for
    /// a sign of life. Runs beside the connection's own loops, so it only reads their stamps and acts
    /// through the room (which serialises against them) or <see cref="Abort"/>.
    /// </summary>
    public void CheckDeadlines(long now, Watchdog watchdog)
    {
        ConnectionLimits limits = _limits;
        if (!_started)
        {
            return; // tracked, but not admitted yet
        }

        if (_member.HasLeft)
        {
            // Left (quit, EOF, kicked, shutdown) but not closed yet: it gets the drain timeout to take
            // what it is owed, then it is closed, so a client that stops reading cannot hold it.
            if (_leftAt == 0)
            {
                _leftAt = now;
            }
            else if (now - _leftAt > limits.LeaveTimeout)
            {
                Abort(CloseReason.DrainTimeout);
            }

            return;
        }

        long partialSince = Volatile.Read(ref _partialSince);
        if (limits.LineTimeout > 0 && partialSince != 0 && now - partialSince > limits.LineTimeout)
        {
            Kick(CloseReason.LineTimeout);
            return;
        }

        long pingSentAt = Volatile.Read(ref _pingSentAt);
        if (pingSentAt != 0)
        {
            if (now - pingSentAt > limits.PongTimeout)
            {
                Kick(_sentAnyLine ? CloseReason.PingTimeout : CloseReason.RegistrationTimeout);
            }

            return;
        }

        long silence = _sentAnyLine ? limits.IdleTimeout : limits.RegistrationTimeout;
        if (silence > 0 && now - Volatile.Read(ref _lastLineAt) > silence)
        {
            SendPing(now, watchdog.NextPingToken());
        }
    }

    // PING <token>
    private void SendPing(long now, long token)
    {
        Span<byte> ping = stackalloc byte[5 + 20 + 2];
        ServerLineWriter.TryWritePing(ping, token, out int written);
        Volatile.Write(ref _pingSentAt, now);
        if (_room.SendPrivate(_member, ping[..written]))
        {
            _counters.PingSent();
        }
    }
}
