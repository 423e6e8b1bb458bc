using System.Collections.Frozen;
using System.Collections.Immutable;
using FlowCorrelator.Ingest;

namespace FlowCorrelator.Index;

/// <summary>
/// Replays events in time order over mutable state, snapshotting each interface's and group's state after every event
/// that touched it, then freezes everything into <see cref="EnvironmentIndex"/>.
/// </summary>
internal sealed class IndexBuilder
{
    private readonly Dictionary<string, MutableInterface> _interfaces = new(StringComparer.Ordinal);
    private readonly Dictionary<string, MutableInstance> _instances = new(StringComparer.Ordinal);
    private readonly Dictionary<string, MutableGroup> _groups = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (string Interface, string Instance)> _attachments = new(StringComparer.Ordinal);
    private readonly Dictionary<IpAddr, List<(long From, long To, string Interface)>> _addresses = [];
    private readonly HashSet<MutableInterface> _dirtyInterfaces = [];
    private readonly HashSet<MutableGroup> _dirtyGroups = [];
    private readonly List<RuleChangeRecord> _ruleChanges = [];
    private readonly List<GroupSetChangeRecord> _groupSetChanges = [];
    private readonly List<TimelineEntry> _history = [];
    private readonly List<InputProblem> _problems = [];

    /// <summary>VPCs a snapshot (<c>describe-vpcs</c>) states to be their Region's default VPC.</summary>
    private readonly HashSet<string> _defaultVpcs = new(StringComparer.Ordinal);

    private CloudTrailEvent _event = null!;
    private long _now;

    /// <summary>Counts rules as they become live (<see cref="MutableGroup.LiveSince"/>).</summary>
    private long _ruleOrder;

    /// <summary>Set by an event that turned out to change nothing (e.g. a delete by a name the evidence cannot resolve).</summary>
    private bool _notApplied;

    public EnvironmentIndex Build(IEnumerable<CloudTrailEvent> events)
    {
        OrderedEvents ordered = EventOrder.Arrange(events);
        List<CloudTrailEvent> unique = ordered.Events;
        long applied = 0, failed = 0, ignored = 0;
        foreach (CloudTrailEvent e in unique)
        {
            if (!e.Succeeded)
            {
                failed++;
                continue;
            }

            if (e.Change is null)
            {
                ignored++;
                continue;
            }

            _event = e;
            _now = e.Change is BaselineSnapshot ? long.MinValue / 2 : e.Time.ToUnixTimeSeconds();
            _notApplied = false;
            Apply(e.Change);
            Flush();
            if (_notApplied)
            {
                ignored++;
            }
            else
            {
                applied++;
            }
        }

        var real = unique.Where(e => e.Change is not BaselineSnapshot).ToList();
        var stats = new IndexStatistics(unique.Count + ordered.Duplicates, ordered.Duplicates, applied, failed, ignored,
            real.Count == 0 ? null : real.Min(e => e.Time), real.Count == 0 ? null : real.Max(e => e.Time));
        return Freeze(stats);
    }

    private void Apply(Ec2Change change)
    {
        switch (change)
        {
            case InstancesLaunched c: Launch(c); break;
            case InstancesStateChanged c: ChangeState(c); break;
            case NetworkInterfaceCreated c: CreateInterface(c); break;
            case NetworkInterfaceDeleted c: DeleteInterface(c.NetworkInterfaceId); break;
            case NetworkInterfaceAttached c: Attach(c.NetworkInterfaceId, c.InstanceId, c.AttachmentId, c.DeviceIndex, byLaunch: false); break;
            case NetworkInterfaceDetached c: Detach(c.AttachmentId); break;
            case NetworkInterfaceGroupsReplaced c: ReplaceGroups(Interface(c.NetworkInterfaceId), c.Groups); break;
            case NetworkInterfaceDeleteOnTerminationChanged c: SetDeleteOnTermination(c); break;
            case InstanceGroupsReplaced c: ReplaceInstanceGroups(c); break;
            case PrivateIpsChanged c: ChangeAddresses(c); break;
            case SecurityGroupCreated c: CreateGroup(c, inEvidence: true); break;
            case SecurityGroupDeleted c: DeleteGroup(c); break;
            case RulesAuthorized c: Authorize(c); break;
            case RulesRevoked c: Revoke(c); break;
            case RulesModified c: Modify(c); break;
            case TagsCreated c: CreateTags(c); break;
            case TagsDeleted c: DeleteTags(c); break;
            case BaselineSnapshot c: ApplySnapshot(c); break;
            default: break;
        }
    }

