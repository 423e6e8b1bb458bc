namespace FlowCorrelator.Index;

// Security groups and their rules: create/delete, authorize, revoke (by id and by permission), modify, and the change records of question 2.
internal sealed partial class IndexBuilder
{
    private void CreateGroup(SecurityGroupCreated c, bool inEvidence)
    {
        MutableGroup group = Group(c.GroupId);
        group.GroupName = c.GroupName ?? group.GroupName;
        group.CreatedInEvidence |= inEvidence;
        group.DeletedAt = null;
        group.VpcId = c.VpcId ?? group.VpcId;
        group.CreatedAt = _now;
        if (inEvidence && c.VpcId is null)
        {
            // CreateSecurityGroup needs vpcId for any VPC but the default one (EC2 API reference), so a call without it
            // created the group in the default VPC of the call's account and Region. A snapshot that omits VpcId says nothing.
            group.DefaultVpcOf = (_event.AccountId, _event.Region);
        }

        if (inEvidence)
        {
            Record(c.GroupId, $"created ({c.GroupName})");
        }
    }

    private void DeleteGroup(SecurityGroupDeleted c)
    {
        string? id = c.GroupId ?? ResolveNameInDefaultVpc(c.GroupName);
        if (id is null)
        {
            _notApplied = true;
            return;
        }

        MutableGroup group = Group(id);
        foreach (string ruleId in group.Live.Keys.ToList())
        {
            RemoveRule(group, ruleId);
        }

        group.DeletedAt = _now;
        Record(id, "deleted");
        _dirtyGroups.Add(group);
    }

    private void Authorize(RulesAuthorized c)
    {
        string? groupId = c.GroupId ?? ResolveNameInDefaultVpc(c.GroupName);
        if (groupId is null)
        {
            _notApplied = true;
            UnresolvedRuleChanges(c);
            return;
        }

        int n = 0;
        foreach (SecurityGroupRuleSpec spec in c.Rules)
        {
            string ruleId = spec.RuleId ?? $"{_event.EventId}#{n}";
            n++;
            SecurityGroupRuleSpec def = spec with { RuleId = ruleId, GroupId = spec.GroupId.Length == 0 ? groupId : spec.GroupId };
            MutableGroup group = Group(def.GroupId);
            AddOrReplaceRule(group, def);
            AddRuleChange(def, RuleChangeKind.Added);
        }
    }

    private void Revoke(RulesRevoked c)
    {
        string? groupId = c.GroupId ?? ResolveNameInDefaultVpc(c.GroupName);
        if (groupId is null)
        {
            _notApplied = true;
            UnresolvedRuleChanges(c);
            return;
        }

        MutableGroup group = Group(groupId);
        var removedById = new List<SecurityGroupRuleSpec>();
        foreach (string ruleId in c.RuleIds)
        {
            if (group.Live.TryGetValue(ruleId, out SecurityGroupRuleSpec? def))
            {
                RemoveRule(group, ruleId);
                removedById.Add(def);
                AddRuleChange(def, RuleChangeKind.Removed);
            }
            else if (group.DirectionUnknown.Remove(ruleId, out SecurityGroupRuleSpec? undirected))
            {
                // The revoke's direction settles the rule's; it was never in the state, so only the row remains.
                AddRuleChange(undirected with { IsEgress = c.IsEgress }, RuleChangeKind.Removed);
            }
            else
            {
                AddRuleChange(new SecurityGroupRuleSpec { RuleId = ruleId, GroupId = groupId, IsEgress = c.IsEgress, Protocol = -1 }, RuleChangeKind.Removed, definitionKnown: false);
            }
        }

        foreach (SecurityGroupRuleSpec spec in c.Rules)
        {
            SecurityGroupRuleSpec wanted = spec with { GroupId = groupId, IsEgress = c.IsEgress };
            if (removedById.Exists(r => r.SamePermission(wanted)) || c.RevokedRules.Any(r => (r with { GroupId = groupId, IsEgress = c.IsEgress }).SamePermission(wanted)))
            {
                // The response named the revoked rule's id as well (revokedSecurityGroupRuleSet): that is the rule this
                // permission revoked, whatever else of the same permission the second added. One rule, one row.
                continue;
            }

            List<SecurityGroupRuleSpec> matches = RevokedByPermission(group, wanted);
            if (matches.Count == 0)
            {
                AddRuleChange(wanted with { RuleId = null }, RuleChangeKind.Removed);
                continue;
            }

            foreach (SecurityGroupRuleSpec match in matches)
            {
                RemoveRule(group, match.RuleId!);
                AddRuleChange(match, RuleChangeKind.Removed);
            }
        }
    }

