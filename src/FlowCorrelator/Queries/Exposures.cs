using System.Collections.Immutable;
using System.Numerics;
using System.Runtime.CompilerServices;
using FlowCorrelator.Index;

namespace FlowCorrelator.Queries;

// Question 6 (docs/semantics.md): the risky windows from the index, the LINQ reference, the row projection both paths
// share, and the per-record step the one pass runs.
public static partial class Investigations
{
    /// <summary>
    /// Question 6 as a LINQ pipeline over records: for every ingress rule definition a successful change made risky,
    /// the ACCEPT records it matched while in force, split by whether another ingress rule in force on the
    /// interface matched them too. Records outside [<paramref name="from"/>, <paramref name="to"/>) are not counted.
    /// </summary>
    public static ImmutableArray<Exposure> Exposures(EnvironmentIndex index, IEnumerable<FlowRecord> records, ScannerList? scanners = null, DateTimeOffset? from = null, DateTimeOffset? to = null)
    {
        ArgumentNullException.ThrowIfNull(index);
        ArgumentNullException.ThrowIfNull(records);
        scanners ??= ScannerList.BuiltIn;
        long lo = from?.ToUnixTimeSeconds() ?? long.MinValue;
        long hi = to?.ToUnixTimeSeconds() ?? long.MaxValue;
        ImmutableArray<ExposureWindow> windows = ExposureWindows(index, from, to);
        var totals = records
            .Where(r => r.Action == FlowAction.Accept && r.Start >= lo && r.Start < hi)
            .Select(r => (Record: r, State: FlowPredicates.InboundState(index, r)))
            .Where(x => x.State is not null)
            .Select(x => (x.Record, State: x.State!, Matched: x.State!.Groups
                .SelectMany(g => index.IngressRulesAt(g, x.Record.Start).ToArray())
                .Where(rule => FlowPredicates.RuleMatches(index, rule, x.Record))
                .Select(rule => rule.RuleId)
                .ToList()))
            .SelectMany(x => x.Matched.Select(ruleId => (x.Record, x.State, RuleId: ruleId, Alone: x.Matched.Count == 1)))
            .SelectMany(h => windows
                .Select((w, i) => (Window: w, Position: i))
                .Where(w => w.Window.RuleId == h.RuleId && w.Window.Contains(h.Record.Start))
                .Select(w => (w.Position, h.Record, h.State, h.Alone)))
            .GroupBy(h => h.Position)
            .ToDictionary(g => g.Key, g => ExposureAggregate.From(g.Select(h => (h.Record.SrcAddr, h.Record.Start, scanners.Contains(h.Record.SrcAddr), h.State, h.Alone))));
        return ExposureRows(windows, totals);
    }

    /// <summary>
    /// The windows of question 6, in event order: one per question-2 row that is ingress, not a removal, has risks and
    /// a rule id, with the time its definition stayed in force (until the rule's next change or its group's
    /// deletion). Listed when the change is before <paramref name="to"/> and the window reaches
    /// <paramref name="from"/> (or the change itself is in the window).
    /// </summary>
    internal static ImmutableArray<ExposureWindow> ExposureWindows(EnvironmentIndex index, DateTimeOffset? from, DateTimeOffset? to)
    {
        var ordinals = new Dictionary<string, int>(index.RuleIds.Length, StringComparer.Ordinal);
        for (int i = 0; i < index.RuleIds.Length; i++)
        {
            ordinals.TryAdd(index.RuleIds[i], i);
        }

        var deleted = index.Groups.Where(g => g.DeletedAt is not null).ToDictionary(g => g.GroupId, g => g.DeletedAt!.Value, StringComparer.Ordinal);
        long lo = from?.ToUnixTimeSeconds() ?? long.MinValue;
        long hi = to?.ToUnixTimeSeconds() ?? long.MaxValue;
        ImmutableArray<RuleChangeRecord> changes = index.RuleChanges;

        // The next change of the same rule, for every change: one pass from the end.
        var next = new long?[changes.Length];
        var later = new Dictionary<(string Group, string Rule), long>();
        for (int i = changes.Length - 1; i >= 0; i--)
        {
            if (changes[i].Rule.RuleId is { } id)
            {
                var key = (changes[i].Rule.GroupId, id);
                next[i] = later.TryGetValue(key, out long t) ? t : null;
                later[key] = changes[i].Event.Time.ToUnixTimeSeconds();
            }
        }

        var windows = ImmutableArray.CreateBuilder<ExposureWindow>();
        for (int i = 0; i < changes.Length; i++)
        {
            RuleChange row = ChangeRows.RuleChange(changes[i]);
            // An unresolved by-name change (no group id) changed no state the index knows: it has no window.
            if (row.Direction != "ingress" || row.Change == RuleChangeKind.Removed || row.Risks.IsEmpty || row.RuleId is not { } ruleId || row.GroupId is not { } groupId)
            {
                continue;
            }

            long start = row.Time.ToUnixTimeSeconds();
            long? end = next[i];

            if (deleted.TryGetValue(groupId, out long gone) && gone >= start && (end is null || gone < end))
            {
                end = gone;
            }

            if (start >= hi || (start < lo && end is { } e && e <= lo))
            {
                continue;
            }

            windows.Add(new ExposureWindow(row, ordinals.TryGetValue(ruleId, out int ordinal) ? ordinal : -1, start, end));
        }

        return windows.ToImmutable();
    }

