using FlowCorrelator.Index;
using FlowCorrelator.Ingest;
using FlowCorrelator.Queries;
using FlowCorrelator.Tests.Queries;
using FlowCorrelator.Tests.TestData;
using static FlowCorrelator.Tests.Ingest.CloudTrailReaderTests;
using static FlowCorrelator.Tests.TestData.Events;

namespace FlowCorrelator.Tests.Index;

/// <summary>
/// AuthorizeSecurityGroupIngress and RevokeSecurityGroupIngress that name the group only by name: EC2 accepts that for
/// the default VPC alone (the egress calls require the id), so the index resolves the name as it does for
/// DeleteSecurityGroup (see <see cref="DeleteSecurityGroupByNameTests"/>), and applies nothing (reported) when the
/// evidence does not give exactly one group.
/// </summary>
public sealed class RulesByGroupNameTests
{
    private const string Ok = """{"requestId":"r","_return":true}""";

    /// <summary>The ingress permission tcp/22 from the world, as an <c>ipPermissions</c> list.</summary>
    private const string SshFromWorld = "\"ipPermissions\":{\"items\":[{\"ipProtocol\":\"tcp\",\"fromPort\":22,\"toPort\":22,\"ipRanges\":{\"items\":[{\"cidrIp\":\"0.0.0.0/0\"}]}}]}";

    // ---- from CloudTrail JSON, through the workspace ------------------------------------------------------------------

    [Test]
    public void Load_AuthorizeIngressByName_AddsTheRuleToTheDefaultVpcGroupOnly()
    {
        // An interface of the default-VPC group, described before the trail, so that question 5 can see the rule used.
        const string Snapshot = """
            {"NetworkInterfaces":[{"NetworkInterfaceId":"eni-0web","PrivateIpAddress":"172.31.0.10","Groups":[{"GroupId":"sg-0default","GroupName":"web"}]}]}
            """;

        // The custom-VPC group is created first, so a first-match-by-name lookup would pick it.
        string trail = Records(
            Create("e1", "web", "sg-0custom", "vpc-custom", 10),
            Create("e2", "web", "sg-0default", null, 11),
            Create("e3", "idle", "sg-0idle", null, 12),
            Rec("e4-ssh", "AuthorizeSecurityGroupIngress", $$"""{"groupName":"WEB",{{SshFromWorld}}}""", Ok, Time(20)), // names ignore case in EC2
            Rec("e5-rdp", "AuthorizeSecurityGroupIngress", """{"groupName":"idle","ipProtocol":"tcp","fromPort":3389,"toPort":3389,"cidrIp":"0.0.0.0/0"}""", Ok, Time(21)));
        Workspace ws = TrailFolder.Load(trail, Snapshot);

        Assert.That(ws.Diagnostics.HasProblems, Is.False);

        // Question 2: one row per rule, on the group the name resolved to, with the ids a pre-2021 response implies.
        Assert.That(Investigations.RuleChanges(ws.Index).Select(r => (r.EventId, r.GroupId, r.RuleId, r.Change.ToWireName(), r.Direction)), Is.EqualTo(new[]
        {
            ("e4-ssh", "sg-0default", "e4-ssh#0", "added", "ingress"),
            ("e5-rdp", "sg-0idle", "e5-rdp#0", "added", "ingress"),
        }));
        Assert.That(Investigations.RuleChanges(ws.Index)[0].Risks, Is.EqualTo(new[] { "open-to-world", "admin-port:22" }));
        Assert.That(Investigations.RuleChanges(ws.Index).Select(r => (r.GroupName, r.GroupUnresolved)), Is.EqualTo(new[] { ("WEB", false), ("idle", false) }), "the rows say the name each call gave");
        Assert.That(ws.Index.IngressRulesAt("sg-0custom", At(100)).Length, Is.Zero, "the same name in another VPC is untouched");

        // Question 4: the never-attached default-VPC group with its rule; the attached one and the custom one are not listed.
        UnusedGroup unused = Investigations.UnusedGroups(ws.Index).Single();
        Assert.That((unused.GroupId, unused.Status.ToWireName(), unused.IngressRuleIds.Single()), Is.EqualTo(("sg-0idle", "never-attached", "e5-rdp#0")));

        // Question 5: the rule is in force from its event on.
        RuleUsage usage = BothPaths.RuleUsage(ws.Index, [Flow("eni-0web", "198.51.100.20", "172.31.0.10", 22, 19), Flow("eni-0web", "198.51.100.20", "172.31.0.10", 22, 30)]).Single();
        Assert.That((usage.RuleId, usage.GroupId, usage.Status.ToWireName(), usage.Hits), Is.EqualTo(("e4-ssh#0", "sg-0default", "used", 1L)));
    }

