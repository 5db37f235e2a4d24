using System.Globalization;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using FastChat.Server;
using FastChat.Server.Internal;
using FastChat.Testing;

namespace FastChat.Benchmarks;

/// <summary>
/// One chat line to 10, 1 000 and 10 000 members through the server's real broadcast path: the
/// room's apply (lock, MSG formatted once into the shared log, publish, wake-up walk over every
/// member) and then every member's sender taking its bytes from its cursor with the loop the
/// server's senders run (MemberSender.SendDue), up to the point where it would hand them to the
/// socket. The socket is replaced by <see cref="SinkMember"/>, which only counts the bytes.
/// </summary>
/// <remarks>
/// The room, log and pools are built as <see cref="ChatServer"/> builds them (<see cref="SinkRoom"/>),
/// with the default options. One operation is one line to every member; the "ns/delivery" column
/// divides by the member count. <see cref="Batch16"/> applies 16 lines at once (what one receive of
/// 16 lines does) and reports per line.
/// </remarks>
[MemoryDiagnoser]
[Config(typeof(Config))]
public class BroadcastBenchmarks
{
    private static readonly byte[] Text = "hello everyone, this is a chat line of a typical length for a chat"u8.ToArray();

    private static readonly MemberAction[] Sixteen = [.. Enumerable.Repeat(new MemberAction(MemberActionKind.Chat, 0, Text.Length), 16)];

    private SinkRoom _room = null!;
    private SinkMember[] _members = [];

    /// <summary>Members in the chat (every one of them, the sender included, gets the line).</summary>
    [Params(10, 1_000, 10_000)]
    public int Members { get; set; }

    /// <summary>Joins <see cref="Members"/> sink members and drains the joins.</summary>
    [GlobalSetup]
    public void Setup()
    {
        (_room, _members) = SinkMember.CreateChat(Members);
    }

    /// <summary>Releases every member and the log.</summary>
    [GlobalCleanup]
    public void Cleanup() => _room.Dispose(_members);

    /// <summary>One receive with one chat line: one batch, then every member's sender drains.</summary>
    [Benchmark]
    public long OneLine()
    {
        _room.Say(_members[0].Member, Text);
        return SinkMember.DrainAll(_members);
    }

    /// <summary>One receive with 16 chat lines: one batch, then one run per member carries all 16.</summary>
    [Benchmark(OperationsPerInvoke = 16)]
    public long Batch16()
    {
        _room.Room.Apply(_members[0].Member, Text, Sixteen);
        return SinkMember.DrainAll(_members);
    }

    private sealed class Config : ManualConfig
    {
        public Config() => AddColumn(new PerDeliveryColumn());
    }
}

/// <summary>Mean divided by the <c>Members</c> parameter: the cost of one delivery.</summary>
internal sealed class PerDeliveryColumn : IColumn
{
    public string Id => nameof(PerDeliveryColumn);

    public string ColumnName => "ns/delivery";

    public bool AlwaysShow => true;

    public ColumnCategory Category => ColumnCategory.Custom;

    public int PriorityInCategory => 0;

    public bool IsNumeric => true;

    public UnitType UnitType => UnitType.Dimensionless;

    public string Legend => "Mean divided by Members: nanoseconds per line per recipient";

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        BenchmarkReport? report = summary[benchmarkCase];
        object? members = benchmarkCase.Parameters["Members"];
        if (report?.ResultStatistics is null || members is not int count || count == 0)
        {
            return "NA";
        }

        return (report.ResultStatistics.Mean / count).ToString("N2", CultureInfo.InvariantCulture);
    }

    public bool IsAvailable(Summary summary) => true;

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
}
