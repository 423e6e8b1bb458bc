using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using FlowCorrelator.Index;

namespace FlowCorrelator.Queries;

// Question 1 (docs/semantics.md): the LINQ reference, and the per-record step the one pass runs.
public static partial class Investigations
{
    /// <summary>Question 1 as a LINQ pipeline over records (the readable reference the one pass is tested against).</summary>
    public static ImmutableArray<AccessAttempt> FleetAccess(EnvironmentIndex index, IEnumerable<FlowRecord> records, AccessQuery query, ScannerList? scanners = null)
    {
        ArgumentNullException.ThrowIfNull(index);
        ArgumentNullException.ThrowIfNull(records);
        ArgumentNullException.ThrowIfNull(query);
        scanners ??= ScannerList.BuiltIn;
        TagFieldSlots? slots = TagFieldSlots.For(query);
        return [.. records
            .Select(r => (Record: r, Match: FlowPredicates.MatchFleet(index, r, query, slots)))
            .Where(x => x.Match is not null)
            .Select(x => (x.Record, Match: x.Match!.Value))
            .GroupBy(x => (x.Match.InstanceId, x.Match.InterfaceId, GroupsKey: string.Join(',', x.Match.Groups), x.Record.SrcAddr, x.Match.InstanceFrom, x.Match.TagFrom))
            .Select(g => new AccessAttempt
            {
                InstanceId = g.Key.InstanceId,
                InterfaceId = g.Key.InterfaceId,
                SecurityGroups = g.First().Match.Groups,
                SrcAddr = g.Key.SrcAddr.ToString(),
                Accepted = g.Count(x => x.Record.Action == FlowAction.Accept),
                Rejected = g.Count(x => x.Record.Action == FlowAction.Reject),
                Packets = g.Sum(x => Math.Max(0, x.Record.Packets)),
                Bytes = g.Sum(x => Math.Max(0, x.Record.Bytes)),
                FirstSeen = DateTimeOffset.FromUnixTimeSeconds(g.Min(x => x.Record.Start)),
                LastSeen = DateTimeOffset.FromUnixTimeSeconds(g.Max(x => x.Record.Start)),
                Scanner = scanners.Contains(g.Key.SrcAddr),
                InstanceFrom = g.Key.InstanceFrom,
                TagFrom = g.Key.TagFrom,
            })];
    }
}

