using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json.Nodes;

namespace FlowCorrelator.Scenarios.World;

// Emitting events, and the security-group calls (create, delete, authorize, revoke, modify) in their real shapes.
internal sealed partial class WorldBuilder
{
    // ---------------------------------------------------------------- events

    private TrailEvent Emit(long time, Actor actor, string name, JsonObject? request, JsonObject? response, IEnumerable<Op> ops, string? errorCode = null, string? errorMessage = null,
        string source = "ec2.amazonaws.com", JsonObject? serviceEventDetails = null, bool inTrail = true)
    {
        // A call the trail does not hold may lie before the story (an instance launched weeks before the trail): it
        // touches nothing the script computes later, so only calls in the trail must come in application order.
        if (inTrail || time >= _lastTime)
        {
            InApplicationOrder(time, name);
        }

        var e = new TrailEvent
        {
            Time = time, EventId = Guid(), EventName = name, Actor = actor, ErrorCode = errorCode, ErrorMessage = errorMessage, Request = request, Response = response,
            EventSource = source, ServiceEventDetails = serviceEventDetails, InTrail = inTrail,
        };
        if (errorCode is null)
        {
            foreach (Op op in ops)
            {
                e.Ops.Add(op);
                _state.Apply(op);
            }
        }

        _events.Add(e);
        return e;
    }

    /// <summary>
    /// The script applies each event's effects to its own state as it writes the event, and later events are computed
    /// from that state (a revoke by permission finds its rules there). So the script must be written in the order the
    /// effects apply: time, then, within one second, strictly increasing phase. Two events of one phase in one second
    /// would apply in event-id order, which is random; the script has none.
    /// </summary>
    private void InApplicationOrder(long time, string name)
    {
        EventPhase phase = TrailEvent.PhaseOf(name);
        if (time < _lastTime || (time == _lastTime && phase <= _lastPhase))
        {
            throw new InvalidOperationException($"The story must be written in the order its events apply ({name}).");
        }

        _lastTime = time;
        _lastPhase = phase;
    }

    private string Failed(long time, Actor actor, string name, string code, string message, JsonObject request) =>
        Emit(time, actor, name, request, null, [], code, message).EventId;

    private JsonObject Ok() => new() { ["requestId"] = Guid(), ["_return"] = true };

    /// <summary>CreateSecurityGroup in the story's VPC, or without <c>vpcId</c> (so in the Region's default VPC).</summary>
    private string CreateGroup(long time, Actor actor, string name, string description, bool inDefaultVpc = false)
    {
        string id = "sg-0" + Hex(16);
        _groupNames[id] = name;
        JsonObject response = Ok();
        response["groupId"] = id;
        response["securityGroupArn"] = $"arn:aws:ec2:{Region}:{Account}:security-group/{id}";
        var request = new JsonObject { ["groupName"] = name, ["groupDescription"] = description };
        if (!inDefaultVpc)
        {
            request["vpcId"] = _vpc;
        }

        Emit(time, actor, "CreateSecurityGroup", request, response, [new CreateGroupOp(id, name)]);
        return id;
    }

    /// <summary>
    /// A request's group: its id, or only its name (<paramref name="byName"/>), which EC2 accepts on the ingress calls
    /// for a group in the default VPC.
    /// </summary>
    private static JsonObject GroupParameter(string groupId, string? byName) =>
        byName is null ? new JsonObject { ["groupId"] = groupId } : new JsonObject { ["groupName"] = byName };

    private void DeleteGroup(long time, Actor actor, string groupId)
    {
        JsonObject response = Ok();
        response["groupId"] = groupId;
        Emit(time, actor, "DeleteSecurityGroup", new JsonObject { ["groupId"] = groupId }, response, [new DeleteGroupOp(groupId)]);
    }

    /// <summary>
    /// Authorize*: one rule per (permission × peer), peers in the order ipRanges, ipv6Ranges, groups, prefixListIds.
    /// With <paramref name="byName"/> the request names the group only by that name.
    /// </summary>
    private List<RuleDef> Authorize(long time, Actor actor, string groupId, bool egress, bool withRuleSet, Perm[] permissions, string? byName = null)
    {
        if (byName is not null && egress)
        {
            throw new InvalidOperationException("AuthorizeSecurityGroupEgress requires groupId.");
        }

        string eventId = Guid();
        var rules = new List<RuleDef>();
        int n = 0;
        foreach (Perm p in permissions)
        {
            foreach ((string? cidr, string? refGroup, string? pl) in p.Peers())
            {
                string ruleId = withRuleSet ? "sgr-0" + Hex(16) : $"{eventId}#{n}";
                n++;
                rules.Add(new RuleDef(ruleId, groupId, egress, p.Protocol, p.From, p.To, cidr, refGroup, pl));
            }
        }

        JsonObject response = Ok();
        if (withRuleSet)
        {
            var items = new JsonArray();
            foreach (RuleDef r in rules)
            {
                var item = new JsonObject
                {
                    ["groupOwnerId"] = Account,
                    ["groupId"] = groupId,
                    ["securityGroupRuleId"] = r.RuleId,
                    ["securityGroupRuleArn"] = $"arn:aws:ec2:{Region}:{Account}:security-group-rule/{r.RuleId}",
                    ["isEgress"] = egress,
                    ["ipProtocol"] = Perm.ProtocolText(r.Protocol),
                };
                if (r.Protocol != -1)
                {
                    item["fromPort"] = r.FromPort;
                    item["toPort"] = r.ToPort;
                }

                if (r.Cidr is not null)
                {
                    item[r.Cidr.Contains(':', StringComparison.Ordinal) ? "cidrIpv6" : "cidrIpv4"] = r.Cidr;
                }
                else if (r.ReferencedGroupId is not null)
                {
                    item["referencedGroupInfo"] = new JsonObject { ["groupId"] = r.ReferencedGroupId, ["userId"] = Account };
                }
                else
                {
                    item["prefixListId"] = r.PrefixListId;
                }

                items.Add(item);
            }

            response["securityGroupRuleSet"] = new JsonObject { ["items"] = items };
        }

        JsonObject request = GroupParameter(groupId, byName);
        request["ipPermissions"] = Items([.. permissions.Select(p => p.ToJson())]);
        var e = new TrailEvent
        {
            Time = time, EventId = eventId, EventName = egress ? "AuthorizeSecurityGroupEgress" : "AuthorizeSecurityGroupIngress",
            Actor = actor, Request = request, Response = response,
        };
        Append(e, rules.Select(r => (Op)new AddRuleOp(r)));
        return rules;
    }

