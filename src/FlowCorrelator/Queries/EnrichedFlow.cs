using System.Collections.Frozen;
using System.Globalization;
using System.Runtime.CompilerServices;
using FlowCorrelator.Index;
using FlowCorrelator.Ingest;

namespace FlowCorrelator.Queries;

/// <summary>
/// One flow record with what the index knew at the record's start: the flow-log fields the file had (any version),
/// the direction relative to the interface, the interface's instance, the instance's tags and running state, the
/// interface's security groups and VPC, the peer's attribution when the peer address was held by a known interface,
/// and the scanner flag. The fields of <c>flowcorrelator query</c> and the columns of <c>flowcorrelator enrich</c>
/// (docs/query.md).
/// </summary>
/// <remarks>
/// One instance is reused for every record a thread reads (<see cref="FlowEnricher"/> refills it), so nothing is
/// allocated per record: typed fields are read from the parsed <see cref="FlowRecord"/> and the shared
/// <see cref="InterfaceState"/>; text columns the record struct does not carry (<c>subnet-id</c>, ECS fields, …) are
/// copied out of the line only when the enricher was asked for them (<see cref="FlowEnricher(EnvironmentIndex, ScannerList, IEnumerable{FlowField}?)"/>),
/// and the peer's attribution is looked up on first use. Read it during the callback; keep values, not the instance.
/// </remarks>
public sealed partial class EnrichedFlow
{
    private const string Inbound = "inbound";
    private const string Outbound = "outbound";
    private const string Unknown = "unknown";

    private readonly EnvironmentIndex _index;
    private readonly ScannerList _scanners;
    private readonly string?[] _texts = new string?[64];
    private readonly ulong _requested;
    private FlowRecord _record;
    private InterfaceState? _state;
    private string _direction = Unknown;
    private bool _peerResolved;
    private InterfaceState? _peer;
    private CompiledRule[]? _rules;
    private readonly InstanceLookup _instances;
    private bool _instanceResolved;
    private InstanceState? _recordInstance;
    private string? _recordInstanceId;

    internal EnrichedFlow(EnvironmentIndex index, ScannerList scanners, ulong requestedTextFields)
    {
        _index = index;
        _scanners = scanners;
        _requested = requestedTextFields;
        _instances = new InstanceLookup(index);
    }

    /// <summary>The parsed record.</summary>
    public FlowRecord Record => _record;

    /// <summary>The interface's state at the record's start (null when the index does not know the interface then, or it was deleted).</summary>
    public InterfaceState? Interface => _state;

    // ---- Enriched fields (as of the record's start) ----

    /// <summary>
    /// <c>inbound</c>, <c>outbound</c> or <c>unknown</c>, relative to the record's interface: the file's
    /// <c>flow-direction</c> when it has one; otherwise inbound when the destination is one of the interface's
    /// addresses at the time, outbound when the source is; <c>unknown</c> for NODATA/SKIPDATA rows and when neither is
    /// known (questions 1 and 5 read the inbound records of known interfaces: docs/semantics.md).
    /// </summary>
    public string Direction => _direction;

    /// <summary>Whether the index knew the interface (existing, not deleted) at the record's start.</summary>
    public bool InterfaceKnown => _state is not null;

    /// <summary>
    /// The record's instance, as question 1 attributes it (docs/semantics.md, "The flow record as evidence"): the one
    /// attached to the interface at the record's start, from CloudTrail; else the record's own <c>instance-id</c>
    /// (version 3+); null when neither says.
    /// </summary>
    public string? InstanceId => _state?.InstanceId is { } attached ? attached : RecordInstanceId;

    /// <summary>Who named <see cref="InstanceId"/>: <c>index</c>, <c>flowRecord</c>, or null when no one did.</summary>
    public string? InstanceFrom => _state?.InstanceId is not null ? EvidenceSource.Index.ToWireName() : _record.InstanceId.HasValue ? EvidenceSource.FlowRecord.ToWireName() : null;

    /// <summary>
    /// Whether that instance was running: the attachment's state; for an instance named by the record, as the evidence
    /// says, or true when it never said (traffic flowed).
    /// </summary>
    public bool InstanceRunning => _state?.InstanceId is not null ? _state.InstanceRunning : _record.InstanceId.HasValue && FlowPredicates.RunsForRecord(RecordInstance);

