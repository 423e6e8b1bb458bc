using FlowCorrelator.Index;
using FlowCorrelator.Ingest;
using FlowCorrelator.Queries;
using FlowCorrelator.Tests.Queries;
using FlowCorrelator.Tests.TestData;
using static FlowCorrelator.Tests.Ingest.CloudTrailReaderTests;
using static FlowCorrelator.Tests.TestData.Events;

namespace FlowCorrelator.Tests.Index;

/// <summary>
/// DeleteSecurityGroup that names the group only by name: EC2 accepts that for the default VPC alone, so the index
/// resolves the name among the groups the evidence places there, and applies nothing (reported) when that is not one group.
/// </summary>
public sealed class DeleteSecurityGroupByNameTests
{
    [Test]
    public void Build_SameNameInDefaultAndCustomVpc_DeleteByNameRemovesOnlyTheDefaultVpcGroup()
    {
        var ev = new Events();

        // The custom-VPC group is created first, so a first-match-by-name lookup would pick it.
        ev.Add(10, "CreateSecurityGroup", new SecurityGroupCreated("sg-0custom", "web", "vpc-custom", null, []));
        ev.Add(11, "CreateSecurityGroup", new SecurityGroupCreated("sg-0default", "web", null, null, []));
        ev.Authorize(20, "sg-0custom", Tcp("sgr-custom", "sg-0custom", 443, 443, "0.0.0.0/0"));
        ev.Authorize(21, "sg-0default", Tcp("sgr-default", "sg-0default", 80, 80, "0.0.0.0/0"));
        ev.Add(30, "CreateSecurityGroup", new SecurityGroupCreated("sg-0idle", "idle", "vpc-custom", null, []));
        ev.Authorize(31, "sg-0idle", Tcp("sgr-idle", "sg-0idle", 22, 22, "10.0.0.0/8"));
        ev.Launch(100, Instance("i-0web", [Tag("Name", "web")], Eni("eni-0web", "10.1.0.10", 0, null, "sg-0custom")));
        ev.Add(200, "DeleteSecurityGroup", new SecurityGroupDeleted(null, "WEB")); // names are case-insensitive in EC2
        EnvironmentIndex index = EnvironmentIndex.Build(ev.List);

        Assert.That(index.Problems, Is.Empty);
        Assert.That(index.IngressRulesAt("sg-0default", At(199)).Length, Is.EqualTo(1));
        Assert.That(index.IngressRulesAt("sg-0default", At(200)).Length, Is.Zero, "the default-VPC group goes with its rules");
        Assert.That(index.IngressRulesAt("sg-0custom", At(200)).ToArray().Select(r => r.RuleId), Is.EqualTo(new[] { "sgr-custom" }));

        // Question 4: only the never-attached custom-VPC group remains (the deleted default-VPC one is gone).
        Assert.That(Investigations.UnusedGroups(index).Select(g => g.GroupId), Is.EqualTo(new[] { "sg-0idle" }));

        // Question 5: the custom group's rule is still in force and used after the delete.
        RuleUsage usage = BothPaths.RuleUsage(index, [Flow("eni-0web", "198.51.100.20", "10.1.0.10", 443, 300)]).Single();
        Assert.That((usage.RuleId, usage.Status.ToWireName(), usage.Hits), Is.EqualTo(("sgr-custom", "used", 1L)));
    }

    [Test]
    public void Build_DefaultVpcGroupsOfTwoRegions_DeleteByNameRemovesTheOneInTheCallsRegion()
    {
        var ev = new Events();
        ev.Add(10, "CreateSecurityGroup", new SecurityGroupCreated("sg-0east", "web", null, null, []), region: "us-east-1");
        ev.Add(11, "CreateSecurityGroup", new SecurityGroupCreated("sg-0west", "web", null, null, []), region: "eu-west-1");
        ev.Authorize(20, "sg-0east", Tcp("sgr-east", "sg-0east", 80, 80, "0.0.0.0/0"));
        ev.Authorize(21, "sg-0west", Tcp("sgr-west", "sg-0west", 80, 80, "0.0.0.0/0"));
        ev.Add(200, "DeleteSecurityGroup", new SecurityGroupDeleted(null, "web"), region: "eu-west-1");
        EnvironmentIndex index = EnvironmentIndex.Build(ev.List);

        Assert.That(index.Problems, Is.Empty);
        Assert.That(Investigations.UnusedGroups(index).Select(g => g.GroupId), Is.EqualTo(new[] { "sg-0east" }));
    }

