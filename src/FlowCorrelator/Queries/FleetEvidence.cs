using System.Collections.Frozen;
using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using FlowCorrelator.Index;

namespace FlowCorrelator.Queries;

/// <summary>
/// Why an inbound record is question-1 access: the instance it is attributed to, its interface and groups, and which
/// source said what (docs/semantics.md, "The flow record as evidence").
/// </summary>
internal readonly record struct FleetMatch(string InstanceId, string InterfaceId, ImmutableArray<string> Groups, EvidenceSource InstanceFrom, EvidenceSource TagFrom);

/// <summary>
/// The version-11 tag fields a query maps (<see cref="AccessQuery.TagFields"/>), as slot numbers: 0 <c>instance-tag</c>,
/// 1 <c>instance-tag-2</c>, 2 <c>asg-tag</c>, 3 <c>asg-tag-2</c> — the order in which they answer for a key.
/// </summary>
internal sealed class TagFieldSlots
{
    private readonly int[] _queryKeySlots;

    private TagFieldSlots(AccessQuery query)
    {
        Mapped = [.. query.TagFields.Select(m => (Slot: TagFieldMapping.Fields.IndexOf(m.Field), m.Key)).OrderBy(m => m.Slot)];
        _queryKeySlots = [.. Mapped.Where(m => m.Key == query.TagKey).Select(m => m.Slot)];
        QueryValue = FlowTagValue.Of(query.TagValue);
    }

    /// <summary>Every mapped field, by slot.</summary>
    public ImmutableArray<(int Slot, string Key)> Mapped { get; }

    /// <summary>The query's tag value as a record's field would carry it.</summary>
    public FlowTagValue QueryValue { get; }

    /// <summary>The slots of a query, or null when it maps none (then records are never asked).</summary>
    public static TagFieldSlots? For(AccessQuery? query) => query is null || query.TagFields.IsDefaultOrEmpty ? null : new TagFieldSlots(query);

    /// <summary>The field of <paramref name="slot"/> in a record.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static FlowTagValue Slot(in FlowRecord r, int slot) => slot switch
    {
        0 => r.InstanceTag,
        1 => r.InstanceTag2,
        2 => r.AsgTag,
        _ => r.AsgTag2,
    };

    /// <summary>The record's value of the query's key: the first mapped field for that key with a value; none when no field has one.</summary>
    public FlowTagValue QueryKeyValue(in FlowRecord r)
    {
        foreach (int slot in _queryKeySlots)
        {
            FlowTagValue v = Slot(r, slot);
            if (v.HasValue)
            {
                return v;
            }
        }

        return FlowTagValue.None;
    }

    /// <summary>Whether any mapped field of the record has a value.</summary>
    public bool AnyValue(in FlowRecord r)
    {
        foreach ((int slot, _) in Mapped)
        {
            if (Slot(r, slot).HasValue)
            {
                return true;
            }
        }

        return false;
    }
}

// Question 1 with the flow record as evidence: the readable reference the one pass's step is tested against.
public static partial class FlowPredicates
{
    /// <summary>
    /// Question 1's whole test for one record, as docs/semantics.md states it: an OK record on the query's port and
    /// protocol, inbound to its interface (or, on an interface the evidence does not know, with flow-direction
    /// <c>ingress</c>), whose instance — the attachment's, else the record's <c>instance-id</c> — is running and
    /// carries the tag (the index's tags, else the record's mapped tag field). Null when the record is not access.
    /// </summary>
    internal static FleetMatch? MatchFleet(EnvironmentIndex index, in FlowRecord r, AccessQuery query, TagFieldSlots? slots)
    {
        if (r.LogStatus != FlowLogStatus.Ok || r.DstPort != query.Port || r.Protocol != query.Protocol || r.Direction == FlowDirection.Egress)
        {
            return null;
        }

        InterfaceState? state = index.InterfaceAt(r.InterfaceId, r.Start);
        if (state is not { Exists: true })
        {
            state = null;
        }

        bool inbound = state is null ? r.Direction == FlowDirection.Ingress : IsInbound(state, r);
        if (!inbound)
        {
            return null;
        }

        string instanceId;
        bool running;
        FrozenDictionary<string, string> tags;
        EvidenceSource instanceFrom;
        if (state?.InstanceId is { } attached)
        {
            (instanceId, running, tags, instanceFrom) = (attached, state.InstanceRunning, state.InstanceTags, EvidenceSource.Index);
        }
        else if (r.InstanceId.HasValue)
        {
            InstanceState? known = index.InstanceAt(r.InstanceId, r.Start);
            instanceId = known?.InstanceId ?? r.InstanceId.ToString();
            running = RunsForRecord(known);
            tags = known?.Tags ?? FrozenDictionary<string, string>.Empty;
            instanceFrom = EvidenceSource.FlowRecord;
        }
        else
        {
            return null;
        }

        if (!running)
        {
            return null;
        }

        EvidenceSource tagFrom;
        if (tags.Count > 0)
        {
            if (!(tags.TryGetValue(query.TagKey, out string? v) && v == query.TagValue))
            {
                return null;
            }

            tagFrom = EvidenceSource.Index;
        }
        else
        {
            if (slots is null || slots.QueryKeyValue(r) != slots.QueryValue)
            {
                return null;
            }

            tagFrom = EvidenceSource.FlowRecord;
        }

        return new FleetMatch(instanceId, state?.InterfaceId ?? r.InterfaceId.ToString(), state?.Groups ?? [], instanceFrom, tagFrom);
    }

    /// <summary>
    /// Whether an instance a record names is running for that record: as the evidence says when it stated the running
    /// state; taken as running when it did not, or does not know the instance (traffic flowed).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool RunsForRecord(InstanceState? known) => known is not { RunningKnown: true } || known.Running;
}

/// <summary>
/// The instance states of records' <c>instance-id</c>s through a small direct-mapped cache (records of one instance
/// come in runs). One per thread of the pass; colliding ids only cost misses.
/// </summary>
internal sealed class InstanceLookup(EnvironmentIndex index)
{
    private const int Bits = 6;
    private readonly Entry[] _entries = new Entry[1 << Bits];

    public InstanceState? At(InstanceKey id, long start)
    {
        ref Entry e = ref _entries[(int)(((id.Low ^ id.High) * 0x9E3779B97F4A7C15UL) >> (64 - Bits))];
        if (e.Filled && e.Id == id && start >= e.From && start < e.To)
        {
            return e.State;
        }

        // An unknown instance is cached for all time; a record before a known instance's first state gets an empty
        // range (from = to = 0), so it is asked again next time.
        InstanceState? state = index.InstanceAt(id, start, out long from, out long to);
        e = new Entry { Filled = true, Id = id, From = from, To = to, State = state };
        return state;
    }

    private struct Entry
    {
        public bool Filled;
        public InstanceKey Id;
        public long From;
        public long To;
        public InstanceState? State;
    }
}
