using FlowCorrelator.Ingest;

namespace FlowCorrelator.Index;

// Group names: noting them, and resolving a call that names a group only by name (default VPC rules).
internal sealed partial class IndexBuilder
{
    /// <summary>
    /// The group a call that names only a group name changed (DeleteSecurityGroup, AuthorizeSecurityGroupIngress,
    /// RevokeSecurityGroupIngress), or null (reported) when the evidence cannot tell. EC2 accepts a name only for the
    /// default VPC (and EC2-Classic); in any other VPC the caller must give the id. Names are unique, ignoring case,
    /// within a VPC, so the answer is the one live group of that name that the evidence places in the default VPC of the
    /// call's account and Region. Groups whose VPC the evidence does not call default are never guessed at: a wrong guess
    /// would add rules to, or remove them from, another group in questions 2, 4 and 5.
    /// </summary>
    private string? ResolveNameInDefaultVpc(string? name)
    {
        if (name is null)
        {
            return null;
        }

        List<MutableGroup> sameName = [.. _groups.Values
            .Where(g => g.DeletedAt is null && string.Equals(g.GroupName, name, StringComparison.OrdinalIgnoreCase))
            .OrderBy(g => g.GroupId, StringComparer.Ordinal)];
        List<MutableGroup> candidates = sameName.FindAll(InDefaultVpcOfThisCall);

        // EC2 refuses a second group of one name in a VPC (InvalidGroup.Duplicate): a group of that name created in this
        // second, while an older one was live, was created after the delete, so it is not the deleted one. And when an
        // older group of that name is live whose VPC the evidence does not know, the group created in this second
        // cannot be told from it: reported below, not guessed.
        if (candidates.Exists(g => g.CreatedAt < _now))
        {
            candidates.RemoveAll(g => g.CreatedAt >= _now);
        }
        else if (sameName.Exists(g => g.CreatedAt < _now))
        {
            candidates.Clear();
        }

        if (candidates.Count == 1)
        {
            return candidates[0].GroupId;
        }

        string why = candidates.Count > 1
            ? $"several live groups named '{name}' are in a default VPC as far as the evidence shows: candidates {string.Join(", ", candidates.Select(g => g.GroupId))}"
            : sameName.Count > 0
                ? $"no live group named '{name}' is known to be in the default VPC of this call; other live groups of that name: {string.Join(", ", sameName.Select(g => g.GroupId + (GroupVpc(g) is { } vpc ? $" ({vpc})" : " (VPC unknown)")))}"
                : $"no live group named '{name}' is known; candidates: none";
        _problems.Add(new InputProblem(
            _event.SourceFile ?? "(no source file)",
            0,
            0,
            ProblemReason.Unresolved,
            $"{_event.EventName} {_event.EventId} names the group only by groupName and its response does not name the group's id; {why}. Nothing was applied.",
            null));
        foreach (MutableGroup g in candidates.Count > 0 ? candidates : sameName)
        {
            Record(g.GroupId, $"possibly the group '{name}' of this {_event.EventName} (not applied: the evidence cannot tell which group)");
        }

        return null;
    }

    /// <summary>The group name the current call gave instead of an id (Authorize/RevokeSecurityGroupIngress), if any.</summary>
    private string? CallGroupName() => _event.Change switch
    {
        RulesAuthorized a => a.GroupName,
        RulesRevoked r => r.GroupName,
        _ => null,
    };

    /// <summary>
    /// The question-2 rows of a rule change whose group name did not resolve: the call succeeded, so the rules were
    /// added to or removed from some group; which one the evidence cannot tell. Nothing is applied to any group's state
    /// (a wrong guess would change questions 4 and 5); the rows say the name and carry no group id. An added rule gets
    /// its id as usual (the response's, else <c>&lt;eventID&gt;#&lt;n&gt;</c>); a removed one by permission has none.
    /// </summary>
    private void UnresolvedRuleChanges(Ec2Change change)
    {
        switch (change)
        {
            case RulesAuthorized a:
                int n = 0;
                foreach (SecurityGroupRuleSpec spec in a.Rules)
                {
                    string ruleId = spec.RuleId ?? $"{_event.EventId}#{n}";
                    n++;
                    Unresolved(spec with { RuleId = ruleId, GroupId = string.Empty, IsEgress = a.IsEgress }, RuleChangeKind.Added, a.GroupName, definitionKnown: true);
                }

                break;
            case RulesRevoked r:
                foreach (string ruleId in r.RuleIds)
                {
                    SecurityGroupRuleSpec? stated = r.RevokedRules.FirstOrDefault(x => x.RuleId == ruleId);
                    Unresolved(
                        (stated ?? new SecurityGroupRuleSpec { GroupId = string.Empty, Protocol = -1 }) with { RuleId = ruleId, GroupId = string.Empty, IsEgress = r.IsEgress },
                        RuleChangeKind.Removed,
                        r.GroupName,
                        definitionKnown: stated is not null);
                }

                foreach (SecurityGroupRuleSpec spec in r.Rules)
                {
                    Unresolved(spec with { RuleId = null, GroupId = string.Empty, IsEgress = r.IsEgress }, RuleChangeKind.Removed, r.GroupName, definitionKnown: true);
                }

                break;
            default:
                break;
        }

        void Unresolved(SecurityGroupRuleSpec rule, RuleChangeKind kind, string? name, bool definitionKnown) =>
            _ruleChanges.Add(new RuleChangeRecord(_event, kind, rule, definitionKnown, DirectionKnown: true) { GroupName = name, GroupUnresolved = true });
    }

    private bool InDefaultVpcOfThisCall(MutableGroup group)
    {
        if (group.DefaultVpcOf is { } scope)
        {
            // Every account and Region has its own default VPC: one created elsewhere is not the one this call saw.
            return Same(scope.AccountId, _event.AccountId) && Same(scope.Region, _event.Region);
        }

        return GroupVpc(group) is { } vpc && _defaultVpcs.Contains(vpc);

        static bool Same(string? a, string? b) => a is null || b is null || string.Equals(a, b, StringComparison.Ordinal);
    }

    /// <summary>
    /// The group's VPC: as its creation, a snapshot or a Config item states it, else the VPC of an interface that held
    /// it (a security group belongs to one VPC, and an interface can hold only groups of its own VPC). The latter places
    /// the <c>default</c> group a launch response names (<c>groupSet</c> with <c>groupName</c> <c>default</c>) in its VPC.
    /// </summary>
    private string? GroupVpc(MutableGroup group) =>
        group.VpcId ?? _interfaces.Values.Where(e => e.VpcId is not null && e.Groups.Contains(group.GroupId, StringComparer.Ordinal)).Select(e => e.VpcId).Order(StringComparer.Ordinal).FirstOrDefault();

    private void NoteGroupName(GroupRef g)
    {
        if (g.GroupName is not null)
        {
            Group(g.GroupId).GroupName ??= g.GroupName;
        }
    }
}