    /// <summary>The interface's security groups, sorted and joined with commas (empty when unknown).</summary>
    public string Groups => _state?.GroupsKey ?? string.Empty;

    /// <summary>The interface's VPC, from CloudTrail or a snapshot (null when the evidence never said).</summary>
    public string? VpcId => _state?.VpcId;

    /// <summary>The instance's tags as <c>key=value</c> pairs, sorted by key and joined with <c>;</c> (built on each read).</summary>
    public string Tags => JoinTags(InstanceTags);

    /// <summary>The address at the other end: the source of an inbound record, the destination of an outbound one, the source otherwise.</summary>
    public IpAddr PeerAddr => _direction == Outbound ? _record.DstAddr : _record.SrcAddr;

    /// <summary>Whether <see cref="PeerAddr"/> is in a known scanner range (question 1's <c>scanner</c> flag, question 5's noise).</summary>
    public bool Scanner => _scanners.Contains(PeerAddr);

    /// <summary>The interface that held <see cref="PeerAddr"/> at the record's start, when the index knows one.</summary>
    public string? PeerInterfaceId => Peer?.InterfaceId;

    /// <summary>The instance attached to the peer's interface then.</summary>
    public string? PeerInstanceId => Peer?.InstanceId;

    /// <summary>The peer's security groups, joined with commas (empty when the peer is not attributed).</summary>
    public string PeerGroups => Peer?.GroupsKey ?? string.Empty;

    /// <summary>The peer instance's tags as <c>key=value;…</c>.</summary>
    public string PeerTags => JoinTags(Peer?.InstanceTags);

    /// <summary>
    /// Ids of the ingress rules in force on the interface's groups that allow this record (protocol, port and peer),
    /// joined with commas: what question 5 counts for an inbound ACCEPT record. Built on each read.
    /// </summary>
    public string Rules
    {
        get
        {
            CompiledRule[] rules = RulesInForce();
            var ids = new List<string>();
            foreach (ref readonly CompiledRule rule in rules.AsSpan())
            {
                if (Allows(rule))
                {
                    ids.Add(_index.RuleIds[rule.Ordinal]);
                }
            }

            ids.Sort(StringComparer.Ordinal);
            return string.Join(',', ids);
        }
    }

    /// <summary>The instance's tag <paramref name="key"/> at the record's start, or null.</summary>
    public string? Tag(string key) => InstanceTags is { } tags && tags.TryGetValue(key, out string? v) ? v : null;

    /// <summary>The peer instance's tag <paramref name="key"/>, or null.</summary>
    public string? PeerTag(string key) => Peer is { } p && p.InstanceTags.TryGetValue(key, out string? v) ? v : null;

    /// <summary>Whether the interface held security group <paramref name="groupId"/> at the record's start.</summary>
    public bool HasGroup(string groupId) => _state is not null && _state.HasGroup(groupId);

