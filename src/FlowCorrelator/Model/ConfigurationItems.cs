using System.Collections.Immutable;

namespace FlowCorrelator.Model;

/// <summary>
/// One AWS Config configuration item (a ConfigHistory or ConfigSnapshot file delivered to S3, or
/// <c>get-resource-config-history</c> output): the recorded state of one resource at its capture time
/// (<see cref="CloudTrailEvent.Time"/>). Unlike a <see cref="BaselineSnapshot"/>, which is valid from the beginning of
/// time, an item is in force from its capture time until a later event changes the resource (docs/semantics.md,
/// "AWS Config items"). It is state, never a change: it makes no row of questions 2 and 3.
/// </summary>
/// <remarks>Exactly one of <see cref="Instance"/>, <see cref="NetworkInterface"/>, <see cref="Group"/> and <see cref="IsDefaultVpc"/> is set, unless <see cref="Deleted"/>.</remarks>
public sealed record ConfigurationItemRecorded : Ec2Change
{
    /// <summary><c>AWS::EC2::Instance</c>, <c>AWS::EC2::NetworkInterface</c>, <c>AWS::EC2::SecurityGroup</c> or <c>AWS::EC2::VPC</c>.</summary>
    public required string ResourceType { get; init; }

    /// <summary>The resource's id (<c>i-…</c>, <c>eni-…</c>, <c>sg-…</c>, <c>vpc-…</c>).</summary>
    public required string ResourceId { get; init; }

    /// <summary>
    /// True when the item's <c>configurationItemStatus</c> is <c>ResourceDeleted</c> or <c>ResourceDeletedNotRecorded</c>:
    /// the resource ends at the capture time (an instance is terminated, an interface or group deleted).
    /// </summary>
    public bool Deleted { get; init; }

    /// <summary>An instance's state: tags, groups, running or not, and the interfaces attached to it.</summary>
    public InstanceInfo? Instance { get; init; }

    /// <summary>An interface's state: groups, addresses, VPC.</summary>
    public NetworkInterfaceInfo? NetworkInterface { get; init; }

    /// <summary>The instance <see cref="NetworkInterface"/> is attached to (<c>attachment.instanceId</c>), null when detached.</summary>
    public string? AttachedInstanceId { get; init; }

    /// <summary>A security group's id, name and VPC.</summary>
    public SecurityGroupCreated? Group { get; init; }

    /// <summary>Every rule of <see cref="Group"/> (ingress and egress), without ids: Config items carry none.</summary>
    public ImmutableArray<SecurityGroupRuleSpec> Rules { get; init; } = [];

    /// <summary>A VPC item's <c>isDefault</c>.</summary>
    public bool? IsDefaultVpc { get; init; }
}
