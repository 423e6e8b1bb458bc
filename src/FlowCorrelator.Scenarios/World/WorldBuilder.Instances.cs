using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json.Nodes;

namespace FlowCorrelator.Scenarios.World;

// Instances and interfaces: launch, state changes, create/attach/detach, in their real shapes.
internal sealed partial class WorldBuilder
{
    private sealed record NicSpec(SubnetInfo Subnet, string[] Groups);

    /// <summary>
    /// RunInstances of <paramref name="count"/> instances. <paramref name="instanceTags"/> are the instances' tags in the
    /// world (for a launch path, what EC2 gave them: template, fleet, group and own tags); <paramref name="path"/> says
    /// how a template launch is written (null: a plain RunInstances stating everything itself).
    /// </summary>
    private List<InstanceHandle> Launch(long time, Actor actor, string role, int count, KeyValuePair<string, string>[] instanceTags, KeyValuePair<string, string>[]? volumeTags,
        NicSpec[] nics, bool nicForm, uint? fixedIp = null, LaunchPath? path = null, bool inTrail = true)
    {
        string ami = "ami-0" + Hex(16);
        var request = new JsonObject
        {
            ["instancesSet"] = Items(path is null
                ? new JsonObject { ["imageId"] = ami, ["minCount"] = count, ["maxCount"] = count, ["keyName"] = "ops-2026" }
                : new JsonObject { ["minCount"] = count, ["maxCount"] = count }),
            ["instanceType"] = role == "db" ? "r6i.large" : "m6i.large",
        };
        if (path is not null)
        {
            // The template holds the image, groups and interfaces; the request names it and the market.
            request["launchTemplate"] = new JsonObject { ["launchTemplateId"] = path.Template.TemplateId, ["version"] = path.VersionText };
            request["instanceMarketOptions"] = new JsonObject { ["marketType"] = "spot" };
        }
        else if (nicForm)
        {
            request["networkInterfaceSet"] = Items([.. nics.Select((n, i) => new JsonObject
            {
                ["deviceIndex"] = i, ["subnetId"] = n.Subnet.Id, ["groupSet"] = GroupIds(n.Groups), ["deleteOnTermination"] = true,
            })]);
        }
        else
        {
            request["subnetId"] = nics[0].Subnet.Id;
            request["groupSet"] = GroupIds(nics[0].Groups);
            if (fixedIp is uint ip)
            {
                request["privateIpAddress"] = IpAddr.FromV4(ip).ToString();
            }
        }

        var specs = new List<JsonNode>();
        if (volumeTags is not null)
        {
            specs.Add(TagSpec("volume", volumeTags));
        }

        // A launch path writes only the tags its caller puts in the request; the rest EC2 takes from the template,
        // the fleet or the group, and the event does not show them.
        KeyValuePair<string, string>[] eventTags = path?.RequestTags ?? instanceTags;
        if (eventTags.Length > 0)
        {
            specs.Add(TagSpec("instance", eventTags));
        }

        request["tagSpecificationSet"] = Items([.. specs]);
        request["disableApiTermination"] = false;
        request["monitoring"] = new JsonObject { ["enabled"] = false };
        request["clientToken"] = Guid();

        var handles = new List<InstanceHandle>();
        var items = new JsonArray();
        long launchMs = time * 1000;
        for (int k = 0; k < count; k++)
        {
            string instanceId = "i-0" + Hex(16);
            var enis = new List<LaunchEni>();
            var eniItems = new JsonArray();
            for (int d = 0; d < nics.Length; d++)
            {
                NicSpec n = nics[d];
                uint ip = d == 0 && fixedIp is uint f ? f : n.Subnet.Allocate();
                var eni = new LaunchEni("eni-0" + Hex(16), ip, n.Subnet.Id, n.Groups, "eni-attach-0" + Hex(16), d);
                enis.Add(eni);
                string ipText = IpAddr.FromV4(ip).ToString();
                eniItems.Add(new JsonObject
                {
                    ["networkInterfaceId"] = eni.EniId,
                    ["subnetId"] = n.Subnet.Id,
                    ["vpcId"] = _vpc,
                    ["description"] = string.Empty,
                    ["ownerId"] = Account,
                    ["status"] = "in-use",
                    ["macAddress"] = Mac(),
                    ["privateIpAddress"] = ipText,
                    ["privateDnsName"] = DnsName(ipText),
                    ["sourceDestCheck"] = true,
                    ["interfaceType"] = "interface",
                    ["groupSet"] = path is { GroupsInResponse: false } ? new JsonObject() : GroupRefs(n.Groups),
                    ["attachment"] = new JsonObject
                    {
                        ["attachmentId"] = eni.AttachmentId, ["deviceIndex"] = d, ["networkCardIndex"] = 0, ["status"] = "attaching",
                        ["attachTime"] = launchMs, ["deleteOnTermination"] = true,
                    },
                    ["privateIpAddressesSet"] = new JsonObject { ["item"] = new JsonArray(new JsonObject { ["privateIpAddress"] = ipText, ["privateDnsName"] = DnsName(ipText), ["primary"] = true }) },
                    ["ipv6AddressesSet"] = new JsonObject(),
                    ["tagSet"] = new JsonObject(),
                });
            }

            var item = new JsonObject
            {
                ["instanceId"] = instanceId,
                ["imageId"] = ami,
                ["instanceState"] = new JsonObject { ["code"] = 0, ["name"] = "pending" },
                ["privateDnsName"] = DnsName(IpAddr.FromV4(enis[0].Ip).ToString()),
                ["keyName"] = "ops-2026",
                ["amiLaunchIndex"] = k,
                ["productCodes"] = new JsonObject(),
                ["instanceType"] = request["instanceType"]!.GetValue<string>(),
                ["launchTime"] = launchMs,
                ["placement"] = new JsonObject { ["availabilityZone"] = nics[0].Subnet.AzName, ["tenancy"] = "default" },
                ["monitoring"] = new JsonObject { ["state"] = "disabled" },
                ["subnetId"] = nics[0].Subnet.Id,
                ["vpcId"] = _vpc,
                ["privateIpAddress"] = IpAddr.FromV4(enis[0].Ip).ToString(),
                ["stateReason"] = new JsonObject { ["code"] = "pending", ["message"] = "pending" },
                ["architecture"] = "x86_64",
                ["rootDeviceType"] = "ebs",
                ["rootDeviceName"] = "/dev/xvda",
                ["blockDeviceMapping"] = new JsonObject(),
                ["virtualizationType"] = "hvm",
                ["hypervisor"] = "xen",
                ["groupSet"] = path is { GroupsInResponse: false } ? new JsonObject() : GroupRefs(nics[0].Groups),
                ["networkInterfaceSet"] = new JsonObject { ["items"] = eniItems },
                ["ebsOptimized"] = false,
                ["enaSupport"] = true,
            };
            KeyValuePair<string, string>[] responseTags = path is null ? instanceTags : [.. path.RequestTags, .. path.ResponseTags];
            if (responseTags.Length > 0)
            {
                item["tagSet"] = Items([.. responseTags.Select(t => Tag(t.Key, t.Value))]);
            }

            if (path is not null)
            {
                item["instanceLifecycle"] = "spot";
            }

            items.Add(item);
            handles.Add(new InstanceHandle(instanceId, role, enis));
        }

        var response = new JsonObject
        {
            ["requestId"] = Guid(),
            ["reservationId"] = "r-0" + Hex(16),
            ["ownerId"] = Account,
            ["groupSet"] = new JsonObject(),
            ["instancesSet"] = new JsonObject { ["items"] = items },
        };
        Emit(time, path?.Invoker ?? actor, "RunInstances", request, response, handles.Select(h => (Op)new LaunchOp(h.Id, role, instanceTags, h.Enis)), inTrail: inTrail);
        return handles;
    }

