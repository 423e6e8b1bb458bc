using FlowCorrelator.Index;
using FlowCorrelator.Queries;
using FlowCorrelator.Tests.TestData;
using static FlowCorrelator.Tests.TestData.Events;

namespace FlowCorrelator.Tests.Index;

/// <summary>Cases found in review: same-second events, interfaces older than the evidence, id spelling.</summary>
public sealed class EnvironmentIndexReviewTests
{
    [Test]
    public void Build_CreateTagsInTheSameSecondAsLaunchWithALowerEventId_KeepsTheTag()
    {
        var ev = new Events();
        ev.Add(100, "CreateTags", new TagsCreated(["i-0aaa"], [Tag("Name", "payment")]), id: "00000000-a");
        ev.Add(100, "RunInstances", new InstancesLaunched([Instance("i-0aaa", [Tag("env", "prod")], Eni("eni-0a", "10.0.1.10", groups: ["sg-1"]))], ["sg-1"]), id: "ffffffff-b");
        EnvironmentIndex index = EnvironmentIndex.Build(ev.List);

        InterfaceState state = index.InterfaceAt(EniId.Parse("eni-0a"), At(100))!;
        Assert.That(state.InstanceHasTag("Name", "payment"), Is.True);
        Assert.That(state.InstanceHasTag("env", "prod"), Is.True);
    }

    [Test]
    public void Build_RevokeInTheSameSecondAsAuthorizeWithALowerEventId_RemovesTheRule()
    {
        var ev = new Events();
        ev.Add(100, "RevokeSecurityGroupIngress", new RulesRevoked("sg-1", false, ["sgr-1"], []), id: "00000000-a");
        ev.Add(100, "AuthorizeSecurityGroupIngress", new RulesAuthorized("sg-1", false, [Tcp("sgr-1", "sg-1", 22, 22, "0.0.0.0/0")]), id: "ffffffff-b");
        EnvironmentIndex index = EnvironmentIndex.Build(ev.List);

        Assert.That(index.IngressRulesAt("sg-1", At(100)).ToArray(), Is.Empty);
        Assert.That(Investigations.RuleChanges(index).Select(r => r.Change.ToWireName()), Is.EqualTo(new[] { "added", "removed" }));
    }

    [Test]
    public void Build_GroupChangeOnAnInterfaceOlderThanTheEvidence_MakesItKnown()
    {
        var ev = new Events();
        ev.Add(100, "ModifyNetworkInterfaceAttribute", new NetworkInterfaceGroupsReplaced("eni-0old", Groups("sg-1")));
        EnvironmentIndex index = EnvironmentIndex.Build(ev.List);

        InterfaceState? state = index.InterfaceAt(EniId.Parse("eni-0old"), At(150));
        Assert.That(state, Is.Not.Null);
        Assert.That(state!.Exists, Is.True);
        Assert.That(state.Groups, Is.EqualTo(new[] { "sg-1" }));
        FlowCorrelator.Queries.GroupAttachment row = Investigations.GroupAttachments(index).Single();
        Assert.That(row.GroupsBeforeUnknown, Is.True, "the earlier set was never stated");
        Assert.That(row.Added, Is.Empty, "nothing is claimed as added when the earlier set is unknown");
        Assert.That(row.GroupsAfter, Is.EqualTo(new[] { "sg-1" }));
    }

    [Test]
    public void Build_InterfaceIdInTwoSpellings_IsOneInterface()
    {
        var ev = new Events();
        ev.Launch(100, Instance("i-0aaa", [], Eni("eni-0ABC", "10.0.1.10", groups: ["sg-1"])));
        ev.Add(200, "ModifyNetworkInterfaceAttribute", new NetworkInterfaceGroupsReplaced("eni-0abc", Groups("sg-2")));
        EnvironmentIndex index = EnvironmentIndex.Build(ev.List);

        Assert.That(index.InterfaceAt(EniId.Parse("eni-0abc"), At(250))!.Groups, Is.EqualTo(new[] { "sg-2" }));
        Assert.That(index.InterfaceAt(EniId.Parse("eni-0abc"), At(250))!.InstanceId, Is.EqualTo("i-0aaa"));
    }

