using FlowCorrelator.Index;
using FlowCorrelator.Ingest;
using FlowCorrelator.Queries;
using FlowCorrelator.Tests.TestData;
using static FlowCorrelator.Tests.Ingest.CloudTrailReaderTests;
using static FlowCorrelator.Tests.TestData.ConfigItems;

namespace FlowCorrelator.Tests.Index;

/// <summary>
/// AWS Config items as state in force from their capture time (docs/semantics.md, "AWS Config items"), each state
/// change they can make, ordered with CloudTrail: items of one second apply after its calls; a later call changes the
/// recorded state as usual; an item is state, never a question 2 or 3 row. Item shapes: <see cref="ConfigItems"/>.
/// </summary>
public sealed class ConfigItemStateTests
{
    private const string Ok = """{"requestId":"r","_return":true}""";

    [Test]
    public void InstanceItems_TagsStateAndInterface_HoldFromEachCaptureTime_AndDeletionEndsThem()
    {
        string web = Nic("eni-0c0a29997760baee7", "10.0.1.5", "i-0fleet1", "eni-attach-0aa1", deleteOnTermination: true, "sg-0web");
        string history = File(
            Instance("i-0fleet1", 100, "running", ["Name=payment", "team=pay"], ["sg-0web"], web),
            Instance("i-0fleet1", 200, "stopped", ["Name=batch"], ["sg-0web"], web),
            Deleted("AWS::EC2::Instance", "i-0fleet1", 300));

        // A CreateTags between the first two items: CloudTrail changes the recorded state until the next item.
        string trail = Records(Rec("e-tag", "CreateTags", """{"resourcesSet":{"items":[{"resourceId":"i-0fleet1"}]},"tagSet":{"items":[{"key":"Name","value":"web"}]}}""", Ok, Trail(150)));
        Workspace ws = Load(trail, (HistoryKey("AWS::EC2::Instance"), history));

        Assert.That(ws.Diagnostics.HasProblems, Is.False);
        EnvironmentIndex index = ws.Index;
        Assert.That(index.InterfaceAt("eni-0c0a29997760baee7", Events.T0.AddSeconds(99))?.Exists ?? false, Is.False, "unknown before the first capture");

        InterfaceState first = index.InterfaceAt("eni-0c0a29997760baee7", Events.T0.AddSeconds(100))!;
        Assert.That((first.Exists, first.InstanceId, first.InstanceRunning, first.InstanceTags["Name"], first.InstanceTags["team"]), Is.EqualTo((true, "i-0fleet1", true, "payment", "pay")));
        Assert.That(first.Groups, Is.EqualTo(new[] { "sg-0web" }));
        Assert.That(first.Addresses.Select(a => a.ToString()), Is.EqualTo(new[] { "10.0.1.5" }));

        Assert.That(index.InterfaceAt("eni-0c0a29997760baee7", Events.T0.AddSeconds(150))!.InstanceTags["Name"], Is.EqualTo("web"), "the later call changes the recorded tags");

        InterfaceState second = index.InterfaceAt("eni-0c0a29997760baee7", Events.T0.AddSeconds(200))!;
        Assert.That((second.InstanceRunning, string.Join(",", second.InstanceTags.Select(t => $"{t.Key}={t.Value}"))), Is.EqualTo((false, "Name=batch")), "the item states all tags: team is gone");

        InterfaceState gone = index.InterfaceAt("eni-0c0a29997760baee7", Events.T0.AddSeconds(300))!;
        Assert.That((gone.Exists, gone.InstanceId), Is.EqualTo((false, (string?)null)), "terminated: the delete-on-termination interface goes with it");
        Assert.That(index.InterfaceOfAddress(IpAddr.Parse("10.0.1.5"), Events.At(300)), Is.Null, "its address is released");

        // The timeline says what the item corrected, and Config items are not CloudTrail events.
        Assert.That(index.History.Where(h => h.ResourceId == "i-0fleet1" && h.Time == Events.T0.AddSeconds(200).AddMilliseconds(250)).Select(h => h.Change).First(),
            Does.Contain("differs from the state rebuilt before it").And.Contain("not running; tags Name=web,team=pay -> Name=batch"));
        Assert.That((index.Statistics.EventsRead, index.Statistics.Applied), Is.EqualTo((1L, 1L)));
        Assert.That(Investigations.RuleChanges(index), Is.Empty);
        Assert.That(Investigations.GroupAttachments(index), Is.Empty);
    }