    [Test]
    public void Build_DeleteByNameTwoDefaultVpcCandidates_ReportsTheCandidatesAndRemovesNothing()
    {
        var ev = new Events();

        // Neither creation says its Region (nor does the delete), so both could be the default-VPC "web" the call saw.
        ev.Add(10, "CreateSecurityGroup", new SecurityGroupCreated("sg-0b", "web", null, null, []));
        ev.Add(11, "CreateSecurityGroup", new SecurityGroupCreated("sg-0a", "web", null, null, []));
        ev.Authorize(20, "sg-0a", Tcp("sgr-a", "sg-0a", 80, 80, "0.0.0.0/0"));
        ev.Authorize(21, "sg-0b", Tcp("sgr-b", "sg-0b", 80, 80, "0.0.0.0/0"));
        CloudTrailEvent delete = ev.Add(200, "DeleteSecurityGroup", new SecurityGroupDeleted(null, "web"));
        EnvironmentIndex index = EnvironmentIndex.Build(ev.List);

        InputProblem problem = index.Problems.Single();
        Assert.That(problem.Reason, Is.EqualTo(ProblemReason.Unresolved));
        Assert.That(problem.Path, Is.EqualTo("trail.json"));
        Assert.That(problem.Message, Does.Contain(delete.EventId).And.Contain("candidates sg-0a, sg-0b"));
        Assert.That(Investigations.UnusedGroups(index).Select(g => g.GroupId), Is.EqualTo(new[] { "sg-0a", "sg-0b" }), "nothing deleted");
        Assert.That(index.Statistics.Ignored, Is.EqualTo(1), "the delete is not counted as applied");
        Assert.That(index.History.Where(h => h.EventId == delete.EventId).Select(h => h.ResourceId), Is.EqualTo(new[] { "sg-0a", "sg-0b" }), "the timeline of each candidate says so");
    }

    [Test]
    public void Build_DeleteByNameOfGroupWhoseVpcIsNotKnownDefault_ReportsAndRemovesNothing()
    {
        var ev = new Events();
        ev.Add(10, "CreateSecurityGroup", new SecurityGroupCreated("sg-0vpc", "web", "vpc-1", null, []));
        ev.Authorize(20, "sg-0vpc", Tcp("sgr-vpc", "sg-0vpc", 80, 80, "0.0.0.0/0"));
        ev.Add(200, "DeleteSecurityGroup", new SecurityGroupDeleted(null, "web"));
        EnvironmentIndex index = EnvironmentIndex.Build(ev.List);

        Assert.That(index.Problems.Single().Message, Does.Contain("sg-0vpc (vpc-1)"));
        Assert.That(index.IngressRulesAt("sg-0vpc", At(300)).Length, Is.EqualTo(1));
    }

    [Test]
    public void Build_DeleteByNameInSnapshotDefaultVpc_RemovesThatGroup()
    {
        var ev = new Events();
        var snapshot = new BaselineSnapshot([], [],
            [new SecurityGroupCreated("sg-0snapother", "web", "vpc-other", null, []), new SecurityGroupCreated("sg-0snapdef", "web", "vpc-def", null, [])],
            [Tcp("sgr-def", "sg-0snapdef", 80, 80, "0.0.0.0/0"), Tcp("sgr-other", "sg-0snapother", 80, 80, "0.0.0.0/0")],
            []) { DefaultVpcIds = ["vpc-def"] };
        ev.Add(0, "Snapshot", snapshot);
        ev.Add(200, "DeleteSecurityGroup", new SecurityGroupDeleted(null, "web"));
        EnvironmentIndex index = EnvironmentIndex.Build(ev.List);

        Assert.That(index.Problems, Is.Empty);
        Assert.That(Investigations.UnusedGroups(index).Select(g => g.GroupId), Is.EqualTo(new[] { "sg-0snapother" }));
    }

