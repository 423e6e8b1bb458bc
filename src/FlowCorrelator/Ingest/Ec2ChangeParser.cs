using System.Collections.Immutable;
using System.Text.Json;
using static FlowCorrelator.Ingest.JsonShapes;

namespace FlowCorrelator.Ingest;

/// <summary>
/// Turns the request and response of a successful EC2 call into a typed <see cref="Ec2Change"/> (docs/formats.md B.4–B.6).
/// Never throws for shape problems: it returns a message instead, and the caller keeps the event without a change.
/// </summary>
internal static partial class Ec2ChangeParser
{
    /// <summary>Event names this parser understands (everything else has no change and is not a problem).</summary>
    public static bool Handles(string eventName) => eventName switch
    {
        "RunInstances" or "TerminateInstances" or "StopInstances" or "StartInstances" or
        "CreateNetworkInterface" or "DeleteNetworkInterface" or "AttachNetworkInterface" or "DetachNetworkInterface" or
        "ModifyNetworkInterfaceAttribute" or "ModifyInstanceAttribute" or
        "AssignPrivateIpAddresses" or "UnassignPrivateIpAddresses" or
        "CreateSecurityGroup" or "DeleteSecurityGroup" or
        "AuthorizeSecurityGroupIngress" or "AuthorizeSecurityGroupEgress" or
        "RevokeSecurityGroupIngress" or "RevokeSecurityGroupEgress" or "ModifySecurityGroupRules" or
        "CreateTags" or "DeleteTags" or "AssignIpv6Addresses" or "UnassignIpv6Addresses" => true,
        _ => HandlesFleetEvent(eventName),
    };

    /// <summary>
    /// Parses the change of a successful call. <paramref name="request"/> and <paramref name="response"/> are
    /// <c>default</c> (Undefined) when absent or null.
    /// </summary>
    /// <returns>The change (null when the call changes nothing the index tracks); <paramref name="problem"/> is set when the shape is wrong for the name.</returns>
    public static Ec2Change? Parse(string eventName, JsonElement request, JsonElement response, out string? problem)
    {
        problem = null;
        if (ReturnedFalse(response))
        {
            // AWS said the call did nothing (_return:false); there is nothing to apply and nothing wrong with the record.
            return null;
        }

        try
        {
            return eventName switch
            {
                "RunInstances" => RunInstances(request, response, out problem),
                "TerminateInstances" => StateChange(InstanceStateChange.Terminated, request, response, out problem),
                "StopInstances" => StateChange(InstanceStateChange.Stopped, request, response, out problem),
                "StartInstances" => StateChange(InstanceStateChange.Started, request, response, out problem),
                "CreateNetworkInterface" => CreateNetworkInterface(request, response, out problem),
                "DeleteNetworkInterface" => Require(Str(request, "networkInterfaceId"), "networkInterfaceId", out problem) is { } eni ? new NetworkInterfaceDeleted(eni) : null,
                "AttachNetworkInterface" => AttachNetworkInterface(request, response, out problem),
                "DetachNetworkInterface" => Require(Str(request, "attachmentId"), "attachmentId", out problem) is { } att ? new NetworkInterfaceDetached(att) : null,
                "ModifyNetworkInterfaceAttribute" => ModifyNetworkInterfaceAttribute(request, out problem),
                "ModifyInstanceAttribute" => ModifyInstanceAttribute(request, out problem),
                "AssignPrivateIpAddresses" => PrivateIps(request, response, unassigned: false, out problem),
                "UnassignPrivateIpAddresses" => PrivateIps(request, response, unassigned: true, out problem),
                "CreateSecurityGroup" => CreateSecurityGroup(request, response, out problem),
                "DeleteSecurityGroup" => DeleteSecurityGroup(request, response, out problem),
                "AuthorizeSecurityGroupIngress" => Authorize(request, response, isEgress: false, out problem),
                "AuthorizeSecurityGroupEgress" => Authorize(request, response, isEgress: true, out problem),
                "RevokeSecurityGroupIngress" => Revoke(request, response, isEgress: false, out problem),
                "RevokeSecurityGroupEgress" => Revoke(request, response, isEgress: true, out problem),
                "ModifySecurityGroupRules" => ModifySecurityGroupRules(request, out problem),
                "CreateTags" => Tagging(request, delete: false, out problem),
                "DeleteTags" => Tagging(request, delete: true, out problem),
                "AssignIpv6Addresses" => Ipv6Addresses(request, response, unassigned: false, out problem),
                "UnassignIpv6Addresses" => Ipv6Addresses(request, response, unassigned: true, out problem),
                _ when HandlesFleetEvent(eventName) => ParseFleetEvent(eventName, request, response, out problem),
                _ => null,
            };
        }
        catch (InvalidOperationException ex)
        {
            // JsonElement accessors throw this for unexpected kinds that slipped past the checks above.
            problem = $"{eventName}: unexpected shape ({ex.Message})";
            return null;
        }
    }