    [Test]
    public void Question1_FleetTaggedOnlyInConfigItems_CountsRecordsFromTheCaptureTimeOn()
    {
        string web = Nic("eni-0pay", "10.0.1.5", "i-0pay", "eni-attach-0p", deleteOnTermination: true, "sg-0web");
        EnvironmentIndex index = Load(null, (HistoryKey("AWS::EC2::Instance"), File(Instance("i-0pay", 100, "running", ["Name=payment"], ["sg-0web"], web)))).Index;
        FlowRecord[] records =
        [
            Events.Flow("eni-0pay", "198.51.100.9", "10.0.1.5", 22, 99),
            Events.Flow("eni-0pay", "198.51.100.9", "10.0.1.5", 22, 100),
            Events.Flow("eni-0pay", "198.51.100.9", "10.0.1.5", 22, 160),
        ];
        AccessAttempt row = Queries.BothPaths.FleetAccess(index, records, new AccessQuery { TagKey = "Name", TagValue = "payment", Port = 22 }).Single();
        Assert.That((row.InstanceId, row.InterfaceId, row.Accepted, row.FirstSeen), Is.EqualTo(("i-0pay", "eni-0pay", 2L, Events.T0.AddSeconds(100))), "the record before the capture time is not the fleet's");
    }

    [Test]
    public void NetworkInterfaceItems_GroupsAddressesAttachment_AndDeletion()
    {
        string history = File(
            NicItem("eni-0branch", 100, "10.0.2.7", "i-0node", "sg-0pods"),
            NicItem("eni-0branch", 200, "10.0.2.8", null, "sg-0other"),
            Deleted("AWS::EC2::NetworkInterface", "eni-0branch", 300));
        Workspace ws = Load(null, (HistoryKey("AWS::EC2::NetworkInterface"), history));
        EnvironmentIndex index = ws.Index;

        InterfaceState attached = index.InterfaceAt("eni-0branch", Events.T0.AddSeconds(100))!;
        Assert.That((attached.Exists, attached.InstanceId, attached.Groups.Single(), attached.Addresses.Single().ToString()), Is.EqualTo((true, "i-0node", "sg-0pods", "10.0.2.7")));

        InterfaceState detached = index.InterfaceAt("eni-0branch", Events.T0.AddSeconds(200))!;
        Assert.That((detached.InstanceId, detached.Groups.Single(), detached.Addresses.Single().ToString()), Is.EqualTo(((string?)null, "sg-0other", "10.0.2.8")), "detached, new groups, the old address released");
        Assert.That(index.InterfaceOfAddress(IpAddr.Parse("10.0.2.7"), Events.At(200)), Is.Null);

        Assert.That(index.InterfaceAt("eni-0branch", Events.T0.AddSeconds(300))!.Exists, Is.False);
        Assert.That(Investigations.GroupAttachments(index), Is.Empty, "a Config item is state, not a group-set change");
    }

