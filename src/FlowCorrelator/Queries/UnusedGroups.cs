using System.Collections.Immutable;
using FlowCorrelator.Index;

namespace FlowCorrelator.Queries;

// Question 4, from the index alone (docs/semantics.md): no per-record step.
public static partial class Investigations
{
    /// <summary>Question 4: groups with live ingress rules and no evidence of ever being attached.</summary>
    public static ImmutableArray<UnusedGroup> UnusedGroups(EnvironmentIndex index)
    {
        ArgumentNullException.ThrowIfNull(index);
        return [.. index.Groups
            .Where(g => !g.AttachEvidence)
            .Select(g => (Group: g, Live: g.Rules.Where(r => !r.IsEgress && r.RemovedAt is null).Select(r => r.RuleId).Order(StringComparer.Ordinal).ToImmutableArray()))
            .Where(x => x.Live.Length > 0)
            .Select(x => new UnusedGroup
            {
                GroupId = x.Group.GroupId,
                GroupName = x.Group.GroupName,
                Status = x.Group.CreatedInEvidence ? UnusedGroupStatus.NeverAttached : UnusedGroupStatus.Unknown,
                IngressRuleIds = x.Live,
            })];
    }
}
