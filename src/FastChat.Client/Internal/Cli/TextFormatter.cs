using System.Globalization;
using System.Text;

namespace FastChat.Client.Internal.Cli;

/// <summary>Formats events as the readable lines README.md shows (<c>[12:04:31] 7: hello</c>, <c>* 9 joined (3 online)</c>).</summary>
internal sealed class TextFormatter(string address, Func<string?> selfId)
{
    /// <summary>The line for <paramref name="e"/>, or null when it has none (the exit sentence covers it).</summary>
    public string? Format(ChatEvent e) => e switch
    {
        MessageEvent m => string.Create(CultureInfo.InvariantCulture,
            $"[{m.Time.ToLocalTime():HH:mm:ss}] {m.Id}{(m.IsSelf ? " (you)" : "")}: {m.Text}"),
        JoinEvent j => string.Create(CultureInfo.InvariantCulture, $"* {j.Id} joined ({j.Online} online)"),
        LeaveEvent l => string.Create(CultureInfo.InvariantCulture, $"* {l.Id} left ({l.Online} online)"),
        WelcomeEvent w => $"* connected to {address} as {w.Id}",
        UsersEvent u => FormatUsers(u.Ids),
        ErrorEvent err => err.Detail.Length == 0 ? $"* server error: {err.Code}" : $"* server error: {err.Code} {err.Detail}",
        PongEvent p => p.Token.Length == 0 ? "* pong" : $"* pong {p.Token}",
        ByeEvent { IsQuit: true } => "* bye",
        _ => null,
    };

    private string FormatUsers(IReadOnlyList<string> ids)
    {
        string? self = selfId();
        string[] sorted = [.. ids];
        Array.Sort(sorted, MemberSet.CompareIds);
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"* {sorted.Length} online: ");
        for (int i = 0; i < sorted.Length; i++)
        {
            sb.Append(i == 0 ? "" : ", ").Append(sorted[i]);
            if (sorted[i] == self)
            {
                sb.Append(" (you)");
            }
        }

        return sb.ToString();
    }

    public const string Help =
        """
        Commands:
          /users         list who is online
          /ping [token]  ask the server for a pong
          /quit          leave the chat (also Ctrl+C, or Ctrl+D on an empty line)
          /help          show this list
          //text         send a message that starts with '/'
        Anything else you type is sent as a message.
        """;
}