    [Test]
    public void Load_RevokeIngressByName_RemovesTheRuleOfTheDefaultVpcGroupOnly()
    {
        const string Snapshot = """
            {"NetworkInterfaces":[{"NetworkInterfaceId":"eni-0web","PrivateIpAddress":"172.31.0.10","Groups":[{"GroupId":"sg-0default"}]}]}
            """;
        string trail = Records(
            Create("e1", "web", "sg-0custom", "vpc-custom", 10),
            Create("e2", "web", "sg-0default", null, 11),
            AuthorizeSsh("e3", "sg-0custom", "sgr-custom", 12),
            AuthorizeSsh("e4", "sg-0default", "sgr-default", 13),
            Rec("e5-revoke", "RevokeSecurityGroupIngress", """{"groupName":"web","ipProtocol":"tcp","fromPort":22,"toPort":22,"cidrIp":"0.0.0.0/0"}""", Ok, Time(50)));
        Workspace ws = TrailFolder.Load(trail, Snapshot);

        Assert.That(ws.Diagnostics.HasProblems, Is.False);
        RuleChange removed = Investigations.RuleChanges(ws.Index).Single(r => r.EventId == "e5-revoke");
        Assert.That((removed.GroupId, removed.RuleId, removed.Change.ToWireName(), removed.Cidr), Is.EqualTo(("sg-0default", "sgr-default", "removed", "0.0.0.0/0")));
        Assert.That(ws.Index.IngressRulesAt("sg-0default", At(50)).Length, Is.Zero);
        Assert.That(ws.Index.IngressRulesAt("sg-0custom", At(50)).ToArray().Select(r => r.RuleId), Is.EqualTo(new[] { "sgr-custom" }), "the same name in another VPC is untouched");
        Assert.That(Investigations.UnusedGroups(ws.Index).Select(g => g.GroupId), Is.EqualTo(new[] { "sg-0custom" }));

        RuleUsage usage = BothPaths.RuleUsage(ws.Index, [Flow("eni-0web", "198.51.100.20", "172.31.0.10", 22, 40), Flow("eni-0web", "198.51.100.20", "172.31.0.10", 22, 60)]).Single();
        Assert.That((usage.RuleId, usage.Status.ToWireName(), usage.Hits), Is.EqualTo(("sgr-default", "revoked", 1L)), "the flow after the revoke is not a hit");
    }

