using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using FlowCorrelator.Index;

namespace FlowCorrelator.Queries;

// Question 5 (docs/semantics.md): the LINQ reference, the row projection both paths share, and the per-record step
// the one pass runs.
public static partial class Investigations
{
    /// <summary>Question 5 as a LINQ pipeline over records.</summary>
    public static ImmutableArray<RuleUsage> RuleUsage(EnvironmentIndex index, IEnumerable<FlowRecord> records, ScannerList? scanners = null, DateTimeOffset? windowEnd = null)
    {
        ArgumentNullException.ThrowIfNull(index);
        ArgumentNullException.ThrowIfNull(records);
        scanners ??= ScannerList.BuiltIn;
        var hits = records
            .Where(r => r.Action == FlowAction.Accept)
            .Select(r => (Record: r, State: FlowPredicates.InboundState(index, r)))
            .Where(x => x.State is not null)
            .SelectMany(x => x.State!.Groups.SelectMany(g => index.IngressRulesAt(g, x.Record.Start).ToArray())
                .Where(rule => FlowPredicates.RuleMatches(index, rule, x.Record))
                .Select(rule => (rule.RuleId, x.Record.SrcAddr, x.Record.Start, Scanner: scanners.Contains(x.Record.SrcAddr))))
            .GroupBy(h => h.RuleId, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => RuleAggregate.From(g.Select(h => (h.SrcAddr, h.Start, h.Scanner))), StringComparer.Ordinal);
        return UsageRows(index, hits, windowEnd);
    }

    /// <summary>
    /// One row per ingress rule of every group that was ever on an interface, from the hits per rule id: the
    /// projection both the LINQ reference and <see cref="RuleUsageStep"/> end with.
    /// </summary>
    internal static ImmutableArray<RuleUsage> UsageRows(EnvironmentIndex index, Dictionary<string, RuleAggregate> hits, DateTimeOffset? windowEnd)
    {
        long? end = windowEnd?.ToUnixTimeSeconds();
        return [.. index.Groups
            .Where(g => g.EverOnInterface)
            .SelectMany(g => g.Rules.Where(r => !r.IsEgress).Select(r => (Group: g, Rule: r)))
            .Select(x =>
            {
                SecurityGroupRuleSpec last = x.Rule.Definitions[^1];
                hits.TryGetValue(x.Rule.RuleId, out RuleAggregate? agg);
                bool revoked = x.Rule.RemovedAt is long removed && (end is null || removed < end);
                bool all = last.Protocol == -1;
                return new RuleUsage
                {
                    RuleId = x.Rule.RuleId,
                    GroupId = x.Group.GroupId,
                    Protocol = SecurityGroupRuleSpec.ProtocolName(last.Protocol),
                    FromPort = all ? null : last.FromPort,
                    ToPort = all ? null : last.ToPort,
                    Cidr = last.Cidr,
                    ReferencedGroupId = last.ReferencedGroupId,
                    PrefixListId = last.PrefixListId,
                    Status = revoked ? RuleUsageStatus.Revoked : agg is { Hits: > 0 } ? RuleUsageStatus.Used : RuleUsageStatus.Unused,
                    Hits = agg?.Hits ?? 0,
                    ScannerHits = agg?.ScannerHits ?? 0,
                    DistinctSources = agg?.Sources.Count ?? 0,
                    FirstUsed = agg is { Hits: > 0 } ? DateTimeOffset.FromUnixTimeSeconds(agg.First) : null,
                    LastUsed = agg is { Hits: > 0 } ? DateTimeOffset.FromUnixTimeSeconds(agg.Last) : null,
                };
            })];
    }
}