    // ---- instances and interfaces -------------------------------------------------------------------------------

    private void Launch(InstancesLaunched c)
    {
        foreach (string g in c.RequestedGroups)
        {
            Group(g).Record.AttachEvidence = true;
        }

        foreach (InstanceInfo info in c.Instances)
        {
            LaunchOne(info, running: true);
        }
    }

    private void LaunchOne(InstanceInfo info, bool running)
    {
        MutableInstance instance = Instance(info.InstanceId);
        instance.Running = running;

        // Merge rather than replace: a CreateTags for the new id may have been applied first (same second).
        foreach (Tag t in info.Tags)
        {
            if (t.Value is not null)
            {
                instance.Tags[t.Key] = t.Value;
            }
        }

        instance.Groups = [.. info.Groups.Select(g => g.GroupId)];
        foreach (GroupRef g in info.Groups)
        {
            NoteGroupName(g);
            Group(g.GroupId).Record.AttachEvidence = true;
        }

        Record(info.InstanceId, $"{(running ? "launched" : "known running state: " + (info.State ?? "unknown"))}; tags {FormatTags(instance.Tags)}; groups {string.Join(",", instance.Groups)}");
        foreach (NetworkInterfaceInfo ni in info.NetworkInterfaces)
        {
            MutableInterface eni = Interface(ni.NetworkInterfaceId);
            eni.Exists = true;
            eni.Deleted = false;
            eni.VpcId = ni.VpcId ?? info.VpcId ?? eni.VpcId;

            // AWS deletes an interface with its instance when the attachment says deleteOnTermination; interfaces
            // created by the launch default to true, and snapshots and older events may not say.
            eni.DeleteOnTermination = ni.DeleteOnTermination ?? (_event.Change is not BaselineSnapshot);
            ImmutableArray<GroupRef> groups = ni.Groups.IsDefaultOrEmpty ? info.Groups : ni.Groups;
            SetGroups(eni, groups);
            var ips = new List<string>(ni.PrivateIps);
            if (ips.Count == 0 && ni.DeviceIndex == 0 && info.PrivateIp is not null)
            {
                ips.Add(info.PrivateIp);
            }

            foreach (string ip in ips)
            {
                AddAddress(eni, ip);
            }

            Record(eni.Id, $"created with {info.InstanceId}; addresses {string.Join(",", eni.Addresses.Keys)}; groups {string.Join(",", eni.Groups)}");
            Attach(eni.Id, info.InstanceId, ni.AttachmentId, ni.DeviceIndex, byLaunch: true);
        }

        MarkInstanceDirty(instance);
    }

    private void ChangeState(InstancesStateChanged c)
    {
        foreach (string id in c.InstanceIds)
        {
            MutableInstance instance = Instance(id);
            switch (c.Kind)
            {
                case InstanceStateChange.Started:
                    instance.Running = true;
                    Record(id, "started");
                    break;
                case InstanceStateChange.Stopped:
                    instance.Running = false;
                    Record(id, "stopped");
                    break;
                default:
                    instance.Running = false;
                    Record(id, "terminated");
                    foreach (string eniId in instance.Interfaces.ToList())
                    {
                        MutableInterface eni = Interface(eniId);
                        DetachInterface(eni);
                        if (eni.DeleteOnTermination)
                        {
                            // AWS deletes these with the instance and logs no event for it.
                            DeleteInterface(eniId);
                        }
                    }

                    break;
            }

            MarkInstanceDirty(instance);
        }
    }

    private void CreateInterface(NetworkInterfaceCreated c)
    {
        foreach (string g in c.RequestedGroups)
        {
            Group(g).Record.AttachEvidence = true;
        }

        MutableInterface eni = Materialise(c.Interface);
        eni.DeleteOnTermination = false;

        Record(eni.Id, $"created; addresses {string.Join(",", eni.Addresses.Keys)}; groups {string.Join(",", eni.Groups)}");
        _dirtyInterfaces.Add(eni);
    }