    [Test]
    public void Load_ByNameWithDefaultVpcGroupsInTrailAndSnapshot_ReportsEachCallAndAppliesNothing()
    {
        // describe-vpcs places sg-0snap in a default VPC, but nothing says which Region the snapshot came from; the trail
        // created sg-0trail in us-east-1's default VPC. A call naming "web" in us-east-1 could have meant either.
        const string Snapshot = """
            {"Vpcs":[{"VpcId":"vpc-def","IsDefault":true}],
             "SecurityGroups":[{"GroupId":"sg-0snap","GroupName":"web","VpcId":"vpc-def","IpPermissions":[{"IpProtocol":"tcp","FromPort":22,"ToPort":22,"IpRanges":[{"CidrIp":"0.0.0.0/0"}]}],"IpPermissionsEgress":[]}]}
            """;
        string trail = Records(
            Create("e1", "web", "sg-0trail", null, 10),
            AuthorizeSsh("e2", "sg-0trail", "sgr-trail", 11),
            Rec("e3-authorize", "AuthorizeSecurityGroupIngress", """{"groupName":"web","ipPermissions":{"items":[{"ipProtocol":"tcp","fromPort":3389,"toPort":3389,"ipRanges":{"items":[{"cidrIp":"0.0.0.0/0"}]}}]}}""", Ok, Time(20)),
            Rec("e4-revoke", "RevokeSecurityGroupIngress", $$"""{"groupName":"web",{{SshFromWorld}}}""", Ok, Time(30)));
        Workspace ws = TrailFolder.Load(trail, Snapshot);

        FileReport report = ws.Diagnostics.Files.Single(f => f.Path.EndsWith("trail.json", StringComparison.Ordinal));
        Assert.That(report.Samples.Select(p => p.Reason), Is.EqualTo(new[] { ProblemReason.Unresolved, ProblemReason.Unresolved }));
        Assert.That(report.Samples[0].Message, Does.Contain("e3-authorize").And.Contain("candidates sg-0snap, sg-0trail"));
        Assert.That(report.Samples[1].Message, Does.Contain("e4-revoke").And.Contain("candidates sg-0snap, sg-0trail"));
        Assert.That(ws.Diagnostics.HasProblems, Is.True, "the run says some input was not used");

        // Each call still gets its question-2 rows: the name, no group id, flagged unresolved, with their risks.
        Assert.That(Investigations.RuleChanges(ws.Index).Select(r => (r.EventId, r.GroupId, r.GroupName, r.GroupUnresolved, r.RuleId, r.Change.ToWireName())), Is.EqualTo(new[]
        {
            ("e2", (string?)"sg-0trail", (string?)null, false, (string?)"sgr-trail", "added"),
            ("e3-authorize", null, "web", true, "e3-authorize#0", "added"),
            ("e4-revoke", null, "web", true, null, "removed"),
        }));
        Assert.That(Investigations.RuleChanges(ws.Index)[1].Risks, Is.EqualTo(new[] { "open-to-world", "admin-port:3389" }));
        Assert.That(Investigations.UnusedGroups(ws.Index).Select(g => (g.GroupId, g.IngressRuleIds.Length)), Is.EqualTo(new[] { ("sg-0snap", 1), ("sg-0trail", 1) }), "nothing added or removed");
        Assert.That(ws.Index.Statistics.Ignored, Is.EqualTo(2));
        Assert.That(ws.Index.History.Where(h => h.EventId == "e3-authorize").Select(h => h.ResourceId), Is.EqualTo(new[] { "sg-0snap", "sg-0trail" }), "the timeline of each candidate says so");

        Assert.That(() => TrailFolder.Load(trail, Snapshot, ReaderOptions.Default with { Strict = true }), Throws.TypeOf<LogFormatException>());
    }

    [Test]
    public void Load_AuthorizeByNameOfGroupWhoseVpcIsNotKnownDefault_ReportsAndAddsNothing()
    {
        string trail = Records(
            Create("e1", "web", "sg-0web", "vpc-1", 10),
            Rec("e2-authorize", "AuthorizeSecurityGroupIngress", $$"""{"groupName":"web",{{SshFromWorld}}}""", Ok, Time(20)));
        Workspace ws = TrailFolder.Load(trail);

        InputProblem problem = ws.Diagnostics.Files.Single(f => f.Path.EndsWith("trail.json", StringComparison.Ordinal)).Samples.Single();
        Assert.That(problem.Reason, Is.EqualTo(ProblemReason.Unresolved));
        Assert.That(problem.Message, Does.Contain("e2-authorize").And.Contain("sg-0web (vpc-1)"));
        RuleChange row = Investigations.RuleChanges(ws.Index).Single();
        Assert.That((row.GroupId, row.GroupName, row.GroupUnresolved, row.Cidr, row.FromPort), Is.EqualTo(((string?)null, "web", true, "0.0.0.0/0", (int?)22)));
        Assert.That(ws.Index.IngressRulesAt("sg-0web", At(100)).Length, Is.Zero);
    }

