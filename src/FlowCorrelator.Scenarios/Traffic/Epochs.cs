using System.Text;
using FlowCorrelator.Scenarios.World;

namespace FlowCorrelator.Scenarios.Traffic;

/// <summary>An ingress rule definition in force during one epoch, prepared for matching IPv4 records.</summary>
internal sealed class RuleView(int index, RuleDef definition)
{
    public int Index { get; } = index;

    public RuleDef Definition { get; } = definition;

    public int Protocol { get; } = definition.Protocol;

    public int From { get; } = definition.FromPort ?? 0;

    public int To { get; } = definition.ToPort ?? 65535;

    /// <summary>The CIDR's host-order range when the peer is an IPv4 CIDR; null for IPv6 CIDRs and other peers.</summary>
    public (uint First, uint Last)? V4Network { get; } = definition.Cidr is null ? null : ModelNetworks.V4Range(definition.Cidr);
}

/// <summary>An interface as it is during one epoch.</summary>
internal sealed class EniView
{
    public required int Index { get; init; }

    public required string Id { get; init; }

    public required byte[] IdUtf8 { get; init; }

    public required uint Ip { get; init; }

    public required byte[] SubnetUtf8 { get; init; }

    public required byte[] AzUtf8 { get; init; }

    /// <summary>Attached instance or null.</summary>
    public string? InstanceId { get; init; }

    public required byte[] InstanceUtf8 { get; init; }

    /// <summary>The instance's Name tag now (for the v11 instance-tag column), or "-".</summary>
    public required byte[] NameTagUtf8 { get; init; }

    /// <summary>The attached instance is running now (false when none is attached).</summary>
    public bool InstanceRunning { get; init; }

    /// <summary>The attached instance's tags now (empty when none is attached); read by the enriched-record tests.</summary>
    public IReadOnlyDictionary<string, string> InstanceTags { get; init; } = new Dictionary<string, string>();


    /// <summary>Groups, sorted ordinally.</summary>
    public required string[] Groups { get; init; }

    /// <summary>Groups joined with ',' (a dictionary key).</summary>
    public required string GroupsKey { get; init; }

    /// <summary>Ingress rules of all its groups.</summary>
    public required RuleView[] Ingress { get; init; }

    /// <summary>Addresses of its delegated prefixes (pod addresses), empty when none.</summary>
    public uint[] PodIps { get; init; } = [];

    // What the evidence (the events in the trail) says of the interface now; the fields above are the world's.

    /// <summary>The attached instance's Name tag now (the world's), or null.</summary>
    public string? NameTag { get; init; }

    /// <summary>The evidence knows the interface now (its groups and addresses).</summary>
    public bool IndexKnows { get; init; }

    /// <summary>The instance the evidence has it attached to now, or null (unknown interface, or detached).</summary>
    public string? IndexInstanceId { get; init; }

    /// <summary>Question 1's groups: <see cref="GroupsKey"/> when the evidence knows the interface, else empty.</summary>
    public string IndexGroupsKey => IndexKnows ? GroupsKey : string.Empty;
}

/// <summary>An instance as the evidence knows it at one moment.</summary>
internal sealed record IndexInstance(bool Running, IReadOnlyDictionary<string, string> Tags);

/// <summary>The model's state from one event to the next, frozen for fast lookups while writing flows.</summary>
internal sealed class Epoch
{
    public required long From { get; init; }

    public required EniView?[] Enis { get; init; }

    /// <summary>Private address → interface index, for the interfaces the evidence knows.</summary>
    public required Dictionary<uint, int> IpOwner { get; init; }

    /// <summary>Primary interfaces (device 0) of non-terminated instances, by role.</summary>
    public required Dictionary<string, EniView[]> PrimaryByRole { get; init; }

    /// <summary>Secondary (device 1) interfaces of payment instances.</summary>
    public required EniView[] PaymentSecondary { get; init; }

    /// <summary>Every existing interface.</summary>
    public required EniView[] All { get; init; }

    /// <summary>Interfaces with pod addresses (delegated prefixes) that are attached to a running instance.</summary>
    public EniView[] Pods { get; init; } = [];

