using System.Collections.Frozen;
using System.Collections.Immutable;
using FlowCorrelator.Ingest;

namespace FlowCorrelator.Index;

/// <summary>
/// The state of an AWS environment over time, rebuilt from CloudTrail (and optional describe-* snapshots): which
/// instance held which interface and address, which tags the instance had, which security groups each interface had,
/// and which rules each group had, for any instant. Built once, then read-only and safe to share between threads.
/// </summary>
/// <remarks>
/// Every fact is valid over a half-open interval <c>[from, to)</c> of Unix seconds; lookups are binary searches over
/// sorted arrays. Resources CloudTrail never mentions are unknown (lookups return null), never guessed.
/// See docs/semantics.md for the exact rules.
/// </remarks>
/// <threadsafety>Immutable after <see cref="Build"/>; all members are thread-safe.</threadsafety>
public sealed class EnvironmentIndex
{
    private readonly FrozenDictionary<EniId, Timeline<InterfaceState>> _interfaces;
    private readonly FrozenDictionary<InstanceKey, Timeline<InstanceState>> _instances;
    private readonly FrozenDictionary<string, Timeline<RuleDefinition[]>> _ingressRules;
    private readonly FrozenDictionary<IpAddr, AddressOwner[]> _addressOwners;

    /// <summary>Delegated prefixes over time (few; scanned only when an address has no owner of its own).</summary>
    private readonly PrefixOwner[] _prefixOwners;

    // The same maps as seeded open-addressing tables, for the per-record lookups (see Key128Map).
    private readonly Key128Map<Timeline<InterfaceState>> _interfaceTable;
    private readonly Key128Map<AddressOwner[]> _addressTable;

    /// <summary>Takes the parts <see cref="IndexBuilder"/> froze; every derived number and table is already in them.</summary>
    internal EnvironmentIndex(
        FrozenDictionary<EniId, Timeline<InterfaceState>> interfaces,
        FrozenDictionary<InstanceKey, Timeline<InstanceState>> instances,
        FrozenDictionary<string, Timeline<RuleDefinition[]>> ingressRules,
        FrozenDictionary<IpAddr, AddressOwner[]> addressOwners,
        PrefixOwner[] prefixOwners,
        ImmutableArray<InterfaceState> attachmentStates,
        int stateCount,
        ImmutableArray<string> ruleIds,
        ImmutableArray<GroupRecord> groups,
        ImmutableArray<RuleChangeRecord> ruleChanges,
        ImmutableArray<GroupSetChangeRecord> groupSetChanges,
        ImmutableArray<TimelineEntry> history,
        ImmutableArray<InputProblem> problems,
        IndexStatistics statistics)
    {
        _interfaces = interfaces;
        _instances = instances;
        _ingressRules = ingressRules;
        _addressOwners = addressOwners;
        _prefixOwners = prefixOwners;
        _interfaceTable = new([.. interfaces.Select(kv => (kv.Key.High, kv.Key.Low, kv.Value))]);
        _addressTable = new([.. addressOwners.Select(kv => (kv.Key.High, kv.Key.Low, kv.Value))]);
        AttachmentStates = attachmentStates;
        StateCount = stateCount;
        RuleIds = ruleIds;
        Groups = groups;
        RuleChanges = ruleChanges;
        GroupSetChanges = groupSetChanges;
        History = history;
        Problems = problems;
        Statistics = statistics;
    }

    /// <summary>One representative state per (instance, interface, groups) triple, indexed by <see cref="InterfaceState.AttachmentOrdinal"/>.</summary>
    internal ImmutableArray<InterfaceState> AttachmentStates { get; }

    /// <summary>Number of interface states (<see cref="InterfaceState.StateOrdinal"/> runs from 0 to this, exclusive).</summary>
    internal int StateCount { get; }

    /// <summary>An index that knows nothing.</summary>
    public static EnvironmentIndex Empty { get; } = Build([]);

    /// <summary>Every rule touched by a successful rule call, in event order (question 2 builds its rows from these).</summary>
    internal ImmutableArray<RuleChangeRecord> RuleChanges { get; }