    [Test]
    public void Load_ByNameWithGroupIdInResponse_TheResponseWinsOverTheName()
    {
        // The name alone would resolve to sg-0default; the responses say the calls changed sg-0custom, and they were there.
        string trail = Records(
            Create("e1", "web", "sg-0custom", "vpc-custom", 10),
            Create("e2", "web", "sg-0default", null, 11),
            Rec("e3-authorize", "AuthorizeSecurityGroupIngress", $$"""{"groupName":"web",{{SshFromWorld}}}""",
                """{"requestId":"r","_return":true,"securityGroupRuleSet":{"items":[{"groupId":"sg-0custom","securityGroupRuleId":"sgr-1","isEgress":false,"ipProtocol":"tcp","fromPort":22,"toPort":22,"cidrIpv4":"0.0.0.0/0"}]}}""", Time(20)),
            Rec("e4-revoke", "RevokeSecurityGroupIngress", """{"groupName":"web","securityGroupRuleIds":{"items":[{"securityGroupRuleId":"sgr-1"}]}}""",
                """{"requestId":"r","_return":true,"revokedSecurityGroupRuleSet":{"items":[{"groupId":"sg-0custom","securityGroupRuleId":"sgr-1","isEgress":false,"ipProtocol":"tcp","fromPort":22,"toPort":22,"cidrIpv4":"0.0.0.0/0"}]}}""", Time(30)),

            // Without a group id in the response the name decides: this one is the default-VPC group's.
            Rec("e5-authorize", "AuthorizeSecurityGroupIngress", $$"""{"groupName":"web",{{SshFromWorld}}}""", Ok, Time(40)));
        Workspace ws = TrailFolder.Load(trail);

        Assert.That(ws.Diagnostics.HasProblems, Is.False);
        Assert.That(Investigations.RuleChanges(ws.Index).Select(r => (r.EventId, r.GroupId, r.RuleId, r.Change.ToWireName())), Is.EqualTo(new[]
        {
            ("e3-authorize", "sg-0custom", "sgr-1", "added"),
            ("e4-revoke", "sg-0custom", "sgr-1", "removed"),
            ("e5-authorize", "sg-0default", "e5-authorize#0", "added"),
        }));
        Assert.That(ws.Index.IngressRulesAt("sg-0custom", At(25)).ToArray().Select(r => r.RuleId), Is.EqualTo(new[] { "sgr-1" }));
    }

    [Test]
    public void Load_FailedAndDryRunCallsByName_ChangeNothingAndAreNotReported()
    {
        string trail = Records(
            Create("e1", "web", "sg-0default", null, 10),
            Rec("e2", "AuthorizeSecurityGroupIngress", $$"""{"groupName":"web",{{SshFromWorld}}}""", Ok, Time(20)),
            Rec("e3-dry", "RevokeSecurityGroupIngress", $$"""{"groupName":"web",{{SshFromWorld}}}""", time: Time(30), error: "Client.DryRunOperation"),
            Rec("e4-failed", "RevokeSecurityGroupIngress", $$"""{"groupName":"web",{{SshFromWorld}}}""", time: Time(31), error: "Client.UnauthorizedOperation"),
            Rec("e5-dry", "AuthorizeSecurityGroupIngress", """{"groupName":"web","ipProtocol":"tcp","fromPort":3389,"toPort":3389,"cidrIp":"0.0.0.0/0"}""", time: Time(32), error: "Client.DryRunOperation"),
            Rec("e6-failed", "AuthorizeSecurityGroupIngress", """{"groupName":"nobody","ipProtocol":"tcp","fromPort":80,"toPort":80,"cidrIp":"0.0.0.0/0"}""", time: Time(33), error: "Client.InvalidGroup.NotFound"));
        Workspace ws = TrailFolder.Load(trail);

        Assert.That(ws.Diagnostics.HasProblems, Is.False);
        Assert.That(Investigations.RuleChanges(ws.Index).Select(r => (r.EventId, r.GroupId)), Is.EqualTo(new[] { ("e2", "sg-0default") }));
        Assert.That(ws.Index.IngressRulesAt("sg-0default", At(100)).ToArray().Select(r => r.RuleId), Is.EqualTo(new[] { "e2#0" }));
        Assert.That(ws.Index.Statistics.Failed, Is.EqualTo(4));
    }

    // ---- typed events -------------------------------------------------------------------------------------------------

    [Test]
    public void Build_DefaultVpcGroupsOfTwoRegions_ByNameChangesTheOneInTheCallsRegion()
    {
        var ev = new Events();
        ev.Add(10, "CreateSecurityGroup", new SecurityGroupCreated("sg-0east", "web", null, null, []), region: "us-east-1");
        ev.Add(11, "CreateSecurityGroup", new SecurityGroupCreated("sg-0west", "web", null, null, []), region: "eu-west-1");
        ev.Add(20, "AuthorizeSecurityGroupIngress", new RulesAuthorized(null, false, [Tcp("sgr-west", "", 22, 22, "0.0.0.0/0")]) { GroupName = "web" }, region: "eu-west-1");
        ev.Authorize(21, "sg-0east", Tcp("sgr-east", "sg-0east", 22, 22, "0.0.0.0/0"));
        ev.Add(30, "RevokeSecurityGroupIngress", new RulesRevoked(null, false, ["sgr-east"], []) { GroupName = "web" }, region: "us-east-1");
        EnvironmentIndex index = EnvironmentIndex.Build(ev.List);

        Assert.That(index.Problems, Is.Empty);
        Assert.That(index.IngressRulesAt("sg-0west", At(100)).ToArray().Select(r => r.RuleId), Is.EqualTo(new[] { "sgr-west" }));
        Assert.That(index.IngressRulesAt("sg-0east", At(100)).Length, Is.Zero);
        Assert.That(Investigations.RuleChanges(index).Select(r => (r.GroupId, r.RuleId, r.Change.ToWireName())), Is.EqualTo(new[]
        {
            ("sg-0west", "sgr-west", "added"),
            ("sg-0east", "sgr-east", "added"),
            ("sg-0east", "sgr-east", "removed"),
        }));
    }

