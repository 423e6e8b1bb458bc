using System.Globalization;
using System.Text.Json.Nodes;

namespace FlowCorrelator.Scenarios.World;

// Real launch paths (docs/semantics.md, "Launch templates, Auto Scaling and EC2 Fleet"; shapes in docs/formats.md
// B.6b): a launch template and an Auto Scaling group of Spot instances, Karpenter's CreateFleet, Spot eviction, and pod
// addresses. The world decides what each instance is (its tags and groups, from the template version in force, the
// group's propagated tags and the fleet request, merged as EC2 does); the trail shows only what each call says, so
// the Name tag of these instances never appears in their own RunInstances.
internal sealed partial class WorldBuilder
{
    private readonly Actor _autoscaling = new($"arn:aws:sts::{Account}:assumed-role/AWSServiceRoleForAutoScaling/AutoScaling", "AWSServiceRoleForAutoScaling",
        "autoscaling.amazonaws.com", "autoscaling.amazonaws.com", true, "autoscaling.amazonaws.com");

    private readonly Actor _ec2Fleet = new($"arn:aws:sts::{Account}:assumed-role/AWSServiceRoleForEC2Fleet/EC2Fleet", "AWSServiceRoleForEC2Fleet",
        "ec2fleet.amazonaws.com", "ec2fleet.amazonaws.com", true, "ec2fleet.amazonaws.com");

    private readonly Actor _karpenter = new($"arn:aws:sts::{Account}:assumed-role/KarpenterControllerRole/karpenter", "KarpenterControllerRole",
        "52.94.133.140", "aws-sdk-go-v2/1.30.3 os/linux lang/go#1.22.5 api/ec2#1.173.0 karpenter.sh-v1.0.6", true);

    /// <summary>The VPC CNI on a node, with the node's instance role.</summary>
    private readonly Actor _vpcCni = new($"arn:aws:sts::{Account}:assumed-role/eks-payment-node-role/i-node", "eks-payment-node-role",
        "10.0.2.10", "aws-sdk-go/1.55.5 (go1.22.5; linux; amd64) amazon-vpc-cni-k8s/v1.18.3", true);

    private readonly Actor _ec2Service = new("ec2.amazonaws.com", "ec2", "ec2.amazonaws.com", "ec2.amazonaws.com", false);

    /// <summary>One launch-template version as the world has it: the instance tags and the groups of each interface.</summary>
    private sealed record TemplateModel(string TemplateId, string Name, int Version, KeyValuePair<string, string>[] Tags, string[][] NicGroups);

    /// <summary>An Auto Scaling group: its template (always <c>$Latest</c> here) and the tags it propagates.</summary>
    private sealed record AsgModel(string Name, KeyValuePair<string, string>[] PropagatedTags);

    /// <summary>How a template launch is written: by whom, which version, which tags the event itself shows.</summary>
    private sealed record LaunchPath(Actor Invoker, TemplateModel Template, string VersionText, KeyValuePair<string, string>[] RequestTags,
        KeyValuePair<string, string>[] ResponseTags, bool GroupsInResponse);

    /// <summary>CreateLaunchTemplate: version 1 with instance tags and one interface entry per element of <paramref name="nicGroups"/>.</summary>
    private TemplateModel CreateTemplate(long time, Actor actor, string name, KeyValuePair<string, string>[] tags, SubnetInfo[] subnets, string[][] nicGroups)
    {
        string id = "lt-0" + Hex(16);
        var data = new JsonObject
        {
            ["ImageId"] = "ami-0" + Hex(16),
            ["InstanceType"] = "m6i.large",
            ["InstanceMarketOptions"] = new JsonObject { ["MarketType"] = "spot" },
            ["NetworkInterface"] = QueryList([.. nicGroups.Select((g, i) => (JsonNode)new JsonObject
            {
                ["DeviceIndex"] = i, ["SubnetId"] = subnets[i].Id, ["DeleteOnTermination"] = true, ["SecurityGroupId"] = QueryList([.. g.Select(x => (JsonNode)x)]),
            })]),
        };
        if (tags.Length > 0)
        {
            data["TagSpecification"] = QueryList(new JsonObject
            {
                ["ResourceType"] = "instance",
                ["Tag"] = QueryList([.. tags.Select(t => (JsonNode)new JsonObject { ["Key"] = t.Key, ["Value"] = t.Value })]),
            });
        }

        var request = new JsonObject { ["CreateLaunchTemplateRequest"] = new JsonObject { ["LaunchTemplateName"] = name, ["LaunchTemplateData"] = data, ["ClientToken"] = Guid() } };
        var response = new JsonObject
        {
            ["CreateLaunchTemplateResponse"] = new JsonObject
            {
                ["xmlns"] = "http://ec2.amazonaws.com/doc/2016-11-15/",
                ["requestId"] = Guid(),
                ["launchTemplate"] = new JsonObject
                {
                    ["launchTemplateId"] = id, ["launchTemplateName"] = name, ["createTime"] = Time(time), ["createdBy"] = actor.Arn,
                    ["defaultVersionNumber"] = 1, ["latestVersionNumber"] = 1,
                },
            },
        };
        Emit(time, actor, "CreateLaunchTemplate", request, response, []);
        return new TemplateModel(id, name, 1, tags, nicGroups);
    }

