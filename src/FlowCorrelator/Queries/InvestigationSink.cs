using System.Runtime.CompilerServices;
using FlowCorrelator.Index;
using FlowCorrelator.Ingest;

namespace FlowCorrelator.Queries;

/// <summary>
/// The per-record step of the one pass: the tests every record-level question shares (OK, in the window, on a known
/// interface, inbound), one index lookup per record, then each question's step from the same state. No LINQ and no
/// allocation per record (aggregate entries are created once per key).
/// </summary>
/// <remarks>
/// The question steps (<see cref="FleetAccessStep"/>, <see cref="RuleUsageStep"/>, <see cref="ExposureStep"/>) are readonly structs in readonly
/// fields, called directly: a question adds no interface or delegate call per record. A new record-level question adds
/// its step here in four places: a field, its construction, one call in <see cref="Add"/>, one line in
/// <see cref="Merge"/>; <see cref="Investigations.Finish"/> turns its totals into rows.
/// </remarks>
internal sealed class InvestigationSink : IFlowRecordSink
{
    private const int StateCacheBits = 8; // 256 sets of two

    private readonly EnvironmentIndex _index;
    private readonly long _from;
    private readonly long _to;
    private readonly bool _ruleUsage;
    private readonly CachedState[] _stateCache = new CachedState[2 << StateCacheBits];
    private readonly FleetAccessStep _fleetAccess;
    private readonly RuleUsageStep _ruleUsageStep;
    private readonly ExposureStep _exposureStep;
    private readonly AttributionCounter _attribution;
    private string? _file;
    private long _line;

    /// <summary>A sink for one thread of the pass.</summary>
    /// <param name="index">The index the records are read against.</param>
    /// <param name="options">Window, question 1's parameters and scanners.</param>
    /// <param name="ruleUsage">False only in the per-question benchmarks, which time question 1 alone.</param>
    public InvestigationSink(EnvironmentIndex index, InvestigationOptions options, bool ruleUsage = true)
    {
        _index = index;
        _from = options.From?.ToUnixTimeSeconds() ?? long.MinValue;
        _to = options.To?.ToUnixTimeSeconds() ?? long.MaxValue;
        _ruleUsage = ruleUsage;
        var instances = new InstanceLookup(index);
        _fleetAccess = new FleetAccessStep(index, options.Access, options.Scanners, options.FleetActivity, instances);
        _attribution = new AttributionCounter(TagFieldSlots.For(options.Access), instances);
        _ruleUsageStep = new RuleUsageStep(index, options.Scanners);
        _exposureStep = new ExposureStep(index, options.Scanners, options.From, options.To);
    }

    /// <summary>Question 1's totals.</summary>
    public FleetAccessStep FleetAccess => _fleetAccess;

    /// <summary>Question 5's totals.</summary>
    public RuleUsageStep RuleUsage => _ruleUsageStep;

    /// <summary>Question 6's totals.</summary>
    public ExposureStep Exposures => _exposureStep;

    /// <summary>OK records outside the window.</summary>
    public long OutsideWindow { get; private set; }

    /// <summary>OK records on an interface unknown to the index at their time.</summary>
    public long UnknownInterface { get; private set; }

    /// <summary>How the records were attributed to instances, and the conflicts seen (docs/semantics.md).</summary>
    public AttributionCounter Attribution => _attribution;

    public void OnFileStart(string path, FlowLogSchema schema) => _file = path;