    private static bool ReturnedFalse(JsonElement response)
    {
        if (response.ValueKind != JsonValueKind.Object)
        {
            return false;
        }

        if (TryGet(response, "ModifySecurityGroupRulesResponse", out JsonElement wrapped))
        {
            response = wrapped;
        }

        return (Bool(response, "_return") ?? Bool(response, "return")) == false;
    }

    private static string? Require(string? value, string name, out string? problem)
    {
        problem = string.IsNullOrEmpty(value) ? $"missing {name}" : null;
        return string.IsNullOrEmpty(value) ? null : value;
    }

    private static InstancesLaunched? RunInstances(JsonElement request, JsonElement response, out string? problem)
    {
        problem = null;
        List<Tag> requestTags = CreationTags(request, "instance");
        var instances = ImmutableArray.CreateBuilder<InstanceInfo>();
        foreach (JsonElement item in Items(response, "instancesSet"))
        {
            string? id = Str(item, "instanceId");
            if (string.IsNullOrEmpty(id))
            {
                problem = "RunInstances response item without instanceId";
                continue;
            }

            var interfaces = ImmutableArray.CreateBuilder<NetworkInterfaceInfo>();
            int position = 0;
            foreach (JsonElement nic in Items(item, "networkInterfaceSet"))
            {
                NetworkInterfaceInfo? info = Interface(nic, position++);
                if (info is null)
                {
                    problem = $"RunInstances interface of {id} without networkInterfaceId";
                    continue;
                }

                interfaces.Add(info);
            }

            List<Tag> tags = Tags(Items(item, "tagSet"), valueOptional: false);
            foreach (Tag t in requestTags)
            {
                if (!tags.Exists(x => x.Key == t.Key))
                {
                    tags.Add(t);
                }
            }

            instances.Add(new InstanceInfo
            {
                InstanceId = id,
                SubnetId = Str(item, "subnetId"),
                VpcId = Str(item, "vpcId"),
                PrivateIp = Str(item, "privateIpAddress"),
                Groups = [.. Groups(item, "groupSet")],
                Tags = [.. tags],
                NetworkInterfaces = interfaces.ToImmutable(),
                State = TryGet(item, "instanceState", out JsonElement state) ? Str(state, "name") : null,
            });
        }

        if (instances.Count == 0)
        {
            problem ??= "RunInstances response without instances";
            return null;
        }

        return new InstancesLaunched(instances.ToImmutable(), RequestedGroupIds(request))
        {
            LaunchTemplate = TemplateRef(TryGet(request, "launchTemplate", out JsonElement template) ? template : default),
        };
    }

    /// <summary>An interface of a RunInstances or CreateNetworkInterface response.</summary>
    private static NetworkInterfaceInfo? Interface(JsonElement nic, int position)
    {
        string? id = Str(nic, "networkInterfaceId");
        if (string.IsNullOrEmpty(id))
        {
            return null;
        }

        JsonElement attachment = TryGet(nic, "attachment", out JsonElement a) ? a : default;
        return new NetworkInterfaceInfo
        {
            NetworkInterfaceId = id,
            AttachmentId = Str(attachment, "attachmentId"),
            DeviceIndex = Int(attachment, "deviceIndex") ?? Int(nic, "deviceIndex") ?? position,
            DeleteOnTermination = Bool(attachment, "deleteOnTermination") ?? Bool(nic, "deleteOnTermination"),
            SubnetId = Str(nic, "subnetId"),
            VpcId = Str(nic, "vpcId"),
            PrivateIps = InterfaceAddresses(nic),
            Groups = [.. Groups(nic, "groupSet")],
            Tags = [.. Tags(Items(nic, "tagSet"), valueOptional: false)],
            InterfaceType = Str(nic, "interfaceType"),
            Prefixes = InterfacePrefixes(nic),
        };
    }