    private void Terminate(long time, Actor actor, string[] instanceIds) =>
        StateChange(time, actor, "TerminateInstances", instanceIds, 32, "shutting-down", 16, "running", instanceIds.Select(i => (Op)new TerminateOp(i)));

    private void Stop(long time, Actor actor, string instanceId) =>
        StateChange(time, actor, "StopInstances", [instanceId], 64, "stopping", 16, "running", [new StopOp(instanceId)]);

    private void Start(long time, Actor actor, string instanceId) =>
        StateChange(time, actor, "StartInstances", [instanceId], 0, "pending", 80, "stopped", [new StartOp(instanceId)]);

    private void StateChange(long time, Actor actor, string name, string[] ids, int code, string state, int previousCode, string previousState, IEnumerable<Op> ops)
    {
        var request = new JsonObject { ["instancesSet"] = Items([.. ids.Select(i => new JsonObject { ["instanceId"] = i })]) };
        if (name == "TerminateInstances")
        {
            request["force"] = false;
            request["skipOsShutdown"] = false;
        }

        var response = new JsonObject
        {
            ["requestId"] = Guid(),
            ["instancesSet"] = Items([.. ids.Select(i => new JsonObject
            {
                ["instanceId"] = i,
                ["currentState"] = new JsonObject { ["code"] = code, ["name"] = state },
                ["previousState"] = new JsonObject { ["code"] = previousCode, ["name"] = previousState },
            })]),
        };
        Emit(time, actor, name, request, response, ops);
    }

