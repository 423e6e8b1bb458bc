using System.Collections.Immutable;

namespace FlowCorrelator.Model;

/// <summary>A tag (key and value; value may be null in DeleteTags, meaning any value).</summary>
public readonly record struct Tag(string Key, string? Value);

/// <summary>A security group named in a group set.</summary>
public readonly record struct GroupRef(string GroupId, string? GroupName = null);

/// <summary>
/// A security group rule as CloudTrail states it. <see cref="Protocol"/> is the IANA number, -1 for all protocols.
/// Ports are null when absent (protocol -1); for ICMP they are type and code. Exactly one of the peer members is set.
/// </summary>
public sealed record SecurityGroupRuleSpec
{
    /// <summary><c>sgr-…</c> id, when the event carries it (responses since mid-2021).</summary>
    public string? RuleId { get; init; }

    /// <summary>
    /// Owning group. Empty in a <see cref="RulesAuthorized"/> or <see cref="RulesRevoked"/> whose call named its group
    /// only by name: the group is the change's, once the index has resolved the name.
    /// </summary>
    public required string GroupId { get; init; }

    /// <summary>True for egress rules.</summary>
    public bool IsEgress { get; init; }

    /// <summary>IANA protocol number; -1 for all.</summary>
    public int Protocol { get; init; } = -1;

    /// <summary>First port (or ICMP type); null when absent.</summary>
    public int? FromPort { get; init; }

    /// <summary>Last port (or ICMP code); null when absent.</summary>
    public int? ToPort { get; init; }

    /// <summary>IPv4 CIDR peer.</summary>
    public string? CidrIpv4 { get; init; }

    /// <summary>IPv6 CIDR peer.</summary>
    public string? CidrIpv6 { get; init; }

    /// <summary>Prefix-list peer.</summary>
    public string? PrefixListId { get; init; }

    /// <summary>Referenced security group peer.</summary>
    public string? ReferencedGroupId { get; init; }

    /// <summary>Rule description.</summary>
    public string? Description { get; init; }

    /// <summary>The CIDR peer of either family, if any.</summary>
    public string? Cidr => CidrIpv4 ?? CidrIpv6;

    /// <summary>Whether two specs describe the same permission (ignoring id and description), as AWS matches revokes.</summary>
    public bool SamePermission(SecurityGroupRuleSpec other) =>
        GroupId == other.GroupId && IsEgress == other.IsEgress && Protocol == other.Protocol &&
        NormalizePort(FromPort, Protocol) == NormalizePort(other.FromPort, other.Protocol) &&
        NormalizePort(ToPort, Protocol) == NormalizePort(other.ToPort, other.Protocol) &&
        SameCidr(CidrIpv4, other.CidrIpv4) && SameCidr(CidrIpv6, other.CidrIpv6) &&
        PrefixListId == other.PrefixListId && ReferencedGroupId == other.ReferencedGroupId;

    private static int? NormalizePort(int? port, int protocol) => protocol == -1 ? null : port;

    private static bool SameCidr(string? a, string? b)
    {
        if (a is null || b is null)
        {
            return a is null && b is null;
        }

        return IpNetwork.TryParse(a, out IpNetwork na) && IpNetwork.TryParse(b, out IpNetwork nb) ? na == nb : a == b;
    }

    /// <summary>Maps a CloudTrail <c>ipProtocol</c> ("tcp", "udp", "icmp", "icmpv6", "-1", "all" or a number) to its IANA number; a missing one is not a protocol.</summary>
    public static bool TryParseProtocol(string? text, out int protocol)
    {
        protocol = -1;
        switch (text?.Trim().ToLowerInvariant())
        {
            case "-1" or "all": return true;
            case null or "": return false; // a missing protocol is damage, not "all traffic"
            case "tcp": protocol = 6; return true;
            case "udp": protocol = 17; return true;
            case "icmp": protocol = 1; return true;
            case "icmpv6" or "58": protocol = 58; return true;
            default:
                return int.TryParse(text, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out protocol) && protocol is >= -1 and <= 255;
        }
    }