    [Test]
    public void Build_CreateAndAuthorizeByNameInOneSecond_TheNewGroupGetsTheRule()
    {
        // Scripts create a default-VPC group and open it by name at once; the creation applies first within the second.
        var ev = new Events();
        ev.Add(10, "AuthorizeSecurityGroupIngress", new RulesAuthorized(null, false, [new SecurityGroupRuleSpec { GroupId = "", Protocol = 6, FromPort = 80, ToPort = 80, CidrIpv4 = "0.0.0.0/0" }]) { GroupName = "launch-wizard-1" }, id: "00000000-authorize");
        ev.Add(10, "CreateSecurityGroup", new SecurityGroupCreated("sg-0new", "launch-wizard-1", null, null, []), id: "ffffffff-create");
        EnvironmentIndex index = EnvironmentIndex.Build(ev.List);

        Assert.That(index.Problems, Is.Empty);
        Assert.That(index.IngressRulesAt("sg-0new", At(10)).ToArray().Select(r => r.RuleId), Is.EqualTo(new[] { "00000000-authorize#0" }));
    }

    [Test]
    public void Build_ByNameAfterTheDefaultVpcGroupWasDeleted_ReportsAndAppliesNothing()
    {
        var ev = new Events();
        ev.Add(10, "CreateSecurityGroup", new SecurityGroupCreated("sg-0old", "web", null, null, []));
        ev.Add(20, "DeleteSecurityGroup", new SecurityGroupDeleted("sg-0old", null));
        CloudTrailEvent authorize = ev.Add(30, "AuthorizeSecurityGroupIngress", new RulesAuthorized(null, false, [Tcp("sgr-1", "", 22, 22, "0.0.0.0/0")]) { GroupName = "web" });
        EnvironmentIndex index = EnvironmentIndex.Build(ev.List);

        Assert.That(index.Problems.Single().Message, Does.Contain(authorize.EventId).And.Contain("no live group named 'web'"));
        RuleChange row = Investigations.RuleChanges(index).Single();
        Assert.That((row.GroupId, row.GroupName, row.GroupUnresolved, row.RuleId, row.Change.ToWireName()), Is.EqualTo(((string?)null, "web", true, "sgr-1", "added")),
            "the call succeeded on some group: question 2 says so, naming the name, with no group id");
        Assert.That(index.IngressRulesAt("sg-0old", At(30)).Length, Is.Zero, "a deleted group gets no rules back");
    }

    // ---- helpers ------------------------------------------------------------------------------------------------------

    private static string Time(int seconds) => T0.AddSeconds(seconds).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);

    private static string Create(string eventId, string name, string groupId, string? vpcId, int seconds) =>
        Rec(eventId, "CreateSecurityGroup",
            $$"""{"groupName":"{{name}}","groupDescription":"d"{{(vpcId is null ? "" : $",\"vpcId\":\"{vpcId}\"")}}}""",
            $$"""{"requestId":"r","_return":true,"groupId":"{{groupId}}"}""", Time(seconds));

    private static string AuthorizeSsh(string eventId, string groupId, string ruleId, int seconds) =>
        Rec(eventId, "AuthorizeSecurityGroupIngress", $$"""{"groupId":"{{groupId}}",{{SshFromWorld}}}""",
            $$$"""{"requestId":"r","_return":true,"securityGroupRuleSet":{"items":[{"groupId":"{{{groupId}}}","securityGroupRuleId":"{{{ruleId}}}","isEgress":false,"ipProtocol":"tcp","fromPort":22,"toPort":22,"cidrIpv4":"0.0.0.0/0"}]}}""", Time(seconds));
}
