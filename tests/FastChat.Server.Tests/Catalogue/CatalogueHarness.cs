using System.Diagnostics;
using System.Net;
using System.Text;
using Microsoft.Extensions.Time.Testing;

namespace FastChat.Server.Tests.Catalogue;

/// <summary>
/// One case of the bad-input catalogue: what the attacker does (and asserts of the answers it gets),
/// and what the honest members may see of it.
/// </summary>
/// <param name="Attack">Drives the attacker's connections; must leave none of them open.</param>
/// <param name="Relayed">Exactly the lines about non-honest ids the honest members see, in order; or null.</param>
/// <param name="CheckRelayed">Instead of <paramref name="Relayed"/>: a check of those lines.</param>
/// <param name="Configure">Settings on top of the defaults (for the control run too).</param>
internal sealed record CatalogueCase(
    Func<Attacker, Task> Attack,
    string[]? Relayed = null,
    Action<IReadOnlyList<string>>? CheckRelayed = null,
    Action<ChatServerOptions>? Configure = null);

/// <summary>
/// Runs a case: a control run of two honest members with nothing else going on, then the same with
/// the attack in the middle. The honest members' bytes must be the control run's once the lines
/// about the attacker's ids are taken out; afterwards no connection, socket, address slot or pooled
/// object may be left, and the process's CPU must go back to idle.
/// </summary>
internal static class CatalogueHarness
{
    public static async Task RunAsync(CatalogueCase @case)
    {
        ScriptResult control = await ScriptAsync(@case, attack: false);
        ScriptResult attacked = await ScriptAsync(@case, attack: true);

        Assert.Equal(control.Honest, attacked.Honest);
        if (@case.Relayed is not null)
        {
            Assert.Equal(@case.Relayed, attacked.Relayed);
        }

        @case.CheckRelayed?.Invoke(attacked.Relayed);
        await AssertCpuReturnsToIdleAsync();
    }

    private sealed record ScriptResult(string[] Honest, string[] Relayed);

    private static async Task<ScriptResult> ScriptAsync(CatalogueCase @case, bool attack)
    {
        var time = new FakeTimeProvider();
        await using var server = ServerFixture.Start(o =>
        {
            // The limits as a user gets them, not the fixture's (which turns them off).
            var defaults = new ChatServerOptions();
            o.MaxClientsPerAddress = defaults.MaxClientsPerAddress;
            o.MaxLinesPerSecond = defaults.MaxLinesPerSecond;
            o.Burst = defaults.Burst;
            o.RegistrationTimeout = defaults.RegistrationTimeout;
            o.IdleTimeout = defaults.IdleTimeout;
            o.DrainTimeout = defaults.DrainTimeout;
            @case.Configure?.Invoke(o);
        }, time);

        await using TestClient a = await server.JoinAsync();
        await using TestClient b = await server.JoinAsync();
        var seenByA = new List<string>(await a.SyncAsync());
        var seenByB = new List<string>(await b.SyncAsync());

        await a.SendAsync("before\n");
        seenByA.AddRange(await a.ReadUntilAsync(l => l == "MSG 1 before"));
        seenByB.AddRange(await b.ReadUntilAsync(l => l == "MSG 1 before"));

        if (attack)
        {
            var attacker = new Attacker(server, time);
            await @case.Attack(attacker);
            await attacker.WaitUntilGoneAsync();
        }

        await a.SendAsync("after\n");
        seenByA.AddRange(await a.ReadUntilAsync(l => l == "MSG 1 after"));
        seenByB.AddRange(await b.ReadUntilAsync(l => l == "MSG 1 after"));
        await a.SendAsync("/quit\n");
        seenByA.AddRange(await a.ReadToEndAsync());
        seenByB.AddRange(await b.ReadUntilAsync(l => l == "LEAVE 1"));
        await b.SendAsync("/quit\n");
        seenByB.AddRange(await b.ReadToEndAsync());

        // Everything the server held comes back once everyone has gone.
        await Attacker.AdvanceUntilAsync(time, () => server.LiveConnections == 0, "every connection closed");
        await Attacker.AdvanceUntilAsync(time, () => server.Server.Gate.Open == 0, "every socket closed (refused ones after their grace period)");
        Assert.Equal(0, server.Server.Addresses.Addresses);
        Assert.Equal(0, server.Server.Totals.PrivateBytes);
        await server.Server.StopAsync(); // the log's own segment goes back too
        Assert.Empty(server.Pools.Outstanding());

        string[] honestIds = ["1", "2"];
        string[] all = [.. seenByA.Select(l => "A " + l), .. seenByB.Select(l => "B " + l)];
        return new ScriptResult(
            [.. all.Where(l => IsAbout(l[2..], honestIds) != false)],
            [.. seenByB.Where(l => IsAbout(l, honestIds) == false)]);
    }

