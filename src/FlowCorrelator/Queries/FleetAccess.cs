using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using FlowCorrelator.Index;

namespace FlowCorrelator.Queries;

// Question 1 (docs/semantics.md): the LINQ reference, and the per-record step the one pass runs.
public static partial class Investigations
{
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
}

/// <summary>
/// Question 1's step in the one pass: per-thread totals per (attachment, source) of the inbound records
/// <see cref="InvestigationSink"/> hands it with their interface state. The sink holds it in a field and calls it
/// directly (inlined: no interface or delegate call per record); its state is reference-typed, so copies of the struct
/// share it.
/// </summary>
internal readonly struct FleetAccessStep
{
    private readonly AccessQuery? _query;

    // Per state: 0 = not yet asked, 1 = attached to a running instance with the query's tag, 2 = not.
    private readonly byte[] _fleetStates;
    private readonly ScannerList _scanners;

    /// <summary>A step for <paramref name="query"/>; with null, question 1 is not asked and the step does nothing.</summary>
    /// <param name="index">The index.</param>
    /// <param name="query">Question 1's parameters, or null.</param>
    /// <param name="scanners">Known scanners (asked once per key).</param>
    /// <param name="activity">Also count the records per minute (<see cref="FleetActivity"/>).</param>
    public FleetAccessStep(EnvironmentIndex index, AccessQuery? query, ScannerList scanners, bool activity = false)
    {
        _query = query;
        _fleetStates = new byte[query is null ? 0 : index.StateCount];
        _scanners = scanners;
        Totals = [];
        Activity = activity && query is not null ? new FleetActivityCounter() : null;
    }

    /// <summary>Records per minute; null unless asked for.</summary>
    public FleetActivityCounter? Activity { get; }

    /// <summary>Running totals; an entry is created once per key, never per record.</summary>
    public Dictionary<AccessKey, AccessAggregate> Totals { get; }

    /// <summary>Counts an OK, in-window record inbound to <paramref name="state"/> when it is access to the fleet.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Add(InterfaceState state, in FlowRecord record)
    {
        // Question 1's filter (FlowPredicates.IsFleetAccess), with its state half answered once per state.
        if (_query is not null && record.DstPort == _query.Port && record.Protocol == _query.Protocol && IsFleetState(state))
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
    }

    /// <summary>Adds another thread's totals (sums, min, max: the order of merges does not matter).</summary>
    public void Merge(in FleetAccessStep other)
    {
        if (other.Activity is not null)
        {
            Activity?.Merge(other.Activity);
        }

        foreach (KeyValuePair<AccessKey, AccessAggregate> kv in other.Totals)
        {
            if (Totals.TryGetValue(kv.Key, out AccessAggregate? mine))
            {
                mine.Merge(kv.Value);
            }
            else
            {
                Totals[kv.Key] = kv.Value;
            }
        }
    }

    /// <summary>One row per key, in no particular order (the result sorts them).</summary>
    public ImmutableArray<AccessAttempt> Rows(EnvironmentIndex index) =>
        _query is null ? [] : [.. Totals.Select(kv => kv.Value.ToRow(kv.Key, index))];

    /// <summary>Whether the state is attached to a running instance with the query's tag (asked once per state).</summary>
    private bool IsFleetState(InterfaceState state)
    {
        byte known = _fleetStates[state.StateOrdinal];
        if (known == 0)
        {
            bool fleet = state.InstanceId is not null && state.InstanceRunning && state.InstanceHasTag(_query!.TagKey, _query.TagValue);
            known = fleet ? (byte)1 : (byte)2;
            _fleetStates[state.StateOrdinal] = known;
        }

        return known == 1;
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

    public AccessAttempt ToRow(AccessKey key, EnvironmentIndex index) => new()
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
        Scanner = Scanner,
    };
}
