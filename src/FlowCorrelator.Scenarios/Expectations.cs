using System.Collections.Immutable;
using FlowCorrelator.Index;
using FlowCorrelator.Queries;
using FlowCorrelator.Scenarios.Traffic;
using FlowCorrelator.Scenarios.World;

namespace FlowCorrelator.Scenarios;

/// <summary>
/// The expected answers, from the model only: questions 2–4 by replaying the model's own successful events, questions
/// 1, 5 and 6 from the per-record evaluation the traffic writer accumulated. Follows docs/semantics.md line by line.
/// </summary>
internal static class Expectations
{
    private static readonly int[] s_adminPorts = [22, 23, 135, 139, 445, 1433, 1521, 2049, 3306, 3389, 5432, 5439, 5900, 5985, 5986, 6379, 9200, 11211, 27017];

    public static InvestigationResult Compute(WorldModel world, Timeline timeline, Accumulator flows, ScenarioOptions options)
    {
        var state = new WorldState();
        var ruleChanges = new List<RuleChange>();
        var attachments = new List<GroupAttachment>();
        var lastDefinition = new Dictionary<string, RuleDef>(StringComparer.Ordinal);
        var removed = new HashSet<string>(StringComparer.Ordinal);
        // Questions 2–4 come from the evidence: the successful calls the trail holds (a call the trail lacks changed
        // the world, but no answer can show it).
        foreach (TrailEvent e in TrailEvent.InApplicationOrder(world.Events.Where(e => e.Succeeded && e.InTrail)))
        {
            foreach (Op op in e.Ops)
            {
                switch (op)
                {
                    case AddRuleOp a:
                        ruleChanges.Add(Change(e, RuleChangeKind.Added, a.Rule));
                        lastDefinition[a.Rule.RuleId] = a.Rule;
                        break;
                    case RemoveRuleOp r:
                        ruleChanges.Add(Change(e, RuleChangeKind.Removed, state.Groups.Values.Select(g => g.Rules.GetValueOrDefault(r.RuleId)).Single(d => d is not null)!));
                        removed.Add(r.RuleId);
                        break;
                    case ModifyRuleOp m:
                        ruleChanges.Add(Change(e, RuleChangeKind.Modified, m.NewDefinition));
                        lastDefinition[m.NewDefinition.RuleId] = m.NewDefinition;
                        break;
                    case DeleteGroupOp d:
                        removed.UnionWith(state.Groups[d.GroupId].Rules.Keys);
                        break;
                    case SetEniGroupsOp s:
                        attachments.Add(Attachment(e, s.EniId, state.Enis[s.EniId].Instance, state.Enis[s.EniId].Groups, s.Groups));
                        break;
                    case SetInstanceGroupsOp s:
                        string primary = state.PrimaryEniOf(s.InstanceId)!;
                        attachments.Add(Attachment(e, primary, s.InstanceId, state.Enis[primary].Groups, s.Groups));
                        break;
                }

                state.Apply(op);
            }
        }

        var unused = new List<UnusedGroup>();
        foreach ((string groupId, GroupState g) in state.Groups)
        {
            string[] live = [.. g.Rules.Values.Where(r => !r.Egress).Select(r => r.RuleId).Order(StringComparer.Ordinal)];
            if (live.Length > 0 && !state.EverAttachedGroups.Contains(groupId))
            {
                unused.Add(new UnusedGroup { GroupId = groupId, GroupName = g.Name, Status = g.CreatedInTrail ? UnusedGroupStatus.NeverAttached : UnusedGroupStatus.Unknown, IngressRuleIds = [.. live] });
            }
        }

        var usage = new List<RuleUsage>();
        foreach ((string ruleId, RuleDef last) in lastDefinition)
        {
            if (last.Egress || !state.EverAttachedGroups.Contains(last.GroupId))
            {
                continue;
            }

            // A rule added and removed within one second was never in force: no epoch holds it, so it has no index.
            RuleAcc? acc = timeline.RuleIndex.TryGetValue(ruleId, out int index) ? flows.Rules[index] : null;
            long hits = acc?.Hits ?? 0;
            usage.Add(new RuleUsage
            {
                RuleId = ruleId,
                GroupId = last.GroupId,
                Protocol = Perm.ProtocolText(last.Protocol),
                FromPort = last.Protocol == -1 ? null : last.FromPort,
                ToPort = last.Protocol == -1 ? null : last.ToPort,
                Cidr = last.Cidr,
                ReferencedGroupId = last.ReferencedGroupId,
                PrefixListId = last.PrefixListId,
                Status = removed.Contains(ruleId) ? RuleUsageStatus.Revoked : hits > 0 ? RuleUsageStatus.Used : RuleUsageStatus.Unused,
                Hits = hits,
                ScannerHits = acc?.ScannerHits ?? 0,
                DistinctSources = acc?.Sources.Count ?? 0,
                FirstUsed = hits > 0 ? DateTimeOffset.FromUnixTimeSeconds(acc!.First) : null,
                LastUsed = hits > 0 ? DateTimeOffset.FromUnixTimeSeconds(acc!.Last) : null,
            });
        }

        var access = flows.Access.Select(kv => new AccessAttempt
        {
            InstanceId = kv.Key.InstanceId,
            InterfaceId = kv.Key.EniId,
            SecurityGroups = kv.Key.GroupsKey.Length == 0 ? [] : [.. kv.Key.GroupsKey.Split(',')],
            SrcAddr = ModelNetworks.V4Text(kv.Key.Src),
            Accepted = kv.Value.Accepted,
            Rejected = kv.Value.Rejected,
            Packets = kv.Value.Packets,
            Bytes = kv.Value.Bytes,
            FirstSeen = DateTimeOffset.FromUnixTimeSeconds(kv.Value.First),
            LastSeen = DateTimeOffset.FromUnixTimeSeconds(kv.Value.Last),
            Scanner = ModelNetworks.IsScanner(kv.Key.Src),
            InstanceFrom = kv.Key.InstanceFrom,
            TagFrom = kv.Key.TagFrom,
        });

        return new InvestigationResult
        {
            Query = new AccessQuery
            {
                TagKey = options.AccessTagKey, TagValue = options.AccessTagValue, Port = options.AccessPort, Protocol = options.AccessProtocol,
                TagFields = ScenarioGenerator.TagFields(options.Format),
            },
            AccessAttempts = [.. access],
            RuleChanges = [.. ruleChanges],
            GroupAttachments = [.. attachments],
            UnusedGroups = [.. unused],
            RuleUsage = [.. usage],
            Exposures = flows.Exposure is { } exposure ? [.. exposure.Rows(flows.Exposures)] : [],
        }.Canonical();
    }

