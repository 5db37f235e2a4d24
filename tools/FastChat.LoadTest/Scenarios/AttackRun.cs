using System.Diagnostics;
using System.Globalization;
using System.Net;
using FastChat.LoadTest.Internal;
using FastChat.LoadTest.Reporting;
using FastChat.LoadTest.Scenarios.Attacks;
using FastChat.LoadTest.Scenarios.Phases;
using HdrHistogram;

namespace FastChat.LoadTest.Scenarios;

/// <summary>The send phase of an attack run: the honest senders and their schedule, and the attacks once started.</summary>
internal sealed record AttackSending(FanoutSender[] Senders, OpenModelSchedule Schedule, Task SendLoop, Task? Attacking);

/// <summary>The state of one attack run and its phases in order: connect, settle, send and attack, drain, report, close.</summary>
internal sealed class AttackRun : IAsyncDisposable
{
    private static readonly CultureInfo s_inv = CultureInfo.InvariantCulture;

    private readonly ScenarioContext _context;
    private readonly AttackOptions _o;
    private readonly List<Attack> _attacks;
    private readonly HonestRoom _room;
    private readonly FanoutRunState _state;
    private readonly RunMonitor _monitor;
    private readonly Connector _connector;
    private readonly int _attackConnections;
    private readonly LongHistogram[] _phaseLatency = [LatencyRecorders.NewHistogram(), LatencyRecorders.NewHistogram()];
    private Connector? _attackConnector;
    private IPAddress? _exhaustAddress;
    private TimelineWriter? _timeline;
    private FanoutSender[] _senders = [];

    public AttackRun(ScenarioContext context, AttackOptions o, List<Attack> attacks)
    {
        (CommonOptions common, ServerNodes servers, RunReport report, IProgressView progress) = context;
        _context = context;
        _o = o;
        _attacks = attacks;
        int flooders = attacks.OfType<FloodAttack>().Sum(a => a.Connections);
        _attackConnections = attacks.Sum(a => a.Connections);
        _room = new HonestRoom(o.Senders, flooders);
        _state = new FanoutRunState(o.Senders, 1);
        _monitor = new RunMonitor(servers.Pids);
        int maxLine = Math.Max(o.Size, PayloadCodec.MaxHeaderLength) + 256;
        _connector = new Connector(common.ConnectSettingsFor(servers, common.ReceiveBufferFor(o.Clients, maxLine), Connector.MaxServerLine), o.Clients);
        FileLimit.Check(o.Clients + _attackConnections, report, progress);
    }

    /// <summary>Connects the honest room (the last member also writes down the room's LEAVE times); null (the run aborted) unless every member got in.</summary>
    public async Task<HonestMember[]?> ConnectAsync(CancellationToken ct)
    {
        int n = _o.Clients;
        _context.Progress.Phase("connect", $"{n} honest members to {_context.Servers}");
        ConnectedRoom<HonestMember> connected = await ConnectPhase.RunAsync(_connector, n, (i, c) =>
        {
            var m = new HonestMember(_room, c, i, observer: i == n - 1);
            return (m, m);
        }, ct);
        ConnectionCounts counts = connected.Counts;
        _context.Report.Results.Connect = connected.Result;
        _context.Report.Facts["source_addresses"] = _connector.DescribeSpread(n);
        _context.Progress.Phase("connect", counts.ToString());
        HonestMember[] honest = connected.Admitted(n);
        if (counts.Ready < n)
        {
            _context.Report.Abort($"only {counts.Ready} of {n} honest members got in ({counts.Full} FULL, {counts.FullPerAddress} FULL per-address, {counts.Failed} failed)");
            Close(honest);
            return null;
        }

        return honest;
    }

    public Task SettleAsync(HonestMember[] honest, CancellationToken ct) =>
        SettlePhase.WaitAsync(_room, SettlePhase.ExpectedJoins(honest.Length), () => honest.Sum(m => m.Joins), ct);

