using FlowCorrelator.Index;
using FlowCorrelator.Queries;
using FlowCorrelator.Tests.TestData;
using static FlowCorrelator.Tests.TestData.Events;

namespace FlowCorrelator.Tests.Queries;

/// <summary>
/// Question 6 at the level of records (docs/semantics.md): every case runs the LINQ reference, the one-pass sink and
/// two merged sinks (<see cref="BothPaths.Exposures"/>), which must agree, then checks the rows.
/// </summary>
public sealed class ExposureTests
{
    private const string Office = "203.0.113.0/24";

    /// <summary>
    /// payment-sg holds an office SSH rule (risky too: port 22 is an admin port) and is on a payment and a web
    /// instance; the world SSH rule is added at 200 and revoked at 300.
    /// </summary>
    private static Events SshWorld()
    {
        var ev = new Events();
        ev.Add(10, "CreateSecurityGroup", new SecurityGroupCreated("sg-pay", "payment-sg", "vpc-1", null, []));
        ev.Authorize(20, "sg-pay", Tcp("sgr-office", "sg-pay", 22, 22, Office));
        ev.Launch(100, Instance("i-0pay", [Tag("Name", "payment")], Eni("eni-0a", "10.0.1.10", 0, null, "sg-pay")));
        ev.Launch(101, Instance("i-0web", [Tag("Name", "web")], Eni("eni-0w", "10.0.2.10", 0, null, "sg-pay")));
        ev.Add(200, "AuthorizeSecurityGroupIngress", new RulesAuthorized("sg-pay", false, [Tcp("sgr-world", "sg-pay", 22, 22, "0.0.0.0/0")]), id: "ev-world");
        ev.Add(300, "RevokeSecurityGroupIngress", new RulesRevoked("sg-pay", false, ["sgr-world"], []));
        return ev;
    }

    [Test]
    public void WorldRule_OverOfficeRule_SplitsExposedFromAlsoAdmitted()
    {
        EnvironmentIndex index = EnvironmentIndex.Build(SshWorld().List);
        FlowRecord[] records =
        [
            Flow("eni-0a", "198.51.100.1", "10.0.1.10", 22, 199),                        // before the change: the rule was not in force
            Flow("eni-0a", "198.51.100.1", "10.0.1.10", 22, 200),                        // first second of the change
            Flow("eni-0a", "198.51.100.1", "10.0.1.10", 22, 250),
            Flow("eni-0w", "198.51.100.2", "10.0.2.10", 22, 260),                        // another fleet, same group
            Flow("eni-0a", "203.0.113.9", "10.0.1.10", 22, 240),                         // the office rule admits it anyway
            Flow("eni-0a", "162.142.125.10", "10.0.1.10", 22, 270),                      // a known scanner (Censys)
            Flow("eni-0a", "198.51.100.3", "10.0.1.10", 22, 280, FlowAction.Reject),     // rejected: nothing admitted
            Flow("eni-0a", "198.51.100.4", "10.0.1.10", 2222, 280),                      // other port: the rule does not match
            Flow("eni-0a", "198.51.100.5", "10.0.1.10", 22, 300),                        // revoked that second
        ];

        var rows = BothPaths.Exposures(index, records);
        Exposure world = rows.Single(r => r.RuleId == "sgr-world");
        Assert.That(world.EventId, Is.EqualTo("ev-world"));
        Assert.That(world.InForceFrom, Is.EqualTo(T0.AddSeconds(200)));
        Assert.That(world.InForceTo, Is.EqualTo(T0.AddSeconds(300)));
        Assert.That(world.Risks, Is.EqualTo(new[] { "open-to-world", "admin-port:22" }));
        Assert.That((world.Exposed.Records, world.Exposed.ScannerRecords, world.Exposed.Sources, world.Exposed.ScannerSources), Is.EqualTo((3L, 1L, 2L, 1L)));
        Assert.That(world.Exposed.Instances, Is.EqualTo(new[] { "i-0pay", "i-0web" }));
        Assert.That(world.Exposed.Fleets, Is.EqualTo(new[] { "payment", "web" }));
        Assert.That(world.Exposed.FirstAdmitted, Is.EqualTo(T0.AddSeconds(200)));
        Assert.That(world.Exposed.LastAdmitted, Is.EqualTo(T0.AddSeconds(270)), "scanners count in first/last");
        Assert.That((world.AlsoAdmitted.Records, world.AlsoAdmitted.Sources, world.AlsoAdmitted.ScannerRecords), Is.EqualTo((1L, 1L, 0L)));
        Assert.That(world.AlsoAdmitted.Instances, Is.EqualTo(new[] { "i-0pay" }));

        // The office rule is itself risky (admin port 22), in force from 20 with no end: over the world rule's time it
        // shares the office record, and alone it admits nothing else here.
        Exposure office = rows.Single(r => r.RuleId == "sgr-office");
        Assert.That(office.InForceTo, Is.Null);
        Assert.That((office.Exposed.Records, office.AlsoAdmitted.Records), Is.EqualTo((0L, 1L)));
    }

