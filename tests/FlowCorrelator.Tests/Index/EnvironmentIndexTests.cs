using FlowCorrelator.Index;
using FlowCorrelator.Queries;
using FlowCorrelator.Tests.TestData;
using static FlowCorrelator.Tests.TestData.Events;

namespace FlowCorrelator.Tests.Index;

public sealed class EnvironmentIndexTests
{
    [Test]
    public void InterfaceAt_BeforeLaunchDuringAndAfterTermination_FollowsHalfOpenIntervals()
    {
        var ev = new Events();
        ev.Launch(100, Instance("i-0aaa", [Tag("env", "prod"), Tag("Name", "payment")], Eni("eni-0a", "10.0.1.10", groups: ["sg-1"])));
        ev.Terminate(500, "i-0aaa");
        EnvironmentIndex index = EnvironmentIndex.Build(ev.List);

        Assert.That(index.InterfaceAt(EniId.Parse("eni-0a"), At(99)), Is.Null, "unknown before launch");
        InterfaceState? during = index.InterfaceAt(EniId.Parse("eni-0a"), At(100));
        Assert.That(during, Is.Not.Null);
        Assert.That(during!.InstanceId, Is.EqualTo("i-0aaa"));
        Assert.That(during.InstanceRunning, Is.True);
        Assert.That(during.InstanceHasTag("Name", "payment"), Is.True, "tag not first in tagSet");
        Assert.That(during.HasAddress(IpAddr.Parse("10.0.1.10")), Is.True);
        InterfaceState? after = index.InterfaceAt(EniId.Parse("eni-0a"), At(500));
        Assert.That(after!.Exists, Is.False, "launch-created interface is deleted with its instance");
        Assert.That(after.InstanceId, Is.Null);
        Assert.That(index.InterfaceOfAddress(IpAddr.Parse("10.0.1.10"), At(499)), Is.EqualTo(EniId.Parse("eni-0a")));
        Assert.That(index.InterfaceOfAddress(IpAddr.Parse("10.0.1.10"), At(500)), Is.Null);
    }

    [Test]
    public void Build_FailedAndDryRunCalls_ChangeNothingAndAreCounted()
    {
        var ev = new Events();
        ev.Launch(100, Instance("i-0aaa", [Tag("Name", "web")], Eni("eni-0a", "10.0.1.10", groups: ["sg-1"])));
        ev.Add(200, "CreateTags", new TagsCreated(["i-0aaa"], [Tag("Name", "payment")]), errorCode: "Client.UnauthorizedOperation");
        ev.Add(210, "ModifyNetworkInterfaceAttribute", new NetworkInterfaceGroupsReplaced("eni-0a", Groups("sg-9")), errorCode: "Client.DryRunOperation");
        EnvironmentIndex index = EnvironmentIndex.Build(ev.List);

        InterfaceState state = index.InterfaceAt(EniId.Parse("eni-0a"), At(300))!;
        Assert.That(state.InstanceHasTag("Name", "payment"), Is.False);
        Assert.That(state.Groups, Is.EqualTo(new[] { "sg-1" }));
        Assert.That(index.Statistics.Failed, Is.EqualTo(2));
        Assert.That(Investigations.GroupAttachments(index), Is.Empty);
    }

    [Test]
    public void Build_OutOfOrderAndDuplicateEvents_AppliesEachOnceInTimeOrder()
    {
        var ev = new Events();
        CloudTrailEvent tag = ev.Add(300, "CreateTags", new TagsCreated(["i-0aaa"], [Tag("Name", "payment")]));
        ev.Launch(100, Instance("i-0aaa", [], Eni("eni-0a", "10.0.1.10", groups: ["sg-1"])));
        ev.List.Add(tag); // delivered twice
        EnvironmentIndex index = EnvironmentIndex.Build(ev.List);

        Assert.That(index.Statistics.Duplicates, Is.EqualTo(1));
        Assert.That(index.InterfaceAt(EniId.Parse("eni-0a"), At(299))!.InstanceHasTag("Name", "payment"), Is.False);
        Assert.That(index.InterfaceAt(EniId.Parse("eni-0a"), At(300))!.InstanceHasTag("Name", "payment"), Is.True, "tag added after launch");
    }

