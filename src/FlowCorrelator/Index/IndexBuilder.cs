using System.Collections.Frozen;
using System.Collections.Immutable;
using FlowCorrelator.Ingest;

namespace FlowCorrelator.Index;

/// <summary>
/// Replays events in time order over mutable state, snapshotting each interface's and group's state after every event
/// that touched it, then freezes everything into <see cref="EnvironmentIndex"/>.
/// </summary>
/// <remarks>
/// This file holds the replay loop (in <see cref="EventOrder"/>) and the state plumbing; each kind of change has its
/// own part: IndexBuilder.Interfaces.cs (instances and interfaces), .Rules.cs (groups and rules), .GroupNames.cs
/// (name resolution), .Tags.cs (tags and snapshots), .Config.cs (AWS Config items), .History.cs (timeline text),
/// .Freeze.cs (the read-only index).
/// </remarks>
internal sealed partial class IndexBuilder
{
    private readonly Dictionary<string, MutableInterface> _interfaces = new(StringComparer.Ordinal);
    private readonly Dictionary<string, MutableInstance> _instances = new(StringComparer.Ordinal);
    private readonly Dictionary<string, MutableGroup> _groups = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (string Interface, string Instance)> _attachments = new(StringComparer.Ordinal);
    private readonly Dictionary<IpAddr, List<(long From, long To, string Interface)>> _addresses = [];
    private readonly List<(long From, long To, IpNetwork Prefix, string Interface)> _prefixes = [];
    private readonly HashSet<MutableInterface> _dirtyInterfaces = [];
    private readonly HashSet<MutableGroup> _dirtyGroups = [];
    private readonly HashSet<MutableInstance> _dirtyInstances = [];
    private readonly List<RuleChangeRecord> _ruleChanges = [];
    private readonly List<GroupSetChangeRecord> _groupSetChanges = [];
    private readonly List<TimelineEntry> _history = [];
    private readonly List<InputProblem> _problems = [];

    /// <summary>VPCs a snapshot (<c>describe-vpcs</c>) states to be their Region's default VPC.</summary>
    private readonly HashSet<string> _defaultVpcs = new(StringComparer.Ordinal);

    private CloudTrailEvent _event = null!;
    private long _now;

    /// <summary>Every ingress rule id met, by ordinal (<see cref="RuleDefinition.Ordinal"/>), and the reverse map.</summary>
    private readonly List<string> _ruleIds = [];
    private readonly Dictionary<string, int> _ruleOrdinals = new(StringComparer.Ordinal);

    /// <summary>Counts rules as they become live (<see cref="MutableGroup.LiveSince"/>).</summary>
    private long _ruleOrder;

    /// <summary>Set by an event that turned out to change nothing (e.g. a delete by a name the evidence cannot resolve).</summary>
    private bool _notApplied;

    public EnvironmentIndex Build(IEnumerable<CloudTrailEvent> events)
    {
        List<CloudTrailEvent> all = [.. events];
        OrderedEvents ordered = EventOrder.Arrange(all);
        List<CloudTrailEvent> unique = ordered.Events;

        // AWS Config items are not CloudTrail events: they stay out of the trail's counts (their files count them).
        long configGiven = all.Count(IsConfigItem), configKept = unique.Count(IsConfigItem);
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
            if (e.Change is ConfigurationItemRecorded)
            {
                continue;
            }

            if (_notApplied)
            {
                ignored++;
            }
            else
            {
                applied++;
            }
        }