    [Test]
    public void SecurityGroupItem_KeepsMatchingRuleIds_RemovesUnstatedRules_AddsStatedOnes_NoRuleChangeRows()
    {
        string trail = Records(
            Authorize("e1", "sg-0web", "sgr-ssh", 22, "203.0.113.0/24", 10),
            Authorize("e2", "sg-0web", "sgr-https", 443, "0.0.0.0/0", 20));
        string history = File(
            Group("sg-0web", "web", "vpc-0story", 100, ConfigItems.Tcp(22, 22, "203.0.113.0/24"), ConfigItems.Tcp(8080, 8080, "10.0.0.0/8")),
            Deleted("AWS::EC2::SecurityGroup", "sg-0web", 300));
        Workspace ws = Load(trail, (HistoryKey("AWS::EC2::SecurityGroup"), history));
        EnvironmentIndex index = ws.Index;

        Assert.That(index.IngressRulesAt("sg-0web", Events.At(99)).ToArray().Select(r => r.RuleId), Is.EqualTo(new[] { "sgr-https", "sgr-ssh" }));
        Assert.That(index.IngressRulesAt("sg-0web", Events.At(100)).ToArray().Select(r => r.RuleId), Is.EqualTo(new[] { "config:sg-0web#0", "sgr-ssh" }),
            "the same permission keeps its sgr- id; 443 is not in the item; 8080 gets a synthesised id");
        Assert.That(index.IngressRulesAt("sg-0web", Events.At(300)).Length, Is.Zero, "deleted");
        Assert.That(Investigations.RuleChanges(index).Select(r => r.EventId), Is.EqualTo(new[] { "e1", "e2" }), "question 2 comes from CloudTrail only");
        Assert.That(index.History.Single(h => h.ResourceId == "sg-0web" && h.Change.StartsWith("AWS Config: web", StringComparison.Ordinal)).Change,
            Does.Contain("rule sgr-https tcp/443 from 0.0.0.0/0 not present").And.Contain("rule config:sg-0web#0 ingress tcp/8080 from 10.0.0.0/8 present"));

        // The group's rules stay in question 5's universe: the item's rule is an ingress rule of an existing group.
        Assert.That(Investigations.UnusedGroups(index).Select(g => g.GroupId), Is.Empty, "deleted at the end of the data");
    }

    [Test]
    public void GroupItems_Question4_UnknownWhenNeverAttached_NotListedOnceAnInterfaceItemHoldsIt()
    {
        string history = File(
            Group("sg-0idle", "idle", "vpc-0story", 10, ConfigItems.Tcp(3389, 3389, "0.0.0.0/0")),
            Group("sg-0used", "used", "vpc-0story", 10, ConfigItems.Tcp(443, 443, "0.0.0.0/0")),
            NicItem("eni-0x", 20, "10.0.4.4", null, "sg-0used"));
        EnvironmentIndex index = Load(null, (SnapshotKey(), history)).Index;

        UnusedGroup idle = Investigations.UnusedGroups(index).Single();
        Assert.That((idle.GroupId, idle.GroupName, idle.Status.ToWireName(), idle.IngressRuleIds.Single()), Is.EqualTo(("sg-0idle", "idle", "unknown", "config:sg-0idle#0")));
    }

    [Test]
    public void SameSecond_ItemAppliesAfterTheCallsOfItsSecond_AndTheNextCallAppliesOnTopOfIt()
    {
        // The item captured in second 50 does not list the rule authorized in second 50: the item holds (Config captures
        // after the changes it records). The rule authorized in second 51 is added on top of the item's state.
        string trail = Records(
            Authorize("e50", "sg-0web", "sgr-50", 22, "0.0.0.0/0", 50),
            Authorize("e51", "sg-0web", "sgr-51", 443, "0.0.0.0/0", 51));
        string history = File(Item("AWS::EC2::SecurityGroup", "sg-0web", 50,
            """{"description":"web","groupName":"web","ipPermissions":[],"ownerId":"111122223333","groupId":"sg-0web","ipPermissionsEgress":[],"tags":[],"vpcId":"vpc-0story"}""", millis: 0));
        EnvironmentIndex index = Load(trail, (HistoryKey("AWS::EC2::SecurityGroup"), history)).Index;

        Assert.That(index.IngressRulesAt("sg-0web", Events.At(50)).Length, Is.Zero);
        Assert.That(index.IngressRulesAt("sg-0web", Events.At(51)).ToArray().Select(r => r.RuleId), Is.EqualTo(new[] { "sgr-51" }));
        Assert.That(Investigations.RuleChanges(index).Select(r => r.RuleId), Is.EqualTo(new[] { "sgr-50", "sgr-51" }), "both calls still have their rows");
    }