    /// <summary>CreateLaunchTemplateVersion from <paramref name="source"/> that states only new interface groups (the tags are the source's).</summary>
    private TemplateModel CreateTemplateVersion(long time, Actor actor, TemplateModel source, SubnetInfo[] subnets, string[][] nicGroups)
    {
        int version = source.Version + 1;
        var data = new JsonObject
        {
            ["NetworkInterface"] = QueryList([.. nicGroups.Select((g, i) => (JsonNode)new JsonObject
            {
                ["DeviceIndex"] = i, ["SubnetId"] = subnets[i].Id, ["DeleteOnTermination"] = true, ["SecurityGroupId"] = QueryList([.. g.Select(x => (JsonNode)x)]),
            })]),
        };
        var request = new JsonObject
        {
            ["CreateLaunchTemplateVersionRequest"] = new JsonObject
            {
                ["LaunchTemplateId"] = source.TemplateId, ["SourceVersion"] = source.Version.ToString(CultureInfo.InvariantCulture),
                ["VersionDescription"] = "groups for the payment rollout", ["LaunchTemplateData"] = data,
            },
        };
        var response = new JsonObject
        {
            ["CreateLaunchTemplateVersionResponse"] = new JsonObject
            {
                ["requestId"] = Guid(),
                ["launchTemplateVersion"] = new JsonObject
                {
                    ["launchTemplateId"] = source.TemplateId, ["launchTemplateName"] = source.Name, ["versionNumber"] = version, ["defaultVersion"] = false,
                    ["createTime"] = Time(time), ["createdBy"] = actor.Arn,
                },
            },
        };
        Emit(time, actor, "CreateLaunchTemplateVersion", request, response, []);
        return source with { Version = version, NicGroups = nicGroups };
    }

    /// <summary>CreateAutoScalingGroup over the template (<c>$Latest</c>), with tags that propagate at launch.</summary>
    private AsgModel CreateAsg(long time, Actor actor, string name, TemplateModel template, SubnetInfo[] subnets, KeyValuePair<string, string>[] propagated)
    {
        var request = new JsonObject
        {
            ["autoScalingGroupName"] = name,
            ["launchTemplate"] = new JsonObject { ["launchTemplateId"] = template.TemplateId, ["version"] = "$Latest" },
            ["minSize"] = 2,
            ["maxSize"] = 6,
            ["desiredCapacity"] = 3,
            ["vPCZoneIdentifier"] = string.Join(',', subnets.Select(s => s.Id)),
            ["capacityRebalance"] = true,
            ["tags"] = new JsonArray([.. propagated.Select(t => (JsonNode)new JsonObject { ["key"] = t.Key, ["value"] = t.Value, ["propagateAtLaunch"] = true }),
                new JsonObject { ["key"] = "owner", ["value"] = "payments-oncall", ["propagateAtLaunch"] = false }]),
        };
        Emit(time, actor, "CreateAutoScalingGroup", request, null, [], source: "autoscaling.amazonaws.com");
        return new AsgModel(name, propagated);
    }

