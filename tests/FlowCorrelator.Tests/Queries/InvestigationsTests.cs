using FlowCorrelator.Index;
using FlowCorrelator.Queries;
using FlowCorrelator.Tests.TestData;
using static FlowCorrelator.Tests.TestData.Events;

namespace FlowCorrelator.Tests.Queries;

public sealed class InvestigationsTests
{
    private static readonly AccessQuery Ssh = new() { TagKey = "Name", TagValue = "payment", Port = 22 };

    /// <summary>A payment instance (tag second in tagSet) with two interfaces; sg-ssh second of two groups.</summary>
    private static (Events Events, EnvironmentIndex Index) PaymentWorld()
    {
        var ev = new Events();
        ev.Add(10, "CreateSecurityGroup", new SecurityGroupCreated("sg-ssh", "ssh", "vpc-1", null, []));
        ev.Authorize(20, "sg-ssh", Tcp("sgr-ssh", "sg-ssh", 22, 22, "203.0.113.0/24"));
        ev.Authorize(21, "sg-app", Tcp("sgr-range", "sg-app", 8000, 8100, "10.0.0.0/16"), Tcp("sgr-ref", "sg-app", 5432, 5432, referenced: "sg-client"));
        ev.Launch(100, Instance("i-0pay", [Tag("env", "prod"), Tag("Name", "payment")],
            Eni("eni-0a", "10.0.1.10", 0, null, "sg-app", "sg-ssh"),
            Eni("eni-0b", "10.0.2.10", 1, null, "sg-app")));
        ev.Launch(110, Instance("i-0cli", [Tag("Name", "client")], Eni("eni-0c", "10.0.5.5", 0, null, "sg-client")));
        ev.Add(30, "CreateSecurityGroup", new SecurityGroupCreated("sg-lonely", "lonely", "vpc-1", null, []));
        ev.Authorize(31, "sg-lonely", Tcp("sgr-lonely", "sg-lonely", 3389, 3389, "0.0.0.0/0"));
        ev.Authorize(32, "sg-orphan", Tcp("sgr-orphan", "sg-orphan", 80, 80, "0.0.0.0/0"));
        ev.Add(40, "RunInstances", new InstancesLaunched([], ["sg-lonely"]), errorCode: "Client.DryRunOperation");
        return (ev, EnvironmentIndex.Build(ev.List));
    }

    [Test]
    public void FleetAccess_InboundOnly_CountsAcceptAndRejectPerSource()
    {
        var (_, index) = PaymentWorld();
        FlowRecord[] records =
        [
            Flow("eni-0a", "198.51.100.1", "10.0.1.10", 22, 200, FlowAction.Reject),
            Flow("eni-0a", "198.51.100.1", "10.0.1.10", 22, 260, FlowAction.Reject),
            Flow("eni-0a", "203.0.113.9", "10.0.1.10", 22, 300, FlowAction.Accept),
            Flow("eni-0a", "10.0.1.10", "198.51.100.1", 22, 320, FlowAction.Accept), // outbound from the fleet to port 22
            Flow("eni-0b", "203.0.113.9", "10.0.2.10", 22, 330, FlowAction.Reject),   // second interface
            Flow("eni-0c", "203.0.113.9", "10.0.5.5", 22, 340, FlowAction.Accept),    // another fleet
            Flow("eni-0a", "203.0.113.9", "10.0.1.10", 22, 50, FlowAction.Accept),    // before launch
            Flow("eni-0a", "203.0.113.9", "10.0.1.10", 2222, 350, FlowAction.Accept), // other port
        ];
        var rows = BothPaths.FleetAccess(index, records, Ssh).OrderBy(r => r.InterfaceId).ThenBy(r => r.SrcAddr).ToList();

        Assert.That(rows.Select(r => (r.InterfaceId, r.SrcAddr, r.Accepted, r.Rejected)), Is.EqualTo(new[]
        {
            ("eni-0a", "198.51.100.1", 0L, 2L),
            ("eni-0a", "203.0.113.9", 1L, 0L),
            ("eni-0b", "203.0.113.9", 0L, 1L),
        }));
        Assert.That(rows[0].SecurityGroups, Is.EqualTo(new[] { "sg-app", "sg-ssh" }));
        Assert.That(rows[0].FirstSeen, Is.EqualTo(T0.AddSeconds(200)));
        Assert.That(rows[0].LastSeen, Is.EqualTo(T0.AddSeconds(260)));
        Assert.That(rows[0].Bytes, Is.EqualTo(360));
    }