    /// <summary>An interface as a create response or snapshot describes it: existing, with its groups and addresses.</summary>
    private MutableInterface Materialise(NetworkInterfaceInfo ni)
    {
        MutableInterface eni = Interface(ni.NetworkInterfaceId);
        eni.Exists = true;
        eni.Deleted = false;
        eni.VpcId = ni.VpcId ?? eni.VpcId;
        SetGroups(eni, ni.Groups); // also records the groups as attached
        foreach (string ip in ni.PrivateIps)
        {
            AddAddress(eni, ip);
        }

        return eni;
    }

    private void DeleteInterface(string interfaceId)
    {
        MutableInterface eni = Interface(interfaceId);
        DetachInterface(eni);
        foreach (IpAddr ip in eni.Addresses.Keys.ToList())
        {
            RemoveAddress(eni, ip);
        }

        eni.Exists = false;
        eni.Deleted = true;
        Record(interfaceId, "deleted");
        _dirtyInterfaces.Add(eni);
    }

    private void Attach(string interfaceId, string instanceId, string? attachmentId, int deviceIndex, bool byLaunch)
    {
        MutableInterface eni = Interface(interfaceId);
        MutableInstance instance = Instance(instanceId);
        if (eni.Instance is not null && eni.Instance != instanceId)
        {
            DetachInterface(eni);
        }

        eni.Exists = true;
        eni.Instance = instanceId;
        eni.DeviceIndex = deviceIndex;
        if (!byLaunch)
        {
            eni.DeleteOnTermination = false; // AttachNetworkInterface attachments default to false
        }
        instance.Interfaces.Add(interfaceId);
        if (attachmentId is not null)
        {
            _attachments[attachmentId] = (interfaceId, instanceId);
        }

        if (!byLaunch)
        {
            Record(interfaceId, $"attached to {instanceId} (device {deviceIndex})");
            Record(instanceId, $"{interfaceId} attached (device {deviceIndex})");
        }

        _dirtyInterfaces.Add(eni);
    }

    private void SetDeleteOnTermination(NetworkInterfaceDeleteOnTerminationChanged c)
    {
        MutableInterface eni = Interface(c.NetworkInterfaceId);
        eni.DeleteOnTermination = c.DeleteOnTermination;
        Record(eni.Id, $"deleteOnTermination = {(c.DeleteOnTermination ? "true" : "false")}");
    }

    private void Detach(string attachmentId)
    {
        if (_attachments.TryGetValue(attachmentId, out (string Interface, string Instance) a))
        {
            MutableInterface eni = Interface(a.Interface);
            if (eni.Instance == a.Instance)
            {
                DetachInterface(eni);
                Record(a.Interface, $"detached from {a.Instance}");
                Record(a.Instance, $"{a.Interface} detached");
            }
        }
        else
        {
            Record(attachmentId, "detached (attachment unknown to the evidence)");
        }
    }

    private void DetachInterface(MutableInterface eni)
    {
        if (eni.Instance is { } instanceId)
        {
            Instance(instanceId).Interfaces.Remove(eni.Id);
            eni.Instance = null;
            _dirtyInterfaces.Add(eni);
        }
    }