    /// <summary>The protocol as users write it: tcp, udp, icmp, icmpv6, -1 or the number.</summary>
    public static string ProtocolName(int protocol) => protocol switch
    {
        -1 => "-1",
        6 => "tcp",
        17 => "udp",
        1 => "icmp",
        58 => "icmpv6",
        _ => protocol.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}

/// <summary>A network interface as a launch or create response describes it.</summary>
public sealed record NetworkInterfaceInfo
{
    /// <summary><c>eni-…</c>.</summary>
    public required string NetworkInterfaceId { get; init; }

    /// <summary>Attachment id when attached at launch.</summary>
    public string? AttachmentId { get; init; }

    /// <summary>Device index (0 = primary).</summary>
    public int DeviceIndex { get; init; }

    /// <summary>Subnet.</summary>
    public string? SubnetId { get; init; }

    /// <summary>VPC.</summary>
    public string? VpcId { get; init; }

    /// <summary>Private IPv4 addresses (primary first) and IPv6 addresses.</summary>
    public ImmutableArray<string> PrivateIps { get; init; } = [];

    /// <summary>Security groups, in the order given.</summary>
    public ImmutableArray<GroupRef> Groups { get; init; } = [];

    /// <summary>Tags on the interface.</summary>
    public ImmutableArray<Tag> Tags { get; init; } = [];

    /// <summary>The attachment's <c>deleteOnTermination</c>, when the event states it.</summary>
    public bool? DeleteOnTermination { get; init; }

    /// <summary>Interface type (interface, lambda, nat_gateway, trunk, branch, …).</summary>
    public string? InterfaceType { get; init; }

    /// <summary>Delegated prefixes (CIDR text): <c>ipv4PrefixSet</c> and <c>ipv6PrefixSet</c> of the response.</summary>
    public ImmutableArray<string> Prefixes { get; init; } = [];
}

/// <summary>An instance as a RunInstances response (or a describe-instances snapshot) describes it.</summary>
public sealed record InstanceInfo
{
    /// <summary><c>i-…</c>.</summary>
    public required string InstanceId { get; init; }

    /// <summary>Subnet.</summary>
    public string? SubnetId { get; init; }

    /// <summary>VPC.</summary>
    public string? VpcId { get; init; }

    /// <summary>Primary private IPv4.</summary>
    public string? PrivateIp { get; init; }

    /// <summary>Instance-level group set.</summary>
    public ImmutableArray<GroupRef> Groups { get; init; } = [];

    /// <summary>Instance tags (response <c>tagSet</c> plus request <c>tagSpecificationSet</c> for resourceType instance).</summary>
    public ImmutableArray<Tag> Tags { get; init; } = [];

    /// <summary>Network interfaces attached at launch.</summary>
    public ImmutableArray<NetworkInterfaceInfo> NetworkInterfaces { get; init; } = [];

    /// <summary>State name from the response or snapshot (pending, running, stopped, …).</summary>
    public string? State { get; init; }
}

/// <summary>What a successful EC2 call changed. One subtype per kind of change.</summary>
public abstract record Ec2Change
{
    /// <summary>Only the library defines changes: the index must understand every kind there is.</summary>
    private protected Ec2Change()
    {
    }
}

/// <summary>RunInstances: instances launched (one per item of the response).</summary>
/// <param name="Instances">Launched instances with their interfaces.</param>
/// <param name="RequestedGroups">Every group named anywhere in the request (group sets of the request and its interfaces).</param>
public sealed record InstancesLaunched(ImmutableArray<InstanceInfo> Instances, ImmutableArray<string> RequestedGroups) : Ec2Change
{
    /// <summary>
    /// The request's <c>launchTemplate</c>: the template version's tags and groups apply where the launch does not state
    /// its own (docs/semantics.md, "Launch templates").
    /// </summary>
    public LaunchTemplateRef? LaunchTemplate { get; init; }
}

/// <summary>What happened to an instance's state.</summary>
public enum InstanceStateChange
{
    /// <summary>TerminateInstances.</summary>
    Terminated,

    /// <summary>StopInstances.</summary>
    Stopped,

    /// <summary>StartInstances.</summary>
    Started,