    [Test]
    public void FleetAccess_FlowDirectionEgress_IsNotAnAttemptEvenWhenAddressed()
    {
        var (_, index) = PaymentWorld();
        FlowRecord[] records =
        [
            Flow("eni-0a", "198.51.100.1", "10.0.1.10", 22, 200, FlowAction.Accept, direction: FlowDirection.Egress),
            Flow("eni-0a", "198.51.100.2", "10.0.1.10", 22, 200, FlowAction.Accept, direction: FlowDirection.Ingress),
        ];
        Assert.That(BothPaths.FleetAccess(index, records, Ssh).Select(r => r.SrcAddr), Is.EqualTo(new[] { "198.51.100.2" }));
    }

    [Test]
    public void RuleUsage_RangeMiddleReferencedGroupAndScanner_AreClassified()
    {
        var (_, index) = PaymentWorld();
        FlowRecord[] records =
        [
            Flow("eni-0b", "10.0.9.9", "10.0.2.10", 8050, 200),                       // middle of 8000-8100 from 10.0.0.0/16
            Flow("eni-0b", "10.0.5.5", "10.0.2.10", 5432, 210),                       // from an interface in sg-client
            Flow("eni-0b", "10.0.7.7", "10.0.2.10", 5432, 220),                       // not in sg-client
            Flow("eni-0a", "162.142.125.10", "10.0.1.10", 22, 230),                   // Censys, but not in 203.0.113.0/24 → no match
            Flow("eni-0a", "203.0.113.50", "10.0.1.10", 22, 240, FlowAction.Reject),  // rejected: not a use
        ];
        var usage = BothPaths.RuleUsage(index, records).ToDictionary(r => r.RuleId);

        Assert.That(usage["sgr-range"].Status.ToWireName(), Is.EqualTo("used"));
        Assert.That(usage["sgr-range"].Hits, Is.EqualTo(1));
        Assert.That(usage["sgr-ref"].Hits, Is.EqualTo(1));
        Assert.That(usage["sgr-ref"].DistinctSources, Is.EqualTo(1));
        Assert.That(usage["sgr-ssh"].Status.ToWireName(), Is.EqualTo("unused"));
        Assert.That(usage.ContainsKey("sgr-lonely"), Is.False, "group never attached");
    }

    [Test]
    public void RuleUsage_ScannerInsideRuleCidr_CountsAsScannerHitNotUse()
    {
        var ev = new Events();
        ev.Authorize(20, "sg-w", Tcp("sgr-w", "sg-w", 443, 443, "0.0.0.0/0"));
        ev.Launch(100, Instance("i-0w", [Tag("Name", "web")], Eni("eni-0w", "10.0.1.20", 0, null, "sg-w")));
        EnvironmentIndex index = EnvironmentIndex.Build(ev.List);
        FlowRecord[] records = [Flow("eni-0w", "167.94.138.5", "10.0.1.20", 443, 200), Flow("eni-0w", "71.6.135.131", "10.0.1.20", 443, 210)];

        RuleUsage row = BothPaths.RuleUsage(index, records).Single();
        Assert.That(row.Status.ToWireName(), Is.EqualTo("unused"));
        Assert.That(row.ScannerHits, Is.EqualTo(2));
        Assert.That(row.Hits, Is.Zero);
        Assert.That(row.FirstUsed, Is.Null);
    }

