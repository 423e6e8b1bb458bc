using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using FlowCorrelator.Index;
using FlowCorrelator.Ingest;

namespace FlowCorrelator.Queries;

/// <summary>
/// The five questions. <see cref="Run(EnvironmentIndex, IEnumerable{LogInput}, InvestigationOptions, IngestDiagnostics, IProgress{FileReport}?, CancellationToken)"/>
/// answers all of them in one parallel pass over flow-log files; the other members answer one question each, as
/// LINQ pipelines over records, for use from code and tests.
/// </summary>
public static class Investigations
{
    /// <summary>
    /// Reads every flow-log input once, on all cores, feeding questions 1 and 5 from the same records (per-thread
    /// aggregates, merged at the end), and adds questions 2–4 from the index.
    /// </summary>
    public static InvestigationResult Run(
        EnvironmentIndex index,
        IEnumerable<LogInput> flowInputs,
        InvestigationOptions options,
        IngestDiagnostics diagnostics,
        IProgress<FileReport>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(index);
        ArgumentNullException.ThrowIfNull(flowInputs);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(diagnostics);
        var merged = new PassAggregates(index.RuleIds.Length);
        new FlowLogReader(options.Reader).ReadAll(
            flowInputs,
            () => new InvestigationSink(index, options),
            sink =>
            {
                merged.Merge(sink.Aggregates);
                diagnostics.AddCoverage(sink.OutsideWindow, sink.UnknownInterface);
            },
            diagnostics,
            progress,
            cancellationToken);
        return Finish(index, options, merged);
    }

    /// <summary>All five questions over records already in memory (same semantics as the file pass).</summary>
    public static InvestigationResult Run(EnvironmentIndex index, IEnumerable<FlowRecord> records, InvestigationOptions options)
    {
        ArgumentNullException.ThrowIfNull(index);
        ArgumentNullException.ThrowIfNull(records);
        ArgumentNullException.ThrowIfNull(options);
        var sink = new InvestigationSink(index, options);
        foreach (FlowRecord r in records)
        {
            sink.Add(r);
        }

        return Finish(index, options, sink.Aggregates);
    }

    /// <summary>Question 1 as a LINQ pipeline over records.</summary>
    public static ImmutableArray<AccessAttempt> FleetAccess(EnvironmentIndex index, IEnumerable<FlowRecord> records, AccessQuery query, ScannerList? scanners = null)
    {
        ArgumentNullException.ThrowIfNull(index);
        ArgumentNullException.ThrowIfNull(records);
        ArgumentNullException.ThrowIfNull(query);
        scanners ??= ScannerList.BuiltIn;
        return [.. records
            .Select(r => (Record: r, State: FlowPredicates.InboundState(index, r)))
            .Where(x => x.State is not null && FlowPredicates.IsFleetAccess(x.State, x.Record, query))
            .GroupBy(x => (x.State!.InstanceId, x.State.InterfaceId, x.State.GroupsKey, x.Record.SrcAddr))
            .Select(g => new AccessAttempt
            {
                InstanceId = g.Key.InstanceId!,
                InterfaceId = g.Key.InterfaceId,
                SecurityGroups = g.First().State!.Groups,
                SrcAddr = g.Key.SrcAddr.ToString(),
                Accepted = g.Count(x => x.Record.Action == FlowAction.Accept),
                Rejected = g.Count(x => x.Record.Action == FlowAction.Reject),
                Packets = g.Sum(x => Math.Max(0, x.Record.Packets)),
                Bytes = g.Sum(x => Math.Max(0, x.Record.Bytes)),
                FirstSeen = DateTimeOffset.FromUnixTimeSeconds(g.Min(x => x.Record.Start)),
                LastSeen = DateTimeOffset.FromUnixTimeSeconds(g.Max(x => x.Record.Start)),
                Scanner = scanners.Contains(g.Key.SrcAddr),
            })];
    }

    /// <summary>Question 2: successful rule changes, optionally within a window.</summary>
    public static ImmutableArray<RuleChange> RuleChanges(EnvironmentIndex index, DateTimeOffset? from = null, DateTimeOffset? to = null)
    {
        ArgumentNullException.ThrowIfNull(index);
        return [.. index.RuleChanges.Where(r => InWindow(r.Event.Time, from, to)).Select(ChangeRows.RuleChange)];
    }