    /// <summary>
    /// The live rules a revoke by permission removed. Authorize* of one second applies before its Revoke*, but the
    /// calls may have run the other way round: EC2 refuses to authorize a permission the group already has
    /// (InvalidPermission.Duplicate), so an Authorize of a permission that was live before this second ran after the
    /// revoke, and the revoke took the older rules, not the new one. When no rule of the permission was live before
    /// this second, the revoke can only have found one added in it (a revoke that finds nothing lists the permission
    /// in unknownIpPermissionSet, and the parser drops it): the first applied, so that authorize, revoke, authorize
    /// in one second leaves one rule, as EC2 would.
    /// </summary>
    private List<SecurityGroupRuleSpec> RevokedByPermission(MutableGroup group, SecurityGroupRuleSpec wanted)
    {
        var older = new List<SecurityGroupRuleSpec>();
        SecurityGroupRuleSpec? firstThisSecond = null;
        long firstOrder = long.MaxValue;
        foreach (SecurityGroupRuleSpec rule in group.Live.Values)
        {
            if (!rule.SamePermission(wanted))
            {
                continue;
            }

            (long since, long order) = group.LiveSince[rule.RuleId!];
            if (since < _now)
            {
                older.Add(rule);
            }
            else if (order < firstOrder)
            {
                firstThisSecond = rule;
                firstOrder = order;
            }
        }

        return older.Count > 0 || firstThisSecond is null ? older : [firstThisSecond];
    }

    private void Modify(RulesModified c)
    {
        foreach (SecurityGroupRuleSpec spec in c.Rules)
        {
            if (spec.RuleId is null)
            {
                continue;
            }

            string groupId = spec.GroupId.Length == 0 ? c.GroupId : spec.GroupId;
            MutableGroup group = Group(groupId);
            bool known = group.Live.TryGetValue(spec.RuleId, out SecurityGroupRuleSpec? existing);
            group.Histories.TryGetValue(spec.RuleId, out MutableRuleHistory? history);
            if (!known && history is null)
            {
                // ModifySecurityGroupRules does not say the direction, and the evidence never saw this rule: keep it
                // aside (reported, never in the ingress state) until a later event says which way it points.
                SecurityGroupRuleSpec undirected = spec with { GroupId = groupId };
                group.DirectionUnknown[spec.RuleId] = undirected;
                AddRuleChange(undirected, RuleChangeKind.Modified, directionKnown: false);
                continue;
            }

            SecurityGroupRuleSpec def = spec with { GroupId = groupId, IsEgress = existing?.IsEgress ?? history!.IsEgress };
            AddOrReplaceRule(group, def);
            AddRuleChange(def, RuleChangeKind.Modified);
        }
    }

    private void AddOrReplaceRule(MutableGroup group, SecurityGroupRuleSpec def)
    {
        string ruleId = def.RuleId!;
        if (!group.Live.ContainsKey(ruleId))
        {
            group.LiveSince[ruleId] = (_now, _ruleOrder++);
        }

        group.Live[ruleId] = def;
        if (def.IsEgress)
        {
            group.LiveIngress.Remove(ruleId);
        }
        else
        {
            group.LiveIngress[ruleId] = new RuleDefinition(ruleId, RuleOrdinal(ruleId), def);
        }

        if (!group.Histories.TryGetValue(ruleId, out MutableRuleHistory? history))
        {
            history = new MutableRuleHistory(ruleId, def.IsEgress, _now);
            group.Rules.Add(history);
            group.Histories[ruleId] = history;
        }

        history.RemovedAt = null;
        history.Definitions.Add(def);
        Record(group.GroupId, $"rule {ruleId} {(def.IsEgress ? "egress" : "ingress")} {Describe(def)}");
        _dirtyGroups.Add(group);
    }

    private void RemoveRule(MutableGroup group, string ruleId)
    {
        if (!group.Live.Remove(ruleId))
        {
            return;
        }

        group.LiveSince.Remove(ruleId);
        group.LiveIngress.Remove(ruleId);
        if (group.Histories.TryGetValue(ruleId, out MutableRuleHistory? history))
        {
            history.RemovedAt = _now;
        }

        Record(group.GroupId, $"rule {ruleId} removed");
        _dirtyGroups.Add(group);
    }

    private void AddRuleChange(SecurityGroupRuleSpec def, RuleChangeKind kind, bool definitionKnown = true, bool directionKnown = true)
    {
        // A snapshot is state, not a change.
        if (_event.Change is not BaselineSnapshot)
        {
            _ruleChanges.Add(new RuleChangeRecord(_event, kind, def, definitionKnown, directionKnown) { GroupName = CallGroupName() });
        }
    }

    /// <summary>
    /// The dense number of an ingress rule id, given when the id is first met (ids are global, so one id in two groups
    /// shares a number). Per-record aggregation indexes arrays by it.
    /// </summary>
    private int RuleOrdinal(string ruleId)
    {
        if (!_ruleOrdinals.TryGetValue(ruleId, out int ordinal))
        {
            ordinal = _ruleIds.Count;
            _ruleOrdinals.Add(ruleId, ordinal);
            _ruleIds.Add(ruleId);
        }

        return ordinal;
    }
}