        var real = unique.Where(e => e.Change is not (BaselineSnapshot or ConfigurationItemRecorded)).ToList();
        long duplicates = ordered.Duplicates - (configGiven - configKept);
        var stats = new IndexStatistics(unique.Count - configKept + duplicates, duplicates, applied, failed, ignored,
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
            case LaunchTemplateVersionCreated c: CreateTemplateVersion(c); break;
            case LaunchTemplateDefaultVersionSet c: SetDefaultTemplateVersion(c); break;
            case LaunchTemplateDeleted c: DeleteTemplate(c); break;
            case FleetCreated c: CreateFleet(c); break;
            case AutoScalingGroupChanged c: ChangeAutoScalingGroup(c); break;
            case AutoScalingTagsChanged c: ChangeAutoScalingTags(c); break;
            case AutoScalingGroupDeleted c: DeleteAutoScalingGroup(c); break;
            case ConfigurationItemRecorded c: ApplyConfigItem(c); break;
            default: break;
        }
    }

    private static bool IsConfigItem(CloudTrailEvent e) => e.Change is ConfigurationItemRecorded;

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
            group = new MutableGroup(id);
            _groups[id] = group;
        }

        return group;
    }

    private void MarkInstanceDirty(MutableInstance instance)
    {
        _dirtyInstances.Add(instance);
        foreach (string eniId in instance.Interfaces)
        {
            _dirtyInterfaces.Add(Interface(eniId));
        }
    }

    /// <summary>After an event: append the new state of every interface and group it touched.</summary>
    private void Flush()
    {
        foreach (MutableInterface eni in _dirtyInterfaces)
        {
            MutableInstance? instance = eni.Instance is null ? null : Instance(eni.Instance);
            var state = new StateDraft(
                eni.Id,
                eni.Exists,
                eni.Instance,
                // An instance the evidence names without stating its state (CreateTags, AttachNetworkInterface) is
                // taken as running, as for records that name it by their instance-id (docs/semantics.md).
                instance is not null && (instance.Running || !instance.StateKnown),
                instance is null ? FrozenDictionary<string, string>.Empty : instance.Tags.ToFrozenDictionary(StringComparer.Ordinal),
                [.. eni.Groups.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)],
                [.. eni.Addresses.Keys.Order()],
                [.. eni.Prefixes.Keys.OrderBy(p => p.First).ThenBy(p => p.PrefixLength)]);
            Append(eni.Timeline, state);
        }

        foreach (MutableGroup group in _dirtyGroups)
        {
            RuleDefinition[] ingress = [.. group.LiveIngress.Values];
            Append(group.Timeline, ingress);
        }

        foreach (MutableInstance instance in _dirtyInstances)
        {
            var state = new InstanceState(instance.Id, instance.Running, instance.StateKnown, instance.Tags.ToFrozenDictionary(StringComparer.Ordinal));
            if (instance.Timeline.Count == 0 || !instance.Timeline[^1].Value.SameAs(state))
            {
                Append(instance.Timeline, state);
            }
        }

        _dirtyInstances.Clear();
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

        /// <summary>Delegated prefix → time it was assigned (every address inside belongs to the interface).</summary>
        public Dictionary<IpNetwork, long> Prefixes { get; } = [];

        public List<(long Time, StateDraft Value)> Timeline { get; } = [];
    }

    private sealed class MutableInstance(string id)
    {
        private bool _running;

        public string Id { get; } = id;

        /// <summary>Running; setting it (launch, start, stop, termination, a snapshot or Config item) makes <see cref="StateKnown"/>.</summary>
        public bool Running
        {
            get => _running;
            set
            {
                _running = value;
                StateKnown = true;
            }
        }

        /// <summary>The evidence stated the running state (an instance met only in CreateTags has none).</summary>
        public bool StateKnown { get; private set; }

        /// <summary>The instance's own states over time (running, tags), for records attributed by their <c>instance-id</c>.</summary>
        public List<(long Time, InstanceState Value)> Timeline { get; } = [];

        /// <summary>A launch (RunInstances, CreateFleet or a snapshot) has been applied.</summary>
        public bool Launched { get; set; }

        public Dictionary<string, string> Tags { get; } = new(StringComparer.Ordinal);

        public List<string> Groups { get; set; } = [];

        public List<string> Interfaces { get; } = [];
    }

    /// <summary>A group as the replay goes; <see cref="Freeze"/> turns what the evidence said of it into a <see cref="GroupRecord"/>.</summary>
    private sealed class MutableGroup(string groupId)
    {
        public string GroupId { get; } = groupId;

        public string? GroupName { get; set; }

        public bool CreatedInEvidence { get; set; }

        public long? DeletedAt { get; set; }

        /// <summary>Named in the group set of a successful launch, interface creation, modification or snapshot.</summary>
        public bool AttachEvidence { get; set; }

        /// <summary>In some interface's group set at some time.</summary>
        public bool EverOnInterface { get; set; }

        /// <summary>Every rule the group ever had, by id, in order of first appearance.</summary>
        public List<MutableRuleHistory> Rules { get; } = [];

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

        /// <summary>Rule histories by id (the same objects as <see cref="Rules"/>, for O(1) lookup).</summary>
        public Dictionary<string, MutableRuleHistory> Histories { get; } = new(StringComparer.Ordinal);

        public List<(long Time, RuleDefinition[] Value)> Timeline { get; } = [];
    }

    /// <summary>
    /// An interface's state after an event, as the replay knows it; <see cref="Freeze"/> turns each into an
    /// <see cref="InterfaceState"/> once the numbers and rule schedules it carries can be computed.
    /// </summary>
    private sealed record StateDraft(
        string InterfaceId,
        bool Exists,
        string? InstanceId,
        bool InstanceRunning,
        FrozenDictionary<string, string> InstanceTags,
        ImmutableArray<string> Groups,
        ImmutableArray<IpAddr> Addresses,
        ImmutableArray<IpNetwork> Prefixes);

    /// <summary>One rule's definitions as the replay goes (<see cref="RuleHistory"/> once frozen).</summary>
    private sealed class MutableRuleHistory(string ruleId, bool isEgress, long addedAt)
    {
        public string RuleId { get; } = ruleId;

        public bool IsEgress { get; } = isEgress;

        public long AddedAt { get; } = addedAt;

        public long? RemovedAt { get; set; }

        public List<SecurityGroupRuleSpec> Definitions { get; } = [];
    }
}