    [Test]
    public void Build_SamePrivateIpInTwoVpcs_BothInterfacesKeepIt()
    {
        var ev = new Events();
        ev.Launch(100, Instance("i-0a", [], Eni("eni-0a", "10.0.1.10", groups: ["sg-a"]) with { VpcId = "vpc-a" }));
        ev.Launch(200, Instance("i-0b", [], Eni("eni-0b", "10.0.1.10", groups: ["sg-b"]) with { VpcId = "vpc-b" }));
        EnvironmentIndex index = EnvironmentIndex.Build(ev.List);

        IpAddr ip = IpAddr.Parse("10.0.1.10");
        Assert.That(index.InterfaceAt(EniId.Parse("eni-0a"), At(300))!.HasAddress(ip), Is.True, "vpc-a keeps its address");
        Assert.That(index.InterfaceAt(EniId.Parse("eni-0b"), At(300))!.HasAddress(ip), Is.True);
        Assert.That(index.AddressInGroup(ip, "sg-a", At(300)), Is.True);
        Assert.That(index.AddressInGroup(ip, "sg-b", At(300)), Is.True);
    }

    [Test]
    public void Build_DeleteOnTermination_DecidesWhetherAnInterfaceOutlivesItsInstance()
    {
        var ev = new Events();
        ev.Launch(100, Instance("i-0a", [],
            Eni("eni-0a", "10.0.1.10", 0, null, "sg-1"),
            Eni("eni-0b", "10.0.2.10", 1, null, "sg-1") with { DeleteOnTermination = false }));
        ev.Add(150, "CreateNetworkInterface", new NetworkInterfaceCreated(Eni("eni-0c", "10.0.3.10", 0, null, "sg-1") with { AttachmentId = null }, ["sg-1"]));
        ev.Add(160, "AttachNetworkInterface", new NetworkInterfaceAttached("eni-0c", "i-0a", "eni-attach-c", 2));
        ev.Add(170, "ModifyNetworkInterfaceAttribute", new NetworkInterfaceDeleteOnTerminationChanged("eni-0c", "eni-attach-c", true));
        ev.Terminate(300, "i-0a");
        EnvironmentIndex index = EnvironmentIndex.Build(ev.List);

        Assert.That(index.InterfaceAt(EniId.Parse("eni-0a"), At(300))!.Exists, Is.False, "launch default: deleted");
        Assert.That(index.InterfaceAt(EniId.Parse("eni-0b"), At(300))!.Exists, Is.True, "deleteOnTermination false: survives");
        Assert.That(index.InterfaceAt(EniId.Parse("eni-0c"), At(300))!.Exists, Is.False, "set to true after attaching: deleted");
        Assert.That(index.InterfaceOfAddress(IpAddr.Parse("10.0.2.10"), At(300)), Is.EqualTo(EniId.Parse("eni-0b")));
    }

    [Test]
    public void Build_ModifyOfARuleOlderThanTheEvidence_IsReportedButNotAssumedIngress()
    {
        var ev = new Events();
        ev.Launch(100, Instance("i-0a", [], Eni("eni-0a", "10.0.1.10", groups: ["sg-1"])));
        ev.Add(200, "ModifySecurityGroupRules", new RulesModified("sg-1", [Tcp("sgr-old", "sg-1", 443, 443, "0.0.0.0/0")]));
        ev.Add(300, "RevokeSecurityGroupEgress", new RulesRevoked("sg-1", true, ["sgr-old"], []));
        EnvironmentIndex index = EnvironmentIndex.Build(ev.List);

        Assert.That(index.IngressRulesAt("sg-1", At(250)).ToArray(), Is.Empty, "direction unknown: not in the ingress state");
        Assert.That(Investigations.RuleChanges(index).Select(r => (r.Change.ToWireName(), r.Direction)), Is.EqualTo(new[] { ("modified", "unknown"), ("removed", "egress") }));
        Assert.That(FlowCorrelator.Queries.Investigations.UnusedGroups(index), Is.Empty);
        Assert.That(FlowCorrelator.Tests.Queries.BothPaths.RuleUsage(index, []), Is.Empty);
    }

    [Test]
    public void IpNetwork_AbsentAddress_IsInNoBlock()
    {
        Assert.That(IpNetwork.Parse("::/0").Contains(IpAddr.None), Is.False);
        Assert.That(IpNetwork.Parse("0.0.0.0/0").Contains(IpAddr.None), Is.False);
        Assert.That(IpNetwork.Parse("::/0").Contains(IpAddr.Parse("10.0.0.1")), Is.False, "IPv6 blocks never hold IPv4 sources");
    }
}
