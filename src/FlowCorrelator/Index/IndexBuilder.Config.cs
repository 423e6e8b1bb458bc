using System.Collections.Immutable;

namespace FlowCorrelator.Index;

// AWS Config configuration items: one resource's recorded state, in force from the item's capture time.
internal sealed partial class IndexBuilder
{
    /// <summary>Synthesised rule ids issued per group for rules a Config item states and the evidence had not seen.</summary>
    private readonly Dictionary<string, int> _configRuleIds = new(StringComparer.Ordinal);

    /// <summary>
    /// Sets the resource to the state the item records (docs/semantics.md, "AWS Config items"): the item is a later
    /// observation than whatever the replay built before its capture time, so where the two differ the item wins from
    /// then on, and the timeline says what it corrected. It makes no question 2 or 3 row: those come from CloudTrail.
    /// </summary>
    private void ApplyConfigItem(ConfigurationItemRecorded c)
    {
        switch (c.ResourceType)
        {
            case "AWS::EC2::Instance" when c.Deleted:
                Record(c.ResourceId, "AWS Config: deleted (terminated)");
                ChangeState(new InstancesStateChanged(InstanceStateChange.Terminated, [c.ResourceId]));
                break;
            case "AWS::EC2::Instance" when c.Instance is { } info:
                ConfigInstance(info);
                break;
            case "AWS::EC2::NetworkInterface" when c.Deleted:
                Record(c.ResourceId, "AWS Config: deleted");
                DeleteInterface(c.ResourceId);
                break;
            case "AWS::EC2::NetworkInterface" when c.NetworkInterface is { } ni:
                ConfigInterface(ni, c.AttachedInstanceId);
                break;
            case "AWS::EC2::SecurityGroup" when c.Deleted:
                Record(c.ResourceId, "AWS Config: deleted");
                DeleteGroup(new SecurityGroupDeleted(c.ResourceId, null));
                break;
            case "AWS::EC2::SecurityGroup" when c.Group is { } g:
                ConfigGroup(g, c.Rules);
                break;
            case "AWS::EC2::VPC":
                if (c.IsDefaultVpc == true && !c.Deleted)
                {
                    _defaultVpcs.Add(c.ResourceId);
                }
                else
                {
                    _defaultVpcs.Remove(c.ResourceId);
                }

                break;
            default:
                break;
        }
    }

    private void ConfigInstance(InstanceInfo info)
    {
        bool known = _instances.ContainsKey(info.InstanceId);
        MutableInstance instance = Instance(info.InstanceId);
        bool running = info.State is null or "running" or "pending";
        var tags = info.Tags.Where(t => t.Value is not null).GroupBy(t => t.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Last().Value!, StringComparer.Ordinal);
        var differences = new List<string>();
        if (instance.Running != running)
        {
            differences.Add(running ? "running" : "not running");
        }

        if (!tags.OrderBy(t => t.Key, StringComparer.Ordinal).SequenceEqual(instance.Tags.OrderBy(t => t.Key, StringComparer.Ordinal)))
        {
            differences.Add($"tags {FormatTags(instance.Tags)} -> {FormatTags(tags)}");
        }

        instance.Running = running;
        instance.Tags.Clear();
        foreach ((string key, string value) in tags)
        {
            instance.Tags[key] = value;
        }

        instance.Groups = [.. info.Groups.Select(g => g.GroupId)];
        foreach (GroupRef g in info.Groups)
        {
            NoteGroupName(g);
            Group(g.GroupId).AttachEvidence = true;
        }

        // The item lists every interface attached to the instance: others the replay had attached are not any more.
        var listed = info.NetworkInterfaces.Select(n => n.NetworkInterfaceId.ToLowerInvariant()).ToHashSet(StringComparer.Ordinal);
        foreach (string eniId in instance.Interfaces.Distinct(StringComparer.Ordinal).Where(id => !listed.Contains(id.ToLowerInvariant())).ToList())
        {
            differences.Add($"{eniId} not attached");
            DetachInterface(Interface(eniId));
        }

        foreach (NetworkInterfaceInfo ni in info.NetworkInterfaces)
        {
            NetworkInterfaceInfo withGroups = ni.Groups.IsDefaultOrEmpty ? ni with { Groups = info.Groups } : ni;
            ConfigInterface(withGroups with { VpcId = ni.VpcId ?? info.VpcId }, info.InstanceId, differences);
        }

        Record(info.InstanceId, $"AWS Config: {(running ? "running" : "state " + (info.State ?? "unknown"))}; tags {FormatTags(instance.Tags)}; groups {string.Join(",", instance.Groups)}{(known ? Corrected(differences) : string.Empty)}");
        MarkInstanceDirty(instance);
    }

    private void ConfigInterface(NetworkInterfaceInfo ni, string? attachedTo) => ConfigInterface(ni, attachedTo, null);

