namespace FlowCorrelator.Scenarios.World;

/// <summary>
/// The model's state at one moment, changed only by <see cref="Apply"/>. It follows docs/semantics.md literally and
/// favours plain dictionaries over speed: it is the truth the engine is tested against.
/// </summary>
internal sealed class WorldState
{
    public Dictionary<string, InstanceState> Instances { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, EniState> Enis { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, GroupState> Groups { get; } = new(StringComparer.Ordinal);

    /// <summary>Every attachment id ever seen → (interface, instance).</summary>
    public Dictionary<string, (string Eni, string Instance)> Attachments { get; } = new(StringComparer.Ordinal);

    /// <summary>Groups that appeared in a group set of a successful launch, interface creation or group replacement.</summary>
    public HashSet<string> EverAttachedGroups { get; } = new(StringComparer.Ordinal);

    public void Apply(Op op)
    {
        switch (op)
        {
            case CreateGroupOp c:
                Groups[c.GroupId] = new GroupState { Name = c.Name, CreatedInTrail = true };
                break;
            case DeleteGroupOp d:
                Groups[d.GroupId].Deleted = true;
                Groups[d.GroupId].Rules.Clear();
                break;
            case AddRuleOp a:
                // A group only referenced by an Authorize (created before the evidence) becomes known here.
                if (!Groups.TryGetValue(a.Rule.GroupId, out GroupState? g))
                {
                    g = new GroupState { Name = null, CreatedInTrail = false };
                    Groups[a.Rule.GroupId] = g;
                }

                g.Rules[a.Rule.RuleId] = a.Rule;
                break;
            case RemoveRuleOp r:
                foreach (GroupState group in Groups.Values)
                {
                    group.Rules.Remove(r.RuleId);
                }

                break;
            case ModifyRuleOp m:
                Groups[m.NewDefinition.GroupId].Rules[m.NewDefinition.RuleId] = m.NewDefinition;
                break;
            case LaunchOp l:
                Instances[l.InstanceId] = new InstanceState { Role = l.Role, Running = true, Tags = new(l.InstanceTags.ToDictionary(t => t.Key, t => t.Value, StringComparer.Ordinal), StringComparer.Ordinal) };
                foreach (LaunchEni e in l.Enis)
                {
                    Enis[e.EniId] = new EniState { Ip = e.Ip, SubnetId = e.SubnetId, Groups = [.. e.Groups], Instance = l.InstanceId, AttachmentId = e.AttachmentId, DeviceIndex = e.DeviceIndex, CreatedByLaunchOf = l.InstanceId };
                    Attachments[e.AttachmentId] = (e.EniId, l.InstanceId);
                    EverAttachedGroups.UnionWith(e.Groups);
                }

                break;
            case FleetInstancesOp f:
                foreach (string id in f.InstanceIds)
                {
                    if (!Instances.TryGetValue(id, out InstanceState? known))
                    {
                        Instances[id] = known = new InstanceState { Role = "fleet", Running = true, Tags = new(StringComparer.Ordinal) };
                    }

                    // The fleet's tags fill only keys the launch did not state.
                    foreach (KeyValuePair<string, string> tag in f.Tags)
                    {
                        known.Tags.TryAdd(tag.Key, tag.Value);
                    }
                }

                break;
            case TagOp t:
                Instances[t.InstanceId].Tags[t.Key] = t.Value;
                break;
            case TerminateOp t:
                Instances[t.InstanceId].Running = false;
                Instances[t.InstanceId].Terminated = true;
                foreach (string eniId in Enis.Where(e => e.Value.Instance == t.InstanceId).Select(e => e.Key).ToList())
                {
                    EniState eni = Enis[eniId];
                    if (eni.CreatedByLaunchOf == t.InstanceId)
                    {
                        Enis.Remove(eniId);
                    }
                    else
                    {
                        eni.Instance = null;
                        eni.AttachmentId = null;
                    }
                }

                break;
            case StopOp s:
                Instances[s.InstanceId].Running = false;
                break;
            case StartOp s:
                Instances[s.InstanceId].Running = true;
                break;
            case CreateEniOp c:
                Enis[c.EniId] = new EniState { Ip = c.Ip, SubnetId = c.SubnetId, Groups = [.. c.Groups] };
                EverAttachedGroups.UnionWith(c.Groups);
                break;
            case AttachOp a:
                Enis[a.EniId].Instance = a.InstanceId;
                Enis[a.EniId].AttachmentId = a.AttachmentId;
                Enis[a.EniId].DeviceIndex = a.DeviceIndex;
                Attachments[a.AttachmentId] = (a.EniId, a.InstanceId);
                break;
            case DetachOp d:
                EniState detached = Enis[Attachments[d.AttachmentId].Eni];
                detached.Instance = null;
                detached.AttachmentId = null;
                break;
            case SetEniGroupsOp s:
                Enis[s.EniId].Groups = [.. s.Groups];
                EverAttachedGroups.UnionWith(s.Groups);
                break;
            case AssignPrefixOp a:
                Enis[a.EniId].Prefixes.Add((a.First, a.Size));
                break;
            case SetInstanceGroupsOp s:
                Enis[PrimaryEniOf(s.InstanceId)!].Groups = [.. s.Groups];
                EverAttachedGroups.UnionWith(s.Groups);
                break;
            default:
                throw new InvalidOperationException("Unknown op " + op.GetType().Name);
        }
    }

    /// <summary>The interface at device index 0 of the instance, if any.</summary>
    public string? PrimaryEniOf(string instanceId) =>
        Enis.Where(e => e.Value.Instance == instanceId && e.Value.DeviceIndex == 0).Select(e => e.Key).FirstOrDefault();
}

internal sealed class InstanceState
{
    public required string Role { get; init; }

    public bool Running { get; set; }

    public bool Terminated { get; set; }

    public required Dictionary<string, string> Tags { get; init; }
}

internal sealed class EniState
{
    public uint Ip { get; init; }

    public required string SubnetId { get; init; }

    public List<string> Groups { get; set; } = [];

    public string? Instance { get; set; }

    public string? AttachmentId { get; set; }

    public int DeviceIndex { get; set; }

    /// <summary>Set when the interface was created by this instance's launch (deleted with it).</summary>
    public string? CreatedByLaunchOf { get; init; }

    /// <summary>Delegated prefixes (first address, size): pod addresses that belong to the interface.</summary>
    public List<(uint First, int Size)> Prefixes { get; } = [];
}

internal sealed class GroupState
{
    public string? Name { get; init; }

    public bool CreatedInTrail { get; init; }

    public bool Deleted { get; set; }

    public Dictionary<string, RuleDef> Rules { get; } = new(StringComparer.Ordinal);
}