    private (string EniId, TrailEvent Event) CreateEni(long time, Actor actor, SubnetInfo subnet, string[] groups)
    {
        string eniId = "eni-0" + Hex(16);
        uint ip = subnet.Allocate();
        string ipText = IpAddr.FromV4(ip).ToString();
        var request = new JsonObject
        {
            ["subnetId"] = subnet.Id,
            ["description"] = "payment failover interface",
            ["groupSet"] = GroupIds(groups),
            ["privateIpAddressesSet"] = new JsonObject(),
            // An interface tag, not an instance tag: it must not make anything a payment instance.
            ["tagSpecificationSet"] = Items(TagSpec("network-interface", [new("Name", "payment")])),
            ["clientToken"] = Guid(),
        };
        var response = new JsonObject
        {
            ["requestId"] = Guid(),
            ["networkInterface"] = new JsonObject
            {
                ["networkInterfaceId"] = eniId,
                ["subnetId"] = subnet.Id,
                ["vpcId"] = _vpc,
                ["availabilityZone"] = subnet.AzName,
                ["description"] = "payment failover interface",
                ["ownerId"] = Account,
                ["requesterManaged"] = false,
                ["status"] = "pending",
                ["macAddress"] = Mac(),
                ["privateIpAddress"] = ipText,
                ["privateDnsName"] = DnsName(ipText),
                ["sourceDestCheck"] = true,
                ["interfaceType"] = "interface",
                ["groupSet"] = GroupRefs(groups),
                ["privateIpAddressesSet"] = new JsonObject { ["item"] = new JsonArray(new JsonObject { ["privateIpAddress"] = ipText, ["privateDnsName"] = DnsName(ipText), ["primary"] = true }) },
                ["ipv6AddressesSet"] = new JsonObject(),
                ["tagSet"] = Items(Tag("Name", "payment")),
            },
        };
        TrailEvent e = Emit(time, actor, "CreateNetworkInterface", request, response, [new CreateEniOp(eniId, ip, subnet.Id, groups)]);
        return (eniId, e);
    }

    private TrailEvent Attach(long time, Actor actor, string eniId, string instanceId, int deviceIndex, out string attachmentId)
    {
        attachmentId = "eni-attach-0" + Hex(16);
        var request = new JsonObject { ["networkInterfaceId"] = eniId, ["instanceId"] = instanceId, ["deviceIndex"] = deviceIndex, ["networkCardIndex"] = 0 };
        var response = new JsonObject { ["requestId"] = Guid(), ["attachmentId"] = attachmentId, ["networkCardIndex"] = 0 };
        return Emit(time, actor, "AttachNetworkInterface", request, response, [new AttachOp(eniId, instanceId, attachmentId, deviceIndex)]);
    }

    private void Detach(long time, Actor actor, string attachmentId) =>
        Emit(time, actor, "DetachNetworkInterface", new JsonObject { ["attachmentId"] = attachmentId, ["force"] = false }, Ok(), [new DetachOp(attachmentId)]);

    private void ReplaceEniGroups(long time, Actor actor, string eniId, string[] groups) =>
        Emit(time, actor, "ModifyNetworkInterfaceAttribute", new JsonObject { ["networkInterfaceId"] = eniId, ["groupSet"] = GroupIds(groups) }, Ok(), [new SetEniGroupsOp(eniId, groups)]);

    private void ReplaceInstanceGroups(long time, Actor actor, string instanceId, string[] groups) =>
        Emit(time, actor, "ModifyInstanceAttribute", new JsonObject { ["instanceId"] = instanceId, ["groupSet"] = GroupIds(groups) }, Ok(), [new SetInstanceGroupsOp(instanceId, groups)]);