    /// <summary>Private IPv4 addresses, primary first, then IPv6 addresses.</summary>
    private static ImmutableArray<string> InterfaceAddresses(JsonElement nic)
    {
        var ips = new List<string>();
        string? primary = Str(nic, "privateIpAddress");
        foreach (JsonElement item in Items(nic, "privateIpAddressesSet"))
        {
            string? ip = Str(item, "privateIpAddress");
            if (string.IsNullOrEmpty(ip) || ips.Contains(ip))
            {
                continue;
            }

            if (Bool(item, "primary") == true)
            {
                primary ??= ip;
                ips.Insert(0, ip);
            }
            else
            {
                ips.Add(ip);
            }
        }

        if (!string.IsNullOrEmpty(primary))
        {
            ips.Remove(primary);
            ips.Insert(0, primary);
        }

        foreach (JsonElement item in Items(nic, "ipv6AddressesSet"))
        {
            string? ip = Str(item, "ipv6Address");
            if (!string.IsNullOrEmpty(ip) && !ips.Contains(ip))
            {
                ips.Add(ip);
            }
        }

        return [.. ips];
    }

    /// <summary>
    /// Every security group id named anywhere in a request: group sets at any depth, <c>securityGroupId</c> values and
    /// <c>securityGroupIds</c>/<c>securityGroupIdSet</c> lists. A walk rather than fixed paths, because launch forms differ.
    /// </summary>
    private static ImmutableArray<string> RequestedGroupIds(JsonElement request)
    {
        var ids = new List<string>();
        Walk(request, null, ids, 0);
        return [.. ids];

        static void Walk(JsonElement e, string? name, List<string> ids, int depth)
        {
            if (depth > 32)
            {
                return;
            }

            switch (e.ValueKind)
            {
                case JsonValueKind.Object:
                    foreach (JsonProperty p in e.EnumerateObject())
                    {
                        Walk(p.Value, p.Name, ids, depth + 1);
                    }

                    break;
                case JsonValueKind.Array:
                    foreach (JsonElement x in e.EnumerateArray())
                    {
                        Walk(x, name, ids, depth + 1);
                    }

                    break;
                case JsonValueKind.String:
                    string? s = e.GetString();
                    bool isGroupName = name is not null && (name.Equals("groupId", StringComparison.OrdinalIgnoreCase) ||
                        name.Equals("securityGroupId", StringComparison.OrdinalIgnoreCase) ||
                        name.Equals("securityGroupIds", StringComparison.OrdinalIgnoreCase) ||
                        name.Equals("securityGroupIdSet", StringComparison.OrdinalIgnoreCase) ||
                        name.Equals("items", StringComparison.OrdinalIgnoreCase) || name.Equals("item", StringComparison.OrdinalIgnoreCase));

                    // Bare strings inside items lists count only when they look like group ids.
                    if (isGroupName && !string.IsNullOrEmpty(s) && s.StartsWith("sg-", StringComparison.Ordinal) && !ids.Contains(s))
                    {
                        ids.Add(s);
                    }

                    break;
            }
        }
    }

    private static InstancesStateChanged? StateChange(InstanceStateChange kind, JsonElement request, JsonElement response, out string? problem)
    {
        // The response confirms which instances changed; the request is the fallback for responses without a set.
        var ids = Items(response, "instancesSet").Select(i => Str(i, "instanceId")).OfType<string>().Where(s => s.Length > 0).Distinct().ToList();
        if (ids.Count == 0)
        {
            ids = [.. Items(request, "instancesSet").Select(i => Str(i, "instanceId")).OfType<string>().Where(s => s.Length > 0).Distinct()];
        }

        problem = ids.Count == 0 ? "no instanceId" : null;
        return ids.Count == 0 ? null : new InstancesStateChanged(kind, [.. ids]);
    }