    [Test]
    public void SameItemInHistoryAndSnapshotFiles_IsAppliedOnce_AndCountedPerFile()
    {
        string item = NicItem("eni-0one", 100, "10.0.3.3", null, "sg-0a");
        Workspace ws = Load(null, (HistoryKey("AWS::EC2::NetworkInterface"), File(item)), (SnapshotKey(), File(item, Vpc("vpc-0story", isDefault: false, 100))));

        Assert.That(ws.Diagnostics.Files.Where(f => f.Kind == LogFileKind.AwsConfig).Select(f => f.Records), Is.EqualTo(new[] { 1L, 2L }));
        Assert.That(ws.Index.History.Count(h => h.ResourceId == "eni-0one"), Is.EqualTo(1), "one state, not two");
        Assert.That((ws.Index.Statistics.EventsRead, ws.Index.Statistics.Duplicates), Is.EqualTo((0L, 0L)), "Config items are not counted as CloudTrail events");
        Assert.That(ws.Diagnostics.Sources.Single().Config, Is.EqualTo(2));
    }

    [Test]
    public void InstanceItem_ListsEveryAttachedInterface_AnUnlistedOneIsDetached()
    {
        string primary = Nic("eni-0primary", "10.0.1.5", "i-0node", "eni-attach-01", deleteOnTermination: true, "sg-0node");
        string secondary = Nic("eni-0secondary", "10.0.1.6", "i-0node", "eni-attach-02", deleteOnTermination: false, "sg-0pods");
        string history = File(
            Instance("i-0node", 100, "running", ["Name=node"], ["sg-0node"], primary, secondary),
            Instance("i-0node", 200, "running", ["Name=node"], ["sg-0node"], primary));
        EnvironmentIndex index = Load(null, (HistoryKey("AWS::EC2::Instance"), history)).Index;

        Assert.That(index.InterfaceAt("eni-0secondary", Events.T0.AddSeconds(100))!.InstanceId, Is.EqualTo("i-0node"));
        InterfaceState after = index.InterfaceAt("eni-0secondary", Events.T0.AddSeconds(200))!;
        Assert.That((after.Exists, after.InstanceId, after.Addresses.Single().ToString()), Is.EqualTo((true, (string?)null, "10.0.1.6")), "detached, not deleted");
        Assert.That(index.InterfaceAt("eni-0primary", Events.T0.AddSeconds(200))!.InstanceId, Is.EqualTo("i-0node"));
    }

    // ---- item 7: names resolved through Config items and snapshots ------------------------------------------------------

    [Test]
    public void ByNameDefault_ResolvesThroughConfigItems_FromTheirCaptureTime()
    {
        // Config places sg-0def in the default VPC at second 5: a call naming "default" before that has no candidate
        // (a row flagged unresolved), after it the rule goes to that group.
        string history = File(
            Vpc("vpc-0def", isDefault: true, 5),
            Vpc("vpc-0story", isDefault: false, 5),
            Group("sg-0def", "default", "vpc-0def", 5),
            Group("sg-0storydef", "default", "vpc-0story", 5));
        string trail = Records(
            Rec("e-early", "AuthorizeSecurityGroupIngress", SshByName("default"), Ok, Trail(1)),
            Rec("e-late", "AuthorizeSecurityGroupIngress", SshByName("default"), Ok, Trail(20)));
        Workspace ws = Load(trail, (SnapshotKey(), history));

        Assert.That(Investigations.RuleChanges(ws.Index).Select(r => (r.EventId, r.GroupId, r.GroupName, r.GroupUnresolved)), Is.EqualTo(new[]
        {
            ("e-early", (string?)null, "default", true),
            ("e-late", "sg-0def", "default", false),
        }));
        Assert.That(ws.Index.IngressRulesAt("sg-0def", Events.At(20)).ToArray().Select(r => r.RuleId), Is.EqualTo(new[] { "e-late#0" }));
        Assert.That(ws.Index.IngressRulesAt("sg-0storydef", Events.At(20)).Length, Is.Zero, "the default group of another VPC is untouched");
        Assert.That(ws.Index.Problems.Single().Message, Does.Contain("e-early"));
    }