    /// <summary>Adds an event built outside <see cref="Emit"/> (when its id is needed before its JSON).</summary>
    private void Append(TrailEvent e, IEnumerable<Op> ops)
    {
        InApplicationOrder(e.Time, e.EventName);
        foreach (Op op in ops)
        {
            e.Ops.Add(op);
            _state.Apply(op);
        }

        _events.Add(e);
    }

    private void RevokeById(long time, Actor actor, string groupId, string[] ruleIds, bool egress = false)
    {
        var request = new JsonObject
        {
            ["groupId"] = groupId,
            ["securityGroupRuleIds"] = Items([.. ruleIds.Select(id => new JsonObject { ["securityGroupRuleId"] = id })]),
        };
        Emit(time, actor, egress ? "RevokeSecurityGroupEgress" : "RevokeSecurityGroupIngress", request, Ok(), ruleIds.Select(id => (Op)new RemoveRuleOp(id)));
    }

    /// <summary>
    /// A revoke by permission that removed <paramref name="revoked"/>. The script names the rule instead of looking for
    /// rules of that permission in its state: within one second it writes an Authorize before a Revoke (the order they
    /// apply), so when the calls ran the other way round (a rule replaced: revoke, then authorize of the same
    /// permission) its state holds the old rule and the new one, and only the story knows which one the call took.
    /// </summary>
    private void RevokeByPermission(long time, Actor actor, RuleDef revoked, Perm permission, string? byName = null)
    {
        if (byName is not null && revoked.Egress)
        {
            throw new InvalidOperationException("RevokeSecurityGroupEgress requires groupId.");
        }

        (string? cidr, string? refGroup, string? pl) = permission.Peers().Single();
        var probe = new RuleDef("?", revoked.GroupId, revoked.Egress, permission.Protocol, permission.From, permission.To, cidr, refGroup, pl);
        if (!revoked.SamePermission(probe) || !_state.Groups[revoked.GroupId].Rules.ContainsKey(revoked.RuleId))
        {
            throw new InvalidOperationException("A revoke by permission must name a live rule of that permission.");
        }

        JsonObject request = GroupParameter(revoked.GroupId, byName);
        request["ipPermissions"] = Items(permission.ToJson());
        Emit(time, actor, revoked.Egress ? "RevokeSecurityGroupEgress" : "RevokeSecurityGroupIngress", request, Ok(), [new RemoveRuleOp(revoked.RuleId)]);
    }

    private void ModifyRules(long time, Actor actor, string groupId, RuleDef[] newDefinitions, bool asArray)
    {
        JsonObject Entry(RuleDef r)
        {
            var rule = new JsonObject { ["IpProtocol"] = Perm.ProtocolText(r.Protocol) };
            if (r.Protocol != -1)
            {
                rule["FromPort"] = r.FromPort;
                rule["ToPort"] = r.ToPort;
            }

            if (r.Cidr is not null)
            {
                rule[r.Cidr.Contains(':', StringComparison.Ordinal) ? "CidrIpv6" : "CidrIpv4"] = r.Cidr;
            }
            else if (r.ReferencedGroupId is not null)
            {
                rule["ReferencedGroupId"] = r.ReferencedGroupId;
            }
            else
            {
                rule["PrefixListId"] = r.PrefixListId;
            }

            return new JsonObject { ["SecurityGroupRuleId"] = r.RuleId, ["SecurityGroupRule"] = rule };
        }

        JsonNode rules = asArray ? new JsonArray([.. newDefinitions.Select(r => (JsonNode)Entry(r))]) : Entry(newDefinitions.Single());
        var request = new JsonObject { ["ModifySecurityGroupRulesRequest"] = new JsonObject { ["GroupId"] = groupId, ["SecurityGroupRule"] = rules } };
        var response = new JsonObject
        {
            ["ModifySecurityGroupRulesResponse"] = new JsonObject { ["xmlns"] = "http://ec2.amazonaws.com/doc/2016-11-15/", ["requestId"] = Guid(), ["return"] = true },
        };
        Emit(time, actor, "ModifySecurityGroupRules", request, response, newDefinitions.Select(r => (Op)new ModifyRuleOp(r)));
    }
}