    /// <summary>
    /// Honest traffic through the warm-up, baseline and attack phases (windows of intended send time) and
    /// while an attack still waits for its answer; the attacks start with their phase.
    /// </summary>
    public async Task<AttackSending> SendAndAttackAsync(HonestMember[] honest, CancellationToken ct)
    {
        int k = _o.Senders;
        long epoch = Stopwatch.GetTimestamp();
        _room.Epoch = _state.Epoch = epoch;
        _room.PhaseStart[0] = epoch + RunClock.Ticks(_o.Warmup);
        _room.PhaseEnd[0] = _room.PhaseStart[1] = _room.PhaseStart[0] + RunClock.Ticks(_o.Phase);
        _room.PhaseEnd[1] = _room.PhaseStart[1] + RunClock.Ticks(_o.Phase);
        _state.MeasureStart = _room.PhaseStart[0];
        _state.MeasureEnd = _room.PhaseEnd[1];
        var target = new FastChatTarget();
        _senders = honest.Take(k).Select((m, s) => new FanoutSender(_state, target, m.Connection, s, _o.Size)).ToArray();
        var schedule = new OpenModelSchedule(Stopwatch.Frequency, [new RateStage(_o.Rate / k, Timeout.InfiniteTimeSpan)]);
        Task sendLoop = FanoutSender.RunScheduleAsync(_senders, schedule);
        _context.Progress.Phase("send", string.Create(s_inv,
            $"{_o.Rate:N0} msg/s over {k} senders to {honest.Length} members: warm-up {_o.Warmup.TotalSeconds:0.#} s, baseline {_o.Phase.TotalSeconds:0.#} s, then {_o.Phase.TotalSeconds:0.#} s under attack ({string.Join(", ", _attacks.Select(a => a.Name))})"));

        // Attackers come from addresses after the honest members'; the exhaustion from one more. Over
        // several nodes they all go to the first: each node enforces its own limits.
        ServerNodes attacked = _context.Servers.FirstNode();
        _attackConnector = new Connector(_context.Common.ConnectSettingsFor(attacked, 16 * 1024, Connector.MaxServerLine, _connector.BlocksFor(_o.Clients)), 0);
        _exhaustAddress = attacked.CanSpread
            ? SourceAddresses.Block(_connector.BlocksFor(_o.Clients) + _attackConnector.BlocksFor(_attackConnections) + 1)
            : null;
        var context = new AttackContext(_attackConnector, _room, _room.PhaseStart[1] + RunClock.Ticks(_o.AttackTimeout), _room.PhaseEnd[1], _exhaustAddress);
        Task? attacking = null;

        _timeline = new TimelineWriter(_context.Report, _monitor, _context.Progress, epoch);
        long nextTick = epoch + Stopwatch.Frequency;
        while (!ct.IsCancellationRequested)
        {
            long now = Stopwatch.GetTimestamp();
            if (attacking is null && now >= _room.PhaseStart[1])
            {
                _context.Progress.Phase("attack", string.Join("; ", _attacks.Select(a => a.Description)));
                attacking = Task.WhenAll(_attacks.Select(a => Task.Run(() => a.RunAsync(context, ct), ct)));
            }

            bool phasesOver = now >= _room.PhaseEnd[1];
            bool attacksOver = attacking is not null && (attacking.IsCompleted || now >= context.DeadlineTicks);
            if (phasesOver && attacksOver)
            {
                break;
            }

            await RunClock.WaitUntilAsync(Math.Min(nextTick, attacking is null ? _room.PhaseStart[1] : nextTick), ct);
            if (Stopwatch.GetTimestamp() >= nextTick)
            {
                Tick(honest, PhaseAt(nextTick - 1));
                nextTick += Stopwatch.Frequency;
            }
        }

        return new AttackSending(_senders, schedule, sendLoop, attacking);
    }

    /// <summary>Stops the honest senders, waits for every honest member to have every message (or <c>--drain</c>), then for the attacks' end.</summary>
    public async Task<DrainResult> DrainAsync(HonestMember[] honest, AttackSending sending, CancellationToken ct)
    {
        DrainResult drained = await DrainPhase.RunAsync(_state, sending.Senders, sending.SendLoop, honest, _o.Drain, null, ct);
        _context.Report.Results.DrainSeconds = drained.Seconds;
        Tick(honest, "drain");
        if (sending.Attacking is not null)
        {
            // Each attack bounds its own waits by the deadline; this only guards against a hang.
            await sending.Attacking.WaitAsync(TimeSpan.FromSeconds(30) + _o.AttackTimeout, ct).ContinueWith(static _ => { }, TaskScheduler.Default);
        }

        return drained;
    }