/// <summary>
/// Question 1's step in the one pass: per-thread totals per (attachment, source) of the inbound records
/// <see cref="InvestigationSink"/> hands it with their interface state. The sink holds it in a field and calls it
/// directly (inlined: no interface or delegate call per record); its state is reference-typed, so copies of the struct
/// share it.
/// </summary>
/// <remarks>
/// The common case — an interface attached to an instance whose tags the index knows — is answered once per
/// interface state and aggregated by attachment ordinal. Records the index cannot attribute alone (no attachment,
/// unknown interface, an instance without known tags) take the evidence path (FleetAccess.Evidence.cs), which is
/// <see cref="FlowPredicates.MatchFleet"/> with caches.
/// </remarks>
internal readonly partial struct FleetAccessStep
{
    private const byte NotAsked = 0;
    private const byte Fleet = 1;
    private const byte NotFleet = 2;
    private const byte AskTagField = 3;
    private const byte AskInstanceId = 4;

    private readonly AccessQuery? _query;

    // Per state: NotAsked, Fleet (attached to a running instance with the query's tag), NotFleet, AskTagField (attached
    // to a running instance whose tags the index does not know), AskInstanceId (no attachment).
    private readonly byte[] _fleetStates;
    private readonly ScannerList _scanners;
    private readonly TagFieldSlots? _slots;
    private readonly InstanceLookup _instances;

    /// <summary>A step for <paramref name="query"/>; with null, question 1 is not asked and the step does nothing.</summary>
    /// <param name="index">The index.</param>
    /// <param name="query">Question 1's parameters, or null.</param>
    /// <param name="scanners">Known scanners (asked once per key).</param>
    /// <param name="activity">Also count the records per minute (<see cref="FleetActivity"/>).</param>
    /// <param name="instances">The thread's instance lookup (shared with the sink's attribution counts).</param>
    public FleetAccessStep(EnvironmentIndex index, AccessQuery? query, ScannerList scanners, bool activity = false, InstanceLookup? instances = null)
    {
        _query = query;
        _fleetStates = new byte[query is null ? 0 : index.StateCount];
        _scanners = scanners;
        _slots = TagFieldSlots.For(query);
        _instances = instances ?? new InstanceLookup(index);
        Totals = [];
        EvidenceTotals = [];
        Activity = activity && query is not null ? new FleetActivityCounter() : null;
    }

    /// <summary>Records per minute; null unless asked for.</summary>
    public FleetActivityCounter? Activity { get; }

    /// <summary>Running totals of records the index attributes alone; an entry is created once per key, never per record.</summary>
    public Dictionary<AccessKey, AccessAggregate> Totals { get; }

    /// <summary>Running totals of records attributed with the flow record's own evidence.</summary>
    public Dictionary<EvidenceKey, AccessAggregate> EvidenceTotals { get; }

    /// <summary>Counts an OK, in-window record inbound to <paramref name="state"/> when it is access to the fleet.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Add(InterfaceState state, in FlowRecord record)
    {
        // Question 1's filter (FlowPredicates.MatchFleet), with its state half answered once per state.
        if (_query is not null && record.DstPort == _query.Port && record.Protocol == _query.Protocol)
        {
            byte fleet = FleetState(state);
            if (fleet == Fleet)
            {
                var key = new AccessKey(state.AttachmentOrdinal, record.SrcAddr);
                if (!Totals.TryGetValue(key, out AccessAggregate? agg))
                {
                    agg = new AccessAggregate { Groups = state.Groups, Scanner = _scanners.Contains(record.SrcAddr) };
                    Totals[key] = agg;
                }

                agg.Add(record);
                Activity?.Add(record.Start, record.Action, agg.Scanner);
            }
            else if (fleet == AskTagField || (fleet == AskInstanceId && record.InstanceId.HasValue))
            {
                // Checked here so that records on unattached interfaces without an instance-id (every v2 record)
                // do not pay for the call.
                AddWithEvidence(state, fleet, record);
            }
        }
    }

    /// <summary>Adds another thread's totals (sums, min, max: the order of merges does not matter).</summary>
    public void Merge(in FleetAccessStep other)
    {
        if (other.Activity is not null)
        {
            Activity?.Merge(other.Activity);
        }

        MergeInto(Totals, other.Totals);
        MergeInto(EvidenceTotals, other.EvidenceTotals);
    }

    /// <summary>One row per key, in no particular order (the result sorts them).</summary>
    public ImmutableArray<AccessAttempt> Rows(EnvironmentIndex index) =>
        _query is null ? [] : [.. Totals.Select(kv => kv.Value.ToRow(kv.Key, index)), .. EvidenceTotals.Select(kv => kv.Value.ToRow(kv.Key, index))];

    private static void MergeInto<TKey>(Dictionary<TKey, AccessAggregate> mine, Dictionary<TKey, AccessAggregate> other)
        where TKey : notnull
    {
        foreach (KeyValuePair<TKey, AccessAggregate> kv in other)
        {
            if (mine.TryGetValue(kv.Key, out AccessAggregate? agg))
            {
                agg.Merge(kv.Value);
            }
            else
            {
                mine[kv.Key] = kv.Value;
            }
        }
    }

    /// <summary>What the state alone says of question 1 (asked once per state).</summary>
    private byte FleetState(InterfaceState state)
    {
        byte known = _fleetStates[state.StateOrdinal];
        if (known == NotAsked)
        {
            if (state.InstanceId is null)
            {
                known = AskInstanceId;
            }
            else if (!state.InstanceRunning)
            {
                known = NotFleet;
            }
            else if (state.InstanceTags.Count == 0)
            {
                known = _slots is null ? NotFleet : AskTagField;
            }
            else
            {
                known = state.InstanceHasTag(_query!.TagKey, _query.TagValue) ? Fleet : NotFleet;
            }

            _fleetStates[state.StateOrdinal] = known;
        }

        return known;
    }
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

    /// <summary>The instance's id, for rows of the evidence path (the others take it from their attachment).</summary>
    public string? InstanceId { get; init; }

    /// <summary>Whether the key's source is a known scanner (asked once, when the key is first seen).</summary>
    public bool Scanner { get; init; }

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

    public AccessAttempt ToRow(EvidenceKey key, EnvironmentIndex index) => Row(
        InstanceId!,
        key.Attachment >= 0 ? index.AttachmentStates[key.Attachment].InterfaceId : key.Interface.ToString(),
        key.Source,
        key.InstanceFrom,
        key.TagFrom);

    public AccessAttempt ToRow(AccessKey key, EnvironmentIndex index) => Row(
        index.AttachmentStates[key.Attachment].InstanceId!,
        index.AttachmentStates[key.Attachment].InterfaceId,
        key.Source,
        EvidenceSource.Index,
        EvidenceSource.Index);

    /// <summary>The one place a question-1 row is built from totals: both keys name only who and where.</summary>
    private AccessAttempt Row(string instanceId, string interfaceId, IpAddr source, EvidenceSource instanceFrom, EvidenceSource tagFrom) => new()
    {
        InstanceId = instanceId,
        InterfaceId = interfaceId,
        SecurityGroups = Groups,
        SrcAddr = source.ToString(),
        Accepted = Accepted,
        Rejected = Rejected,
        Packets = Packets,
        Bytes = Bytes,
        FirstSeen = DateTimeOffset.FromUnixTimeSeconds(First),
        LastSeen = DateTimeOffset.FromUnixTimeSeconds(Last),
        Scanner = Scanner,
        InstanceFrom = instanceFrom,
        TagFrom = tagFrom,
    };
}