    [Test]
    public void ByName_AfterTheDefaultVpcItemIsDeleted_NoLongerResolves()
    {
        string history = File(Vpc("vpc-0def", isDefault: true, 5), Group("sg-0def", "default", "vpc-0def", 5), Deleted("AWS::EC2::VPC", "vpc-0def", 30));
        string trail = Records(
            Rec("e-in", "AuthorizeSecurityGroupIngress", SshByName("default"), Ok, Trail(20)),
            Rec("e-after", "AuthorizeSecurityGroupIngress", SshByName("default"), Ok, Trail(40)));
        Workspace ws = Load(trail, (SnapshotKey(), history));

        Assert.That(Investigations.RuleChanges(ws.Index).Select(r => (r.EventId, r.GroupId, r.GroupUnresolved)), Is.EqualTo(new[]
        {
            ("e-in", (string?)"sg-0def", false),
            ("e-after", null, true),
        }));
    }

    [Test]
    public void ByNameDefault_ResolvesThroughTheVpcOfAnInterfaceHoldingTheGroup()
    {
        // describe-network-interfaces names the default group only on an interface (no describe-security-groups), and
        // describe-vpcs says that interface's VPC is the default one: the group is there, so the name resolves.
        const string Snapshot = """
            {"Vpcs":[{"VpcId":"vpc-0def","IsDefault":true}],
             "NetworkInterfaces":[{"NetworkInterfaceId":"eni-0web","VpcId":"vpc-0def","PrivateIpAddress":"172.31.0.10","Groups":[{"GroupId":"sg-0def","GroupName":"default"}]},
                                  {"NetworkInterfaceId":"eni-0other","VpcId":"vpc-0other","PrivateIpAddress":"10.9.0.10","Groups":[{"GroupId":"sg-0otherdef","GroupName":"default"}]}]}
            """;
        string trail = Records(Rec("e1", "AuthorizeSecurityGroupIngress", SshByName("default"), Ok, Trail(20)));
        Workspace ws = Load(trail, Snapshot, ReaderOptions.Default);

        Assert.That(ws.Diagnostics.HasProblems, Is.False);
        RuleChange row = Investigations.RuleChanges(ws.Index).Single();
        Assert.That((row.GroupId, row.GroupName, row.GroupUnresolved, row.RuleId), Is.EqualTo(("sg-0def", "default", false, "e1#0")));
    }

    private static string SshByName(string name) =>
        $$$"""{"groupName":"{{{name}}}","ipPermissions":{"items":[{"ipProtocol":"tcp","fromPort":22,"toPort":22,"ipRanges":{"items":[{"cidrIp":"0.0.0.0/0"}]}}]}}""";

    private static string Trail(int seconds) => Events.T0.AddSeconds(seconds).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);

    private static string Authorize(string eventId, string groupId, string ruleId, int port, string cidr, int seconds) =>
        Rec(eventId, "AuthorizeSecurityGroupIngress",
            $$$"""{"groupId":"{{{groupId}}}","ipPermissions":{"items":[{"ipProtocol":"tcp","fromPort":{{{port}}},"toPort":{{{port}}},"ipRanges":{"items":[{"cidrIp":"{{{cidr}}}"}]}}]}}""",
            $$$"""{"requestId":"r","_return":true,"securityGroupRuleSet":{"items":[{"groupId":"{{{groupId}}}","securityGroupRuleId":"{{{ruleId}}}","isEgress":false,"ipProtocol":"tcp","fromPort":{{{port}}},"toPort":{{{port}}},"cidrIpv4":"{{{cidr}}}"}]}}""", Trail(seconds));
}