    /// <summary>Whether the ingress rule <paramref name="ruleId"/> was in force on the interface's groups and allows the record (see <see cref="Rules"/>).</summary>
    public bool MatchesRule(string ruleId)
    {
        foreach (ref readonly CompiledRule rule in RulesInForce().AsSpan())
        {
            if (Allows(rule) && string.Equals(_index.RuleIds[rule.Ordinal], ruleId, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Whether <paramref name="address"/> lies in <paramref name="cidr"/> (false for an absent address or a block of the other family).</summary>
    /// <remarks>An instance member so that a query can call it as <c>inCidr(srcaddr, "…")</c>; a compiled query parses the block once.</remarks>
    /// <exception cref="FormatException"><paramref name="cidr"/> is not a CIDR block.</exception>
#pragma warning disable CA1822 // called on the record by query text
    public bool InCidr(IpAddr address, string cidr) => IpNetwork.Parse(cidr).Contains(address);
#pragma warning restore CA1822

    /// <summary>The compiled form of <see cref="InCidr(IpAddr, string)"/>: the block parsed once, when the query is compiled.</summary>
    internal static bool InNetwork(IpAddr address, IpNetwork network) => network.Contains(address);

    /// <summary>Refills the instance for <paramref name="record"/>, whose interface state at its start is <paramref name="state"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void Set(in FlowRecord record, InterfaceState? state)
    {
        _record = record;
        _state = state is { Exists: true } ? state : null;
        _peerResolved = false;
        _instanceResolved = false;
        _recordInstanceId = null;
        _rules = null;
        _direction = DirectionOf(record, _state);
    }

    internal void SetText(FlowField field, string? text) => _texts[(int)field] = text;

    /// <summary>
    /// The name a query and an export use for a property: the <c>flows --format json</c> name for flow-log fields
    /// (<c>srcaddr</c>, <c>dstport</c>, <c>logStatus</c>), camelCase for the rest (<c>instanceId</c>).
    /// </summary>
    internal static string FieldName(string propertyName) => propertyName switch
    {
        nameof(SrcAddr) => "srcaddr",
        nameof(DstAddr) => "dstaddr",
        nameof(SrcPort) => "srcport",
        nameof(DstPort) => "dstport",
        _ => char.ToLowerInvariant(propertyName[0]) + propertyName[1..],
    };

    private static string DirectionOf(in FlowRecord record, InterfaceState? state)
    {
        if (record.LogStatus != FlowLogStatus.Ok)
        {
            return Unknown;
        }

        switch (record.Direction)
        {
            case Model.FlowDirection.Ingress:
                return Inbound;
            case Model.FlowDirection.Egress:
                return Outbound;
        }

        if (state is null)
        {
            return Unknown;
        }

        // The same test as FlowPredicates.IsInbound for records without flow-direction.
        return state.HasAddress(record.DstAddr) ? Inbound : state.HasAddress(record.SrcAddr) ? Outbound : Unknown;
    }

    private InterfaceState? Peer
    {
        get
        {
            if (!_peerResolved)
            {
                _peerResolved = true;
                IpAddr peer = PeerAddr;
                _peer = peer.HasValue && _index.InterfaceOfAddress(peer, _record.Start) is { } eni && _index.InterfaceAt(eni, _record.Start) is { Exists: true } s ? s : null;
            }

            return _peer;
        }
    }

    /// <summary>The tags of <see cref="InstanceId"/> at the record's start (null when there is no instance).</summary>
    private FrozenDictionary<string, string>? InstanceTags =>
        _state?.InstanceId is not null ? _state.InstanceTags : _record.InstanceId.HasValue ? RecordInstance?.Tags : null;

    /// <summary>What the index knows of the instance the record names (looked up on first use, through a cache).</summary>
    private InstanceState? RecordInstance
    {
        get
        {
            if (!_instanceResolved)
            {
                _instanceResolved = true;
                _recordInstance = _record.InstanceId.HasValue ? _instances.At(_record.InstanceId, _record.Start) : null;
            }

            return _recordInstance;
        }
    }

    private string? RecordInstanceId => _record.InstanceId.HasValue ? _recordInstanceId ??= RecordInstance?.InstanceId ?? _record.InstanceId.ToString() : null;

    private CompiledRule[] RulesInForce() =>
        _rules ??= _state is not null && _direction == Inbound && _record.Action == FlowAction.Accept ? _state.Rules.At(_record.Start) : [];

    private bool Allows(in CompiledRule rule) =>
        rule.MatchesProtocolAndPort(_record.Protocol, _record.DstPort) &&
        (rule.Peer == RulePeer.Group
            ? _index.AddressInGroup(_record.SrcAddr, rule.GroupOrdinal, _record.Start)
            : rule.NetworkContains(_record.SrcAddr.High, _record.SrcAddr.Low));

    private static string JoinTags(FrozenDictionary<string, string>? tags)
    {
        if (tags is null || tags.Count == 0)
        {
            return string.Empty;
        }

        return string.Join(';', tags.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => kv.Key + "=" + kv.Value));
    }

    private string? Text(FlowField field)
    {
        if ((_requested & (1UL << (int)field)) == 0)
        {
            ThrowNotRequested(field);
        }

        return _texts[(int)field];
    }

    private static void ThrowNotRequested(FlowField field) =>
        throw new InvalidOperationException($"The enricher was not asked for the text column '{FlowFieldNames.NameOf(field)}'; pass it in the FlowEnricher's text fields.");

    private static string? Num(long value) => value < 0 ? null : value.ToString(CultureInfo.InvariantCulture);
}