    /// <summary>
    /// Interfaces attached (in the world) to a running instance that the evidence does not know: only the flow
    /// records' own fields can attribute their traffic. The random traffic of the story never picks them.
    /// </summary>
    public EniView[] Unlinked { get; init; } = [];

    /// <summary>Instances the evidence knows now, by id.</summary>
    public required Dictionary<string, IndexInstance> IndexInstances { get; init; }

    public EniView[] Role(string role) => PrimaryByRole.TryGetValue(role, out EniView[]? v) ? v : [];

    public EniView? Eni(string id, Dictionary<string, int> indexOf) => indexOf.TryGetValue(id, out int i) && i < Enis.Length ? Enis[i] : null;
}

/// <summary>Replays the story and freezes the state after the last successful event of every second.</summary>
internal sealed class Timeline
{
    private readonly long[] _starts;

    private Timeline(List<Epoch> epochs, Dictionary<string, int> eniIndex, Dictionary<string, int> ruleIndex, List<RuleDef> rulesByIndex)
    {
        Epochs = epochs;
        _starts = [.. epochs.Select(e => e.From)];
        EniIndex = eniIndex;
        RuleIndex = ruleIndex;
        RulesByIndex = rulesByIndex;
    }

    public IReadOnlyList<Epoch> Epochs { get; }

    /// <summary>Interface id → index (stable for the whole scenario).</summary>
    public Dictionary<string, int> EniIndex { get; }

    /// <summary>Rule id → index.</summary>
    public Dictionary<string, int> RuleIndex { get; }

    public List<RuleDef> RulesByIndex { get; }

    /// <summary>The epoch in force for a record starting at <paramref name="time"/> (changes at T apply to starts ≥ T).</summary>
    public Epoch At(long time)
    {
        int i = Array.BinarySearch(_starts, time);
        return Epochs[i >= 0 ? i : ~i - 1];
    }

    public static Timeline Build(WorldModel world, ScenarioOptions options)
    {
        // Two replays in step: the world (every call that happened) and the evidence (the calls in the trail), so
        // each epoch says both what AWS saw and what the index can know.
        var state = new WorldState();
        var evidence = new WorldState();
        var eniIndex = new Dictionary<string, int>(StringComparer.Ordinal);
        var ruleIndex = new Dictionary<string, int>(StringComparer.Ordinal);
        var rules = new List<RuleDef>();
        var epochs = new List<Epoch> { Freeze(long.MinValue, state, evidence, world, options, eniIndex, ruleIndex, rules) };
        TrailEvent[] ordered = [.. TrailEvent.InApplicationOrder(world.Events.Where(e => e.Succeeded))];
        for (int i = 0; i < ordered.Length; i++)
        {
            foreach (Op op in ordered[i].Ops)
            {
                state.Apply(op);
                if (ordered[i].InTrail)
                {
                    evidence.Apply(op);
                }
            }

            // A record starting in a second sees every change of that second (half-open validity): the states
            // between the events of one second are never in force, and one epoch per second keeps At unambiguous.
            if (i + 1 == ordered.Length || ordered[i + 1].Time != ordered[i].Time)
            {
                epochs.Add(Freeze(ordered[i].Time, state, evidence, world, options, eniIndex, ruleIndex, rules));
            }
        }

        return new Timeline(epochs, eniIndex, ruleIndex, rules);
    }