    [Test]
    public void ExposedPlusAlsoAdmitted_EqualsRuleUsageHitsOverTheWindow()
    {
        EnvironmentIndex index = EnvironmentIndex.Build(SshWorld().List);
        var random = new Random(6);
        string[] sources = ["198.51.100.1", "203.0.113.9", "203.0.113.77", "162.142.125.10", "10.0.9.9"];
        var records = new List<FlowRecord>();
        for (int i = 0; i < 500; i++)
        {
            records.Add(Flow(random.Next(2) == 0 ? "eni-0a" : "eni-0w", sources[random.Next(sources.Length)], random.Next(2) == 0 ? "10.0.1.10" : "10.0.2.10",
                random.Next(4) == 0 ? 443 : 22, random.Next(150, 400), random.Next(4) == 0 ? FlowAction.Reject : FlowAction.Accept));
        }

        Exposure world = BothPaths.Exposures(index, records).Single(r => r.RuleId == "sgr-world");
        RuleUsage usage = BothPaths.RuleUsage(index, [.. records.Where(r => r.Start >= At(200) && r.Start < At(300))]).Single(u => u.RuleId == "sgr-world");
        Assert.That(world.Exposed.Records + world.AlsoAdmitted.Records, Is.EqualTo(usage.Hits));
        Assert.That(world.Exposed.ScannerRecords + world.AlsoAdmitted.ScannerRecords, Is.EqualTo(usage.ScannerHits));
        Assert.That(world.Exposed.Records, Is.GreaterThan(0));
        Assert.That(world.AlsoAdmitted.Records, Is.GreaterThan(0));
    }

    [Test]
    public void ModifiedNarrowToWorldAndBack_OneRowForTheWorldDefinitionOnly()
    {
        var ev = new Events();
        ev.Authorize(20, "sg-db", Tcp("sgr-pg", "sg-db", 8080, 8080, "10.0.0.0/16"));
        ev.Launch(100, Instance("i-0db", [Tag("Name", "db")], Eni("eni-0d", "10.0.3.10", 0, null, "sg-db")));
        ev.Add(200, "ModifySecurityGroupRules", new RulesModified("sg-db", [Tcp("sgr-pg", "sg-db", 8080, 8080, "0.0.0.0/0")]), id: "ev-open");
        ev.Add(300, "ModifySecurityGroupRules", new RulesModified("sg-db", [Tcp("sgr-pg", "sg-db", 8080, 8080, "10.0.0.0/16")]), id: "ev-close");
        EnvironmentIndex index = EnvironmentIndex.Build(ev.List);
        FlowRecord[] records =
        [
            Flow("eni-0d", "198.51.100.1", "10.0.3.10", 8080, 150, FlowAction.Reject), // narrow: rejected outside
            Flow("eni-0d", "198.51.100.1", "10.0.3.10", 8080, 210),
            Flow("eni-0d", "10.0.4.4", "10.0.3.10", 8080, 220),                       // inside 10/16 too: the rule is the only one
            Flow("eni-0d", "198.51.100.1", "10.0.3.10", 8080, 310),                   // narrow again: would not match
            Flow("eni-0d", "10.0.4.4", "10.0.3.10", 8080, 320),                       // narrow definition: not risky, not counted
        ];

        Exposure row = BothPaths.Exposures(index, records).Single();
        Assert.That((row.EventId, row.Change.ToWireName(), row.Cidr), Is.EqualTo(("ev-open", "modified", "0.0.0.0/0")));
        Assert.That(row.InForceTo, Is.EqualTo(T0.AddSeconds(300)));
        Assert.That((row.Exposed.Records, row.Exposed.Sources, row.AlsoAdmitted.Records), Is.EqualTo((2L, 2L, 0L)));
    }

