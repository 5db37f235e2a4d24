using System.Text;
using FastChat.Server.Internal.Cluster;

namespace FastChat.Cluster.Tests.Unit;

/// <summary>The stream's batch and snapshot formats (docs/CLUSTER.md "The stream").</summary>
public sealed class ClusterEventsTests
{
    private static List<(ClusterEventKind Kind, string Subject, string Text)> ReadAll(byte[] batch)
    {
        var events = new List<(ClusterEventKind, string, string)>();
        ReadOnlySpan<byte> rest = batch;
        while (ClusterEvents.TryRead(ref rest, out ClusterEvent evt))
        {
            events.Add((evt.Kind, Encoding.ASCII.GetString(evt.Subject), Encoding.Latin1.GetString(evt.Text)));
        }

        return events;
    }

    [Fact]
    public void A_batch_reads_back_event_by_event_with_chat_text_byte_for_byte()
    {
        byte[] batch =
        [
            .. ClusterEvents.Encode(ClusterEventKind.Join, "n1.k3.1"u8, "10000"u8),
            .. ClusterEvents.Encode(ClusterEventKind.Message, "n1.k3.1"u8, Encoding.Latin1.GetBytes("hi  there \xff\t/not a command")),
            .. ClusterEvents.Encode(ClusterEventKind.Message, "n1.k3.1"u8, ""u8),
            .. ClusterEvents.Encode(ClusterEventKind.Beat, "n1.k3"),
            .. ClusterEvents.Encode(ClusterEventKind.Leave, "n1.k3.1"u8),
            .. ClusterEvents.Encode(ClusterEventKind.Dead, "n2.x9"),
        ];

        Assert.Equal(
        [
            (ClusterEventKind.Join, "n1.k3.1", "10000"),
            (ClusterEventKind.Message, "n1.k3.1", "hi  there \xff\t/not a command"),
            (ClusterEventKind.Message, "n1.k3.1", ""),
            (ClusterEventKind.Beat, "n1.k3", ""),
            (ClusterEventKind.Leave, "n1.k3.1", ""),
            (ClusterEventKind.Dead, "n2.x9", ""),
        ], ReadAll(batch));
    }

    [Fact]
    public void Lines_this_version_does_not_know_are_skipped_and_the_rest_still_read()
    {
        byte[] batch = Encoding.Latin1.GetBytes("Z n1.k.1 future\nJ n1.k.2\n\nJ\nJ  5\nM n1.k.3\nM n1.k.2 ok\nL n1.k.2");

        // An unknown kind, an empty line, JOINs without a subject, a MSG without text: skipped.
        // The last line needs no LF.
        Assert.Equal([(ClusterEventKind.Join, "n1.k.2", ""), (ClusterEventKind.Message, "n1.k.2", "ok"), (ClusterEventKind.Leave, "n1.k.2", "")],
            ReadAll(batch));
    }

    [Fact]
    public void A_snapshot_reads_back_its_sequence_members_and_dead_incarnations()
    {
        byte[] snapshot = ClusterEvents.EncodeSnapshot(12345, [Encoding.ASCII.GetBytes("n1.a.1"), Encoding.ASCII.GetBytes("n2.b.7")], ["n3.c", "n1.z"]);

        Assert.True(ClusterEvents.TryReadSnapshot(snapshot, out ulong sequence, out List<byte[]> members, out List<string> dead));
        Assert.Equal(12345UL, sequence);
        Assert.Equal(["n1.a.1", "n2.b.7"], members.Select(Encoding.ASCII.GetString));
        Assert.Equal(["n3.c", "n1.z"], dead);
    }

    [Theory]
    [InlineData("")]
    [InlineData("J n1.a.1\n")]
    [InlineData("S \n")]
    [InlineData("S -1\n")]
    [InlineData("S 12x\nn1.a.1\n")]
    public void Anything_else_is_not_a_snapshot(string data)
    {
        Assert.False(ClusterEvents.TryReadSnapshot(Encoding.ASCII.GetBytes(data), out _, out _, out _));
    }

    [Theory]
    [InlineData("n1.k3f9a.17", "n1.k3f9a")]
    [InlineData("node-7.z.1", "node-7.z")]
    public void A_member_belongs_to_the_incarnation_before_its_last_dot(string member, string incarnation)
    {
        Assert.Equal(incarnation, ClusterRoom.IncarnationOf(member));
    }
}