/// <summary>
/// Question 5's step in the one pass: per-thread totals per rule ordinal of the inbound records
/// <see cref="InvestigationSink"/> hands it with the compiled rules of their interface state. The sink holds it in a
/// field and calls it directly (inlined: no interface or delegate call per record); its state is reference-typed, so
/// copies of the struct share it.
/// </summary>
internal readonly struct RuleUsageStep
{
    private readonly EnvironmentIndex _index;
    private readonly ScannerList _scanners;

    /// <summary>A step over <paramref name="index"/>'s rules, with <paramref name="scanners"/> as noise.</summary>
    public RuleUsageStep(EnvironmentIndex index, ScannerList scanners)
    {
        _index = index;
        _scanners = scanners;
        Totals = new RuleAggregate?[index.RuleIds.Length];
    }

    /// <summary>Totals indexed by <see cref="RuleDefinition.Ordinal"/> (null: no hit yet).</summary>
    public RuleAggregate?[] Totals { get; }

    /// <summary>
    /// Counts an OK, in-window record inbound to a state whose merged, compiled rules are <paramref name="rules"/>, and
    /// says which of them admitted it (<paramref name="matched"/>), so question 6 does not match the record again.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Add(in FlowRecord record, CompiledRule[] rules, out RuleMatches matched)
    {
        matched = new RuleMatches(0, 0, rules.Length <= RuleMatches.MaxRules);

        // Rules were merged across the state's groups and compiled when the index was frozen, and came with the
        // state from the sink's cache: plain field compares from here; strings are never touched per record.
        if (record.Action != FlowAction.Accept || rules.Length == 0)
        {
            return;
        }

        int protocol = record.Protocol;
        int dstPort = record.DstPort;
        IpAddr source = record.SrcAddr;
        long start = record.Start;
        RuleAggregate?[] totals = Totals;
        int scanner = -1; // computed on the first matching rule only: most records match none or one
        int count = 0;
        ulong mask = 0;
        ReadOnlySpan<CompiledRule> span = rules;
        for (int i = 0; i < span.Length; i++)
        {
            ref readonly CompiledRule rule = ref span[i];
            if (!rule.MatchesProtocolAndPort(protocol, dstPort))
            {
                continue;
            }

            bool hit = rule.Peer == RulePeer.Group
                ? _index.AddressInGroup(source, rule.GroupOrdinal, start)
                : rule.NetworkContains(source.High, source.Low);
            if (!hit)
            {
                continue;
            }

            count++;
            mask |= 1UL << i; // (only read when the set has at most 64 rules)
            if (scanner < 0)
            {
                scanner = _scanners.Contains(source) ? 1 : 0;
            }

            RuleAggregate agg = totals[rule.Ordinal] ??= new RuleAggregate();
            agg.Add(source, start, scanner == 1);
        }

        matched = new RuleMatches(count, mask, rules.Length <= RuleMatches.MaxRules);
    }

    /// <summary>Adds another thread's totals (sums, min, max, set union: the order of merges does not matter).</summary>
    public void Merge(in RuleUsageStep other)
    {
        for (int i = 0; i < Totals.Length; i++)
        {
            if (other.Totals[i] is not { } theirs)
            {
                continue;
            }

            if (Totals[i] is { } mine)
            {
                mine.Merge(theirs);
            }
            else
            {
                Totals[i] = theirs;
            }
        }
    }

    /// <summary>The rows, with rules removed before <paramref name="windowEnd"/> (or ever, when null) as revoked.</summary>
    public ImmutableArray<RuleUsage> Rows(EnvironmentIndex index, DateTimeOffset? windowEnd)
    {
        var byId = new Dictionary<string, RuleAggregate>(StringComparer.Ordinal);
        for (int i = 0; i < Totals.Length; i++)
        {
            if (Totals[i] is { } agg)
            {
                byId[index.RuleIds[i]] = agg;
            }
        }

        return Investigations.UsageRows(index, byId, windowEnd);
    }
}

/// <summary>Question 5 running totals for one rule.</summary>
internal sealed class RuleAggregate
{
    public long Hits { get; set; }

    public long ScannerHits { get; set; }

    /// <summary>Distinct non-scanner sources.</summary>
    public IpAddrSet Sources { get; } = new();

    public long First { get; set; } = long.MaxValue;

    public long Last { get; set; } = long.MinValue;

    public void Add(IpAddr source, long start, bool scanner)
    {
        if (scanner)
        {
            ScannerHits++;
            return;
        }

        Hits++;
        Sources.Add(source);
        First = Math.Min(First, start);
        Last = Math.Max(Last, start);
    }

    public void Merge(RuleAggregate other)
    {
        Hits += other.Hits;
        ScannerHits += other.ScannerHits;
        Sources.UnionWith(other.Sources);
        First = Math.Min(First, other.First);
        Last = Math.Max(Last, other.Last);
    }

    public static RuleAggregate From(IEnumerable<(IpAddr Source, long Start, bool Scanner)> hits)
    {
        var agg = new RuleAggregate();
        foreach ((IpAddr source, long start, bool scanner) in hits)
        {
            agg.Add(source, start, scanner);
        }

        return agg;
    }
}

/// <summary>
/// Which rules of an interface state's compiled set admitted one record, as question 5's step found them: question 6
/// asks the same of the same record (protocol, port, then source network or group at the record's time) and reuses it.
/// </summary>
/// <param name="Count">How many rules admitted the record (0 for a record that is not ACCEPT).</param>
/// <param name="Mask">Bit i: rule i of the set admitted it; meaningful only when <paramref name="Known"/>.</param>
/// <param name="Known">The set has at most <see cref="MaxRules"/> rules, so <paramref name="Mask"/> names every match.</param>
internal readonly record struct RuleMatches(int Count, ulong Mask, bool Known)
{
    /// <summary>The largest rule set the mask covers; larger sets are matched again by question 6.</summary>
    public const int MaxRules = 64;
}