    private static NetworkInterfaceCreated? CreateNetworkInterface(JsonElement request, JsonElement response, out string? problem)
    {
        problem = null;
        NetworkInterfaceInfo? info = TryGet(response, "networkInterface", out JsonElement nic) ? Interface(nic, 0) : null;
        if (info is null)
        {
            problem = "CreateNetworkInterface response without networkInterface.networkInterfaceId";
            return null;
        }

        // A new interface is not attached; an attachment in the response would be unusual and is not an attachment event.
        return new NetworkInterfaceCreated(info with { AttachmentId = null, DeviceIndex = 0 }, RequestedGroupIds(request));
    }

    private static NetworkInterfaceAttached? AttachNetworkInterface(JsonElement request, JsonElement response, out string? problem)
    {
        string? eni = Str(request, "networkInterfaceId");
        string? instance = Str(request, "instanceId");
        if (string.IsNullOrEmpty(eni) || string.IsNullOrEmpty(instance))
        {
            problem = "AttachNetworkInterface without networkInterfaceId or instanceId";
            return null;
        }

        problem = null;
        return new NetworkInterfaceAttached(eni, instance, Str(response, "attachmentId"), Int(request, "deviceIndex") ?? 1);
    }

    private static Ec2Change? ModifyNetworkInterfaceAttribute(JsonElement request, out string? problem)
    {
        problem = null;
        if (TryGet(request, "attachment", out JsonElement attachment) && Bool(attachment, "deleteOnTermination") is bool deleteOnTermination)
        {
            string? id = Require(Str(request, "networkInterfaceId"), "networkInterfaceId", out problem);
            return id is null ? null : new NetworkInterfaceDeleteOnTerminationChanged(id, Str(attachment, "attachmentId"), deleteOnTermination);
        }

        if (!TryGet(request, "groupSet", out _))
        {
            return null; // another attribute (description, sourceDestCheck): not tracked
        }

        string? eni = Require(Str(request, "networkInterfaceId"), "networkInterfaceId", out problem);
        return eni is null ? null : new NetworkInterfaceGroupsReplaced(eni, [.. Groups(request, "groupSet")]);
    }

    private static InstanceGroupsReplaced? ModifyInstanceAttribute(JsonElement request, out string? problem)
    {
        problem = null;
        if (!TryGet(request, "groupSet", out _))
        {
            return null;
        }

        string? instance = Require(Str(request, "instanceId"), "instanceId", out problem);
        return instance is null ? null : new InstanceGroupsReplaced(instance, [.. Groups(request, "groupSet")]);
    }

    private static SecurityGroupCreated? CreateSecurityGroup(JsonElement request, JsonElement response, out string? problem)
    {
        string? id = Require(Str(response, "groupId"), "groupId in the response", out problem);
        return id is null
            ? null
            : new SecurityGroupCreated(id, Str(request, "groupName"), Str(request, "vpcId"), Str(request, "groupDescription"), [.. CreationTags(request, "security-group")]);
    }

    private static SecurityGroupDeleted? DeleteSecurityGroup(JsonElement request, JsonElement response, out string? problem)
    {
        // Newer EC2 API versions return the deleted group's id: it settles a call that named the group only by name.
        string? id = Str(request, "groupId") ?? Str(response, "groupId");
        string? name = Str(request, "groupName");
        problem = id is null && name is null ? "DeleteSecurityGroup without groupId or groupName" : null;
        return problem is null ? new SecurityGroupDeleted(id, name) : null;
    }

