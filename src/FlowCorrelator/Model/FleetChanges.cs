using System.Collections.Immutable;

namespace FlowCorrelator.Model;

/// <summary>
/// A launch template as a launch names it: by id or by name, and a version (a number, <c>$Default</c>, <c>$Latest</c>, or
/// null for the default version).
/// </summary>
/// <param name="TemplateId"><c>lt-…</c>, when given.</param>
/// <param name="TemplateName">The template's name, when given instead of (or beside) the id.</param>
/// <param name="Version">The version as written; null means the default version.</param>
public sealed record LaunchTemplateRef(string? TemplateId, string? TemplateName, string? Version);

/// <summary>An interface a launch-template version describes: its device index and the groups it names.</summary>
/// <param name="DeviceIndex">Device index (0 = primary).</param>
/// <param name="GroupIds">Security groups of that interface.</param>
public sealed record LaunchTemplateInterface(int DeviceIndex, ImmutableArray<string> GroupIds);

/// <summary>
/// What one launch-template version says about the instances launched from it. A null member was not stated by the
/// version (a version created from a <c>SourceVersion</c> inherits it).
/// </summary>
public sealed record LaunchTemplateContent
{
    /// <summary>Tags for <c>instance</c> in the version's <c>TagSpecification</c>.</summary>
    public ImmutableArray<Tag>? InstanceTags { get; init; }

    /// <summary>The version's <c>SecurityGroupId</c> list (groups of every interface the launch creates without its own).</summary>
    public ImmutableArray<string>? SecurityGroupIds { get; init; }

    /// <summary>The version's <c>NetworkInterface</c> entries with the groups each names.</summary>
    public ImmutableArray<LaunchTemplateInterface>? NetworkInterfaces { get; init; }

    /// <summary>This content with every member it does not state taken from <paramref name="source"/>.</summary>
    public LaunchTemplateContent Over(LaunchTemplateContent source) => new()
    {
        InstanceTags = InstanceTags ?? source.InstanceTags,
        SecurityGroupIds = SecurityGroupIds ?? source.SecurityGroupIds,
        NetworkInterfaces = NetworkInterfaces ?? source.NetworkInterfaces,
    };
}

/// <summary>CreateLaunchTemplate (version 1) and CreateLaunchTemplateVersion.</summary>
/// <param name="TemplateId">The template (from the response; the request when it names the id).</param>
/// <param name="TemplateName">The template's name, when the event says.</param>
/// <param name="Version">The new version's number (from the response).</param>
/// <param name="IsDefault">Whether the new version is the template's default (CreateLaunchTemplate: always).</param>
/// <param name="SourceVersion">The request's <c>SourceVersion</c>: members the request does not state come from it.</param>
/// <param name="Content">What the request's <c>LaunchTemplateData</c> states.</param>
public sealed record LaunchTemplateVersionCreated(string TemplateId, string? TemplateName, int Version, bool IsDefault, string? SourceVersion, LaunchTemplateContent Content) : Ec2Change;

/// <summary>ModifyLaunchTemplate with <c>SetDefaultVersion</c>.</summary>
public sealed record LaunchTemplateDefaultVersionSet(string? TemplateId, string? TemplateName, int Version) : Ec2Change;

/// <summary>DeleteLaunchTemplate (<paramref name="Versions"/> empty: the whole template) and DeleteLaunchTemplateVersions.</summary>
public sealed record LaunchTemplateDeleted(string? TemplateId, string? TemplateName, ImmutableArray<int> Versions) : Ec2Change;

/// <summary>One instance an EC2 Fleet launched, and the template it was launched from.</summary>
public sealed record FleetInstance(string InstanceId, LaunchTemplateRef? LaunchTemplate);

/// <summary>
/// CreateFleet (an EC2 Fleet of type <c>instant</c> names the instances it launched; Karpenter launches this way): the
/// instance tags of the request's <c>TagSpecification</c> and the launch templates of its <c>LaunchTemplateConfigs</c>
/// belong to every instance of <c>fleetInstanceSet</c>, whose RunInstances (invoked by <c>ec2fleet.amazonaws.com</c>)
/// may or may not state them.
/// </summary>
/// <param name="FleetId"><c>fleet-…</c> from the response.</param>
/// <param name="FleetType"><c>instant</c>, <c>request</c> or <c>maintain</c>.</param>
/// <param name="InstanceTags">Tags for resource type <c>instance</c>.</param>
/// <param name="Instances">Instances the response lists, with their templates.</param>
public sealed record FleetCreated(string FleetId, string? FleetType, ImmutableArray<Tag> InstanceTags, ImmutableArray<FleetInstance> Instances) : Ec2Change;

/// <summary>A tag of an Auto Scaling group and whether it is given to instances the group launches.</summary>
/// <param name="GroupName">The Auto Scaling group.</param>
/// <param name="Key">Tag key.</param>
/// <param name="Value">Tag value (null in a DeleteTags that names none).</param>
/// <param name="PropagateAtLaunch">Given to new instances (absent in the event: false).</param>
public sealed record AutoScalingTag(string GroupName, string Key, string? Value, bool PropagateAtLaunch)
{
    /// <summary>The tag Auto Scaling puts on every instance it launches; its value is the group's name.</summary>
    public const string GroupNameTagKey = "aws:autoscaling:groupName";
}

/// <summary>CreateAutoScalingGroup and UpdateAutoScalingGroup (events of <c>autoscaling.amazonaws.com</c>).</summary>
/// <param name="GroupName"><c>autoScalingGroupName</c>.</param>
/// <param name="Created">True for CreateAutoScalingGroup.</param>
/// <param name="LaunchTemplate">The group's launch template (<c>launchTemplate</c>, or the one of <c>mixedInstancesPolicy</c>); null: unchanged.</param>
/// <param name="Tags">Tags given at creation (UpdateAutoScalingGroup has none).</param>
public sealed record AutoScalingGroupChanged(string GroupName, bool Created, LaunchTemplateRef? LaunchTemplate, ImmutableArray<AutoScalingTag> Tags) : Ec2Change;

/// <summary>Auto Scaling CreateOrUpdateTags and DeleteTags on groups.</summary>
public sealed record AutoScalingTagsChanged(ImmutableArray<AutoScalingTag> Tags, bool Deleted) : Ec2Change;

/// <summary>DeleteAutoScalingGroup.</summary>
public sealed record AutoScalingGroupDeleted(string GroupName) : Ec2Change;