    /// <summary>Group sets replaced after launch, in event order (question 3 builds its rows from these).</summary>
    internal ImmutableArray<GroupSetChangeRecord> GroupSetChanges { get; }

    /// <summary>Every change to every resource, in event order (the <c>timeline</c> view).</summary>
    public ImmutableArray<TimelineEntry> History { get; }

    /// <summary>Counts of events applied, failed, ignored.</summary>
    public IndexStatistics Statistics { get; }

    /// <summary>
    /// Successful events the index could not apply because the evidence cannot tell which resource they changed (e.g. a
    /// DeleteSecurityGroup or Authorize/RevokeSecurityGroupIngress that names a group only by a name several groups
    /// share), one problem per event, located in the event's source file. The workspace adds them to that file's
    /// report.
    /// </summary>
    public ImmutableArray<InputProblem> Problems { get; }

    /// <summary>Every security group the evidence mentions.</summary>
    internal ImmutableArray<GroupRecord> Groups { get; }

    /// <summary>
    /// Every ingress rule id, indexed by <see cref="RuleDefinition.Ordinal"/>: per-record aggregation indexes an array
    /// by ordinal instead of hashing the rule id string for every hit.
    /// </summary>
    internal ImmutableArray<string> RuleIds { get; }

    /// <summary>Number of interfaces known.</summary>
    public int InterfaceCount => _interfaces.Count;

    /// <summary>
    /// Builds the index from CloudTrail events (any order: applied snapshots first, then by time, kind of change and
    /// event id; a repeated event id is applied once, the first copy given kept) and snapshot events. Failed calls and
    /// events without a typed change are counted, not applied.
    /// </summary>
    public static EnvironmentIndex Build(IEnumerable<CloudTrailEvent> events)
    {
        ArgumentNullException.ThrowIfNull(events);
        return new IndexBuilder().Build(events);
    }

    /// <summary>Number of instances the evidence stated something of.</summary>
    public int InstanceCount => _instances.Count;

    /// <summary>
    /// What the evidence says of an instance at <paramref name="unixSeconds"/> (running, tags), whether or not it linked
    /// the instance to an interface; null when it says nothing of it by then.
    /// </summary>
    public InstanceState? InstanceAt(InstanceKey instanceId, long unixSeconds) =>
        _instances.TryGetValue(instanceId, out Timeline<InstanceState>? timeline) ? timeline.At(unixSeconds) : null;

    /// <summary><see cref="InstanceAt(InstanceKey, long)"/> plus the state's validity, for the per-record step's cache.</summary>
    internal InstanceState? InstanceAt(InstanceKey instanceId, long unixSeconds, out long from, out long to)
    {
        if (_instances.TryGetValue(instanceId, out Timeline<InstanceState>? timeline))
        {
            return timeline.At(unixSeconds, out from, out to);
        }

        from = long.MinValue;
        to = long.MaxValue;
        return null;
    }

    /// <summary>The interface's state at <paramref name="unixSeconds"/>, or null when unknown at that time.</summary>
    public InterfaceState? InterfaceAt(EniId interfaceId, long unixSeconds) =>
        _interfaceTable.Find(interfaceId.High, interfaceId.Low)?.At(unixSeconds);

    /// <summary>
    /// <see cref="InterfaceAt(EniId, long)"/> plus the state's validity [<paramref name="from"/>, <paramref name="to"/>),
    /// for the per-record step's cache.
    /// </summary>
    internal InterfaceState? InterfaceAt(EniId interfaceId, long unixSeconds, out long from, out long to)
    {
        if (_interfaceTable.Find(interfaceId.High, interfaceId.Low) is { } timeline)
        {
            return timeline.At(unixSeconds, out from, out to);
        }

        from = to = 0;
        return null;
    }

    /// <summary>The interface's state at <paramref name="time"/>, or null when unknown at that time.</summary>
    public InterfaceState? InterfaceAt(string interfaceId, DateTimeOffset time) => InterfaceAt(EniId.Parse(interfaceId), time.ToUnixTimeSeconds());