    /// <summary>
    /// <c>BidEvictedEvent</c>: EC2 reclaimed a Spot Instance. CloudTrail logs it as a service event, not as
    /// TerminateInstances; it ends the instance exactly as a termination does.
    /// </summary>
    Evicted,
}

/// <summary>TerminateInstances, StopInstances, StartInstances.</summary>
public sealed record InstancesStateChanged(InstanceStateChange Kind, ImmutableArray<string> InstanceIds) : Ec2Change;

/// <summary>CreateNetworkInterface.</summary>
/// <param name="Interface">The new interface (from the response).</param>
/// <param name="RequestedGroups">Groups named in the request.</param>
public sealed record NetworkInterfaceCreated(NetworkInterfaceInfo Interface, ImmutableArray<string> RequestedGroups) : Ec2Change;

/// <summary>DeleteNetworkInterface.</summary>
public sealed record NetworkInterfaceDeleted(string NetworkInterfaceId) : Ec2Change;

/// <summary>AttachNetworkInterface.</summary>
public sealed record NetworkInterfaceAttached(string NetworkInterfaceId, string InstanceId, string? AttachmentId, int DeviceIndex) : Ec2Change;

/// <summary>DetachNetworkInterface (names only the attachment id).</summary>
public sealed record NetworkInterfaceDetached(string AttachmentId) : Ec2Change;

/// <summary>ModifyNetworkInterfaceAttribute with a group set: the complete new set (replace, not merge).</summary>
public sealed record NetworkInterfaceGroupsReplaced(string NetworkInterfaceId, ImmutableArray<GroupRef> Groups) : Ec2Change;

/// <summary>ModifyNetworkInterfaceAttribute with an <c>attachment</c>: whether the interface goes with its instance.</summary>
public sealed record NetworkInterfaceDeleteOnTerminationChanged(string NetworkInterfaceId, string? AttachmentId, bool DeleteOnTermination) : Ec2Change;

/// <summary>ModifyInstanceAttribute with a group set: applies to the instance's primary interface.</summary>
public sealed record InstanceGroupsReplaced(string InstanceId, ImmutableArray<GroupRef> Groups) : Ec2Change;

/// <summary>AssignPrivateIpAddresses (and UnassignPrivateIpAddresses with <paramref name="Unassigned"/>).</summary>
/// <remarks>
/// Also AssignIpv6Addresses/UnassignIpv6Addresses. <see cref="Prefixes"/> are delegated prefixes (IPv4 /28, IPv6 /80)
/// of the VPC CNI's prefix delegation: every address inside one belongs to the interface.
/// </remarks>
public sealed record PrivateIpsChanged(string NetworkInterfaceId, ImmutableArray<string> Ips, bool Unassigned) : Ec2Change
{
    /// <summary>Prefixes (CIDR text) assigned or unassigned.</summary>
    public ImmutableArray<string> Prefixes { get; init; } = [];
}

/// <summary>CreateSecurityGroup.</summary>
public sealed record SecurityGroupCreated(string GroupId, string? GroupName, string? VpcId, string? Description, ImmutableArray<Tag> Tags) : Ec2Change;

/// <summary>DeleteSecurityGroup.</summary>
/// <param name="GroupId">
/// The request's <c>groupId</c>, else the response's (newer EC2 API versions return the deleted group's id); null when
/// the call named the group only by name.
/// </param>
/// <param name="GroupName">
/// The request's <c>groupName</c>. EC2 accepts a name only for a group in the default VPC (or EC2-Classic), so without
/// <paramref name="GroupId"/> the index resolves it among the groups the evidence places there, and applies nothing
/// (reporting the event) when that does not give exactly one group.
/// </param>
public sealed record SecurityGroupDeleted(string? GroupId, string? GroupName) : Ec2Change;

/// <summary>AuthorizeSecurityGroupIngress/Egress: rules added (from the response rule set, else expanded from the request).</summary>
/// <param name="GroupId">
/// The request's <c>groupId</c>, else the group the response's rule set names; null when the call named the group only
/// by <see cref="GroupName"/> and the response does not say which group it was.
/// </param>
/// <param name="IsEgress">True for AuthorizeSecurityGroupEgress.</param>
/// <param name="Rules">The rules added; their <see cref="SecurityGroupRuleSpec.GroupId"/> is empty while the group is known only by name.</param>
public sealed record RulesAuthorized(string? GroupId, bool IsEgress, ImmutableArray<SecurityGroupRuleSpec> Rules) : Ec2Change
{
    /// <summary>
    /// The request's <c>groupName</c> (AuthorizeSecurityGroupIngress only: the egress call has no such parameter). EC2
    /// accepts a name only for a group in the default VPC (or EC2-Classic), so without <see cref="GroupId"/> the index
    /// resolves it as it does for <see cref="SecurityGroupDeleted"/>, and applies nothing (reporting the event) when
    /// that does not give exactly one group.
    /// </summary>
    public string? GroupName { get; init; }
}

/// <summary>RevokeSecurityGroupIngress/Egress, by rule ids and/or by permissions; permissions AWS reported unknown are excluded.</summary>
/// <param name="GroupId">
/// The request's <c>groupId</c>, else the group the response's <c>revokedSecurityGroupRuleSet</c> names; null when the
/// call named the group only by <see cref="GroupName"/> and the response does not say which group it was.
/// </param>
/// <param name="IsEgress">True for RevokeSecurityGroupEgress.</param>
/// <param name="RuleIds">Rules revoked by id (request <c>securityGroupRuleIds</c> and response <c>revokedSecurityGroupRuleSet</c>).</param>
/// <param name="Rules">Permissions revoked; their <see cref="SecurityGroupRuleSpec.GroupId"/> is empty while the group is known only by name.</param>
public sealed record RulesRevoked(string? GroupId, bool IsEgress, ImmutableArray<string> RuleIds, ImmutableArray<SecurityGroupRuleSpec> Rules) : Ec2Change
{
    /// <summary>
    /// The request's <c>groupName</c> (RevokeSecurityGroupIngress only: the egress call has no such parameter), resolved
    /// by the index, when <see cref="GroupId"/> is null, as for <see cref="RulesAuthorized.GroupName"/>.
    /// </summary>
    public string? GroupName { get; init; }