    public void OnRecord(in FlowRecord record, in FlowLine line)
    {
        _line = line.LineNumber - 1; // Add counts it back
        Add(record);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // the per-record step: fully optimised at once, whatever the tiering settings
    public void Add(in FlowRecord record)
    {
        _line++; // records given in memory are numbered by position; file records by line (OnRecord)
        if (record.LogStatus != FlowLogStatus.Ok)
        {
            return;
        }

        if (record.Start < _from || record.Start >= _to)
        {
            OutsideWindow++;
            return;
        }

        // One lookup serves the coverage count, the attribution, the inbound test and every question.
        InterfaceState? state = StateAt(record.InterfaceId, record.Start, out CompiledRule[] rules, out bool risky);
        if (state is not { Exists: true })
        {
            UnknownInterface++;
            _attribution.Count(null, record, _file, _line);
            _fleetAccess.AddOnUnknownInterface(record);
            return;
        }

        _attribution.Count(state, record, _file, _line);

        if (!FlowPredicates.IsInbound(state, record))
        {
            return;
        }

        _fleetAccess.Add(state, record);
        if (_ruleUsage)
        {
            // Question 6 reuses question 5's rule matches for the record rather than matching it again.
            _ruleUsageStep.Add(record, rules, out RuleMatches matched);
            if (risky)
            {
                _exposureStep.Add(record, rules, state, matched);
            }
        }
    }

    /// <summary>Adds another thread's totals and coverage counts to this sink's.</summary>
    public void Merge(InvestigationSink other)
    {
        ArgumentNullException.ThrowIfNull(other);
        _fleetAccess.Merge(other._fleetAccess);
        _ruleUsageStep.Merge(other._ruleUsageStep);
        _exposureStep.Merge(other._exposureStep);
        _attribution.Merge(other._attribution);
        OutsideWindow += other.OutsideWindow;
        UnknownInterface += other.UnknownInterface;
    }

    /// <summary>
    /// The interface's state at <paramref name="start"/> through a small two-way cache of recent states and their
    /// validity: records of many interfaces interleave, and a hit skips both the hash lookup and the timeline
    /// search. The set comes from an unseeded mix of the id: colliding ids only cost misses, never wrong answers
    /// (the full id and the time range are compared), so hostile ids cannot do worse than the index's own table.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private InterfaceState? StateAt(EniId eni, long start, out CompiledRule[] rules, out bool risky)
    {
        int set = (int)(((eni.Low ^ eni.High) * 0x9E3779B97F4A7C15UL) >> (64 - StateCacheBits)) * 2;
        ref CachedState c = ref _stateCache[set];
        if (c.State is not null && c.Low == eni.Low && c.High == eni.High && start >= c.From && start < c.To)
        {
            rules = c.Rules;
            risky = c.Risky;
            return c.State;
        }

        return StateAtSlow(set, eni, start, out rules, out risky);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private InterfaceState? StateAtSlow(int set, EniId eni, long start, out CompiledRule[] rules, out bool risky)
    {
        ref CachedState second = ref _stateCache[set + 1];
        if (second.State is not null && second.Low == eni.Low && second.High == eni.High && start >= second.From && start < second.To)
        {
            // Most recently used first.
            (_stateCache[set], second) = (second, _stateCache[set]);
            rules = _stateCache[set].Rules;
            risky = _stateCache[set].Risky;
            return _stateCache[set].State;
        }

        InterfaceState? state = _index.InterfaceAt(eni, start, out long from, out long to);
        if (state is null)
        {
            rules = [];
            risky = false;
            return null;
        }

        // The entry holds while both the state and its rule set are in force.
        rules = state.Rules.At(start, out long rulesFrom, out long rulesTo);

        // Question 6 looks at a record only when its rule set holds a rule with a risky window: asked once per entry.
        risky = _exposureStep.HasRisky(rules);
        second = _stateCache[set];
        _stateCache[set] = new CachedState
        {
            High = eni.High,
            Low = eni.Low,
            From = Math.Max(from, rulesFrom),
            To = Math.Min(to, rulesTo),
            State = state,
            Rules = rules,
            Risky = risky,
        };
        return state;
    }

    /// <summary>
    /// The sink as the reader's struct type argument: the reader is compiled for it, so each record is one direct call
    /// to <see cref="Add"/> (no interface call), and the raw line, which the pass never reads, is not built.
    /// </summary>
    internal readonly struct Pass(InvestigationSink sink) : IFlowRecordSink
    {
        /// <summary>The sink the records go to.</summary>
        public InvestigationSink Sink { get; } = sink;

        // The line number and the file name name the attribution conflicts (diagnostics.attribution).
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void OnRecord(in FlowRecord record, in FlowLine line) => Sink.OnRecord(record, line);

        public void OnFileStart(string path, FlowLogSchema schema) => Sink.OnFileStart(path, schema);
    }

    private struct CachedState
    {
        public ulong High;
        public ulong Low;
        public long From;
        public long To;
        public InterfaceState? State;
        public CompiledRule[] Rules;
        public bool Risky;
    }
}