    private static RulesAuthorized? Authorize(JsonElement request, JsonElement response, bool isEgress, out string? problem)
    {
        problem = null;
        string? requestGroup = Str(request, "groupId");
        string? name = NameOnly(request, requestGroup, isEgress);

        // While the group is known only by name, rules carry an empty group id: the index fills in the one it resolves.
        string? ruleGroup = requestGroup ?? (name is null ? null : string.Empty);
        var rules = new List<SecurityGroupRuleSpec>();
        foreach (JsonElement item in Items(response, "securityGroupRuleSet"))
        {
            SecurityGroupRuleSpec? spec = ResponseRule(item, ruleGroup, isEgress, ref problem);
            if (spec is not null)
            {
                rules.Add(spec);
            }
        }

        if (rules.Count == 0 && ruleGroup is not null)
        {
            rules.AddRange(RequestPermissions(request, ruleGroup, isEgress, ref problem));
        }

        // The response's rule set names the group even when the request gave only its name: that settles it.
        string? groupId = requestGroup ?? rules.Find(r => r.GroupId.Length > 0)?.GroupId;
        if ((groupId is null && name is null) || rules.Count == 0)
        {
            problem ??= groupId is null && name is null ? "missing groupId" : "no permissions";
            return null;
        }

        return new RulesAuthorized(groupId, isEgress, [.. rules]) { GroupName = name };
    }

    /// <summary>
    /// The request's <c>groupName</c> when the call names its group only by name and EC2 accepts that: the ingress calls
    /// take <c>groupName</c> for a group in the default VPC (or EC2-Classic); the egress calls require <c>groupId</c>
    /// (EC2 API reference), so an egress call without one is damage, not a name to resolve.
    /// </summary>
    private static string? NameOnly(JsonElement request, string? groupId, bool isEgress) =>
        groupId is null && !isEgress && Str(request, "groupName") is { Length: > 0 } name ? name : null;

    private static SecurityGroupRuleSpec? ResponseRule(JsonElement item, string? requestGroup, bool isEgress, ref string? problem)
    {
        SecurityGroupRuleSpec? rule = RuleFromDescription(item, requestGroup, isEgress);
        if (rule is null)
        {
            problem = "securityGroupRuleSet item without groupId or with an unknown ipProtocol";
        }

        return rule;
    }

    /// <summary>
    /// A rule as AWS describes one: a CloudTrail <c>securityGroupRuleSet</c> item (camelCase) or a
    /// <c>describe-security-group-rules</c> entry (PascalCase); names match case-insensitively. Null when the group or
    /// the protocol is missing.
    /// </summary>
    internal static SecurityGroupRuleSpec? RuleFromDescription(JsonElement item, string? defaultGroup, bool defaultEgress)
    {
        string? group = Str(item, "groupId") ?? defaultGroup;
        if (string.IsNullOrEmpty(group) || !SecurityGroupRuleSpec.TryParseProtocol(Str(item, "ipProtocol"), out int protocol))
        {
            return null;
        }

        return new SecurityGroupRuleSpec
        {
            RuleId = Str(item, "securityGroupRuleId"),
            GroupId = group,
            IsEgress = Bool(item, "isEgress") ?? defaultEgress,
            Protocol = protocol,
            FromPort = protocol == -1 ? null : Int(item, "fromPort"),
            ToPort = protocol == -1 ? null : Int(item, "toPort"),
            CidrIpv4 = Str(item, "cidrIpv4"),
            CidrIpv6 = Str(item, "cidrIpv6"),
            PrefixListId = Str(item, "prefixListId"),
            ReferencedGroupId = TryGet(item, "referencedGroupInfo", out JsonElement r) ? Str(r, "groupId") : null,
            Description = Str(item, "description"),
        };
    }

    /// <summary>
    /// Expands request permissions, one spec per (permission × peer) in request order: ipRanges, ipv6Ranges, groups,
    /// prefixListIds; then the legacy flat form (<c>ipProtocol</c>/<c>cidrIp</c> beside <c>groupId</c>).
    /// </summary>
    private static List<SecurityGroupRuleSpec> RequestPermissions(JsonElement container, string groupId, bool isEgress, ref string? problem)
    {
        var rules = new List<SecurityGroupRuleSpec>();
        foreach (JsonElement permission in Items(container, "ipPermissions"))
        {
            ExpandPermission(permission, groupId, isEgress, rules, ref problem);
        }

        // Legacy flat form: the permission's members sit on the request itself.
        if (TryGet(container, "ipProtocol", out _) || TryGet(container, "cidrIp", out _) ||
            TryGet(container, "sourceSecurityGroupName", out _) || TryGet(container, "sourceSecurityGroupId", out _))
        {
            if (!SecurityGroupRuleSpec.TryParseProtocol(Str(container, "ipProtocol"), out int protocol))
            {
                problem = $"unknown ipProtocol '{Str(container, "ipProtocol")}'";
                return rules;
            }

            var template = Permission(container, groupId, isEgress, protocol);
            string? cidr = Str(container, "cidrIp");
            string? source = Str(container, "sourceSecurityGroupId") ?? Str(container, "sourceSecurityGroupName");
            if (cidr is not null)
            {
                rules.Add(template with { CidrIpv4 = cidr });
            }

            if (Str(container, "cidrIpv6") is { } cidr6)
            {
                rules.Add(template with { CidrIpv6 = cidr6 });
            }

            if (source is not null)
            {
                rules.Add(template with { ReferencedGroupId = source });
            }
        }

        return rules;
    }

