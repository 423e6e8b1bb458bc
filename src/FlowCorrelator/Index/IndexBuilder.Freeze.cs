using System.Collections.Frozen;
using System.Collections.Immutable;

namespace FlowCorrelator.Index;

// Freezing the replayed state into the read-only index: every number and table the per-record step uses is computed
// here, before the index and its interface states are constructed, so nothing is patched after construction.
internal sealed partial class IndexBuilder
{
    private EnvironmentIndex Freeze(IndexStatistics stats)
    {
        var ingressRules = _groups.Values
            .Where(g => g.Timeline.Count > 0)
            .ToFrozenDictionary(g => g.GroupId, g => new Timeline<RuleDefinition[]>(g.Timeline), StringComparer.Ordinal);
        List<MutableInterface> known = _interfaces.Values.Where(e => e.Timeline.Count > 0).ToList();
        Dictionary<string, int> groupOrdinals = NumberGroups(known);

        // One schedule per group set, over all time, shared by every state holding that set: a schedule per state would
        // copy a shared group's rules at each of its changes into every interface's every state.
        var byGroupSet = new Dictionary<string, (RuleSchedule Rules, int[] GroupOrdinals)>(StringComparer.Ordinal);

        // Question 1 groups rows by (instance, interface, groups): number each distinct triple once here so the
        // per-record aggregation hashes an int, not three strings.
        var attachments = new Dictionary<(string?, string, string), int>();
        var attachmentStates = ImmutableArray.CreateBuilder<InterfaceState>();
        int stateCount = 0;
        var interfaces = new List<KeyValuePair<EniId, Timeline<InterfaceState>>>(known.Count);
        foreach (MutableInterface eni in known)
        {
            var states = new List<(long Time, InterfaceState Value)>(eni.Timeline.Count);
            foreach ((long time, StateDraft d) in eni.Timeline)
            {
                string groupsKey = string.Join(',', d.Groups);
                if (!byGroupSet.TryGetValue(groupsKey, out (RuleSchedule Rules, int[] GroupOrdinals) set))
                {
                    set = (Schedule([.. d.Groups.Select(g => ingressRules.GetValueOrDefault(g))], groupOrdinals), [.. d.Groups.Select(g => groupOrdinals[g])]);
                    byGroupSet.Add(groupsKey, set);
                }

                bool newTriple = !attachments.TryGetValue((d.InstanceId, d.InterfaceId, groupsKey), out int attachment);
                if (newTriple)
                {
                    attachment = attachmentStates.Count;
                    attachments.Add((d.InstanceId, d.InterfaceId, groupsKey), attachment);
                }

                var state = new InterfaceState(
                    d.InterfaceId, d.Exists, d.InstanceId, d.InstanceRunning, d.InstanceTags, d.Groups, groupsKey, d.Addresses, d.Prefixes,
                    set.Rules, set.GroupOrdinals, stateCount++, attachment)
                { VpcId = eni.VpcId };
                if (newTriple)
                {
                    attachmentStates.Add(state);
                }

                states.Add((time, state));
            }

            interfaces.Add(new(EniId.Parse(eni.Id), new Timeline<InterfaceState>(states)));
        }

        var frozenInterfaces = interfaces.ToFrozenDictionary();
        var addresses = _addresses.ToFrozenDictionary(
            kv => kv.Key,
            kv => kv.Value.Select(o =>
            {
                var holder = EniId.Parse(o.Interface);
                return new AddressOwner(o.From, o.To, holder, frozenInterfaces.GetValueOrDefault(holder));
            }).ToArray());
        PrefixOwner[] prefixes =
        [
            .. _prefixes.Select(o =>
            {
                var holder = EniId.Parse(o.Interface);
                return new PrefixOwner(o.Prefix, o.From, o.To, holder, frozenInterfaces.GetValueOrDefault(holder));
            }),
        ];
        var instances = _instances.Values
            .Where(i => i.Timeline.Count > 0)
            .Select(i => KeyValuePair.Create(InstanceKey.Parse(i.Id), new Timeline<InstanceState>(i.Timeline)))
            .DistinctBy(kv => kv.Key)
            .ToFrozenDictionary();
        return new EnvironmentIndex(
            frozenInterfaces,
            instances,
            ingressRules,
            addresses,
            prefixes,
            attachmentStates.ToImmutable(),
            stateCount,
            [.. _ruleIds],
            [.. _groups.Values.OrderBy(g => g.GroupId, StringComparer.Ordinal).Select(Frozen)],
            [.. _ruleChanges],
            [.. _groupSetChanges],
            [.. _history],
            [.. _problems],
            stats);
    }

    private static GroupRecord Frozen(MutableGroup g) => new(
        g.GroupId,
        g.GroupName,
        g.CreatedInEvidence,
        g.DeletedAt,
        g.AttachEvidence,
        g.EverOnInterface,
        [.. g.Rules.Select(r => new RuleHistory(r.RuleId, r.IsEgress, [.. r.Definitions], r.AddedAt, r.RemovedAt))]);

    /// <summary>Numbers every group some interface state holds, ordinally by id (groups no interface holds get none).</summary>
    private static Dictionary<string, int> NumberGroups(List<MutableInterface> interfaces)
    {
        var ordinals = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (string group in interfaces.SelectMany(e => e.Timeline).SelectMany(s => s.Value.Groups).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            ordinals.Add(group, ordinals.Count);
        }

        return ordinals;
    }

    /// <summary>
    /// The compiled ingress rules of a group set over all time: every change time of its groups' rule sets, each with
    /// the rules of all groups concatenated in group order (as the per-group loop visited them, so a rule in two groups
    /// still counts twice). <paramref name="ingressTimelines"/> has one entry per group, null for a group with no rules.
    /// </summary>
    private static RuleSchedule Schedule(Timeline<RuleDefinition[]>?[] ingressTimelines, Dictionary<string, int> groupOrdinals)
    {
        var times = new SortedSet<long> { long.MinValue };
        foreach (Timeline<RuleDefinition[]>? timeline in ingressTimelines)
        {
            if (timeline is null)
            {
                continue;
            }

            foreach (long t in timeline.Times)
            {
                if (t > long.MinValue && t < long.MaxValue)
                {
                    times.Add(t);
                }
            }
        }

        long[] starts = [.. times];
        var sets = new CompiledRule[starts.Length][];
        var compiled = new List<CompiledRule>();
        for (int i = 0; i < starts.Length; i++)
        {
            compiled.Clear();
            foreach (Timeline<RuleDefinition[]>? timeline in ingressTimelines)
            {
                foreach (RuleDefinition rule in timeline?.At(starts[i]) ?? [])
                {
                    if (CompiledRule.TryCompile(rule, groupOrdinals, out CompiledRule c))
                    {
                        compiled.Add(c);
                    }
                }
            }

            sets[i] = [.. compiled];
        }

        return new RuleSchedule(starts, sets);
    }
}
