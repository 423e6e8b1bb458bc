using System.Collections.Immutable;
using System.Text.Json.Serialization;

namespace FlowCorrelator.Index;

/// <summary>What a successful Authorize*, Revoke* or ModifySecurityGroupRules call did to one rule.</summary>
/// <remarks>The JSON and text name of each member is its <see cref="JsonStringEnumMemberNameAttribute"/>.</remarks>
[JsonConverter(typeof(JsonStringEnumConverter<RuleChangeKind>))]
public enum RuleChangeKind
{
    /// <summary>The rule was authorized: <c>added</c>.</summary>
    [JsonStringEnumMemberName("added")]
    Added,

    /// <summary>The rule was revoked: <c>removed</c>.</summary>
    [JsonStringEnumMemberName("removed")]
    Removed,

    /// <summary>The rule's definition was replaced (ModifySecurityGroupRules): <c>modified</c>.</summary>
    [JsonStringEnumMemberName("modified")]
    Modified,
}

/// <summary>
/// One rule touched by one successful event, as the replay established it: the rule as it stood after the change
/// (before it, for a removal), and how much of it the evidence states. Question 2 builds its rows from these.
/// </summary>
/// <param name="Event">The event.</param>
/// <param name="Kind">What happened to the rule.</param>
/// <param name="Rule">
/// The rule (group id set; rule id null for a revoke by permission that matched no known rule). When
/// <paramref name="DefinitionKnown"/> is false only the ids and the direction are meaningful.
/// </param>
/// <param name="DefinitionKnown">False for a revoke by rule id of a rule the evidence never saw.</param>
/// <param name="DirectionKnown">False for a ModifySecurityGroupRules of a rule whose direction no event has stated.</param>
internal sealed record RuleChangeRecord(CloudTrailEvent Event, RuleChangeKind Kind, SecurityGroupRuleSpec Rule, bool DefinitionKnown, bool DirectionKnown)
{
    /// <summary>The group name the call gave instead of a group id (request <c>groupName</c>), if it did.</summary>
    public string? GroupName { get; init; }

    /// <summary>
    /// True when the call named its group only by name and the evidence cannot tell which group that was: nothing was
    /// applied, and the rule's group id is empty (docs/semantics.md, "Which group a call changed").
    /// </summary>
    public bool GroupUnresolved { get; init; }
}

/// <summary>
/// A group set replaced by a successful event after launch (ModifyNetworkInterfaceAttribute, or
/// ModifyInstanceAttribute on the primary interface), as the replay established it. Question 3 builds its rows from these.
/// </summary>
/// <param name="Event">The event.</param>
/// <param name="InterfaceId">The interface, or null when the instance's primary interface is unknown to the evidence.</param>
/// <param name="InstanceId">The instance attached to the interface at that moment (or named by the call).</param>
/// <param name="GroupsBefore">The groups before, distinct and sorted ordinally (empty when <paramref name="BeforeKnown"/> is false).</param>
/// <param name="GroupsAfter">The groups after, distinct and sorted ordinally.</param>
/// <param name="BeforeKnown">
/// Whether the evidence stated the interface's groups before this event: when not, the earlier set is unknown, not empty.
/// </param>
internal sealed record GroupSetChangeRecord(
    CloudTrailEvent Event,
    string? InterfaceId,
    string? InstanceId,
    ImmutableArray<string> GroupsBefore,
    ImmutableArray<string> GroupsAfter,
    bool BeforeKnown);