    [Test]
    public void Build_InstanceWithTwoInterfacesAndSeveralGroups_KeepsEveryGroupOfEveryInterface()
    {
        var ev = new Events();
        ev.Launch(100, Instance("i-0aaa", [Tag("Name", "payment")],
            Eni("eni-0a", "10.0.1.10", 0, null, "sg-web", "sg-ssh"),
            Eni("eni-0b", "10.0.2.10", 1, null, "sg-db", "sg-mon", "sg-ssh")));
        EnvironmentIndex index = EnvironmentIndex.Build(ev.List);

        Assert.That(index.InterfaceAt(EniId.Parse("eni-0a"), At(200))!.Groups, Is.EqualTo(new[] { "sg-ssh", "sg-web" }));
        InterfaceState second = index.InterfaceAt(EniId.Parse("eni-0b"), At(200))!;
        Assert.That(second.Groups, Is.EqualTo(new[] { "sg-db", "sg-mon", "sg-ssh" }));
        Assert.That(second.InstanceId, Is.EqualTo("i-0aaa"));
    }

    [Test]
    public void Build_InterfaceOutlivesInstance_IsAttachedToTheNextOne()
    {
        var ev = new Events();
        ev.Add(50, "CreateNetworkInterface", new NetworkInterfaceCreated(Eni("eni-0c", "10.0.3.3", 0, null, "sg-1") with { AttachmentId = null }, ["sg-1"]));
        ev.Launch(100, Instance("i-0old", [Tag("Name", "payment")], Eni("eni-0a", "10.0.1.10", groups: ["sg-1"])));
        ev.Add(150, "AttachNetworkInterface", new NetworkInterfaceAttached("eni-0c", "i-0old", "eni-attach-c1", 1));
        ev.Terminate(400, "i-0old");
        ev.Launch(600, Instance("i-0new", [Tag("Name", "payment")], Eni("eni-0d", "10.0.1.20", groups: ["sg-1"])));
        ev.Add(700, "AttachNetworkInterface", new NetworkInterfaceAttached("eni-0c", "i-0new", "eni-attach-c2", 1));
        EnvironmentIndex index = EnvironmentIndex.Build(ev.List);

        EniId c = EniId.Parse("eni-0c");
        Assert.That(index.InterfaceAt(c, At(60))!.InstanceId, Is.Null, "created, not yet attached");
        Assert.That(index.InterfaceAt(c, At(200))!.InstanceId, Is.EqualTo("i-0old"));
        InterfaceState between = index.InterfaceAt(c, At(500))!;
        Assert.That(between.Exists, Is.True, "attached later: survives termination");
        Assert.That(between.InstanceId, Is.Null);
        Assert.That(index.InterfaceAt(c, At(700))!.InstanceId, Is.EqualTo("i-0new"));
    }

    [Test]
    public void Build_DetachByAttachmentId_EndsTheAttachment()
    {
        var ev = new Events();
        ev.Launch(100, Instance("i-0aaa", [], Eni("eni-0a", "10.0.1.10", 0, "eni-attach-1", "sg-1")));
        ev.Add(200, "DetachNetworkInterface", new NetworkInterfaceDetached("eni-attach-1"));
        EnvironmentIndex index = EnvironmentIndex.Build(ev.List);

        Assert.That(index.InterfaceAt(EniId.Parse("eni-0a"), At(199))!.InstanceId, Is.EqualTo("i-0aaa"));
        Assert.That(index.InterfaceAt(EniId.Parse("eni-0a"), At(200))!.InstanceId, Is.Null);
    }

    [Test]
    public void Build_PrivateIpReusedByLaterInstance_BelongsToEachInTurn()
    {
        var ev = new Events();
        ev.Launch(100, Instance("i-0one", [Tag("Name", "payment")], Eni("eni-0a", "10.0.1.10", groups: ["sg-1"])));
        ev.Terminate(300, "i-0one");
        ev.Launch(500, Instance("i-0two", [Tag("Name", "batch")], Eni("eni-0b", "10.0.1.10", groups: ["sg-2"])));
        EnvironmentIndex index = EnvironmentIndex.Build(ev.List);

        IpAddr ip = IpAddr.Parse("10.0.1.10");
        Assert.That(index.InterfaceOfAddress(ip, At(200)), Is.EqualTo(EniId.Parse("eni-0a")));
        Assert.That(index.InterfaceOfAddress(ip, At(400)), Is.Null);
        Assert.That(index.InterfaceOfAddress(ip, At(600)), Is.EqualTo(EniId.Parse("eni-0b")));
        Assert.That(index.AddressInGroup(ip, "sg-1", At(600)), Is.False);
        Assert.That(index.AddressInGroup(ip, "sg-2", At(600)), Is.True);
    }