    /// <summary>Question 3: group sets replaced after launch, optionally within a window.</summary>
    public static ImmutableArray<GroupAttachment> GroupAttachments(EnvironmentIndex index, DateTimeOffset? from = null, DateTimeOffset? to = null)
    {
        ArgumentNullException.ThrowIfNull(index);
        return [.. index.GroupSetChanges.Where(a => InWindow(a.Event.Time, from, to)).Select(ChangeRows.GroupAttachment)];
    }

    /// <summary>Question 4: groups with live ingress rules and no evidence of ever being attached.</summary>
    public static ImmutableArray<UnusedGroup> UnusedGroups(EnvironmentIndex index)
    {
        ArgumentNullException.ThrowIfNull(index);
        return [.. index.Groups
            .Where(g => !g.AttachEvidence)
            .Select(g => (Group: g, Live: g.Rules.Where(r => !r.IsEgress && r.RemovedAt is null).Select(r => r.RuleId).Order(StringComparer.Ordinal).ToImmutableArray()))
            .Where(x => x.Live.Length > 0)
            .Select(x => new UnusedGroup
            {
                GroupId = x.Group.GroupId,
                GroupName = x.Group.GroupName,
                Status = x.Group.CreatedInEvidence ? UnusedGroupStatus.NeverAttached : UnusedGroupStatus.Unknown,
                IngressRuleIds = x.Live,
            })];
    }

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

    private static bool InWindow(DateTimeOffset t, DateTimeOffset? from, DateTimeOffset? to) =>
        (from is null || t >= from) && (to is null || t < to);

    private static InvestigationResult Finish(EnvironmentIndex index, InvestigationOptions options, PassAggregates aggregates) => new InvestigationResult
    {
        Query = options.Access,
        AccessAttempts = options.Access is null ? [] : [.. aggregates.Access.Select(kv => kv.Value.ToRow(kv.Key, index, options.Scanners))],
        RuleChanges = RuleChanges(index, options.From, options.To),
        GroupAttachments = GroupAttachments(index, options.From, options.To),
        UnusedGroups = UnusedGroups(index),
        RuleUsage = UsageRows(index, aggregates.RulesById(index), options.To),
    }.Canonical();

    private static ImmutableArray<RuleUsage> UsageRows(EnvironmentIndex index, Dictionary<string, RuleAggregate> hits, DateTimeOffset? windowEnd)
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

    /// <summary>
    /// Question 1 grouping key: the (instance, interface, groups) triple as the ordinal the index gave it, and the
    /// source. Hashing it is a few integer operations, where three strings would cost more than the rest of the step.
    /// </summary>
    internal readonly struct AccessKey(int attachment, IpAddr source) : IEquatable<AccessKey>
    {
        public int Attachment { get; } = attachment;

        public IpAddr Source { get; } = source;

        public bool Equals(AccessKey other) => Attachment == other.Attachment && Source == other.Source;

        public override bool Equals(object? obj) => obj is AccessKey other && Equals(other);

        public override int GetHashCode()
        {
            // Sources are attacker-controlled log content: the seeded mix keeps chosen sources from sharing a
            // bucket (hash flooding); the attachment, a small ordinal of the index, separates interfaces.
            return (int)SeededHash.Hash(Source.High, Source.Low) ^ Attachment;
        }
    }

    /// <summary>Question 1 running totals for one key.</summary>
    internal sealed class AccessAggregate
    {
        public required ImmutableArray<string> Groups { get; init; }

        public long Accepted { get; set; }

        public long Rejected { get; set; }

        public long Packets { get; set; }

        public long Bytes { get; set; }

        public long First { get; set; } = long.MaxValue;

        public long Last { get; set; } = long.MinValue;

        public void Add(in FlowRecord r)
        {
            if (r.Action == FlowAction.Accept)
            {
                Accepted++;
            }
            else if (r.Action == FlowAction.Reject)
            {
                Rejected++;
            }

            Packets += Math.Max(0, r.Packets);
            Bytes += Math.Max(0, r.Bytes);
            First = Math.Min(First, r.Start);
            Last = Math.Max(Last, r.Start);
        }

        public void Merge(AccessAggregate other)
        {
            Accepted += other.Accepted;
            Rejected += other.Rejected;
            Packets += other.Packets;
            Bytes += other.Bytes;
            First = Math.Min(First, other.First);
            Last = Math.Max(Last, other.Last);
        }

