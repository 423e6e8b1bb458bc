using System.Text.Json.Nodes;

namespace FlowCorrelator.Scenarios.World;

/// <summary>
/// One definition of a security-group rule in the model. Protocol is the IANA number (-1 = all); ports are null for
/// protocol -1. Exactly one peer is set.
/// </summary>
internal sealed record RuleDef(string RuleId, string GroupId, bool Egress, int Protocol, int? FromPort, int? ToPort, string? Cidr, string? ReferencedGroupId, string? PrefixListId)
{
    /// <summary>Same permission as AWS matches a revoke: direction, protocol, ports and peer (CIDRs as networks).</summary>
    public bool SamePermission(RuleDef other) =>
        GroupId == other.GroupId && Egress == other.Egress && Protocol == other.Protocol && FromPort == other.FromPort && ToPort == other.ToPort &&
        ReferencedGroupId == other.ReferencedGroupId && PrefixListId == other.PrefixListId &&
        (Cidr is null ? other.Cidr is null : other.Cidr is not null && ModelNetworks.SameBlock(Cidr, other.Cidr));
}

/// <summary>An interface a launch creates (and deletes again when the instance terminates).</summary>
internal sealed record LaunchEni(string EniId, uint Ip, string SubnetId, IReadOnlyList<string> Groups, string AttachmentId, int DeviceIndex);

/// <summary>A state change caused by a successful CloudTrail event. Failed calls carry none.</summary>
internal abstract record Op;

internal sealed record CreateGroupOp(string GroupId, string Name) : Op;

internal sealed record DeleteGroupOp(string GroupId) : Op;

internal sealed record AddRuleOp(RuleDef Rule) : Op;

internal sealed record RemoveRuleOp(string RuleId) : Op;

internal sealed record ModifyRuleOp(RuleDef NewDefinition) : Op;

/// <summary>A launched instance. <paramref name="Role"/> is the model's own idea of the workload, independent of tags.</summary>
internal sealed record LaunchOp(string InstanceId, string Role, IReadOnlyList<KeyValuePair<string, string>> InstanceTags, IReadOnlyList<LaunchEni> Enis) : Op;

internal sealed record TagOp(string InstanceId, string Key, string Value) : Op;

internal sealed record TerminateOp(string InstanceId) : Op;

internal sealed record StopOp(string InstanceId) : Op;

internal sealed record StartOp(string InstanceId) : Op;

internal sealed record CreateEniOp(string EniId, uint Ip, string SubnetId, IReadOnlyList<string> Groups) : Op;

internal sealed record AttachOp(string EniId, string InstanceId, string AttachmentId, int DeviceIndex) : Op;

internal sealed record DetachOp(string AttachmentId) : Op;

internal sealed record SetEniGroupsOp(string EniId, IReadOnlyList<string> Groups) : Op;

internal sealed record SetInstanceGroupsOp(string InstanceId, IReadOnlyList<string> Groups) : Op;

/// <summary>
/// What an EC2 Fleet's CreateFleet says of its instances: they run, with the fleet request's instance tags (under the
/// template version's). In the world the instances' RunInstances already made them so (this fills nothing); in the
/// evidence it is what the index learns when the RunInstances is not in the trail (docs/semantics.md, "EC2 Fleet").
/// </summary>
internal sealed record FleetInstancesOp(IReadOnlyList<string> InstanceIds, IReadOnlyList<KeyValuePair<string, string>> Tags) : Op;

/// <summary>A delegated IPv4 prefix (prefix delegation): <paramref name="Size"/> addresses from <paramref name="First"/> belong to the interface.</summary>
internal sealed record AssignPrefixOp(string EniId, uint First, int Size) : Op;

/// <summary>One CloudTrail record of the model: metadata, the JSON it is written as, and its effects.</summary>
internal sealed class TrailEvent
{
    public required long Time { get; init; }

    public required string EventId { get; init; }