    [Test]
    public void WorldRuleOnGroupAttachedLater_CountsOnlyFromTheAttachment_AndGroupDeletionEndsIt()
    {
        var ev = new Events();
        ev.Add(10, "CreateSecurityGroup", new SecurityGroupCreated("sg-late", "late", "vpc-1", null, []));
        ev.Authorize(20, "sg-base", Tcp("sgr-https", "sg-base", 443, 443, "10.0.0.0/16"));
        ev.Launch(100, Instance("i-0a", [Tag("Name", "api")], Eni("eni-0a", "10.0.1.10", 0, null, "sg-base")));
        ev.Add(150, "AuthorizeSecurityGroupIngress", new RulesAuthorized("sg-late", false, [Tcp("sgr-rdp", "sg-late", 3389, 3389, "0.0.0.0/0")]), id: "ev-rdp");
        ev.Add(250, "ModifyNetworkInterfaceAttribute", new NetworkInterfaceGroupsReplaced("eni-0a", Groups("sg-base", "sg-late")));
        ev.Add(320, "ModifyNetworkInterfaceAttribute", new NetworkInterfaceGroupsReplaced("eni-0a", Groups("sg-base")));
        ev.Add(330, "DeleteSecurityGroup", new SecurityGroupDeleted("sg-late", null));
        EnvironmentIndex index = EnvironmentIndex.Build(ev.List);
        FlowRecord[] records =
        [
            Flow("eni-0a", "198.51.100.1", "10.0.1.10", 3389, 200), // rule in force, group not on the interface yet
            Flow("eni-0a", "198.51.100.1", "10.0.1.10", 3389, 260),
            Flow("eni-0a", "198.51.100.2", "10.0.1.10", 3389, 319),
            Flow("eni-0a", "198.51.100.2", "10.0.1.10", 3389, 325), // group detached
        ];

        Exposure row = BothPaths.Exposures(index, records).Single();
        Assert.That(row.InForceTo, Is.EqualTo(T0.AddSeconds(330)), "group deletion ends the definition");
        Assert.That((row.Exposed.Records, row.Exposed.Sources), Is.EqualTo((2L, 2L)));
        Assert.That(row.Exposed.FirstAdmitted, Is.EqualTo(T0.AddSeconds(260)));
        Assert.That(row.Exposed.Fleets, Is.EqualTo(new[] { "api" }));
    }

    [Test]
    public void ScannerOnlyExposure_AndWindow_BoundRowsAndRecords()
    {
        var ev = new Events();
        ev.Launch(100, Instance("i-0s", [Tag("Name", "search")], Eni("eni-0s", "10.0.1.30", 0, null, "sg-es")));
        ev.Authorize(150, "sg-es", Tcp("sgr-es", "sg-es", 9200, 9200, "0.0.0.0/0"));
        EnvironmentIndex index = EnvironmentIndex.Build(ev.List);
        FlowRecord[] records =
        [
            Flow("eni-0s", "162.142.125.10", "10.0.1.30", 9200, 200),
            Flow("eni-0s", "71.6.135.131", "10.0.1.30", 9200, 210),
            Flow("eni-0s", "71.6.135.131", "10.0.1.30", 9200, 400),
        ];

        Exposure all = BothPaths.Exposures(index, records).Single();
        Assert.That((all.Exposed.Records, all.Exposed.Sources, all.Exposed.ScannerRecords, all.Exposed.ScannerSources), Is.EqualTo((0L, 0L, 3L, 2L)));
        Assert.That(all.Exposed.Instances, Is.EqualTo(new[] { "i-0s" }));

        // A window after the change still lists it (in force then) and counts only its records.
        Exposure windowed = BothPaths.Exposures(index, records, from: T0.AddSeconds(205), to: T0.AddSeconds(500)).Single();
        Assert.That(windowed.Exposed.ScannerRecords, Is.EqualTo(2));
        Assert.That(BothPaths.Exposures(index, records, to: T0.AddSeconds(150)), Is.Empty, "a window that ends before the change lists nothing");
    }

    [Test]
    public void TwoRiskyRulesMatchingOneRecord_BothGetItAsAlsoAdmitted()
    {
        var ev = new Events();
        ev.Launch(100, Instance("i-0x", [], Eni("eni-0x", "10.0.1.40", 0, null, "sg-a", "sg-b")));
        ev.Authorize(150, "sg-a", Tcp("sgr-a", "sg-a", 22, 22, "0.0.0.0/0"));
        ev.Authorize(160, "sg-b", Tcp("sgr-b", "sg-b", 0, 65535, "198.51.100.0/24"));
        EnvironmentIndex index = EnvironmentIndex.Build(ev.List);
        FlowRecord[] records = [Flow("eni-0x", "198.51.100.1", "10.0.1.40", 22, 200), Flow("eni-0x", "192.0.2.1", "10.0.1.40", 22, 210)];

        var rows = BothPaths.Exposures(index, records).ToDictionary(r => r.RuleId);
        Assert.That((rows["sgr-a"].Exposed.Records, rows["sgr-a"].AlsoAdmitted.Records), Is.EqualTo((1L, 1L)));
        Assert.That((rows["sgr-b"].Exposed.Records, rows["sgr-b"].AlsoAdmitted.Records), Is.EqualTo((0L, 1L)));
        Assert.That(rows["sgr-a"].Exposed.Fleets, Is.Empty, "no Name tag, no fleet");
    }
}