    private static Epoch Freeze(long from, WorldState state, WorldState evidence, WorldModel world, ScenarioOptions options, Dictionary<string, int> eniIndex, Dictionary<string, int> ruleIndex, List<RuleDef> rules)
    {
        foreach (GroupState g in state.Groups.Values)
        {
            foreach (RuleDef r in g.Rules.Values.OrderBy(r => r.RuleId, StringComparer.Ordinal))
            {
                if (!ruleIndex.ContainsKey(r.RuleId))
                {
                    ruleIndex[r.RuleId] = rules.Count;
                    rules.Add(r);
                }
            }
        }

        foreach (string id in state.Enis.Keys.Order(StringComparer.Ordinal))
        {
            eniIndex.TryAdd(id, eniIndex.Count);
        }

        var views = new EniView?[eniIndex.Count];
        var ipOwner = new Dictionary<uint, int>();
        var byRole = new Dictionary<string, List<EniView>>(StringComparer.Ordinal);
        var secondary = new List<EniView>();
        var pods = new List<EniView>();
        var unlinked = new List<EniView>();
        foreach ((string id, EniState eni) in state.Enis.OrderBy(e => e.Key, StringComparer.Ordinal))
        {
            EniState? known = evidence.Enis.GetValueOrDefault(id);
            InstanceState? instance = eni.Instance is null ? null : state.Instances[eni.Instance];
            string[] groups = [.. eni.Groups.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
            RuleView[] ingress =
            [
                .. groups.Where(state.Groups.ContainsKey)
                    .SelectMany(g => state.Groups[g].Rules.Values.Where(r => !r.Egress).OrderBy(r => r.RuleId, StringComparer.Ordinal))
                    .Select(r => new RuleView(ruleIndex[r.RuleId], r)),
            ];
            SubnetInfo subnet = world.Subnets[eni.SubnetId];
            var view = new EniView
            {
                Index = eniIndex[id],
                Id = id,
                IdUtf8 = Encoding.ASCII.GetBytes(id),
                Ip = eni.Ip,
                SubnetUtf8 = Encoding.ASCII.GetBytes(subnet.Id),
                AzUtf8 = Encoding.ASCII.GetBytes(subnet.AzId),
                InstanceId = eni.Instance,
                InstanceUtf8 = Encoding.ASCII.GetBytes(eni.Instance ?? "-"),
                NameTagUtf8 = Encoding.UTF8.GetBytes(instance is not null && instance.Tags.TryGetValue("Name", out string? name) ? name : "-"),
                InstanceRunning = instance is { Running: true },
                InstanceTags = instance is null ? new Dictionary<string, string>() : new Dictionary<string, string>(instance.Tags, StringComparer.Ordinal),
                Groups = groups,
                GroupsKey = string.Join(',', groups),
                Ingress = ingress,
                PodIps = [.. eni.Prefixes.SelectMany(p => Enumerable.Range(0, p.Size).Select(i => p.First + (uint)i))],
                NameTag = instance is not null && instance.Tags.TryGetValue("Name", out string? nameTag) ? nameTag : null,
                IndexKnows = known is not null,
                IndexInstanceId = known?.Instance,
            };
            views[view.Index] = view;
            if (known is null)
            {
                // Only the flow-evidence traffic goes to interfaces the evidence does not know, and their addresses
                // are no one's (as for the index): no record has one as the source of traffic to another interface,
                // so the world's actions do not depend on it.
                if (instance is { Running: true })
                {
                    unlinked.Add(view);
                }

                continue;
            }

            ipOwner[eni.Ip] = view.Index;
            foreach (uint pod in view.PodIps)
            {
                ipOwner[pod] = view.Index;
            }

            if (view.PodIps.Length > 0 && instance is { Running: true })
            {
                pods.Add(view);
            }

            if (instance is not null && !instance.Terminated)
            {
                if (eni.DeviceIndex == 0)
                {
                    if (!byRole.TryGetValue(instance.Role, out List<EniView>? list))
                    {
                        byRole[instance.Role] = list = [];
                    }

                    list.Add(view);
                }
                else if (eni.DeviceIndex == 1 && instance.Role == "payment")
                {
                    secondary.Add(view);
                }
            }
        }

        return new Epoch
        {
            From = from,
            Enis = views,
            IpOwner = ipOwner,
            PrimaryByRole = byRole.ToDictionary(kv => kv.Key, kv => kv.Value.ToArray(), StringComparer.Ordinal),
            PaymentSecondary = [.. secondary],
            All = [.. views.Where(v => v is not null).Select(v => v!)],
            Pods = [.. pods],
            Unlinked = [.. unlinked],
            IndexInstances = evidence.Instances.ToDictionary(
                kv => kv.Key, kv => new IndexInstance(kv.Value.Running, new Dictionary<string, string>(kv.Value.Tags, StringComparer.Ordinal)), StringComparer.Ordinal),
        };
    }
}