        public AccessAttempt ToRow(AccessKey key, EnvironmentIndex index, ScannerList scanners) => new()
        {
            InstanceId = index.AttachmentStates[key.Attachment].InstanceId!,
            InterfaceId = index.AttachmentStates[key.Attachment].InterfaceId,
            SecurityGroups = Groups,
            SrcAddr = key.Source.ToString(),
            Accepted = Accepted,
            Rejected = Rejected,
            Packets = Packets,
            Bytes = Bytes,
            FirstSeen = DateTimeOffset.FromUnixTimeSeconds(First),
            LastSeen = DateTimeOffset.FromUnixTimeSeconds(Last),
            Scanner = scanners.Contains(key.Source),
        };
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

    /// <summary>Per-thread aggregates of the one pass.</summary>
    internal sealed class PassAggregates(int ruleCount)
    {
        public Dictionary<AccessKey, AccessAggregate> Access { get; } = [];

        /// <summary>Question 5 totals indexed by <see cref="RuleDefinition.Ordinal"/> (null: no hit yet).</summary>
        public RuleAggregate?[] Rules { get; } = new RuleAggregate?[ruleCount];

        public Dictionary<string, RuleAggregate> RulesById(EnvironmentIndex index)
        {
            var byId = new Dictionary<string, RuleAggregate>(StringComparer.Ordinal);
            for (int i = 0; i < Rules.Length; i++)
            {
                if (Rules[i] is { } agg)
                {
                    byId[index.RuleIds[i]] = agg;
                }
            }

            return byId;
        }

        public void Merge(PassAggregates other)
        {
            foreach (KeyValuePair<AccessKey, AccessAggregate> kv in other.Access)
            {
                if (Access.TryGetValue(kv.Key, out AccessAggregate? mine))
                {
                    mine.Merge(kv.Value);
                }
                else
                {
                    Access[kv.Key] = kv.Value;
                }
            }

            for (int i = 0; i < Rules.Length; i++)
            {
                if (other.Rules[i] is not { } theirs)
                {
                    continue;
                }

                if (Rules[i] is { } mine)
                {
                    mine.Merge(theirs);
                }
                else
                {
                    Rules[i] = theirs;
                }
            }
        }
    }

    /// <summary>
    /// The per-record step of the one pass: one index lookup per record, then questions 1 and 5 from the same state.
    /// No LINQ and no allocation per record (aggregate entries are created once per key).
    /// </summary>
    internal sealed class InvestigationSink(EnvironmentIndex index, InvestigationOptions options, bool ruleUsage = true) : IFlowRecordSink
    {
        private readonly long _from = options.From?.ToUnixTimeSeconds() ?? long.MinValue;
        private readonly long _to = options.To?.ToUnixTimeSeconds() ?? long.MaxValue;
        private readonly AccessQuery? _access = options.Access;
        private const int StateCacheBits = 8; // 256 sets of two
        private readonly ScannerList _scanners = options.Scanners;
        private readonly CachedState[] _stateCache = new CachedState[2 << StateCacheBits];

        // Per state: 0 = not yet asked, 1 = attached to a running instance with the query's tag, 2 = not.
        private readonly byte[] _fleetStates = new byte[options.Access is null ? 0 : index.StateCount];

        public PassAggregates Aggregates { get; } = new(index.RuleIds.Length);

        /// <summary>OK records outside the window.</summary>
        public long OutsideWindow { get; private set; }

        /// <summary>OK records on an interface unknown to the index at their time.</summary>
        public long UnknownInterface { get; private set; }

        public void OnRecord(in FlowRecord record, in FlowLine line) => Add(record);

        /// <summary>Whether the state is attached to a running instance with the query's tag (asked once per state).</summary>
        private bool IsFleetState(InterfaceState state)
        {
            byte known = _fleetStates[state.StateOrdinal];
            if (known == 0)
            {
                bool fleet = state.InstanceId is not null && state.InstanceRunning && state.InstanceHasTag(_access!.TagKey, _access.TagValue);
                known = fleet ? (byte)1 : (byte)2;
                _fleetStates[state.StateOrdinal] = known;
            }

            return known == 1;
        }