    // True/false when the line is a JOIN, LEAVE or MSG of an honest / another member; null otherwise.
    private static bool? IsAbout(string line, string[] ids)
    {
        string[] parts = line.Split(' ', 3);
        return parts.Length >= 2 && parts[0] is "JOIN" or "LEAVE" or "MSG" ? ids.Contains(parts[1]) : null;
    }

    // Idle: a 100 ms window in which the process used under 20 ms of CPU, within 2 s.
    private static async Task AssertCpuReturnsToIdleAsync()
    {
        using Process self = Process.GetCurrentProcess();
        TimeSpan lowest = TimeSpan.MaxValue;
        for (int i = 0; i < 20; i++)
        {
            self.Refresh();
            TimeSpan before = self.TotalProcessorTime;
            await Task.Delay(100);
            self.Refresh();
            TimeSpan used = self.TotalProcessorTime - before;
            if (used < TimeSpan.FromMilliseconds(20))
            {
                return;
            }

            lowest = used < lowest ? used : lowest;
        }

        Assert.Fail($"CPU did not return to idle: at least {lowest.TotalMilliseconds} ms per 100 ms");
    }
}

/// <summary>What a case drives: connections from another source address than the honest members', and the clock.</summary>
internal sealed class Attacker(ServerFixture server, FakeTimeProvider time)
{
    /// <summary>The attacker's source address: the honest members use 127.0.0.1.</summary>
    public static readonly IPAddress Source = IPAddress.Parse("127.0.0.2");

    public ServerFixture Server => server;

    public FakeTimeProvider Time => time;

    /// <summary>A member from the attacker's address (WELCOME and USERS read).</summary>
    public Task<TestClient> JoinAsync() => TestClient.JoinAsync(server.EndPoint, Source);

    /// <summary>A connection from the attacker's address, nothing read.</summary>
    public Task<TestClient> ConnectAsync(int? receiveBufferSize = null) =>
        TestClient.ConnectAsync(server.EndPoint, receiveBufferSize, Source);

    public static byte[] Bytes(string text) => Encoding.Latin1.GetBytes(text);

    /// <summary>Sends, then waits until the server has applied all of it (so the clock can move on).</summary>
    public async Task SendAndWaitReadAsync(TestClient client, byte[] bytes)
    {
        long before = server.Connections.Connections.FirstOrDefault(c => c.Member.ToString() == client.Id)?.BytesApplied ?? 0;
        await client.SendRawAsync(bytes);
        await server.WaitUntilAppliedAsync(client.Id, before + bytes.Length);
    }

    /// <summary>Moves the clock in watchdog ticks, so every deadline check on the way runs.</summary>
    public void Advance(TimeSpan by)
    {
        for (TimeSpan done = TimeSpan.Zero; done < by; done += Internal.Watchdog.TickPeriod)
        {
            time.Advance(Internal.Watchdog.TickPeriod);
        }
    }

    /// <summary>Moves the clock in small steps until the condition holds (the loops run between steps).</summary>
    public static async Task AdvanceUntilAsync(FakeTimeProvider time, Func<bool> condition, string what, int maxSteps = 600)
    {
        for (int i = 0; i < maxSteps && !condition(); i++)
        {
            time.Advance(TimeSpan.FromMilliseconds(50));
            await Task.Delay(2); // polling: the server's loops run on their own threads
        }

        await ServerFixture.WaitUntilAsync(condition, what);
    }

    public Task AdvanceUntilAsync(Func<bool> condition, string what, int maxSteps = 600) =>
        AdvanceUntilAsync(time, condition, what, maxSteps);

    /// <summary>The case's members have all left (the harness waits for this before the honest "after").</summary>
    public Task WaitUntilGoneAsync() => AdvanceUntilAsync(() => server.Server.MemberCount == 2, "the attacker's members are gone");
}