    /// <summary>The rules the response names as revoked (<c>revokedSecurityGroupRuleSet</c>), with their definitions, known to the evidence or not.</summary>
    public ImmutableArray<SecurityGroupRuleSpec> RevokedRules { get; init; } = [];
}

/// <summary>ModifySecurityGroupRules: each rule id gets a whole new definition (direction unchanged).</summary>
public sealed record RulesModified(string GroupId, ImmutableArray<SecurityGroupRuleSpec> Rules) : Ec2Change;

/// <summary>CreateTags.</summary>
public sealed record TagsCreated(ImmutableArray<string> ResourceIds, ImmutableArray<Tag> Tags) : Ec2Change;

/// <summary>DeleteTags (an empty tag list deletes all tags; a null value deletes whatever value).</summary>
public sealed record TagsDeleted(ImmutableArray<string> ResourceIds, ImmutableArray<Tag> Tags) : Ec2Change;

/// <summary>
/// State from an <c>aws ec2 describe-*</c> snapshot: resources older than the trail. The index applies every snapshot
/// before every CloudTrail event, valid from the beginning of time, whatever <see cref="CloudTrailEvent.Time"/> says.
/// </summary>
public sealed record BaselineSnapshot(
    ImmutableArray<InstanceInfo> Instances,
    ImmutableArray<NetworkInterfaceInfo> NetworkInterfaces,
    ImmutableArray<SecurityGroupCreated> Groups,
    ImmutableArray<SecurityGroupRuleSpec> Rules,
    ImmutableArray<(string NetworkInterfaceId, string InstanceId, string? AttachmentId, int DeviceIndex)> Attachments) : Ec2Change
{
    /// <summary>VPCs that <c>describe-vpcs</c> output states to be their Region's default VPC (<c>IsDefault</c> true).</summary>
    public ImmutableArray<string> DefaultVpcIds { get; init; } = [];

    /// <summary>Launch-template versions of <c>describe-launch-template-versions</c> output (a default version is marked <c>IsDefault</c>).</summary>
    public ImmutableArray<LaunchTemplateVersionCreated> TemplateVersions { get; init; } = [];

    /// <summary>Default versions of <c>describe-launch-templates</c> output.</summary>
    public ImmutableArray<LaunchTemplateDefaultVersionSet> TemplateDefaults { get; init; } = [];

    /// <summary>Auto Scaling groups of <c>aws autoscaling describe-auto-scaling-groups</c> output, with their template and tags.</summary>
    public ImmutableArray<AutoScalingGroupChanged> AutoScalingGroups { get; init; } = [];
}