    /// <summary>The honest room per phase and over the run, each attack's answers, and the tool's and the server's health.</summary>
    public void Report(HonestMember[] honest, AttackSending sending, DrainResult drained)
    {
        RunResults results = _context.Report.Results;
        (HonestVerification verification, IReadOnlyList<PhaseResult> phases) = AttackReport.Honest(_context.Report, _o, honest, sending.Schedule, _room, drained.Sent, _phaseLatency);
        IReadOnlyList<AttackOutcome> outcomes = AttackReport.Attacks(_context.Report, _attacks, honest);
        results.Attack = new AttackResult(verification, phases, outcomes);

        LongHistogram lag = FanoutSender.MergeLag(sending.Senders);
        _context.Report.Histograms["schedule-lag"] = lag;
        results.ScheduleLag = LatencySummary.Of(lag);
        double loopLagP99 = _monitor.LoopLagP99Ms;
        _context.Report.Histograms["loop-lag"] = _monitor.LoopLag;
        results.Tool = new ToolHealth(null, loopLagP99, null);
        if (_context.Servers.Sampled)
        {
            results.Server = new ServerResources { RssMaxMb = _monitor.ServerRssMaxKb / 1024.0, RssEndMb = _monitor.ServerRssNowKb() / 1024.0 };
        }

        _context.Report.CheckToolHealth(openModel: true, 0, loopLagP99);
        _context.Report.Facts["target"] = $"{_context.Common.Target} {_context.Servers}";
        _context.Report.Facts["exhaust_address"] = _exhaustAddress?.ToString() ?? "the kernel's (the server is not loopback IPv4)";
        _context.Report.Facts["config"] = string.Create(s_inv,
            $"clients={_o.Clients} senders={_o.Senders} rate={_o.Rate} size={_o.Size} warmup={_o.Warmup.TotalSeconds}s phase={_o.Phase.TotalSeconds}s attack-timeout={_o.AttackTimeout.TotalSeconds}s " +
            $"attacks={string.Join(",", _attacks.Select(a => $"{a.Name}:{a.Connections}"))} server-line-rate={_o.ServerLineRate} server-burst={_o.ServerBurst}");
    }

    /// <summary>Closes the honest members and gives their receive loops a moment to end.</summary>
    public async Task CloseAsync(HonestMember[] honest)
    {
        Close(honest);
        await _connector.WaitForReceiveLoopsAsync(TimeSpan.FromSeconds(2));
    }

    public async ValueTask DisposeAsync()
    {
        _attackConnector?.Dispose();
        _connector.Dispose();
        await _monitor.DisposeAsync();
        _state.Dispose();
        _room.Dispose();
    }

    private static void Close(IEnumerable<HonestMember> honest)
    {
        foreach (HonestMember m in honest)
        {
            m.Connection.Dispose();
        }
    }

    private string PhaseAt(long ticks) =>
        ticks < _room.PhaseStart[0] ? "warmup" : ticks < _room.PhaseEnd[0] ? "baseline" : ticks < _room.PhaseEnd[1] ? "attack" : "outcome";

    /// <summary>One timeline row: the honest latency recorded since the last row goes into each phase's total too.</summary>
    private void Tick(HonestMember[] honest, string phase)
    {
        long now = Stopwatch.GetTimestamp();
        var interval = LatencyRecorders.NewHistogram();
        var unused = LatencyRecorders.NewHistogram();
        for (int p = 0; p < HonestRoom.Phases; p++)
        {
            var drained = LatencyRecorders.NewHistogram();
            foreach (LatencyRecorders.Pair pair in _room.Latency[p].All)
            {
                pair.DrainInto(drained, unused);
            }

            _phaseLatency[p].Add(drained);
            interval.Add(drained);
        }

        int open = honest.Count(m => !m.Connection.IsClosed) + (_attackConnector?.OpenReceiveLoops() ?? 0);
        _timeline!.AddRates(now, phase, honest.Sum(m => m.Delivered), _senders.Sum(s => s.Sent), interval, open);
    }
}