    public required string EventName { get; init; }

    public required Actor Actor { get; init; }

    public string? ErrorCode { get; init; }

    public string? ErrorMessage { get; init; }

    /// <summary><c>eventSource</c>: EC2's unless the call is another service's (Auto Scaling).</summary>
    public string EventSource { get; init; } = "ec2.amazonaws.com";

    /// <summary>Set for a service event (<c>eventType</c> <c>AwsServiceEvent</c>): written as <c>serviceEventDetails</c>.</summary>
    public JsonObject? ServiceEventDetails { get; init; }

    public JsonObject? Request { get; init; }

    public JsonObject? Response { get; init; }

    /// <summary>
    /// False for a call that happened in the world but is not in the trail given to the responder (it is never
    /// written): its effects are the world's, and no evidence shows them. Each such call says why in the builder.
    /// </summary>
    public bool InTrail { get; init; } = true;

    /// <summary>Effects, in order; empty for failed calls.</summary>
    public List<Op> Ops { get; } = [];

    public bool Succeeded => ErrorCode is null;

    /// <summary>Where the event falls among the events of its second (docs/semantics.md, "Time and state").</summary>
    public EventPhase Phase => PhaseOf(EventName);

    /// <summary>
    /// The order docs/semantics.md gives the events of one second. Written from the document's list, not from the
    /// engine's, so the two sides can disagree.
    /// </summary>
    public static EventPhase PhaseOf(string eventName) => eventName switch
    {
        "CreateLaunchTemplate" or "CreateLaunchTemplateVersion" or "ModifyLaunchTemplate" or "CreateAutoScalingGroup"
            or "UpdateAutoScalingGroup" or "CreateOrUpdateTags" => EventPhase.Definition,
        "CreateSecurityGroup" or "CreateNetworkInterface" or "RunInstances" or "CreateFleet" => EventPhase.Creation,
        "AuthorizeSecurityGroupIngress" or "AuthorizeSecurityGroupEgress" or "AttachNetworkInterface" or "AssignPrivateIpAddresses"
            or "AssignIpv6Addresses" or "CreateTags" or "StartInstances" or "TagResources" => EventPhase.Addition,
        "ModifySecurityGroupRules" or "ModifyNetworkInterfaceAttribute" or "ModifyInstanceAttribute" => EventPhase.Replacement,
        "DeleteTags" or "RevokeSecurityGroupIngress" or "RevokeSecurityGroupEgress" or "UnassignPrivateIpAddresses"
            or "DetachNetworkInterface" or "StopInstances" => EventPhase.Removal,
        "TerminateInstances" or "BidEvictedEvent" or "DeleteNetworkInterface" or "DeleteSecurityGroup" => EventPhase.Deletion,
        _ => throw new ArgumentOutOfRangeException(nameof(eventName), eventName, "The model writes no such event."),
    };

    /// <summary>
    /// The successful and failed events in the order their effects apply: time, then phase within the second, then
    /// event id (ordinal).
    /// </summary>
    public static IEnumerable<TrailEvent> InApplicationOrder(IEnumerable<TrailEvent> events) =>
        events.OrderBy(e => e.Time).ThenBy(e => e.Phase).ThenBy(e => e.EventId, StringComparer.Ordinal);
}

/// <summary>The categories of docs/semantics.md, in the order they apply within one second.</summary>
internal enum EventPhase
{
    /// <summary>Launch definitions: template versions, Auto Scaling groups and their tags.</summary>
    Definition,
    Creation,
    Addition,
    Replacement,
    Removal,
    Deletion,
}

/// <summary>Who made a call.</summary>
/// <remarks><paramref name="InvokedBy"/> is set for a service calling on the account's behalf (Auto Scaling, EC2 Fleet).</remarks>
internal sealed record Actor(string Arn, string UserName, string SourceIp, string UserAgent, bool AssumedRole, string? InvokedBy = null);