    private static void ExpandPermission(JsonElement permission, string groupId, bool isEgress, List<SecurityGroupRuleSpec> rules, ref string? problem)
    {
        if (!SecurityGroupRuleSpec.TryParseProtocol(Str(permission, "ipProtocol"), out int protocol))
        {
            problem = $"unknown ipProtocol '{Str(permission, "ipProtocol")}'";
            return;
        }

        SecurityGroupRuleSpec template = Permission(permission, groupId, isEgress, protocol);
        foreach (JsonElement r in Items(permission, "ipRanges"))
        {
            if (Str(r, "cidrIp") is { } cidr)
            {
                rules.Add(template with { CidrIpv4 = cidr, Description = Str(r, "description") });
            }
        }

        foreach (JsonElement r in Items(permission, "ipv6Ranges"))
        {
            if (Str(r, "cidrIpv6") is { } cidr)
            {
                rules.Add(template with { CidrIpv6 = cidr, Description = Str(r, "description") });
            }
        }

        foreach (JsonElement g in Items(permission, "groups"))
        {
            if ((Str(g, "groupId") ?? Str(g, "groupName")) is { } peer)
            {
                rules.Add(template with { ReferencedGroupId = peer, Description = Str(g, "description") });
            }
        }

        foreach (JsonElement p in Items(permission, "prefixListIds"))
        {
            if (Str(p, "prefixListId") is { } pl)
            {
                rules.Add(template with { PrefixListId = pl, Description = Str(p, "description") });
            }
        }
    }

    private static SecurityGroupRuleSpec Permission(JsonElement permission, string groupId, bool isEgress, int protocol) => new()
    {
        GroupId = groupId,
        IsEgress = isEgress,
        Protocol = protocol,
        FromPort = protocol == -1 ? null : Int(permission, "fromPort"),
        ToPort = protocol == -1 ? null : Int(permission, "toPort"),
    };

    private static RulesRevoked? Revoke(JsonElement request, JsonElement response, bool isEgress, out string? problem)
    {
        problem = null;
        string? groupId = Str(request, "groupId");
        var ids = new List<string>();
        foreach (JsonElement item in Items(request, "securityGroupRuleIds").Concat(Items(response, "revokedSecurityGroupRuleSet")))
        {
            string? id = item.ValueKind == JsonValueKind.String ? item.GetString() : Str(item, "securityGroupRuleId");
            if (!string.IsNullOrEmpty(id) && !ids.Contains(id))
            {
                ids.Add(id);
            }

            // The revoked rules name their group even when the request gave only its name: that settles it.
            groupId ??= Str(item, "groupId");
        }

        string? name = NameOnly(request, Str(request, "groupId"), isEgress);
        if (groupId is null && name is null)
        {
            problem = "missing groupId";
            return null;
        }

        // While the group is known only by name, permissions carry an empty group id: the index fills in the one it resolves.
        string ruleGroup = groupId ?? string.Empty;
        List<SecurityGroupRuleSpec> rules = RequestPermissions(request, ruleGroup, isEgress, ref problem);

        // Permissions AWS did not find were not revoked (docs/formats.md B.6): drop them.
        string? ignored = null;
        List<SecurityGroupRuleSpec> unknown = RequestPermissions(
            TryGet(response, "unknownIpPermissionSet", out JsonElement set) ? Wrap(set) : default, ruleGroup, isEgress, ref ignored);
        rules.RemoveAll(r => unknown.Exists(u => u.SamePermission(r)));
        if (ids.Count == 0 && rules.Count == 0)
        {
            problem ??= unknown.Count > 0 ? null : "no rule ids or permissions";
            return null;
        }

        var revoked = new List<SecurityGroupRuleSpec>();
        foreach (JsonElement item in Items(response, "revokedSecurityGroupRuleSet"))
        {
            if (item.ValueKind == JsonValueKind.Object && RuleFromDescription(item, groupId, isEgress) is { } spec)
            {
                revoked.Add(spec);
            }
        }

        return new RulesRevoked(groupId, isEgress, [.. ids], [.. rules]) { GroupName = name, RevokedRules = [.. revoked] };
    }