    /// <summary>
    /// RunInstances by Auto Scaling: the request names the template and carries the group tag and the propagated tags;
    /// the instances also get the template version's tags, which the event does not show.
    /// </summary>
    private List<InstanceHandle> AsgLaunch(long time, AsgModel asg, TemplateModel version, SubnetInfo[] subnets, int count, string role, uint? fixedIp = null, bool groupsInResponse = true)
    {
        KeyValuePair<string, string>[] requestTags = [new("aws:autoscaling:groupName", asg.Name), .. asg.PropagatedTags];
        KeyValuePair<string, string>[] responseTags = [new("aws:ec2launchtemplate:id", version.TemplateId), new("aws:ec2launchtemplate:version", version.Version.ToString(CultureInfo.InvariantCulture))];
        var path = new LaunchPath(_autoscaling, version, version.Version.ToString(CultureInfo.InvariantCulture), requestTags, responseTags, groupsInResponse);
        return Launch(time, _autoscaling, role, count, Merged(version.Tags, asg.PropagatedTags, requestTags, responseTags), null,
            [.. version.NicGroups.Select((g, i) => new NicSpec(subnets[i], g))], nicForm: true, fixedIp, path);
    }

    /// <summary>
    /// Karpenter's launch: CreateFleet (type instant) whose instance tags live only in its TagSpecification, and the
    /// RunInstances EC2 Fleet logs for it (invoked by <c>ec2fleet.amazonaws.com</c>) one second earlier, whose response
    /// here states no group set: the instance's groups are its template's.
    /// </summary>
    /// <remarks>
    /// With <paramref name="runInstancesInTrail"/> false the RunInstances happens but is not in the trail given (see
    /// <c>FlowEvidenceTraps</c>): the index knows the node from CreateFleet alone, running with the fleet's tags, and
    /// never learns its interface.
    /// </remarks>
    private InstanceHandle KarpenterLaunch(long time, TemplateModel template, SubnetInfo[] subnets, KeyValuePair<string, string>[] fleetTags, string role,
        bool runInstancesInTrail = true)
    {
        string fleetId = "fleet-" + Guid();
        KeyValuePair<string, string>[] responseTags =
            [new("aws:ec2:fleet-id", fleetId), new("aws:ec2launchtemplate:id", template.TemplateId), new("aws:ec2launchtemplate:version", template.Version.ToString(CultureInfo.InvariantCulture))];
        var path = new LaunchPath(_ec2Fleet, template, template.Version.ToString(CultureInfo.InvariantCulture), [], responseTags, GroupsInResponse: false);
        InstanceHandle node = Launch(time, _ec2Fleet, role, 1, Merged(template.Tags, fleetTags, responseTags), null,
            [.. template.NicGroups.Select((g, i) => new NicSpec(subnets[i], g))], nicForm: true, null, path, runInstancesInTrail)[0];

        var request = new JsonObject
        {
            ["CreateFleetRequest"] = new JsonObject
            {
                ["Type"] = "instant",
                ["TargetCapacitySpecification"] = new JsonObject { ["TotalTargetCapacity"] = 1, ["DefaultTargetCapacityType"] = "spot" },
                ["LaunchTemplateConfigs"] = new JsonObject
                {
                    ["tag"] = 1,
                    ["LaunchTemplateSpecification"] = new JsonObject { ["LaunchTemplateId"] = template.TemplateId, ["Version"] = "$Latest" },
                    ["Overrides"] = QueryList(new JsonObject { ["InstanceType"] = "m6i.large", ["SubnetId"] = subnets[0].Id }),
                },
                ["TagSpecification"] = QueryList(
                    new JsonObject { ["ResourceType"] = "fleet", ["Tag"] = QueryList(new JsonObject { ["Key"] = "karpenter.sh/nodepool", ["Value"] = role }) },
                    new JsonObject { ["ResourceType"] = "instance", ["Tag"] = QueryList([.. fleetTags.Select(t => (JsonNode)new JsonObject { ["Key"] = t.Key, ["Value"] = t.Value })]) }),
            },
        };
        var response = new JsonObject
        {
            ["CreateFleetResponse"] = new JsonObject
            {
                ["xmlns"] = "http://ec2.amazonaws.com/doc/2016-11-15/",
                ["requestId"] = Guid(),
                ["fleetId"] = fleetId,
                ["errorSet"] = string.Empty,
                ["fleetInstanceSet"] = new JsonObject
                {
                    ["item"] = new JsonObject
                    {
                        ["launchTemplateAndOverrides"] = new JsonObject
                        {
                            ["launchTemplateSpecification"] = new JsonObject { ["launchTemplateId"] = template.TemplateId, ["version"] = template.Version.ToString(CultureInfo.InvariantCulture) },
                            ["overrides"] = new JsonObject { ["instanceType"] = "m6i.large", ["subnetId"] = subnets[0].Id },
                        },
                        ["lifecycle"] = "spot",
                        ["instanceIds"] = new JsonObject { ["item"] = node.Id },
                        ["instanceType"] = "m6i.large",
                    },
                },
            },
        };
        Emit(time + 1, _karpenter, "CreateFleet", request, response, [new FleetInstancesOp([node.Id], Merged(template.Tags, fleetTags))]);
        return node;
    }