    private void ReplaceGroups(MutableInterface eni, ImmutableArray<GroupRef> groups, string? viaInstance = null)
    {
        // A successful call on an interface proves it exists, even when it is older than the evidence.
        eni.Exists |= !eni.Deleted;
        bool beforeKnown = eni.GroupsKnown;
        ImmutableArray<string> before = [.. eni.Groups.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
        SetGroups(eni, groups); // also records the groups as attached
        ImmutableArray<string> after = [.. eni.Groups.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
        _groupSetChanges.Add(new GroupSetChangeRecord(_event, eni.Id, eni.Instance ?? viaInstance, before, after, beforeKnown));
        Record(eni.Id, $"groups {(beforeKnown ? string.Join(",", before) : "(unknown)")} -> {string.Join(",", after)}");
        _dirtyInterfaces.Add(eni);
    }

    private void ReplaceInstanceGroups(InstanceGroupsReplaced c)
    {
        MutableInstance instance = Instance(c.InstanceId);
        instance.Groups = [.. c.Groups.Select(g => g.GroupId)];
        MutableInterface? primary = instance.Interfaces.Select(Interface).Where(e => e.DeviceIndex == 0).FirstOrDefault();
        if (primary is not null)
        {
            ReplaceGroups(primary, c.Groups, c.InstanceId);
            return;
        }

        foreach (GroupRef g in c.Groups)
        {
            Group(g.GroupId).Record.AttachEvidence = true;
        }

        ImmutableArray<string> after = [.. c.Groups.Select(g => g.GroupId).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
        _groupSetChanges.Add(new GroupSetChangeRecord(_event, null, c.InstanceId, [], after, BeforeKnown: false));
        Record(c.InstanceId, $"groups -> {string.Join(",", after)} (primary interface unknown)");
    }

    private void ChangeAddresses(PrivateIpsChanged c)
    {
        MutableInterface eni = Interface(c.NetworkInterfaceId);
        eni.Exists |= !eni.Deleted;
        foreach (string ip in c.Ips)
        {
            if (c.Unassigned)
            {
                if (IpAddr.TryParse(ip, out IpAddr address))
                {
                    RemoveAddress(eni, address);
                }
            }
            else
            {
                AddAddress(eni, ip);
            }
        }

        Record(eni.Id, $"{(c.Unassigned ? "unassigned" : "assigned")} {string.Join(",", c.Ips)}");
        _dirtyInterfaces.Add(eni);
    }

    private void SetGroups(MutableInterface eni, ImmutableArray<GroupRef> groups)
    {
        eni.Groups.Clear();
        eni.GroupsKnown = true;
        foreach (GroupRef g in groups)
        {
            NoteGroupName(g);
            eni.Groups.Add(g.GroupId);
            GroupRecord record = Group(g.GroupId).Record;
            record.EverOnInterface = true;
            record.AttachEvidence = true;
        }

        _dirtyInterfaces.Add(eni);
    }

    private void AddAddress(MutableInterface eni, string ip)
    {
        if (!IpAddr.TryParse(ip, out IpAddr address) || eni.Addresses.ContainsKey(address))
        {
            return;
        }

        // An address moves within a VPC: whoever there held it loses it now. Private ranges repeat across VPCs (and
        // accounts), so a holder in another VPC keeps it; when either VPC is unknown, assume the same VPC.
        if (_addresses.TryGetValue(address, out var owners))
        {
            foreach ((long _, long to, string holderId) in owners.Where(o => o.To == long.MaxValue).ToList())
            {
                MutableInterface holder = Interface(holderId);
                if (holder != eni && (holder.VpcId is null || eni.VpcId is null || holder.VpcId == eni.VpcId))
                {
                    RemoveAddress(holder, address);
                }
            }
        }

        eni.Addresses[address] = _now;
        if (!_addresses.TryGetValue(address, out owners))
        {
            owners = [];
            _addresses[address] = owners;
        }

        owners.Add((_now, long.MaxValue, eni.Id));
        _dirtyInterfaces.Add(eni);
    }

    private void RemoveAddress(MutableInterface eni, IpAddr address)
    {
        if (!eni.Addresses.Remove(address))
        {
            return;
        }

        if (_addresses.TryGetValue(address, out var owners))
        {
            for (int i = owners.Count - 1; i >= 0; i--)
            {
                if (owners[i].Interface == eni.Id && owners[i].To == long.MaxValue)
                {
                    owners[i] = (owners[i].From, _now, eni.Id);
                    break;
                }
            }
        }

        _dirtyInterfaces.Add(eni);
    }

    // ---- security groups ------------------------------------------------------------------------------------------

    private void CreateGroup(SecurityGroupCreated c, bool inEvidence)
    {
        MutableGroup group = Group(c.GroupId);
        group.Record.GroupName = c.GroupName ?? group.Record.GroupName;
        group.Record.CreatedInEvidence |= inEvidence;
        group.Record.DeletedAt = null;
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

        group.Record.DeletedAt = _now;
        Record(id, "deleted");
        _dirtyGroups.Add(group);
    }

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
            .Where(g => g.Record.DeletedAt is null && string.Equals(g.Record.GroupName, name, StringComparison.OrdinalIgnoreCase))
            .OrderBy(g => g.Record.GroupId, StringComparer.Ordinal)];
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
            return candidates[0].Record.GroupId;
        }

        string why = candidates.Count > 1
            ? $"several live groups named '{name}' are in a default VPC as far as the evidence shows: candidates {string.Join(", ", candidates.Select(g => g.Record.GroupId))}"
            : sameName.Count > 0
                ? $"no live group named '{name}' is known to be in the default VPC of this call; other live groups of that name: {string.Join(", ", sameName.Select(g => g.Record.GroupId + (g.VpcId is null ? " (VPC unknown)" : $" ({g.VpcId})")))}"
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
            Record(g.Record.GroupId, $"possibly the group '{name}' of this {_event.EventName} (not applied: the evidence cannot tell which group)");
        }

