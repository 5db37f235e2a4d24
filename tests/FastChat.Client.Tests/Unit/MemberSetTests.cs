using System.Text;
using CsCheck;
using FastChat.Client.Internal;

namespace FastChat.Client.Tests.Unit;

public class MemberSetTests
{
    private static ChatEvent? Feed(ServerEventParser p, string line) => p.Parse(Encoding.ASCII.GetBytes(line), DateTimeOffset.UnixEpoch);

    [Fact]
    public void Users_then_join_and_leave_keep_the_set_and_the_online_count()
    {
        var parser = new ServerEventParser(new MemberSet());
        Feed(parser, "WELCOME 7");
        Feed(parser, "USERS 1 3 7");
        Assert.Equal(["1", "3", "7"], parser.Members.Snapshot());

        Assert.Equal(new JoinEvent("9", 4, DateTimeOffset.UnixEpoch), Feed(parser, "JOIN 9"));
        Assert.Equal(new LeaveEvent("1", 3, DateTimeOffset.UnixEpoch), Feed(parser, "LEAVE 1"));
        Assert.Equal(["3", "7", "9"], parser.Members.Snapshot());
        Assert.Equal(3, parser.Members.Count);
    }

    [Fact]
    public void A_fresh_users_line_replaces_the_set()
    {
        var parser = new ServerEventParser(new MemberSet());
        Feed(parser, "USERS 1 2 3");
        Feed(parser, "USERS 2 10");
        Assert.Equal(["2", "10"], parser.Members.Snapshot()); // numeric order: 2 before 10
        Assert.False(parser.Members.Contains("1"));
    }

    [Fact]
    public void An_empty_users_line_empties_the_set()
    {
        var parser = new ServerEventParser(new MemberSet());
        Feed(parser, "USERS 1 2");
        Assert.Equal(new UsersEvent([], DateTimeOffset.UnixEpoch).Ids, ((UsersEvent)Feed(parser, "USERS")!).Ids);
        Assert.Equal(0, parser.Members.Count);
    }

    [Fact]
    public void Snapshot_is_a_copy_unaffected_by_later_events()
    {
        var parser = new ServerEventParser(new MemberSet());
        Feed(parser, "USERS 1");
        string[] before = parser.Members.Snapshot();
        Feed(parser, "JOIN 2");
        Assert.Equal(["1"], before);
    }

    [Fact]
    public void Replaying_any_join_leave_history_matches_a_plain_set_model() =>
        // Property: for any valid history (join only absent ids, leave only present ones, as the
        // protocol guarantees), the tracked set and each event's online count equal a HashSet model.
        Gen.Int[1, 40].HashSet[0, 10].SelectMany(initial =>
                Gen.Select(Gen.Bool, Gen.Int[1, 40]).Array[0, 60].Select(ops => (initial, ops)))
            .Sample(t =>
            {
                var parser = new ServerEventParser(new MemberSet());
                var model = new HashSet<string>(t.initial.Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)));
                Feed(parser, "USERS " + string.Join(' ', model));
                foreach ((bool join, int n) in t.ops)
                {
                    string id = n.ToString(System.Globalization.CultureInfo.InvariantCulture);
                    if (join && model.Add(id))
                    {
                        var e = (JoinEvent)Feed(parser, "JOIN " + id)!;
                        Assert.Equal(model.Count, e.Online);
                    }
                    else if (!join && model.Remove(id))
                    {
                        var e = (LeaveEvent)Feed(parser, "LEAVE " + id)!;
                        Assert.Equal(model.Count, e.Online);
                    }
                }

                Assert.Equal(model.Order(StringComparer.Ordinal), parser.Members.Snapshot().Order(StringComparer.Ordinal));
            });
}
