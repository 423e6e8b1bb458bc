using System.Collections.Immutable;
using FlowCorrelator.Index;

namespace FlowCorrelator.Queries;

/// <summary>
/// Questions 2 and 3: their rows, built from the change records the index keeps. The index states what the replay
/// established (the rule, how much of it is known, the group sets before and after); the wording and the judgement —
/// direction and protocol names, the world-open flag, risk labels, the added and removed groups — are made here.
/// </summary>
internal static class ChangeRows
{
    /// <summary>The question-2 row of one rule change.</summary>
    public static RuleChange RuleChange(RuleChangeRecord change)
    {
        SecurityGroupRuleSpec rule = change.Rule;
        CloudTrailEvent e = change.Event;
        bool world = rule.Cidr is { } cidr && IpNetwork.TryParse(cidr, out IpNetwork network) && network.IsWorld;
        bool allProtocols = rule.Protocol == -1;
        return new RuleChange
        {
            Time = e.Time,
            EventId = e.EventId,
            EventName = e.EventName,
            Change = change.Kind,
            GroupId = change.GroupUnresolved ? null : rule.GroupId,
            GroupName = change.GroupName,
            GroupUnresolved = change.GroupUnresolved,
            RuleId = rule.RuleId,
            Direction = !change.DirectionKnown ? "unknown" : rule.IsEgress ? "egress" : "ingress",
            Protocol = change.DefinitionKnown ? SecurityGroupRuleSpec.ProtocolName(rule.Protocol) : "unknown",
            FromPort = allProtocols ? null : rule.FromPort,
            ToPort = allProtocols ? null : rule.ToPort,
            Cidr = rule.Cidr,
            ReferencedGroupId = rule.ReferencedGroupId,
            PrefixListId = rule.PrefixListId,
            Actor = e.ActorArn,
            SourceIp = e.SourceIp,
            OpensToWorld = world,
            Risks = rule.IsEgress || !change.DefinitionKnown ? [] : RiskLabels.For(rule, world),
        };
    }

    /// <summary>The question-3 row of one group-set replacement.</summary>
    public static GroupAttachment GroupAttachment(GroupSetChangeRecord change)
    {
        CloudTrailEvent e = change.Event;
        ImmutableArray<string> before = change.GroupsBefore;
        ImmutableArray<string> after = change.GroupsAfter;
        return new GroupAttachment
        {
            Time = e.Time,
            EventId = e.EventId,
            EventName = e.EventName,
            InterfaceId = change.InterfaceId,
            InstanceId = change.InstanceId,
            GroupsBefore = before,
            GroupsAfter = after,

            // When the evidence never saw the interface's groups, the earlier set is unknown, not empty: claim nothing.
            Added = change.BeforeKnown ? [.. after.Except(before, StringComparer.Ordinal).Order(StringComparer.Ordinal)] : [],
            Removed = change.BeforeKnown ? [.. before.Except(after, StringComparer.Ordinal).Order(StringComparer.Ordinal)] : [],
            GroupsBeforeUnknown = !change.BeforeKnown,
            Actor = e.ActorArn,
        };
    }
}