    internal static RuleChange Change(TrailEvent e, RuleChangeKind change, RuleDef r)
    {
        bool world = r.Cidr is not null && ModelNetworks.IsWorld(r.Cidr);
        var risks = new List<string>();
        if (!r.Egress)
        {
            if (world)
            {
                risks.Add("open-to-world");
            }

            if (r.Protocol == -1)
            {
                risks.Add("all-protocols");
            }

            if (r.Protocol is 6 or 17)
            {
                risks.AddRange(s_adminPorts.Where(p => p >= r.FromPort && p <= r.ToPort).Select(p => "admin-port:" + p));
            }
        }

        return new RuleChange
        {
            Time = DateTimeOffset.FromUnixTimeSeconds(e.Time),
            EventId = e.EventId,
            EventName = e.EventName,
            Change = change,
            GroupId = r.GroupId,

            // The name the call gave instead of a group id: the world's own request (every call the world makes by
            // name resolves, since it creates that group without vpcId, so no row is unresolved).
            GroupName = e.Request?["groupId"] is null ? e.Request?["groupName"]?.GetValue<string>() : null,
            RuleId = r.RuleId,
            Direction = r.Egress ? "egress" : "ingress",
            Protocol = Perm.ProtocolText(r.Protocol),
            FromPort = r.Protocol == -1 ? null : r.FromPort,
            ToPort = r.Protocol == -1 ? null : r.ToPort,
            Cidr = r.Cidr,
            ReferencedGroupId = r.ReferencedGroupId,
            PrefixListId = r.PrefixListId,
            Actor = e.Actor.Arn,
            SourceIp = e.Actor.SourceIp,
            OpensToWorld = world,
            Risks = [.. risks],
        };
    }

    private static GroupAttachment Attachment(TrailEvent e, string eniId, string? instanceId, IEnumerable<string> before, IEnumerable<string> after)
    {
        ImmutableArray<string> b = [.. before.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
        ImmutableArray<string> a = [.. after.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
        return new GroupAttachment
        {
            Time = DateTimeOffset.FromUnixTimeSeconds(e.Time),
            EventId = e.EventId,
            EventName = e.EventName,
            InterfaceId = eniId,
            InstanceId = instanceId,
            GroupsBefore = b,
            GroupsAfter = a,
            Added = [.. a.Except(b, StringComparer.Ordinal)],
            Removed = [.. b.Except(a, StringComparer.Ordinal)],
            Actor = e.Actor.Arn,
        };
    }
}