    /// <summary>
    /// Random records, in a world whose group sets, rules, tags and instances change while they run, through the LINQ
    /// reference and the one-pass sink (whole and as two merged sinks): every row of questions 1 and 5 agrees. The
    /// records hit the step's every branch: NODATA, egress and unaddressed records, unknown interfaces, scanners inside
    /// and outside rule CIDRs, referenced groups, rejected and accepted, before and after each change.
    /// </summary>
    [Test]
    public void BothPaths_RandomRecordsInAChangingWorld_Agree()
    {
        var (ev, _) = PaymentWorld();
        ev.Add(150, "ModifyNetworkInterfaceAttribute", new NetworkInterfaceGroupsReplaced("eni-0b", Groups("sg-app", "sg-ssh")));
        ev.Authorize(160, "sg-ssh", Tcp("sgr-world", "sg-ssh", 22, 22, "0.0.0.0/0"));
        ev.Add(170, "RevokeSecurityGroupIngress", new RulesRevoked("sg-ssh", false, ["sgr-ssh"], []));
        ev.Add(180, "CreateTags", new TagsCreated(["i-0cli"], [Tag("Name", "payment")]));
        ev.Add(250, "ModifyNetworkInterfaceAttribute", new NetworkInterfaceGroupsReplaced("eni-0a", Groups("sg-app")));
        ev.Terminate(300, "i-0cli");
        EnvironmentIndex index = EnvironmentIndex.Build(ev.List);

        string[] enis = ["eni-0a", "eni-0b", "eni-0c", "eni-0unknown"];
        string[] sources = ["198.51.100.1", "203.0.113.9", "203.0.113.50", "10.0.5.5", "10.0.9.9", "10.0.7.7", "10.0.1.10", "162.142.125.10", "71.6.135.131", "2001:db8::1"];
        string[] destinations = ["10.0.1.10", "10.0.2.10", "10.0.5.5", "10.0.9.9"]; // the interfaces' own addresses first
        int[] ports = [22, 2222, 3389, 5432, 7999, 8000, 8050, 8100, 8101];
        FlowDirection[] directions = [FlowDirection.Unknown, FlowDirection.Unknown, FlowDirection.Ingress, FlowDirection.Egress];
        var random = new Random(15);
        var records = new List<FlowRecord>();
        for (int i = 0; i < 3000; i++)
        {
            int eni = random.Next(enis.Length);
            FlowRecord r = Flow(
                enis[eni],
                sources[random.Next(sources.Length)],
                destinations[random.Next(4) == 0 ? random.Next(destinations.Length) : eni],
                ports[random.Next(ports.Length)],
                random.Next(0, 400),
                random.Next(3) == 0 ? FlowAction.Reject : FlowAction.Accept,
                protocol: random.Next(10) == 0 ? 17 : 6,
                direction: directions[random.Next(directions.Length)]);
            records.Add(random.Next(50) == 0 ? r with { LogStatus = FlowLogStatus.NoData } : r);
        }

        var access = BothPaths.FleetAccess(index, records, Ssh);
        var usage = BothPaths.RuleUsage(index, records);
        var exposures = BothPaths.Exposures(index, records);

        // The agreement is only worth something if the records reach every kind of row.
        Assert.That(access.Select(a => a.InstanceId).Distinct(), Is.EquivalentTo(new[] { "i-0pay", "i-0cli" }), "tagged later, then terminated");
        Assert.That(access.Any(a => a.Scanner) && access.Any(a => a.Accepted > 0) && access.Any(a => a.Rejected > 0), Is.True);
        Assert.That(access.Select(a => string.Join(",", a.SecurityGroups)).Distinct().Count(), Is.GreaterThan(2), "group sets change mid-run");
        Assert.That(usage.Select(u => u.Status.ToWireName()).Distinct(), Is.SupersetOf(new[] { "used", "revoked" }));
        Assert.That(usage.Where(u => u.RuleId is "sgr-world" or "sgr-ref" or "sgr-range").Select(u => u.Hits), Is.All.GreaterThan(0));
        Assert.That(usage.Single(u => u.RuleId == "sgr-world").ScannerHits, Is.GreaterThan(0));
        Exposure world = exposures.Single(x => x.RuleId == "sgr-world");
        Assert.That(world.Exposed.Records > 0 && world.Exposed.ScannerRecords > 0, Is.True, "exposed and scanner records");
    }

    [Test]
    public void UnusedGroups_DryRunIsNoEvidence_StatusDependsOnCreation()
    {
        var (_, index) = PaymentWorld();
        var rows = Investigations.UnusedGroups(index);

        Assert.That(rows.Select(r => (r.GroupId, r.Status.ToWireName())), Is.EqualTo(new[] { ("sg-lonely", "never-attached"), ("sg-orphan", "unknown") }));
        Assert.That(rows[0].IngressRuleIds, Is.EqualTo(new[] { "sgr-lonely" }));
        Assert.That(rows[0].GroupName, Is.EqualTo("lonely"));
    }

    [Test]
    public void RuleChanges_WorldIpv6AndAllProtocols_AreFlaggedByParsedNetwork()
    {
        var ev = new Events();
        ev.Authorize(10, "sg-1",
            Tcp("sgr-a", "sg-1", 3300, 3400, "::/0"),
            Tcp("sgr-b", "sg-1", 22, 22, "0.0.0.0/00") with { Protocol = 6 },
            new SecurityGroupRuleSpec { RuleId = "sgr-c", GroupId = "sg-1", Protocol = -1, FromPort = -1, ToPort = -1, CidrIpv4 = "10.0.0.0/8" },
            Tcp("sgr-d", "sg-1", 443, 443, "0.0.0.1/0"));
        var rows = Investigations.RuleChanges(EnvironmentIndex.Build(ev.List)).ToDictionary(r => r.RuleId!);

        Assert.That(rows["sgr-a"].OpensToWorld, Is.True);
        Assert.That(rows["sgr-a"].Risks, Is.EqualTo(new[] { "open-to-world", "admin-port:3306", "admin-port:3389" }));
        Assert.That(rows["sgr-b"].OpensToWorld, Is.True, "0.0.0.0/00 is the world");
        Assert.That(rows["sgr-c"].Risks, Is.EqualTo(new[] { "all-protocols" }));
        Assert.That(rows["sgr-c"].FromPort, Is.Null);
        Assert.That(rows["sgr-d"].OpensToWorld, Is.True, "host bits are masked: 0.0.0.1/0 is the world");
    }
}