    /// <summary>Presents a permission list as <c>{"ipPermissions": list}</c> so that it expands like a request.</summary>
    private static JsonElement Wrap(JsonElement list)
    {
        using var doc = JsonDocument.Parse("{\"ipPermissions\":" + list.GetRawText() + "}");
        return doc.RootElement.Clone();
    }

    private static RulesModified? ModifySecurityGroupRules(JsonElement request, out string? problem)
    {
        problem = null;
        JsonElement body = TryGet(request, "ModifySecurityGroupRulesRequest", out JsonElement wrapped) ? wrapped : request;
        string? groupId = Str(body, "GroupId");
        if (groupId is null)
        {
            problem = "missing GroupId";
            return null;
        }

        var rules = new List<SecurityGroupRuleSpec>();
        IEnumerable<JsonElement> entries = TryGet(body, "SecurityGroupRule", out JsonElement list)
            ? list.ValueKind == JsonValueKind.Object && !TryGet(list, "SecurityGroupRuleId", out _) ? Items(list) : list.ValueKind == JsonValueKind.Array ? list.EnumerateArray() : [list]
            : [];
        foreach (JsonElement entry in entries)
        {
            string? id = Str(entry, "SecurityGroupRuleId");
            if (id is null || !TryGet(entry, "SecurityGroupRule", out JsonElement def) ||
                !SecurityGroupRuleSpec.TryParseProtocol(Str(def, "IpProtocol"), out int protocol))
            {
                problem = "SecurityGroupRule entry without SecurityGroupRuleId, definition or known IpProtocol";
                continue;
            }

            rules.Add(new SecurityGroupRuleSpec
            {
                RuleId = id,
                GroupId = groupId,
                Protocol = protocol,
                FromPort = protocol == -1 ? null : Int(def, "FromPort"),
                ToPort = protocol == -1 ? null : Int(def, "ToPort"),
                CidrIpv4 = Str(def, "CidrIpv4"),
                CidrIpv6 = Str(def, "CidrIpv6"),
                PrefixListId = Str(def, "PrefixListId"),
                ReferencedGroupId = Str(def, "ReferencedGroupId"),
                Description = Str(def, "Description"),
            });
        }

        if (rules.Count == 0)
        {
            problem ??= "no SecurityGroupRule entries";
            return null;
        }

        return new RulesModified(groupId, [.. rules]);
    }

    /// <summary>Distinct non-empty values of list items written either as plain strings or as objects with <paramref name="key"/>.</summary>
    private static List<string> DistinctValues(IEnumerable<JsonElement> items, string key)
    {
        var values = new List<string>();
        foreach (JsonElement item in items)
        {
            string? value = item.ValueKind == JsonValueKind.String ? item.GetString() : Str(item, key);
            if (!string.IsNullOrEmpty(value) && !values.Contains(value))
            {
                values.Add(value);
            }
        }

        return values;
    }

    private static Ec2Change? Tagging(JsonElement request, bool delete, out string? problem)
    {
        List<string> ids = DistinctValues(Items(request, "resourcesSet"), "resourceId");

        if (ids.Count == 0)
        {
            problem = "no resourcesSet items";
            return null;
        }

        problem = null;
        ImmutableArray<Tag> tags = [.. Tags(Items(request, "tagSet"), valueOptional: delete)];
        return delete ? new TagsDeleted([.. ids], tags) : new TagsCreated([.. ids], tags);
    }
}