    [Test]
    public void Build_FailedDeleteByName_ChangesNothingAndIsNoEvidence()
    {
        var ev = new Events();
        ev.Add(10, "CreateSecurityGroup", new SecurityGroupCreated("sg-0default", "web", null, null, []));
        ev.Authorize(20, "sg-0default", Tcp("sgr-default", "sg-0default", 80, 80, "0.0.0.0/0"));

        // The reader drops the change of a failed call; this event keeps it to show the index does not apply it either.
        ev.List.Add(new CloudTrailEvent
        {
            EventId = "ev-failed",
            Time = T0.AddSeconds(200),
            EventName = "DeleteSecurityGroup",
            ErrorCode = "Client.DependencyViolation",
            SourceFile = "trail.json",
            Change = new SecurityGroupDeleted(null, "web"),
        });
        ev.Add(210, "DeleteSecurityGroup", new SecurityGroupDeleted(null, "web"), errorCode: "Client.DryRunOperation");
        EnvironmentIndex index = EnvironmentIndex.Build(ev.List);

        Assert.That(index.Problems, Is.Empty);
        Assert.That(index.IngressRulesAt("sg-0default", At(300)).Length, Is.EqualTo(1));
        Assert.That(index.Statistics.Failed, Is.EqualTo(2));
    }

    // ---- from CloudTrail JSON, through the workspace ------------------------------------------------------------------

    [Test]
    public void Load_DeleteByNameWithGroupIdInResponse_DeletesThatGroupWithoutDiagnostics()
    {
        // The group's VPC is not known to be the default one: only the response's groupId can settle the name.
        string trail = Records(
            Rec("e1", "CreateSecurityGroup", """{"groupName":"legacy","groupDescription":"d","vpcId":"vpc-1"}""", """{"requestId":"r","_return":true,"groupId":"sg-0legacy"}""", "2024-01-01T00:00:00Z"),
            Rec("e2", "AuthorizeSecurityGroupIngress", """{"groupId":"sg-0legacy","ipPermissions":{"items":[{"ipProtocol":"tcp","fromPort":22,"toPort":22,"ipRanges":{"items":[{"cidrIp":"0.0.0.0/0"}]}}]}}""",
                """{"requestId":"r","_return":true,"securityGroupRuleSet":{"items":[{"groupId":"sg-0legacy","securityGroupRuleId":"sgr-1","isEgress":false,"ipProtocol":"tcp","fromPort":22,"toPort":22,"cidrIpv4":"0.0.0.0/0"}]}}""", "2024-01-01T00:00:01Z"),
            Rec("e3", "DeleteSecurityGroup", """{"groupName":"legacy"}""", """{"requestId":"r","_return":true,"groupId":"sg-0legacy"}""", "2024-01-01T00:01:00Z"));
        Workspace ws = TrailFolder.Load(trail);

        Assert.That(ws.Diagnostics.HasProblems, Is.False);
        Assert.That(ws.Index.IngressRulesAt("sg-0legacy", DateTimeOffset.Parse("2024-01-01T00:01:00Z", System.Globalization.CultureInfo.InvariantCulture).ToUnixTimeSeconds()).Length, Is.Zero);
        Assert.That(Investigations.UnusedGroups(ws.Index), Is.Empty);
    }

    [Test]
    public void Load_DeleteByUnresolvableName_IsReportedInTheTrailFilesDiagnostics()
    {
        string trail = Records(
            Rec("e1", "CreateSecurityGroup", """{"groupName":"web","groupDescription":"d","vpcId":"vpc-1"}""", """{"requestId":"r","_return":true,"groupId":"sg-0web"}""", "2024-01-01T00:00:00Z"),
            Rec("e2", "AuthorizeSecurityGroupIngress", """{"groupId":"sg-0web","ipPermissions":{"items":[{"ipProtocol":"tcp","fromPort":80,"toPort":80,"ipRanges":{"items":[{"cidrIp":"0.0.0.0/0"}]}}]}}""",
                """{"requestId":"r","_return":true,"securityGroupRuleSet":{"items":[{"groupId":"sg-0web","securityGroupRuleId":"sgr-1","isEgress":false,"ipProtocol":"tcp","fromPort":80,"toPort":80,"cidrIpv4":"0.0.0.0/0"}]}}""", "2024-01-01T00:00:01Z"),
            Rec("e3-delete", "DeleteSecurityGroup", """{"groupName":"web"}""", """{"requestId":"r","_return":true}""", "2024-01-01T00:01:00Z"));
        Workspace ws = TrailFolder.Load(trail);

        FileReport report = ws.Diagnostics.Files.Single(f => f.Path.EndsWith("trail.json", StringComparison.Ordinal));
        InputProblem problem = report.Samples.Single();
        Assert.That(problem.Reason, Is.EqualTo(ProblemReason.Unresolved));
        Assert.That(problem.Message, Does.Contain("e3-delete").And.Contain("sg-0web"));
        Assert.That(ws.Diagnostics.HasProblems, Is.True, "the run says some input was not used");
        Assert.That(Investigations.UnusedGroups(ws.Index).Single().IngressRuleIds, Is.EqualTo(new[] { "sgr-1" }), "nothing deleted");

        Assert.That(() => TrailFolder.Load(trail, reader: ReaderOptions.Default with { Strict = true }), Throws.TypeOf<LogFormatException>());
    }

