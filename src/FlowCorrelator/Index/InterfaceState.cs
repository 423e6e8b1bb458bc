using System.Collections.Frozen;
using System.Collections.Immutable;
using System.Runtime.CompilerServices;

namespace FlowCorrelator.Index;

/// <summary>
/// Everything the engine knows about one network interface during one stretch of time: the instance attached to it
/// (and whether that instance was running and which tags it had), the interface's security groups and its private
/// addresses. Immutable; shared by every flow record that falls in the stretch.
/// </summary>
public sealed class InterfaceState
{
    internal InterfaceState(
        string interfaceId,
        bool exists,
        string? instanceId,
        bool instanceRunning,
        FrozenDictionary<string, string> instanceTags,
        ImmutableArray<string> groups,
        string groupsKey,
        ImmutableArray<IpAddr> addresses,
        ImmutableArray<IpNetwork> prefixes,
        RuleSchedule rules,
        int[] groupOrdinals,
        int stateOrdinal,
        int attachmentOrdinal)
    {
        InterfaceId = interfaceId;
        Exists = exists;
        InstanceId = instanceId;
        InstanceKey = InstanceKey.Parse(instanceId);
        InstanceRunning = instanceRunning;
        InstanceTags = instanceTags;
        Groups = groups;
        GroupsKey = groupsKey;
        Addresses = addresses;
        Prefixes = prefixes;
        Rules = rules;
        GroupOrdinals = groupOrdinals;
        StateOrdinal = stateOrdinal;
        AttachmentOrdinal = attachmentOrdinal;
    }

    /// <summary>Interface id.</summary>
    public string InterfaceId { get; }

    /// <summary>False once the interface was deleted.</summary>
    public bool Exists { get; }

    /// <summary>Attached instance, or null.</summary>
    public string? InstanceId { get; }

    /// <summary><see cref="InstanceId"/> as the flow record's <c>instance-id</c> is read, to compare the two per record.</summary>
    internal InstanceKey InstanceKey { get; }

    /// <summary>True when an instance is attached and running.</summary>
    public bool InstanceRunning { get; }

    /// <summary>Tags of the attached instance (empty when none).</summary>
    public FrozenDictionary<string, string> InstanceTags { get; }

    /// <summary>Security groups, sorted ordinally.</summary>
    public ImmutableArray<string> Groups { get; }

    /// <summary>Groups joined with commas (a grouping key).</summary>
    public string GroupsKey { get; }

    /// <summary>
    /// The interface's VPC when some event or snapshot stated it (an interface never changes VPC, so the last value the
    /// evidence gave holds for the whole history); null when unknown.
    /// </summary>
    public string? VpcId { get; internal init; }

    /// <summary>Private addresses (IPv4 and IPv6).</summary>
    public ImmutableArray<IpAddr> Addresses { get; }

    /// <summary>
    /// Delegated prefixes (IPv4 /28, IPv6 /80 of prefix delegation, as the VPC CNI assigns them for pod addresses): every
    /// address inside one is the interface's.
    /// </summary>
    public ImmutableArray<IpNetwork> Prefixes { get; }

    /// <summary>
    /// The ingress rules of all <see cref="Groups"/> compiled for matching (shared by the states holding the same
    /// groups): one lookup per record instead of one binary search per group.
    /// </summary>
    internal RuleSchedule Rules { get; }

    /// <summary>Ordinals of <see cref="Groups"/> within the index (referenced-group rules compare these, not strings).</summary>
    internal int[] GroupOrdinals { get; }

    /// <summary>Dense number of this state within its index, so per-pass caches can be arrays (see <c>EnvironmentIndex.StateCount</c>).</summary>
    internal int StateOrdinal { get; }

    /// <summary>Number of this state's (instance, interface, groups) triple; equal triples share it.</summary>
    internal int AttachmentOrdinal { get; }

    /// <summary>Whether <paramref name="address"/> is one of the interface's addresses, or inside one of its prefixes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool HasAddress(IpAddr address)
    {
        foreach (IpAddr a in Addresses.AsSpan())
        {
            if (a.Low == address.Low && a.High == address.High)
            {
                return true;
            }
        }

        return !Prefixes.IsEmpty && InPrefix(address);
    }

    private bool InPrefix(IpAddr address)
    {
        foreach (IpNetwork p in Prefixes.AsSpan())
        {
            if (p.Contains(address))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Whether the attached instance has tag <paramref name="key"/> = <paramref name="value"/>.</summary>
    public bool InstanceHasTag(string key, string value) =>
        InstanceTags.TryGetValue(key, out string? v) && string.Equals(v, value, StringComparison.Ordinal);

    /// <summary>Whether the interface holds the group numbered <paramref name="groupOrdinal"/>.</summary>
    internal bool HasGroupOrdinal(int groupOrdinal)
    {
        foreach (int g in GroupOrdinals)
        {
            if (g == groupOrdinal)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Whether the interface holds the group.</summary>
    public bool HasGroup(string groupId)
    {
        foreach (string g in Groups)
        {
            if (string.Equals(g, groupId, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }
}

/// <summary>An ingress or egress rule as it stood during some stretch of time, with its peer pre-parsed for matching.</summary>
public sealed class RuleDefinition
{
    internal RuleDefinition(string ruleId, int ordinal, SecurityGroupRuleSpec spec)
    {
        RuleId = ruleId;
        Ordinal = ordinal;
        Spec = spec;
        Protocol = spec.Protocol;
        FromPort = spec.FromPort ?? -1;
        ToPort = spec.ToPort ?? -1;
        if (spec.Cidr is { } cidr && IpNetwork.TryParse(cidr, out IpNetwork network))
        {
            HasNetwork = true;
            ParsedNetwork = network;
        }
    }

    /// <summary>Rule id.</summary>
    public string RuleId { get; }

    /// <summary>The definition as CloudTrail stated it.</summary>
    public SecurityGroupRuleSpec Spec { get; }

    /// <summary>IANA protocol; -1 all.</summary>
    public int Protocol { get; }

    /// <summary>First port; -1 when absent.</summary>
    public int FromPort { get; }

    /// <summary>Last port; -1 when absent.</summary>
    public int ToPort { get; }

    /// <summary>True when the peer is a CIDR (then <see cref="ParsedNetwork"/> holds it): the per-record check reads these fields, not a nullable copy.</summary>
    internal bool HasNetwork { get; }

    /// <summary>The CIDR peer when <see cref="HasNetwork"/>.</summary>
    internal IpNetwork ParsedNetwork { get; }

    /// <summary>The CIDR peer, parsed.</summary>
    public IpNetwork? Network => HasNetwork ? ParsedNetwork : null;

    /// <summary>Dense number of <see cref="RuleId"/> within its index (see <c>EnvironmentIndex.RuleIds</c>), given by the builder when it first meets the id.</summary>
    internal int Ordinal { get; }

    /// <summary>
    /// Whether a packet of <paramref name="protocol"/> to <paramref name="dstPort"/> matches the rule's protocol
    /// and port range (protocol -1 matches everything; ICMP rules match any port; absent ports mean all ports).
    /// </summary>
    public bool MatchesProtocolAndPort(int protocol, int dstPort)
    {
        if (Protocol == -1)
        {
            return true;
        }

        if (Protocol != protocol)
        {
            return false;
        }

        if (Protocol is 1 or 58)
        {
            return true;
        }

        if (FromPort < 0 && ToPort < 0)
        {
            return true;
        }

        return dstPort >= FromPort && dstPort <= (ToPort < 0 ? FromPort : ToPort);
    }
}