    /// <summary>One row per window, from the totals per window position: the projection both paths end with.</summary>
    internal static ImmutableArray<Exposure> ExposureRows(ImmutableArray<ExposureWindow> windows, IReadOnlyDictionary<int, ExposureAggregate> totals) =>
        [.. windows.Select((w, i) =>
        {
            RuleChange c = w.Change;
            totals.TryGetValue(i, out ExposureAggregate? agg);
            return new Exposure
            {
                GroupId = c.GroupId!,
                RuleId = c.RuleId!,
                Protocol = c.Protocol,
                FromPort = c.FromPort,
                ToPort = c.ToPort,
                Cidr = c.Cidr,
                ReferencedGroupId = c.ReferencedGroupId,
                PrefixListId = c.PrefixListId,
                Risks = c.Risks,
                Time = c.Time,
                EventId = c.EventId,
                EventName = c.EventName,
                Change = c.Change,
                Actor = c.Actor,
                SourceIp = c.SourceIp,
                InForceFrom = c.Time,
                InForceTo = w.To is { } to ? DateTimeOffset.FromUnixTimeSeconds(to) : null,
                Exposed = agg?.Alone.ToFigures() ?? ExposureFigures.None,
                AlsoAdmitted = agg?.Shared.ToFigures() ?? ExposureFigures.None,
            };
        })];
}

/// <summary>A risky definition of an ingress rule and the time [<see cref="From"/>, <see cref="To"/>) it was in force.</summary>
/// <param name="Change">Its question-2 row.</param>
/// <param name="Ordinal">The rule's ordinal in the index (-1 when the rule was never in an ingress state).</param>
/// <param name="From">Change time (Unix seconds).</param>
/// <param name="To">End, exclusive; null while in force at the end of the evidence.</param>
internal sealed record ExposureWindow(RuleChange Change, int Ordinal, long From, long? To)
{
    public string RuleId => Change.RuleId!;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool Contains(long time) => time >= From && (To is not { } to || time < to);
}