    [Test]
    public void Load_FailedDeleteByName_ChangesNothingAndIsNotReported()
    {
        string trail = Records(
            Rec("e1", "CreateSecurityGroup", """{"groupName":"web","groupDescription":"d"}""", """{"requestId":"r","_return":true,"groupId":"sg-0web"}""", "2024-01-01T00:00:00Z"),
            Rec("e2", "AuthorizeSecurityGroupIngress", """{"groupId":"sg-0web","ipPermissions":{"items":[{"ipProtocol":"tcp","fromPort":80,"toPort":80,"ipRanges":{"items":[{"cidrIp":"0.0.0.0/0"}]}}]}}""",
                """{"requestId":"r","_return":true,"securityGroupRuleSet":{"items":[{"groupId":"sg-0web","securityGroupRuleId":"sgr-1","isEgress":false,"ipProtocol":"tcp","fromPort":80,"toPort":80,"cidrIpv4":"0.0.0.0/0"}]}}""", "2024-01-01T00:00:01Z"),
            Rec("e3", "DeleteSecurityGroup", """{"groupName":"web"}""", time: "2024-01-01T00:01:00Z", error: "Client.DependencyViolation"),
            Rec("e4", "DeleteSecurityGroup", """{"groupName":"nobody"}""", time: "2024-01-01T00:01:01Z", error: "Client.InvalidGroup.NotFound"));
        Workspace ws = TrailFolder.Load(trail);

        Assert.That(ws.Diagnostics.HasProblems, Is.False);
        Assert.That(Investigations.UnusedGroups(ws.Index).Single().IngressRuleIds, Is.EqualTo(new[] { "sgr-1" }));
        Assert.That(ws.Index.Statistics.Failed, Is.EqualTo(2));
    }

    [Test]
    public void Load_DeleteByNameWithDefaultVpcGroupsInTrailAndSnapshot_ReportsBothAndRemovesNothing()
    {
        // describe-vpcs places sg-0snap in a default VPC, but nothing says which Region the snapshot came from; the trail
        // created sg-0trail in us-east-1's default VPC. A delete of "web" in us-east-1 could have been either.
        const string Snapshot = """
            {"Vpcs":[{"VpcId":"vpc-def","IsDefault":true}],
             "SecurityGroups":[{"GroupId":"sg-0snap","GroupName":"web","VpcId":"vpc-def","IpPermissions":[{"IpProtocol":"tcp","FromPort":80,"ToPort":80,"IpRanges":[{"CidrIp":"0.0.0.0/0"}]}],"IpPermissionsEgress":[]}]}
            """;
        string trail = Records(
            Rec("e1", "CreateSecurityGroup", """{"groupName":"web","groupDescription":"d"}""", """{"requestId":"r","_return":true,"groupId":"sg-0trail"}""", "2024-01-01T00:00:00Z"),
            Rec("e2", "AuthorizeSecurityGroupIngress", """{"groupId":"sg-0trail","ipPermissions":{"items":[{"ipProtocol":"tcp","fromPort":80,"toPort":80,"ipRanges":{"items":[{"cidrIp":"0.0.0.0/0"}]}}]}}""",
                """{"requestId":"r","_return":true,"securityGroupRuleSet":{"items":[{"groupId":"sg-0trail","securityGroupRuleId":"sgr-1","isEgress":false,"ipProtocol":"tcp","fromPort":80,"toPort":80,"cidrIpv4":"0.0.0.0/0"}]}}""", "2024-01-01T00:00:01Z"),
            Rec("e3-delete", "DeleteSecurityGroup", """{"groupName":"web"}""", """{"requestId":"r","_return":true}""", "2024-01-01T00:01:00Z"));
        Workspace ws = TrailFolder.Load(trail, snapshot: Snapshot);

        InputProblem problem = ws.Diagnostics.Files.Single(f => f.Path.EndsWith("trail.json", StringComparison.Ordinal)).Samples.Single();
        Assert.That(problem.Message, Does.Contain("e3-delete").And.Contain("candidates sg-0snap, sg-0trail"));
        Assert.That(Investigations.UnusedGroups(ws.Index).Select(g => g.GroupId), Is.EqualTo(new[] { "sg-0snap", "sg-0trail" }), "nothing deleted");
    }
}