    /// <summary>An interface as an item states it: exists, with exactly these groups and addresses, attached as stated.</summary>
    private void ConfigInterface(NetworkInterfaceInfo ni, string? attachedTo, List<string>? instanceDifferences)
    {
        MutableInterface eni = Interface(ni.NetworkInterfaceId);
        bool known = eni.Exists || eni.Deleted || eni.GroupsKnown;
        var differences = new List<string>();
        if (eni.Deleted)
        {
            differences.Add("exists");
        }

        eni.Exists = true;
        eni.Deleted = false;
        eni.VpcId = ni.VpcId ?? eni.VpcId;
        if (!ni.Groups.IsDefaultOrEmpty)
        {
            ImmutableArray<string> before = [.. eni.Groups.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
            ImmutableArray<string> after = [.. ni.Groups.Select(g => g.GroupId).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
            if (eni.GroupsKnown && !before.SequenceEqual(after))
            {
                differences.Add($"groups {string.Join(",", before)} -> {string.Join(",", after)}");
            }

            SetGroups(eni, ni.Groups); // state, not a change: no question 3 row
        }

        var addresses = new HashSet<IpAddr>();
        foreach (string ip in ni.PrivateIps)
        {
            if (IpAddr.TryParse(ip, out IpAddr address))
            {
                addresses.Add(address);
            }
        }

        foreach (IpAddr old in eni.Addresses.Keys.Where(a => !addresses.Contains(a)).ToList())
        {
            differences.Add($"address {old} released");
            RemoveAddress(eni, old);
        }

        foreach (string ip in ni.PrivateIps)
        {
            AddAddress(eni, ip);
        }

        if (attachedTo is null && eni.Instance is { } was)
        {
            differences.Add($"detached from {was}");
            DetachInterface(eni);
        }
        else if (attachedTo is not null && !string.Equals(eni.Instance, attachedTo, StringComparison.Ordinal))
        {
            if (eni.Instance is not null || instanceDifferences is null)
            {
                differences.Add($"attached to {attachedTo}");
            }

            Attach(eni.Id, attachedTo, ni.AttachmentId, ni.DeviceIndex, byLaunch: true);
        }
        else if (attachedTo is not null && ni.AttachmentId is not null)
        {
            _attachments[ni.AttachmentId] = (eni.Id, attachedTo);
            eni.DeviceIndex = ni.DeviceIndex;
        }

        if (attachedTo is not null && ni.DeleteOnTermination is bool deleteOnTermination)
        {
            eni.DeleteOnTermination = deleteOnTermination;
        }

        if (instanceDifferences is null)
        {
            Record(eni.Id, $"AWS Config: addresses {string.Join(",", eni.Addresses.Keys)}; groups {string.Join(",", eni.Groups)}; {(attachedTo is null ? "detached" : "attached to " + attachedTo)}{(known ? Corrected(differences) : string.Empty)}");
        }
        else if (known)
        {
            instanceDifferences.AddRange(differences.Select(d => $"{eni.Id} {d}"));
        }

        _dirtyInterfaces.Add(eni);
    }

    /// <summary>
    /// A group as an item states it: its name and VPC, and exactly these rules. A stated rule that is live with the same
    /// permission keeps its id; a live rule the item does not state is removed; a stated rule the evidence did not have
    /// is added with the id <c>config:&lt;groupId&gt;#&lt;n&gt;</c> (Config items carry no rule ids; n counts per group).
    /// </summary>
    private void ConfigGroup(SecurityGroupCreated g, ImmutableArray<SecurityGroupRuleSpec> rules)
    {
        bool known = _groups.TryGetValue(g.GroupId, out MutableGroup? before) && (before.CreatedInEvidence || before.Histories.Count > 0);
        MutableGroup group = Group(g.GroupId);
        group.GroupName = g.GroupName ?? group.GroupName;
        group.VpcId = g.VpcId ?? group.VpcId;
        group.DeletedAt = null;
        var differences = new List<string>();
        var kept = new HashSet<string>(StringComparer.Ordinal);
        var added = new List<SecurityGroupRuleSpec>();
        foreach (SecurityGroupRuleSpec stated in rules)
        {
            SecurityGroupRuleSpec? live = group.Live.Values.FirstOrDefault(r => !kept.Contains(r.RuleId!) && r.SamePermission(stated));
            if (live is not null)
            {
                kept.Add(live.RuleId!);
            }
            else
            {
                added.Add(stated);
            }
        }

        foreach (string ruleId in group.Live.Keys.Where(id => !kept.Contains(id)).ToList())
        {
            differences.Add($"rule {ruleId} {Describe(group.Live[ruleId])} not present");
            RemoveRule(group, ruleId);
        }

        foreach (SecurityGroupRuleSpec stated in added)
        {
            int n = _configRuleIds.GetValueOrDefault(g.GroupId);
            _configRuleIds[g.GroupId] = n + 1;
            SecurityGroupRuleSpec def = stated with { RuleId = $"config:{g.GroupId}#{n}", GroupId = g.GroupId };
            differences.Add($"rule {def.RuleId} {(def.IsEgress ? "egress" : "ingress")} {Describe(def)} present");
            AddOrReplaceRule(group, def);
        }

        Record(g.GroupId, $"AWS Config: {g.GroupName} in {g.VpcId ?? "(VPC not stated)"}; {rules.Length} rule(s){(known ? Corrected(differences) : string.Empty)}");
        _dirtyGroups.Add(group);
    }

    private static string Corrected(List<string> differences) =>
        differences.Count == 0 ? string.Empty : "; differs from the state rebuilt before it: " + string.Join("; ", differences);
}
