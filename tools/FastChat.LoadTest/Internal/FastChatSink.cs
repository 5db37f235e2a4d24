using FastChat.Protocol;

namespace FastChat.LoadTest.Internal;

/// <summary>
/// A FastChat connection's receive side: each line parsed (docs/PROTOCOL.md) and handed to the hook for
/// its kind. FULL, PING and BYE mean the same to every connection of the tool, so their hooks default to
/// it: the handshake ends as refused, the PING is answered at once, the BYE is noted before the EOF.
/// </summary>
internal abstract class FastChatSink(ClientConnection connection) : LineSink
{
    public ClientConnection Connection { get; } = connection;

    public override void OnLine(ReadOnlySpan<byte> line, long nowTicks)
    {
        if (!ServerLine.TryParse(line, out ServerLine l))
        {
            OnUnparsable(line);
            return;
        }

        switch (l.Kind)
        {
            case ServerLineKind.Welcome:
                OnWelcome(l.Argument, nowTicks);
                break;
            case ServerLineKind.Users:
                OnUsers(l);
                break;
            case ServerLineKind.Join:
                OnJoin(l.Argument, nowTicks);
                break;
            case ServerLineKind.Leave:
                OnLeave(l.Argument, nowTicks);
                break;
            case ServerLineKind.Message:
                OnMessage(l.Argument, l.Rest, nowTicks);
                break;
            case ServerLineKind.Full:
                OnFull(line, l.Argument, l.Rest, nowTicks);
                break;
            case ServerLineKind.Ping:
                OnPing(l.Argument);
                break;
            case ServerLineKind.Bye:
                OnBye(l.Argument, nowTicks);
                break;
            case ServerLineKind.Error:
                OnError();
                break;
            default:
                OnOther();
                break;
        }
    }

    protected virtual void OnUnparsable(ReadOnlySpan<byte> line)
    {
    }

    protected virtual void OnWelcome(ReadOnlySpan<byte> id, long nowTicks)
    {
    }

    protected virtual void OnUsers(ServerLine users)
    {
    }

    protected virtual void OnJoin(ReadOnlySpan<byte> id, long nowTicks)
    {
    }

    protected virtual void OnLeave(ReadOnlySpan<byte> id, long nowTicks)
    {
    }

    protected virtual void OnMessage(ReadOnlySpan<byte> id, ReadOnlySpan<byte> text, long nowTicks)
    {
    }

    /// <summary><c>FULL &lt;max&gt; [scope]</c> (<paramref name="line"/> is all of it): the server refused the connection.</summary>
    protected virtual void OnFull(ReadOnlySpan<byte> line, ReadOnlySpan<byte> max, ReadOnlySpan<byte> scope, long nowTicks) => Connection.OnFull(scope);

    /// <summary><c>PING &lt;token&gt;</c>: private to the connection, not part of the global order.</summary>
    protected virtual void OnPing(ReadOnlySpan<byte> token) => Connection.AnswerPing(token);

    protected virtual void OnBye(ReadOnlySpan<byte> reason, long nowTicks) => Connection.OnBye(reason);

    /// <summary><c>ERR &lt;code&gt; &lt;detail&gt;</c>.</summary>
    protected virtual void OnError()
    {
    }

    /// <summary>A kind the tool never expects (<c>PONG</c>, a line v1 does not define).</summary>
    protected virtual void OnOther()
    {
    }
}
