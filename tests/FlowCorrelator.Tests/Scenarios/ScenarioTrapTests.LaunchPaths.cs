using System.Text.Json;
using FlowCorrelator.Queries;
using FlowCorrelator.Scenarios;

namespace FlowCorrelator.Tests.Scenarios;

// The launch-path traps (docs/semantics.md, "Launch templates, Auto Scaling and EC2 Fleet" and "Spot eviction,
// secondary addresses and prefixes"): each is present in the written trail or flows, and expected.json answers it as
// the world says. The engine's agreement with expected.json is TruthCheckTests' job.
public sealed partial class ScenarioTrapTests
{
    private LaunchPathLandmarks Paths => _s.Landmarks.LaunchPaths;

    private IEnumerable<JsonElement> Trail(string eventName) =>
        _trail.Values.Where(r => r.GetProperty("eventName").GetString() == eventName);

    private static IEnumerable<string> InstanceIdsOf(JsonElement runInstances) =>
        runInstances.GetProperty("responseElements") is { ValueKind: JsonValueKind.Object } response
            ? response.GetProperty("instancesSet").GetProperty("items").EnumerateArray().Select(i => i.GetProperty("instanceId").GetString()!)
            : [];

    [Test]
    public void AutoScalingFleet_RunInstancesCarryNoNameTag_YetEveryInstanceIsInTheFleet()
    {
        var groupLaunches = Trail("RunInstances").Where(r => InstanceIdsOf(r).Any(Paths.GroupInstances.Contains)).ToList();
        Assert.That(groupLaunches, Is.Not.Empty);
        foreach (JsonElement launch in groupLaunches)
        {
            string text = launch.GetRawText();
            Assert.That(text, Does.Not.Contain("\"Name\""), "the Name tag lives only in the launch template");
            Assert.That(text, Does.Contain("aws:autoscaling:groupName"));
            Assert.That(launch.GetProperty("userIdentity").GetProperty("invokedBy").GetString(), Is.EqualTo("autoscaling.amazonaws.com"));
        }

        Assert.That(Trail("CreateLaunchTemplate").Any(r => r.GetRawText().Contains("\"payment\"", StringComparison.Ordinal)), Is.True, "Name=payment is in a template");
        Assert.That(Trail("CreateAutoScalingGroup").Single().GetProperty("eventSource").GetString(), Is.EqualTo("autoscaling.amazonaws.com"));
        string[] reached = [.. Expected.AccessAttempts.Select(a => a.InstanceId).Distinct()];
        Assert.That(reached, Is.SupersetOf(Paths.GroupInstances), "question 1 finds every instance of the group, across churn");
    }

    [Test]
    public void SpotEviction_EndsTheInstance_AndTheReplacementReusesItsAddress()
    {
        JsonElement[] evictions = [.. Trail("BidEvictedEvent")];
        Assert.That(evictions.Select(e => e.GetProperty("eventID").GetString()), Is.EquivalentTo(Paths.EvictionEventIds));
        JsonElement first = evictions.Single(e => e.GetProperty("eventID").GetString() == Paths.EvictionEventIds[0]);
        Assert.That(first.GetProperty("eventType").GetString(), Is.EqualTo("AwsServiceEvent"));
        Assert.That(first.GetProperty("serviceEventDetails").GetProperty("instanceIdSet")[0].GetString(), Is.EqualTo(Paths.EvictedInstance));
        Assert.That(Trail("TerminateInstances").SelectMany(r => r.GetProperty("requestParameters").GetRawText().Split('"')).Contains(Paths.EvictedInstance), Is.False,
            "no TerminateInstances for the evicted instance: only the service event ends it");

        long evicted = Unix(_eventTimes[Paths.EvictionEventIds[0]]);
        Assert.That(Expected.AccessAttempts.Where(a => a.InstanceId == Paths.EvictedInstance).Select(a => Unix(a.LastSeen)), Has.All.LessThan(evicted));
        string[] holders = [.. _records.Where(r => r.Direction == "ingress" && r.Dst == Paths.ReusedIp).Select(r => r.Eni).Distinct()];
        Assert.That(holders, Has.Length.EqualTo(2), "the evicted instance's interface, then the replacement's");
        Assert.That(Expected.AccessAttempts.Where(a => a.InstanceId == Paths.Replacement).Select(a => Unix(a.FirstSeen)), Is.Not.Empty.And.All.GreaterThanOrEqualTo(evicted));
    }

    [Test]
    public void TemplateVersion2_ReplacementResponseStatesNoGroup_ItsGroupsAreVersion2s()
    {
        JsonElement launch = Trail("RunInstances").Single(r => InstanceIdsOf(r).Contains(Paths.Replacement));
        Assert.That(launch.GetProperty("responseElements").GetProperty("instancesSet").GetProperty("items")[0].GetProperty("groupSet").EnumerateObject(), Is.Empty,
            "the trap: the response states no group");
        string payment = _s.Landmarks.Groups["payment"];
        AccessAttempt[] rows = [.. Expected.AccessAttempts.Where(a => a.InstanceId == Paths.Replacement && a.InterfaceId != _s.Landmarks.FloatingEni)];
        Assert.That(rows.Where(r => r.SecurityGroups.Contains(payment)), Is.Not.Empty);
        Assert.That(rows.Where(r => r.SecurityGroups.Contains(payment)).Select(r => r.SecurityGroups), Has.All.EqualTo(new[] { payment }),
            "version 2 dropped mgmt-sg from the primary interface");
    }

    [Test]
    public void KarpenterNode_TagsOnlyInCreateFleet_AndPodAddressesInsideItsPrefix()
    {
        JsonElement launch = Trail("RunInstances").Single(r => InstanceIdsOf(r).Contains(Paths.FleetNode));
        Assert.That(launch.GetProperty("userIdentity").GetProperty("invokedBy").GetString(), Is.EqualTo("ec2fleet.amazonaws.com"));
        Assert.That(launch.GetRawText(), Does.Not.Contain("\"Name\""));
        Assert.That(Trail("CreateFleet").Single(r => r.GetProperty("responseElements").GetRawText().Contains(Paths.FleetNode, StringComparison.Ordinal)).GetRawText(),
            Does.Contain("\"payment\""));

        var prefix = IpNetwork.Parse(Paths.PodPrefix);
        Rec[] toPods = [.. _records.Where(r => r.Eni == Paths.FleetNodeEni && r.Direction == "ingress" && prefix.Contains(IpAddr.Parse(r.Dst)) && r.Dst != _records.First(x => x.Eni == Paths.FleetNodeEni && x.Direction == "egress").Src)];
        Assert.That(toPods.Where(r => r.DstPort == 22), Is.Not.Empty, "SSH to pod addresses is exercised");
        long toPodsAccepted = toPods.Count(r => r.DstPort == 22 && r.Action == "ACCEPT");
        long toPodsRejected = toPods.Count(r => r.DstPort == 22 && r.Action == "REJECT");
        AccessAttempt[] rows = [.. Expected.AccessAttempts.Where(a => a.InstanceId == Paths.FleetNode)];
        Assert.That(rows.Sum(a => a.Accepted) + rows.Sum(a => a.Rejected), Is.GreaterThanOrEqualTo(toPodsAccepted + toPodsRejected),
            "every SSH record to a pod address is an attempt on the node");
        Assert.That(_records.Any(r => r.DstPort == 5432 && prefix.Contains(IpAddr.Parse(r.Src))), Is.True, "pods reach the database from their prefix");
        Assert.That(Trail("AssignIpv6Addresses"), Is.Not.Empty);
    }
}