    /// <summary>A Spot interruption: CloudTrail's <c>BidEvictedEvent</c> service event, which ends the instances as a termination does.</summary>
    private void Evict(long time, string[] instanceIds) =>
        Emit(time, _ec2Service, "BidEvictedEvent", null, null, instanceIds.Select(i => (Op)new TerminateOp(i)),
            serviceEventDetails: new JsonObject { ["instanceIdSet"] = new JsonArray([.. instanceIds.Select(i => (JsonNode)i)]) });

    /// <summary>Prefix delegation (the VPC CNI): a /28 of pod addresses on the node's interface, by count.</summary>
    private void AssignPodPrefix(long time, Actor actor, string eniId, uint first)
    {
        var request = new JsonObject { ["networkInterfaceId"] = eniId, ["ipv4PrefixCount"] = 1 };
        var response = new JsonObject
        {
            ["requestId"] = Guid(),
            ["networkInterfaceId"] = eniId,
            ["assignedPrivateIpAddressesSet"] = new JsonObject(),
            ["assignedIpv4PrefixSet"] = new JsonObject { ["item"] = new JsonArray(new JsonObject { ["ipv4Prefix"] = IpAddr.FromV4(first) + "/28" }) },
        };
        Emit(time, actor, "AssignPrivateIpAddresses", request, response, [new AssignPrefixOp(eniId, first, 16)]);
    }

    /// <summary>
    /// An IPv6 /80 for pods. The world's traffic is IPv4, so the prefix changes no answer; the call is in the trail so
    /// that its shape is read and applied like a real cluster's.
    /// </summary>
    private void AssignPodIpv6Prefix(long time, Actor actor, string eniId)
    {
        string prefix = string.Create(CultureInfo.InvariantCulture, $"2600:1f18:{_ids.Next(0x10000):x}:{_ids.Next(0x10000):x}:{_ids.Next(0x10000):x}::/80");
        var response = new JsonObject
        {
            ["AssignIpv6AddressesResponse"] = new JsonObject
            {
                ["requestId"] = Guid(),
                ["networkInterfaceId"] = eniId,
                ["assignedIpv6PrefixSet"] = new JsonObject { ["item"] = new JsonObject { ["ipv6Prefix"] = prefix } },
            },
        };
        Emit(time, actor, "AssignIpv6Addresses", new JsonObject { ["networkInterfaceId"] = eniId, ["ipv6PrefixCount"] = 1 }, response, []);
    }

    /// <summary>Tags merged as EC2 merges a launch's (docs/semantics.md): later sets win on the same key.</summary>
    private static KeyValuePair<string, string>[] Merged(params KeyValuePair<string, string>[][] sets)
    {
        var tags = new List<KeyValuePair<string, string>>();
        foreach (KeyValuePair<string, string>[] set in sets)
        {
            foreach (KeyValuePair<string, string> t in set)
            {
                tags.RemoveAll(x => x.Key == t.Key);
                tags.Add(t);
            }
        }

        return [.. tags];
    }

    /// <summary>A Query-form list: each element carries its 1-based "tag"; one element is written as itself.</summary>
    private static JsonNode QueryList(params JsonNode[] items)
    {
        var tagged = items.Select((item, i) => item is JsonObject o ? WithTag(o, i + 1) : new JsonObject { ["tag"] = i + 1, ["content"] = item }).ToArray();
        return tagged.Length == 1 ? tagged[0] : new JsonArray(tagged);

        static JsonNode WithTag(JsonObject o, int tag)
        {
            var copy = new JsonObject { ["tag"] = tag };
            foreach ((string key, JsonNode? value) in o)
            {
                copy[key] = value?.DeepClone();
            }

            return copy;
        }
    }

    private static string Time(long unix) => DateTimeOffset.FromUnixTimeSeconds(unix).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
}