    [Test]
    public void Build_RuleModifiedFromOneCidrToAnother_ChangesTheRuleAtThatTime()
    {
        var ev = new Events();
        ev.Authorize(100, "sg-1", Tcp("sgr-1", "sg-1", 22, 22, "203.0.113.0/24"));
        ev.Add(300, "ModifySecurityGroupRules", new RulesModified("sg-1", [Tcp("sgr-1", "sg-1", 22, 22, "198.51.100.0/24")]));
        EnvironmentIndex index = EnvironmentIndex.Build(ev.List);

        Assert.That(index.IngressRulesAt("sg-1", At(200)).ToArray().Single().Network, Is.EqualTo(IpNetwork.Parse("203.0.113.0/24")));
        Assert.That(index.IngressRulesAt("sg-1", At(300)).ToArray().Single().Network, Is.EqualTo(IpNetwork.Parse("198.51.100.0/24")));
        Assert.That(Investigations.RuleChanges(index).Select(r => (r.Change.ToWireName(), r.RuleId, r.Cidr)), Is.EqualTo(new[]
        {
            ("added", (string?)"sgr-1", (string?)"203.0.113.0/24"),
            ("modified", "sgr-1", "198.51.100.0/24"),
        }));
    }

    [Test]
    public void Build_RevokeByRuleIdAndByPermission_RemovesOnlyThoseRules()
    {
        var ev = new Events();
        ev.Authorize(100, "sg-1", Tcp("sgr-1", "sg-1", 22, 22, "0.0.0.0/0"), Tcp("sgr-2", "sg-1", 443, 443, "0.0.0.0/0"), Tcp("sgr-3", "sg-1", 80, 80, "10.0.0.0/8"));
        ev.Add(200, "RevokeSecurityGroupIngress", new RulesRevoked("sg-1", false, ["sgr-1"], []));
        ev.Add(300, "RevokeSecurityGroupIngress", new RulesRevoked("sg-1", false, [], [Tcp(null!, "sg-1", 80, 80, "10.0.0.0/8") with { RuleId = null }]));
        EnvironmentIndex index = EnvironmentIndex.Build(ev.List);

        Assert.That(index.IngressRulesAt("sg-1", At(250)).ToArray().Select(r => r.RuleId), Is.EqualTo(new[] { "sgr-2", "sgr-3" }));
        Assert.That(index.IngressRulesAt("sg-1", At(300)).ToArray().Select(r => r.RuleId), Is.EqualTo(new[] { "sgr-2" }));
        var removed = Investigations.RuleChanges(index).Where(r => r.Change == RuleChangeKind.Removed).ToList();
        Assert.That(removed.Select(r => r.RuleId), Is.EqualTo(new[] { "sgr-1", "sgr-3" }));
        Assert.That(removed[0].Risks, Is.EqualTo(new[] { "open-to-world", "admin-port:22" }));
        Assert.That(removed[0].Cidr, Is.EqualTo("0.0.0.0/0"), "revoke by id reports the rule's definition");
    }

    [Test]
    public void Build_ModifyInstanceAttributeGroupSet_ReplacesPrimaryInterfaceGroups()
    {
        var ev = new Events();
        ev.Launch(100, Instance("i-0aaa", [], Eni("eni-0a", "10.0.1.10", 0, null, "sg-1"), Eni("eni-0b", "10.0.2.10", 1, null, "sg-1")));
        ev.Add(200, "ModifyInstanceAttribute", new InstanceGroupsReplaced("i-0aaa", Groups("sg-2", "sg-3")));
        EnvironmentIndex index = EnvironmentIndex.Build(ev.List);

        Assert.That(index.InterfaceAt(EniId.Parse("eni-0a"), At(200))!.Groups, Is.EqualTo(new[] { "sg-2", "sg-3" }));
        Assert.That(index.InterfaceAt(EniId.Parse("eni-0b"), At(200))!.Groups, Is.EqualTo(new[] { "sg-1" }));
        GroupAttachmentRow(index, out var row);
        Assert.That(row.InterfaceId, Is.EqualTo("eni-0a"));
        Assert.That(row.InstanceId, Is.EqualTo("i-0aaa"));
        Assert.That(row.Added, Is.EqualTo(new[] { "sg-2", "sg-3" }));
        Assert.That(row.Removed, Is.EqualTo(new[] { "sg-1" }));
    }

