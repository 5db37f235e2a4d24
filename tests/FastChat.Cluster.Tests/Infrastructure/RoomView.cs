namespace FastChat.Cluster.Tests;

/// <summary>What one member's stream says the room is: the member set (USERS, then JOIN/LEAVE) and the MSG lines in order.</summary>
internal sealed class RoomView
{
    public HashSet<string> Members { get; } = new(StringComparer.Ordinal);

    public List<string> Messages { get; } = [];

    /// <summary>For each member whose JOIN this stream saw: the member set right after it.</summary>
    public Dictionary<string, HashSet<string>> SetAtJoin { get; } = new(StringComparer.Ordinal);

    public List<string> Other { get; } = [];

    public RoomView(IEnumerable<string> initialUsers) => Members.UnionWith(initialUsers);

    public void Apply(string line)
    {
        string[] parts = line.Split(' ', 3);
        switch (parts[0])
        {
            case "JOIN":
                Assert.True(Members.Add(parts[1]), $"JOIN {parts[1]} of a member already in the room");
                SetAtJoin[parts[1]] = [.. Members];
                break;
            case "LEAVE":
                Assert.True(Members.Remove(parts[1]), $"LEAVE {parts[1]} of a member not in the room");
                break;
            case "MSG":
                Messages.Add(parts[1] + " " + parts[2]);
                break;
            default:
                Other.Add(line);
                break;
        }
    }

    public void ApplyAll(IEnumerable<string> lines)
    {
        foreach (string line in lines)
        {
            Apply(line);
        }
    }
}

internal static class RoomViewExtensions
{
    /// <summary>A view of the room as this member's stream shows it, from its USERS on.</summary>
    public static RoomView View(this FastChat.Server.Tests.TestClient client) => new(client.InitialUsers);

    /// <summary>Reads lines into <paramref name="view"/> until the room has <paramref name="count"/> members.</summary>
    public static async Task UntilMembersAsync(this FastChat.Server.Tests.TestClient client, RoomView view, int count, TimeSpan? timeout = null)
    {
        while (view.Members.Count != count)
        {
            view.Apply(await client.ReadLineAsync(timeout));
        }
    }

    /// <summary>Reads lines into <paramref name="view"/> until it holds <paramref name="count"/> MSG lines.</summary>
    public static async Task UntilMessagesAsync(this FastChat.Server.Tests.TestClient client, RoomView view, int count, TimeSpan? timeout = null)
    {
        while (view.Messages.Count < count)
        {
            view.Apply(await client.ReadLineAsync(timeout));
        }
    }
}