        return null;
    }

    private bool InDefaultVpcOfThisCall(MutableGroup group)
    {
        if (group.DefaultVpcOf is { } scope)
        {
            // Every account and Region has its own default VPC: one created elsewhere is not the one this call saw.
            return Same(scope.AccountId, _event.AccountId) && Same(scope.Region, _event.Region);
        }

        return group.VpcId is not null && _defaultVpcs.Contains(group.VpcId);

        static bool Same(string? a, string? b) => a is null || b is null || string.Equals(a, b, StringComparison.Ordinal);
    }

    private void Authorize(RulesAuthorized c)
    {
        string? groupId = c.GroupId ?? ResolveNameInDefaultVpc(c.GroupName);
        if (groupId is null)
        {
            _notApplied = true;
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
            group.Histories.TryGetValue(spec.RuleId, out RuleHistory? history);
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
            group.LiveIngress[ruleId] = new RuleDefinition(ruleId, def);
        }

        if (!group.Histories.TryGetValue(ruleId, out RuleHistory? history))
        {
            history = new RuleHistory { RuleId = ruleId, IsEgress = def.IsEgress, AddedAt = _now };
            group.Record.Rules.Add(history);
            group.Histories[ruleId] = history;
        }

        history.RemovedAt = null;
        history.Definitions.Add(def);
        Record(group.Record.GroupId, $"rule {ruleId} {(def.IsEgress ? "egress" : "ingress")} {Describe(def)}");
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
        if (group.Histories.TryGetValue(ruleId, out RuleHistory? history))
        {
            history.RemovedAt = _now;
        }

        Record(group.Record.GroupId, $"rule {ruleId} removed");
        _dirtyGroups.Add(group);
    }

    private void AddRuleChange(SecurityGroupRuleSpec def, RuleChangeKind kind, bool definitionKnown = true, bool directionKnown = true)
    {
        // A snapshot is state, not a change.
        if (_event.Change is not BaselineSnapshot)
        {
            _ruleChanges.Add(new RuleChangeRecord(_event, kind, def, definitionKnown, directionKnown));
        }
    }

    // ---- tags -----------------------------------------------------------------------------------------------------

    private void CreateTags(TagsCreated c)
    {
        foreach (string id in c.ResourceIds)
        {
            if (id.StartsWith("i-", StringComparison.Ordinal))
            {
                MutableInstance instance = Instance(id);
                foreach (Tag t in c.Tags)
                {
                    instance.Tags[t.Key] = t.Value ?? string.Empty;
                }

                MarkInstanceDirty(instance);
            }

            Record(id, "tags set " + string.Join(",", c.Tags.Select(t => $"{t.Key}={t.Value}")));
        }
    }

    private void DeleteTags(TagsDeleted c)
    {
        foreach (string id in c.ResourceIds)
        {
            if (id.StartsWith("i-", StringComparison.Ordinal))
            {
                MutableInstance instance = Instance(id);
                if (c.Tags.IsDefaultOrEmpty)
                {
                    instance.Tags.Clear();
                }
                else
                {
                    foreach (Tag t in c.Tags)
                    {
                        if (instance.Tags.TryGetValue(t.Key, out string? v) && (t.Value is null || t.Value == v))
                        {
                            instance.Tags.Remove(t.Key);
                        }
                    }
                }

                MarkInstanceDirty(instance);
            }

            Record(id, "tags deleted " + (c.Tags.IsDefaultOrEmpty ? "(all)" : string.Join(",", c.Tags.Select(t => t.Value is null ? t.Key : $"{t.Key}={t.Value}"))));
        }
    }

    // ---- snapshots ------------------------------------------------------------------------------------------------

    private void ApplySnapshot(BaselineSnapshot c)
    {
        _defaultVpcs.UnionWith(c.DefaultVpcIds);
        foreach (SecurityGroupCreated g in c.Groups)
        {
            CreateGroup(g, inEvidence: false);
        }

        foreach (SecurityGroupRuleSpec rule in c.Rules)
        {
            if (rule.RuleId is not null)
            {
                AddOrReplaceRule(Group(rule.GroupId), rule);
            }
        }

        foreach (NetworkInterfaceInfo ni in c.NetworkInterfaces)
        {
            Materialise(ni).DeleteOnTermination = ni.DeleteOnTermination ?? false;
        }

        foreach (InstanceInfo info in c.Instances)
        {
            bool running = info.State is null or "running" or "pending";
            LaunchOne(info, running);
        }

        foreach ((string eniId, string instanceId, string? attachmentId, int deviceIndex) in c.Attachments)
        {
            Attach(eniId, instanceId, attachmentId, deviceIndex, byLaunch: true);
        }
    }

    // ---- state plumbing -------------------------------------------------------------------------------------------

    private MutableInterface Interface(string id)
    {
        // EniId folds hex case; keep the builder's keys consistent with it so two spellings are one interface.
        id = id.ToLowerInvariant();
        if (!_interfaces.TryGetValue(id, out MutableInterface? eni))
        {
            eni = new MutableInterface(id);
            _interfaces[id] = eni;
        }

        return eni;
    }

    private MutableInstance Instance(string id)
    {
        if (!_instances.TryGetValue(id, out MutableInstance? instance))
        {
            instance = new MutableInstance(id);
            _instances[id] = instance;
        }

        return instance;
    }

    private MutableGroup Group(string id)
    {
        if (!_groups.TryGetValue(id, out MutableGroup? group))
        {
            group = new MutableGroup(new GroupRecord { GroupId = id });
            _groups[id] = group;
        }

        return group;
    }

    private void NoteGroupName(GroupRef g)
    {
        if (g.GroupName is not null)
        {
            Group(g.GroupId).Record.GroupName ??= g.GroupName;
        }
    }

    private void MarkInstanceDirty(MutableInstance instance)
    {
        foreach (string eniId in instance.Interfaces)
        {
            _dirtyInterfaces.Add(Interface(eniId));
        }
    }

    private void Record(string resourceId, string change) =>
        _history.Add(new TimelineEntry(_event.Change is BaselineSnapshot ? DateTimeOffset.UnixEpoch : _event.Time, _event.EventId, _event.EventName, _event.ActorArn, resourceId, change));

    /// <summary>After an event: append the new state of every interface and group it touched.</summary>
    private void Flush()
    {
        foreach (MutableInterface eni in _dirtyInterfaces)
        {
            MutableInstance? instance = eni.Instance is null ? null : Instance(eni.Instance);
            var state = new InterfaceState(
                eni.Id,
                eni.Exists,
                eni.Instance,
                instance?.Running ?? false,
                instance is null ? FrozenDictionary<string, string>.Empty : instance.Tags.ToFrozenDictionary(StringComparer.Ordinal),
                [.. eni.Groups.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)],
                [.. eni.Addresses.Keys.Order()]);
            Append(eni.Timeline, state);
        }

        foreach (MutableGroup group in _dirtyGroups)
        {
            RuleDefinition[] ingress = [.. group.LiveIngress.Values];
            Append(group.Timeline, ingress);
        }

        _dirtyInterfaces.Clear();
        _dirtyGroups.Clear();
    }

    private void Append<T>(List<(long Time, T Value)> timeline, T value)
    {
        if (timeline.Count > 0 && timeline[^1].Time == _now)
        {
            timeline[^1] = (_now, value);
        }
        else
        {
            timeline.Add((_now, value));
        }
    }

    private EnvironmentIndex Freeze(IndexStatistics stats)
    {
        var interfaces = _interfaces.Values
            .Where(e => e.Timeline.Count > 0)
            .ToFrozenDictionary(e => EniId.Parse(e.Id), e => new Timeline<InterfaceState>(e.Timeline));
        var rules = _groups.Values
            .Where(g => g.Timeline.Count > 0)
            .ToFrozenDictionary(g => g.Record.GroupId, g => new Timeline<RuleDefinition[]>(g.Timeline), StringComparer.Ordinal);
        var addresses = _addresses.ToFrozenDictionary(
            kv => kv.Key,
            kv => kv.Value.Select(o => new AddressOwner(o.From, o.To, EniId.Parse(o.Interface))).ToArray());
        return new EnvironmentIndex(
            interfaces,
            rules,
            addresses,
            [.. _groups.Values.Select(g => g.Record).OrderBy(g => g.GroupId, StringComparer.Ordinal)],
            [.. _ruleChanges],
            [.. _groupSetChanges],
            [.. _history],
            [.. _problems],
            stats);
    }

    internal static string Describe(SecurityGroupRuleSpec r)
    {
        string ports = r.Protocol == -1 ? "all" : r.FromPort == r.ToPort ? $"{r.FromPort}" : $"{r.FromPort}-{r.ToPort}";
        string peer = r.Cidr ?? r.ReferencedGroupId ?? r.PrefixListId ?? "?";
        return $"{SecurityGroupRuleSpec.ProtocolName(r.Protocol)}/{ports} from {peer}";
    }

    private static string FormatTags(Dictionary<string, string> tags) =>
        tags.Count == 0 ? "(none)" : string.Join(",", tags.OrderBy(t => t.Key, StringComparer.Ordinal).Select(t => $"{t.Key}={t.Value}"));

    private sealed class MutableInterface(string id)
    {
        public string Id { get; } = id;

        public bool Exists { get; set; }

        /// <summary>True once the evidence has stated the interface's group set.</summary>
        public bool GroupsKnown { get; set; }

        /// <summary>VPC, when the evidence says.</summary>
        public string? VpcId { get; set; }

        /// <summary>Deleted by an event: later modifications of the id do not bring it back.</summary>
        public bool Deleted { get; set; }

        public string? Instance { get; set; }

        public int DeviceIndex { get; set; }

        /// <summary>Deleted together with the instance it is attached to (the attachment's deleteOnTermination).</summary>
        public bool DeleteOnTermination { get; set; }

        public List<string> Groups { get; } = [];

        /// <summary>Address → time it was assigned.</summary>
        public Dictionary<IpAddr, long> Addresses { get; } = [];

        public List<(long Time, InterfaceState Value)> Timeline { get; } = [];
    }

    private sealed class MutableInstance(string id)
    {
        public string Id { get; } = id;

        public bool Running { get; set; }

        public Dictionary<string, string> Tags { get; } = new(StringComparer.Ordinal);

        public List<string> Groups { get; set; } = [];

        public List<string> Interfaces { get; } = [];
    }

    private sealed class MutableGroup(GroupRecord record)
    {
        public GroupRecord Record { get; } = record;

        /// <summary>VPC, when a creation event or snapshot says.</summary>
        public string? VpcId { get; set; }

        /// <summary>When the last creation event (or snapshot) for the group was applied; <see cref="long.MinValue"/> when none.</summary>
        public long CreatedAt { get; set; } = long.MinValue;

        /// <summary>Set when CreateSecurityGroup (without vpcId) put the group in the default VPC of this account and Region (either may be unknown).</summary>
        public (string? AccountId, string? Region)? DefaultVpcOf { get; set; }

        public Dictionary<string, SecurityGroupRuleSpec> Live { get; } = new(StringComparer.Ordinal);

        /// <summary>For each live rule: when it became live, and a count that orders the rules made live in one second.</summary>
        public Dictionary<string, (long Time, long Order)> LiveSince { get; } = new(StringComparer.Ordinal);

        /// <summary>Rules known only from ModifySecurityGroupRules, whose direction no event has stated.</summary>
        public Dictionary<string, SecurityGroupRuleSpec> DirectionUnknown { get; } = new(StringComparer.Ordinal);

        /// <summary>Parsed form of each live ingress rule, built once per definition (not once per snapshot).</summary>
        public SortedDictionary<string, RuleDefinition> LiveIngress { get; } = new(StringComparer.Ordinal);

        /// <summary>Rule histories by id (the same objects as <see cref="GroupRecord.Rules"/>, for O(1) lookup).</summary>
        public Dictionary<string, RuleHistory> Histories { get; } = new(StringComparer.Ordinal);

        public List<(long Time, RuleDefinition[] Value)> Timeline { get; } = [];
    }
}