    /// <summary>CreateTags with one or two tags on several instances (the fleet tag is given last).</summary>
    private TrailEvent Tag(long time, Actor actor, string[] instanceIds, string key, string value, string? key2 = null, string? value2 = null)
    {
        var tags = new List<JsonNode> { Tag(key, value) };
        var ops = new List<Op>();
        if (key2 is not null && value2 is not null)
        {
            tags.Add(Tag(key2, value2));
        }

        foreach (string id in instanceIds)
        {
            ops.Add(new TagOp(id, key, value));
            if (key2 is not null && value2 is not null)
            {
                ops.Add(new TagOp(id, key2, value2));
            }
        }

        var request = new JsonObject { ["resourcesSet"] = Items([.. instanceIds.Select(i => new JsonObject { ["resourceId"] = i })]), ["tagSet"] = Items([.. tags]) };
        return Emit(time, actor, "CreateTags", request, Ok(), ops);
    }

    // ---------------------------------------------------------------- JSON helpers

    private static JsonObject Items(params JsonNode[] items) => items.Length == 0 ? new JsonObject() : new JsonObject { ["items"] = new JsonArray(items) };

    private static JsonObject Tag(string key, string value) => new() { ["key"] = key, ["value"] = value };

    private static JsonObject TagSpec(string resourceType, KeyValuePair<string, string>[] tags) =>
        new() { ["resourceType"] = resourceType, ["tags"] = new JsonArray([.. tags.Select(t => (JsonNode)Tag(t.Key, t.Value))]) };

    private static JsonObject GroupIds(IEnumerable<string> groups) => Items([.. groups.Select(g => new JsonObject { ["groupId"] = g })]);

    private JsonObject GroupRefs(IEnumerable<string> groups) =>
        Items([.. groups.Select(g => new JsonObject { ["groupId"] = g, ["groupName"] = _groupNames[g] })]);

    private string Mac() => string.Join(':', Enumerable.Range(0, 6).Select(i => (i == 0 ? 0x0e : _ids.Next(256)).ToString("x2", CultureInfo.InvariantCulture)));

    private static string DnsName(string ip) => "ip-" + ip.Replace('.', '-') + ".ec2.internal";
}

/// <summary>One <c>ipPermissions</c> item.</summary>
internal sealed record Perm(int Protocol, int? From, int? To, string[] V4, string[] V6, string[] Groups, string[] PrefixLists, string? Description)
{
    public static Perm Tcp(int from, int to, string[]? v4 = null, string[]? v6 = null, string[]? groups = null, string[]? prefixLists = null, string? description = null) =>
        new(6, from, to, v4 ?? [], v6 ?? [], groups ?? [], prefixLists ?? [], description);

    public static Perm Udp(int from, int to, string[]? v4 = null) => new(17, from, to, v4 ?? [], [], [], [], null);

    public static Perm All(string[]? v4 = null) => new(-1, null, null, v4 ?? [], [], [], [], null);

    public static string ProtocolText(int protocol) => protocol switch { 6 => "tcp", 17 => "udp", 1 => "icmp", 58 => "icmpv6", -1 => "-1", _ => protocol.ToString(CultureInfo.InvariantCulture) };

    /// <summary>Peers in the order the rules are numbered: ipRanges, ipv6Ranges, groups, prefixListIds.</summary>
    public IEnumerable<(string? Cidr, string? Group, string? PrefixList)> Peers()
    {
        foreach (string c in V4)
        {
            yield return (c, null, null);
        }

        foreach (string c in V6)
        {
            yield return (c, null, null);
        }

        foreach (string g in Groups)
        {
            yield return (null, g, null);
        }

        foreach (string p in PrefixLists)
        {
            yield return (null, null, p);
        }
    }

    public JsonObject ToJson()
    {
        var o = new JsonObject { ["ipProtocol"] = ProtocolText(Protocol) };
        if (Protocol != -1)
        {
            o["fromPort"] = From;
            o["toPort"] = To;
        }

        JsonObject Range(string key, string value)
        {
            var r = new JsonObject { [key] = value };
            if (Description is not null)
            {
                r["description"] = Description;
            }

            return r;
        }

        o["ipRanges"] = List(V4.Select(c => Range("cidrIp", c)));
        o["ipv6Ranges"] = List(V6.Select(c => Range("cidrIpv6", c)));
        o["groups"] = List(Groups.Select(g => new JsonObject { ["groupId"] = g, ["userId"] = WorldBuilder.Account }));
        o["prefixListIds"] = List(PrefixLists.Select(p => new JsonObject { ["prefixListId"] = p }));
        return o;
    }

    private static JsonObject List(IEnumerable<JsonObject> items)
    {
        JsonNode[] array = [.. items];
        return array.Length == 0 ? new JsonObject() : new JsonObject { ["items"] = new JsonArray(array) };
    }
}