/// <summary>
/// Question 6's step in the one pass. <see cref="InvestigationSink"/> calls it only for ACCEPT-able inbound records
/// whose interface's rule set holds a rule with a risky window (<see cref="HasRisky"/>, asked once per cached state):
/// other records cost nothing here. Its state is reference-typed, so copies of the struct share it.
/// </summary>
internal readonly struct ExposureStep
{
    private readonly EnvironmentIndex _index;
    private readonly ScannerList _scanners;

    // Per rule ordinal: the positions in Windows of that rule's risky windows (null: none), in time order.
    private readonly int[]?[] _byOrdinal;

    /// <summary>A step over <paramref name="index"/>'s risky windows in [<paramref name="from"/>, <paramref name="to"/>).</summary>
    public ExposureStep(EnvironmentIndex index, ScannerList scanners, DateTimeOffset? from, DateTimeOffset? to)
    {
        _index = index;
        _scanners = scanners;
        Windows = Investigations.ExposureWindows(index, from, to);
        Totals = new ExposureAggregate?[Windows.Length];
        _byOrdinal = new int[]?[index.RuleIds.Length];
        for (int i = 0; i < Windows.Length; i++)
        {
            int ordinal = Windows[i].Ordinal;
            if (ordinal >= 0)
            {
                _byOrdinal[ordinal] = [.. _byOrdinal[ordinal] ?? [], i];
            }
        }
    }

    /// <summary>The windows, as rows will list them.</summary>
    public ImmutableArray<ExposureWindow> Windows { get; }

    /// <summary>Totals by window position (null: no record yet).</summary>
    public ExposureAggregate?[] Totals { get; }

    /// <summary>Whether some rule of the set has a risky window (asked when a state enters the sink's cache).</summary>
    public bool HasRisky(CompiledRule[] rules)
    {
        foreach (ref readonly CompiledRule rule in rules.AsSpan())
        {
            if (_byOrdinal[rule.Ordinal] is not null)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Counts an OK, in-window record inbound to <paramref name="state"/>, whose compiled rules are <paramref name="rules"/>;
    /// <paramref name="matches"/> is which of them admitted it, as question 5's step found (for a set of more than
    /// <see cref="RuleMatches.MaxRules"/> rules, they are matched again here).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Add(in FlowRecord record, CompiledRule[] rules, InterfaceState state, in RuleMatches matches)
    {
        if (record.Action != FlowAction.Accept)
        {
            return;
        }

        ReadOnlySpan<CompiledRule> span = rules;
        if (matches.Known)
        {
            AddMatched(record, span, state, matches);
            return;
        }

        int matched = 0;
        int single = -1;
        for (int i = 0; i < span.Length && matched < 2; i++)
        {
            if (Matches(span[i], record))
            {
                matched++;
                single = i;
            }
        }

        if (matched == 0)
        {
            return;
        }

        int scanner = -1;
        if (matched == 1)
        {
            Attribute(span[single].Ordinal, record, state, alone: true, ref scanner);
            return;
        }

        // Two or more rules admit the record: each risky one among them gets it as "also admitted".
        foreach (ref readonly CompiledRule rule in span)
        {
            if (_byOrdinal[rule.Ordinal] is not null && Matches(rule, record))
            {
                Attribute(rule.Ordinal, record, state, alone: false, ref scanner);
            }
        }
    }

    /// <summary><see cref="Add"/> with the matching rules known: the same attributions, in the same rule order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void AddMatched(in FlowRecord record, ReadOnlySpan<CompiledRule> span, InterfaceState state, in RuleMatches matched)
    {
        if (matched.Count == 0)
        {
            return;
        }

        int scanner = -1;
        ulong mask = matched.Mask;
        if (matched.Count == 1)
        {
            Attribute(span[BitOperations.TrailingZeroCount(mask)].Ordinal, record, state, alone: true, ref scanner);
            return;
        }

        // Two or more rules admit the record: each risky one among them gets it as "also admitted".
        while (mask != 0)
        {
            int ordinal = span[BitOperations.TrailingZeroCount(mask)].Ordinal;
            mask &= mask - 1;
            if (_byOrdinal[ordinal] is not null)
            {
                Attribute(ordinal, record, state, alone: false, ref scanner);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool Matches(in CompiledRule rule, in FlowRecord record) =>
        rule.MatchesProtocolAndPort(record.Protocol, record.DstPort) &&
        (rule.Peer == RulePeer.Group
            ? _index.AddressInGroup(record.SrcAddr, rule.GroupOrdinal, record.Start)
            : rule.NetworkContains(record.SrcAddr.High, record.SrcAddr.Low));

    private void Attribute(int ordinal, in FlowRecord record, InterfaceState state, bool alone, ref int scanner)
    {
        if (_byOrdinal[ordinal] is not { } positions)
        {
            return;
        }

        foreach (int position in positions)
        {
            if (!Windows[position].Contains(record.Start))
            {
                continue;
            }

            if (scanner < 0)
            {
                scanner = _scanners.Contains(record.SrcAddr) ? 1 : 0;
            }

            ExposureAggregate agg = Totals[position] ??= new ExposureAggregate();
            (alone ? agg.Alone : agg.Shared).Add(record.SrcAddr, record.Start, scanner == 1, state);
            return;
        }
    }

    /// <summary>Adds another thread's totals (sums, min, max, set union: the order of merges does not matter).</summary>
    public void Merge(in ExposureStep other)
    {
        for (int i = 0; i < Totals.Length; i++)
        {
            if (other.Totals[i] is not { } theirs)
            {
                continue;
            }

            if (Totals[i] is { } mine)
            {
                mine.Alone.Merge(theirs.Alone);
                mine.Shared.Merge(theirs.Shared);
            }
            else
            {
                Totals[i] = theirs;
            }
        }
    }

    /// <summary>The rows, one per window.</summary>
    public ImmutableArray<Exposure> Rows()
    {
        var byPosition = new Dictionary<int, ExposureAggregate>();
        for (int i = 0; i < Totals.Length; i++)
        {
            if (Totals[i] is { } agg)
            {
                byPosition[i] = agg;
            }
        }

        return Investigations.ExposureRows(Windows, byPosition);
    }
}

/// <summary>Question 6 running totals for one window: the records the rule alone admitted, and those another rule admitted too.</summary>
internal sealed class ExposureAggregate
{
    public ExposureTally Alone { get; } = new();

    public ExposureTally Shared { get; } = new();

    public static ExposureAggregate From(IEnumerable<(IpAddr Source, long Start, bool Scanner, InterfaceState State, bool Alone)> hits)
    {
        var agg = new ExposureAggregate();
        foreach ((IpAddr source, long start, bool scanner, InterfaceState state, bool alone) in hits)
        {
            (alone ? agg.Alone : agg.Shared).Add(source, start, scanner, state);
        }

        return agg;
    }
}

/// <summary>Counts, distinct sources, interface states reached and first/last start of one side of a window.</summary>
internal sealed class ExposureTally
{
    private readonly HashSet<InterfaceState> _states = new(ReferenceEqualityComparer.Instance);

    public long Records { get; private set; }

    public long ScannerRecords { get; private set; }

    public IpAddrSet Sources { get; } = new();

    public IpAddrSet ScannerSources { get; } = new();

    public long First { get; private set; } = long.MaxValue;

    public long Last { get; private set; } = long.MinValue;

    public void Add(IpAddr source, long start, bool scanner, InterfaceState state)
    {
        if (scanner)
        {
            ScannerRecords++;
            ScannerSources.Add(source);
        }
        else
        {
            Records++;
            Sources.Add(source);
        }

        _states.Add(state);
        First = Math.Min(First, start);
        Last = Math.Max(Last, start);
    }

    public void Merge(ExposureTally other)
    {
        Records += other.Records;
        ScannerRecords += other.ScannerRecords;
        Sources.UnionWith(other.Sources);
        ScannerSources.UnionWith(other.ScannerSources);
        _states.UnionWith(other._states);
        First = Math.Min(First, other.First);
        Last = Math.Max(Last, other.Last);
    }

    public ExposureFigures ToFigures()
    {
        bool any = Records + ScannerRecords > 0;
        return new ExposureFigures
        {
            Records = Records,
            ScannerRecords = ScannerRecords,
            Sources = Sources.Count,
            ScannerSources = ScannerSources.Count,
            Instances = [.. _states.Where(s => s.InstanceId is not null).Select(s => s.InstanceId!).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)],
            Fleets = [.. _states.Where(s => s.InstanceId is not null && s.InstanceTags.ContainsKey("Name")).Select(s => s.InstanceTags["Name"]).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)],
            FirstAdmitted = any ? DateTimeOffset.FromUnixTimeSeconds(First) : null,
            LastAdmitted = any ? DateTimeOffset.FromUnixTimeSeconds(Last) : null,
        };
    }
}