    /// <summary>Ingress rules of the group in force at <paramref name="unixSeconds"/> (empty when none or unknown).</summary>
    public ReadOnlySpan<RuleDefinition> IngressRulesAt(string groupId, long unixSeconds) =>
        _ingressRules.TryGetValue(groupId, out Timeline<RuleDefinition[]>? timeline) ? timeline.At(unixSeconds) ?? [] : [];

    /// <summary>The interface that held <paramref name="address"/> at <paramref name="unixSeconds"/>, if known.</summary>
    public EniId? InterfaceOfAddress(IpAddr address, long unixSeconds)
    {
        if (_addressOwners.TryGetValue(address, out AddressOwner[]? owners))
        {
            foreach (AddressOwner o in owners)
            {
                if (unixSeconds >= o.From && unixSeconds < o.To)
                {
                    return o.Interface;
                }
            }
        }

        foreach (PrefixOwner p in _prefixOwners)
        {
            if (unixSeconds >= p.From && unixSeconds < p.To && p.Prefix.Contains(address))
            {
                return p.Interface;
            }
        }

        return null;
    }

    /// <summary>Whether, at <paramref name="unixSeconds"/>, the address belongs to an interface holding <paramref name="groupId"/>.</summary>
    /// <remarks>The same private address can be live in several VPCs at once; groups belong to one VPC, so any holder of the group counts.</remarks>
    public bool AddressInGroup(IpAddr address, string groupId, long unixSeconds)
    {
        if (_addressOwners.TryGetValue(address, out AddressOwner[]? owners))
        {
            foreach (AddressOwner o in owners)
            {
                if (unixSeconds >= o.From && unixSeconds < o.To && InterfaceAt(o.Interface, unixSeconds) is { Exists: true } state && state.HasGroup(groupId))
                {
                    return true;
                }
            }
        }

        foreach (PrefixOwner p in _prefixOwners)
        {
            if (unixSeconds >= p.From && unixSeconds < p.To && p.Prefix.Contains(address) &&
                p.Timeline?.At(unixSeconds) is { Exists: true } state && state.HasGroup(groupId))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Whether, at <paramref name="unixSeconds"/>, the address belongs to an interface holding the group numbered
    /// <paramref name="groupOrdinal"/> (see <see cref="CompiledRule.GroupOrdinal"/>): the per-record form of
    /// <see cref="AddressInGroup(IpAddr, string, long)"/>, comparing ints and skipping the interface lookup.
    /// </summary>
    internal bool AddressInGroup(IpAddr address, int groupOrdinal, long unixSeconds)
    {
        if (_addressTable.Find(address.High, address.Low) is { } owners)
        {
            foreach (AddressOwner o in owners)
            {
                if (unixSeconds >= o.From && unixSeconds < o.To && o.Timeline?.At(unixSeconds) is { Exists: true } state && state.HasGroupOrdinal(groupOrdinal))
                {
                    return true;
                }
            }
        }

        return _prefixOwners.Length != 0 && PrefixInGroup(address, groupOrdinal, unixSeconds);
    }

    private bool PrefixInGroup(IpAddr address, int groupOrdinal, long unixSeconds)
    {
        foreach (PrefixOwner p in _prefixOwners)
        {
            if (unixSeconds >= p.From && unixSeconds < p.To && p.Prefix.Contains(address) &&
                p.Timeline?.At(unixSeconds) is { Exists: true } state && state.HasGroupOrdinal(groupOrdinal))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Every instance's own history (running, tags), for export.</summary>
    internal IEnumerable<(InstanceKey Instance, long[] Times, InstanceState[] States)> InstanceHistories()
    {
        foreach (KeyValuePair<InstanceKey, Timeline<InstanceState>> kv in _instances.OrderBy(kv => kv.Value.Values[0].InstanceId, StringComparer.Ordinal))
        {
            yield return (kv.Key, kv.Value.Times.ToArray(), kv.Value.Values.ToArray());
        }
    }

    /// <summary>Every interface's full history (for export and the timeline view).</summary>
    public IEnumerable<(EniId Interface, ReadOnlyMemory<long> Times, IReadOnlyList<InterfaceState> States)> InterfaceHistories()
    {
        foreach (KeyValuePair<EniId, Timeline<InterfaceState>> kv in _interfaces.OrderBy(kv => kv.Key))
        {
            yield return (kv.Key, kv.Value.Times.ToArray(), kv.Value.Values.ToArray());
        }
    }

    /// <summary>
    /// Every group's ingress-rule history, ordered by group id: the change times and the rules in force from each
    /// (read-only; for export). Times are Unix seconds; a snapshot's state starts at <c>long.MinValue / 2</c>.
    /// </summary>
    internal IEnumerable<(string GroupId, long[] Times, RuleDefinition[][] Rules)> IngressRuleHistories()
    {
        foreach (KeyValuePair<string, Timeline<RuleDefinition[]>> kv in _ingressRules.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            yield return (kv.Key, kv.Value.Times.ToArray(), kv.Value.Values.ToArray());
        }
    }
}

/// <summary>Counts from building the index.</summary>
/// <param name="EventsRead">Events given, repeated <c>eventID</c>s included (so <paramref name="Duplicates"/> is part of it).</param>
/// <param name="Duplicates">Events dropped as duplicate event ids.</param>
/// <param name="Applied">Successful events with a typed change, applied.</param>
/// <param name="Failed">Events with an error code (including dry runs); nothing applied.</param>
/// <param name="Ignored">Successful events the index has no use for or could not apply (counted only; the latter are in <see cref="EnvironmentIndex.Problems"/>).</param>
/// <param name="FirstEvent">Earliest event time.</param>
/// <param name="LastEvent">Latest event time.</param>
public sealed record IndexStatistics(long EventsRead, long Duplicates, long Applied, long Failed, long Ignored, DateTimeOffset? FirstEvent, DateTimeOffset? LastEvent);

/// <summary>A delegated prefix held by an interface over <c>[From, To)</c>, as <see cref="AddressOwner"/> for one address.</summary>
internal readonly record struct PrefixOwner(IpNetwork Prefix, long From, long To, EniId Interface, Timeline<InterfaceState>? Timeline);

/// <summary>An address held by an interface over <c>[From, To)</c>.</summary>
/// <param name="From">Start (Unix seconds).</param>
/// <param name="To">End, exclusive (<c>long.MaxValue</c> while held).</param>
/// <param name="Interface">The holder.</param>
/// <param name="Timeline">The holder's timeline (null when the index has none), resolved when the index is frozen.</param>
internal readonly record struct AddressOwner(long From, long To, EniId Interface, Timeline<InterfaceState>? Timeline);

/// <summary>What the evidence says about one security group over the whole history.</summary>
/// <param name="GroupId">Group id.</param>
/// <param name="GroupName">Name, when some event or snapshot stated it.</param>
/// <param name="CreatedInEvidence">Created by a CloudTrail event (not only known from a snapshot or a reference).</param>
/// <param name="DeletedAt">When it was deleted (Unix seconds), if it was.</param>
/// <param name="AttachEvidence">Named in the group set of a successful launch, interface creation, modification or snapshot.</param>
/// <param name="EverOnInterface">In some interface's group set at some time.</param>
/// <param name="Rules">Every rule the group ever had, by id, in order of first appearance.</param>
internal sealed record GroupRecord(
    string GroupId,
    string? GroupName,
    bool CreatedInEvidence,
    long? DeletedAt,
    bool AttachEvidence,
    bool EverOnInterface,
    ImmutableArray<RuleHistory> Rules);

/// <summary>Every definition one rule had, and when it was removed.</summary>
/// <param name="RuleId">Rule id.</param>
/// <param name="IsEgress">Direction.</param>
/// <param name="Definitions">Every definition, in order (the last is the current or final one).</param>
/// <param name="AddedAt">When it first became live (Unix seconds; snapshot state starts at <c>long.MinValue / 2</c>).</param>
/// <param name="RemovedAt">When it was last removed, or null while live.</param>
internal sealed record RuleHistory(string RuleId, bool IsEgress, ImmutableArray<SecurityGroupRuleSpec> Definitions, long AddedAt, long? RemovedAt);
