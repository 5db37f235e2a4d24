using CsCheck;
using FastChat.Server.Internal;

namespace FastChat.Server.Tests;

/// <summary>
/// The hub's member list on its own: whatever the joins and leaves, it holds exactly the members
/// in order of admission (USERS lists them in that order), finds each by its slot, and keeps its
/// array within a constant factor of the member count (it must not grow with churn).
/// </summary>
public class MemberListTests
{
    [Fact]
    public void Joins_and_leaves_in_any_order_keep_exactly_the_members_in_admission_order()
    {
        // An operation is (join?, which): a join adds a new member, a leave removes the
        // (which % count)-th current member.
        Gen.Select(Gen.Bool, Gen.Int[0, 1000]).Array[0, 400].Sample(ops =>
        {
            var list = new MemberList();
            var model = new List<Member>();
            long nextId = 1;
            foreach ((bool join, int which) in ops)
            {
                if (join || model.Count == 0)
                {
                    var member = NewMember(nextId++);
                    list.Add(member);
                    model.Add(member);
                }
                else
                {
                    Member member = model[which % model.Count];
                    list.Remove(member);
                    model.Remove(member);
                    Assert.Equal(-1, member.Slot);
                }

                Assert.Equal(model, Members(list));
                Assert.Equal(model.Count, list.Count);
                Assert.True(list.Slots.Length <= 2 * model.Count + 16, $"{list.Slots.Length} slots for {model.Count} members");
                foreach (Member member in model)
                {
                    Assert.Same(member, list.Slots[member.Slot]);
                }
            }
        });
    }

    [Fact]
    public void Removing_a_member_that_is_not_in_the_list_is_refused()
    {
        var list = new MemberList();
        Member inside = NewMember(1);
        Member outside = NewMember(2);
        list.Add(inside);

        Assert.Throws<InvalidOperationException>(() => list.Remove(outside));
        list.Remove(inside);
        Assert.Throws<InvalidOperationException>(() => list.Remove(inside));
        Assert.Equal(0, list.Count);
    }

    [Fact]
    public void TakeAll_returns_the_members_in_order_and_leaves_the_list_empty()
    {
        var list = new MemberList();
        Member[] members = AddMembers(list, 40);

        list.Remove(members[3]);
        list.Remove(members[20]);

        Member[] taken = list.TakeAll();

        Assert.Equal(members.Where((_, i) => i is not 3 and not 20), taken);
        Assert.Equal(0, list.Count);
        Assert.Empty(Members(list));
        Assert.All(taken, m => Assert.Equal(-1, m.Slot));
    }

    [Fact]
    public void A_reader_holding_the_slots_across_a_repack_still_sees_every_member_it_held()
    {
        // The flusher walks the span it read once; a leave that packs the array must not move
        // members under it (they would be skipped in that walk).
        var list = new MemberList();
        Member[] members = AddMembers(list, 64);

        ReadOnlySpan<Member?> walking = list.Slots;
        for (int i = 0; i < 60; i++)
        {
            list.Remove(members[i]); // packs at some point: more holes than members
        }

        Assert.True(list.Slots.Length < walking.Length);
        for (int i = 60; i < 64; i++)
        {
            Assert.Same(members[i], walking[i]);
        }
    }

    private static List<Member> Members(MemberList list)
    {
        var members = new List<Member>();
        foreach (Member? member in list.Slots)
        {
            if (member is not null)
            {
                members.Add(member);
            }
        }

        return members;
    }

    private static Member NewMember(long id) => new(id, null!, new NoTransport());

    // Members 1..count, added in order.
    private static Member[] AddMembers(MemberList list, int count)
    {
        Member[] members = [.. Enumerable.Range(1, count).Select(i => NewMember(i))];
        foreach (Member member in members)
        {
            list.Add(member);
        }

        return members;
    }

    private sealed class NoTransport : IMemberTransport
    {
        public void OnSlowConsumer(CloseReason reason)
        {
        }

        public void OnEnded(CloseReason reason)
        {
        }

        public void OnShutdown()
        {
        }

        public bool TrySendInline() => false;
    }
}