    [Test]
    public void Build_DeleteTagsAndTagsOnOtherResources_AffectOnlyInstances()
    {
        var ev = new Events();
        ev.Launch(100, Instance("i-0aaa", [Tag("Name", "web")], Eni("eni-0a", "10.0.1.10", groups: ["sg-1"])));
        ev.Add(150, "CreateTags", new TagsCreated(["vol-0123", "eni-0a"], [Tag("Name", "payment")]));
        ev.Add(200, "DeleteTags", new TagsDeleted(["i-0aaa"], [new Tag("Name", null)]));
        EnvironmentIndex index = EnvironmentIndex.Build(ev.List);

        Assert.That(index.InterfaceAt(EniId.Parse("eni-0a"), At(160))!.InstanceHasTag("Name", "payment"), Is.False);
        Assert.That(index.InterfaceAt(EniId.Parse("eni-0a"), At(160))!.InstanceHasTag("Name", "web"), Is.True);
        Assert.That(index.InterfaceAt(EniId.Parse("eni-0a"), At(200))!.InstanceTags, Is.Empty);
    }

    [Test]
    public void Build_BaselineSnapshot_SeedsResourcesOlderThanTheTrail()
    {
        var ev = new Events();
        var snapshot = new BaselineSnapshot(
            Instances: [Instance("i-0old", [Tag("Name", "payment")], Eni("eni-0s", "10.0.9.9", 0, "eni-attach-s", "sg-base"))],
            NetworkInterfaces: [],
            Groups: [new SecurityGroupCreated("sg-base", "base", "vpc-1", null, [])],
            Rules: [Tcp("sgr-base", "sg-base", 22, 22, "203.0.113.0/24")],
            Attachments: []);
        ev.Add(0, "Snapshot", snapshot, id: "snapshot:describe.json");
        ev.Add(500, "CreateTags", new TagsCreated(["i-0old"], [Tag("owner", "ops")]));
        EnvironmentIndex index = EnvironmentIndex.Build(ev.List);

        InterfaceState state = index.InterfaceAt(EniId.Parse("eni-0s"), At(-86_400))!;
        Assert.That(state.InstanceId, Is.EqualTo("i-0old"), "known before the first CloudTrail event");
        Assert.That(state.InstanceHasTag("Name", "payment"), Is.True);
        Assert.That(index.IngressRulesAt("sg-base", At(100)).ToArray().Select(r => r.RuleId), Is.EqualTo(new[] { "sgr-base" }));
        Assert.That(index.InterfaceAt(EniId.Parse("eni-0s"), At(600))!.InstanceHasTag("owner", "ops"), Is.True, "later events apply on top");
        Assert.That(index.RuleChanges, Is.Empty, "a snapshot is state, not a change");
        Assert.That(FlowCorrelator.Queries.Investigations.UnusedGroups(index), Is.Empty, "snapshot shows sg-base attached");
    }

    [Test]
    public void Build_StatesHoldingTheSameGroups_ShareOneRuleScheduleThatFollowsRuleChanges()
    {
        var ev = new Events();
        ev.Authorize(50, "sg-1", Tcp("sgr-1", "sg-1", 22, 22, "203.0.113.0/24"));
        ev.Launch(100, Instance("i-1", [], Eni("eni-0a", "10.0.0.1", groups: "sg-1")));
        ev.Add(300, "ModifySecurityGroupRules", new RulesModified("sg-1", [Tcp("sgr-1", "sg-1", 22, 22, "198.51.100.0/24")]));
        ev.Launch(400, Instance("i-2", [], Eni("eni-0b", "10.0.0.2", groups: "sg-1")));
        EnvironmentIndex index = EnvironmentIndex.Build(ev.List);

        InterfaceState first = index.InterfaceAt(EniId.Parse("eni-0a"), At(200))!;
        InterfaceState second = index.InterfaceAt(EniId.Parse("eni-0b"), At(500))!;
        IpAddr oldRange = IpAddr.Parse("203.0.113.9");
        IpAddr newRange = IpAddr.Parse("198.51.100.9");
        Assert.Multiple(() =>
        {
            Assert.That(second.Rules, Is.SameAs(first.Rules), "one schedule per group set, not per interface state");
            Assert.That(first.Rules.At(At(200), out long from, out long to).Single().NetworkContains(oldRange.High, oldRange.Low), Is.True);
            Assert.That(to, Is.EqualTo(At(300)));
            Assert.That(first.Rules.At(At(500)).Single().NetworkContains(oldRange.High, oldRange.Low), Is.False);
            Assert.That(second.Rules.At(At(500)).Single().NetworkContains(newRange.High, newRange.Low), Is.True);
        });
    }

    private static void GroupAttachmentRow(EnvironmentIndex index, out FlowCorrelator.Queries.GroupAttachment row) => row = Investigations.GroupAttachments(index).Single();
}