        /// <summary>
        /// The interface's state at <paramref name="start"/> through a small two-way cache of recent states and their
        /// validity: records of many interfaces interleave, and a hit skips both the hash lookup and the timeline
        /// search. The set comes from an unseeded mix of the id: colliding ids only cost misses, never wrong answers
        /// (the full id and the time range are compared), so hostile ids cannot do worse than the index's own table.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private InterfaceState? StateAt(EniId eni, long start, out CompiledRule[] rules)
        {
            int set = (int)(((eni.Low ^ eni.High) * 0x9E3779B97F4A7C15UL) >> (64 - StateCacheBits)) * 2;
            ref CachedState c = ref _stateCache[set];
            if (c.State is not null && c.Low == eni.Low && c.High == eni.High && start >= c.From && start < c.To)
            {
                rules = c.Rules;
                return c.State;
            }

            return StateAtSlow(set, eni, start, out rules);
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        private InterfaceState? StateAtSlow(int set, EniId eni, long start, out CompiledRule[] rules)
        {
            ref CachedState second = ref _stateCache[set + 1];
            if (second.State is not null && second.Low == eni.Low && second.High == eni.High && start >= second.From && start < second.To)
            {
                // Most recently used first.
                (_stateCache[set], second) = (second, _stateCache[set]);
                rules = _stateCache[set].Rules;
                return _stateCache[set].State;
            }

            InterfaceState? state = index.InterfaceAt(eni, start, out long from, out long to);
            if (state is null)
            {
                rules = [];
                return null;
            }

            // The entry holds while both the state and its rule set are in force.
            rules = state.Rules.At(start, out long rulesFrom, out long rulesTo);
            second = _stateCache[set];
            _stateCache[set] = new CachedState
            {
                High = eni.High,
                Low = eni.Low,
                From = Math.Max(from, rulesFrom),
                To = Math.Min(to, rulesTo),
                State = state,
                Rules = rules,
            };
            return state;
        }

        private struct CachedState
        {
            public ulong High;
            public ulong Low;
            public long From;
            public long To;
            public InterfaceState? State;
            public CompiledRule[] Rules;
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)] // the per-record step: fully optimised at once, whatever the tiering settings
        public void Add(in FlowRecord record)
        {
            if (record.LogStatus != FlowLogStatus.Ok)
            {
                return;
            }

            if (record.Start < _from || record.Start >= _to)
            {
                OutsideWindow++;
                return;
            }

            // One lookup serves the coverage count, the inbound test and both questions.
            InterfaceState? state = StateAt(record.InterfaceId, record.Start, out CompiledRule[] rules);
            if (state is not { Exists: true })
            {
                UnknownInterface++;
                return;
            }

            if (!FlowPredicates.IsInbound(state, record))
            {
                return;
            }

            // Question 1's filter (FlowPredicates.IsFleetAccess), with its state half answered once per state.
            if (_access is not null && record.DstPort == _access.Port && record.Protocol == _access.Protocol && IsFleetState(state))
            {
                var key = new AccessKey(state.AttachmentOrdinal, record.SrcAddr);
                if (!Aggregates.Access.TryGetValue(key, out AccessAggregate? agg))
                {
                    agg = new AccessAggregate { Groups = state.Groups };
                    Aggregates.Access[key] = agg;
                }

                agg.Add(record);
            }

            // ruleUsage is false only in the per-question benchmarks, which time question 1 alone.
            if (!ruleUsage || record.Action != FlowAction.Accept)
            {
                return;
            }

            // Rules were merged across the state's groups and compiled when the index was frozen, and came with the
            // state from the cache: plain field compares from here; strings are never touched per record.
            if (rules.Length == 0)
            {
                return;
            }

            int protocol = record.Protocol;
            int dstPort = record.DstPort;
            IpAddr source = record.SrcAddr;
            long start = record.Start;
            RuleAggregate?[] aggregates = Aggregates.Rules;
            int scanner = -1; // computed on the first matching rule only: most records match none or one
            foreach (ref readonly CompiledRule rule in rules.AsSpan())
            {
                if (!rule.MatchesProtocolAndPort(protocol, dstPort))
                {
                    continue;
                }

                bool hit = rule.Peer == RulePeer.Group
                    ? index.AddressInGroup(source, rule.GroupOrdinal, start)
                    : rule.NetworkContains(source.High, source.Low);
                if (!hit)
                {
                    continue;
                }

                if (scanner < 0)
                {
                    scanner = _scanners.Contains(source) ? 1 : 0;
                }

                RuleAggregate agg = aggregates[rule.Ordinal] ??= new RuleAggregate();
                agg.Add(source, start, scanner == 1);
            }
        }
    }
}
