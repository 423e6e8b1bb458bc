using FlowCorrelator.Index;
using FlowCorrelator.Queries;
using FlowCorrelator.Scenarios;

namespace FlowCorrelator.Tests.Scenarios;

// The exposure traps (question 6): present in the logs, and answered in expected.json as docs/semantics.md says.
public sealed partial class ScenarioTrapTests
{
    private ExposureLandmarks Exposure => _s.Landmarks.Exposure!;

    private Exposure Row(string ruleId) => Expected.Exposures.Single(x => x.RuleId == ruleId);

    [Test]
    public void Exposure_WorldRuleShadowedByAnOlderNarrowerRule_ExposesNothing()
    {
        Exposure row = Row(Exposure.ShadowedRuleId);
        Assert.That(row.Risks, Does.Contain("open-to-world"));
        Assert.That((row.Exposed.Records, row.Exposed.ScannerRecords), Is.EqualTo((0L, 0L)), "every record it matched, the older rule admitted too");
        Assert.That(row.AlsoAdmitted.Records, Is.EqualTo(3));
        Assert.That(Expected.Exposures.Any(x => x.RuleId == Exposure.ShadowingRuleId), Is.False, "the narrower VPC rule is not risky");
    }

    [Test]
    public void Exposure_RuleModifiedToTheWorldAndBack_OnlyTheWorldDefinitionsTimeCounts()
    {
        Exposure row = Row(Exposure.FlippedRuleId);
        Assert.That((row.EventId, row.Change, row.Cidr), Is.EqualTo((Exposure.FlippedToWorldEventId, RuleChangeKind.Modified, "0.0.0.0/0")));
        RuleChange back = Expected.RuleChanges.Single(c => c.RuleId == Exposure.FlippedRuleId && c.Change == RuleChangeKind.Modified && c.Cidr != "0.0.0.0/0");
        Assert.That(row.InForceTo, Is.EqualTo(back.Time));
        Assert.That((row.Exposed.Records, row.Exposed.Sources, row.AlsoAdmitted.Records), Is.EqualTo((3L, 3L, 0L)));
        Assert.That(row.Exposed.Fleets, Is.EqualTo(new[] { "reports" }));

        // The written logs hold the records on either side: rejected before and after the world definition.
        var port = _records.Where(r => r.DstPort == 8889 && r.Src.StartsWith("198.51.100.", StringComparison.Ordinal)).ToList();
        Assert.That(port.Count(r => r.Action == "REJECT" && (r.Start < Unix(row.InForceFrom) || r.Start >= Unix(back.Time))), Is.EqualTo(2));
        Assert.That(port.Count(r => r.Action == "ACCEPT"), Is.EqualTo(2));
    }

    [Test]
    public void Exposure_WorldRuleOnAGroupAttachedLater_CountsFromTheAttachment()
    {
        Exposure row = Row(Exposure.LateRuleId);
        Assert.That(row.InForceFrom, Is.LessThan(Exposure.LateAttached));
        Assert.That(row.InForceTo, Is.Null);
        Assert.That(row.Exposed.Records, Is.EqualTo(2));
        Assert.That(row.Exposed.FirstAdmitted, Is.GreaterThanOrEqualTo(Exposure.LateAttached));
        Assert.That(_records.Any(r => r.DstPort == 9443 && r.Action == "REJECT" && r.Start >= Unix(row.InForceFrom) && r.Start < Unix(Exposure.LateAttached)), Is.True,
            "the rule was in force before its group was attached, and its record then was rejected");
    }

    [Test]
    public void Exposure_ScannerOnly_CountsScannersApart()
    {
        Exposure row = Row(Exposure.ScannerOnlyRuleId);
        Assert.That((row.Exposed.Records, row.Exposed.Sources, row.Exposed.ScannerRecords, row.Exposed.ScannerSources), Is.EqualTo((0L, 0L, 3L, 2L)));
        Assert.That(row.Exposed.Instances, Is.EqualTo(new[] { Exposure.Instance }));
    }

    [Test]
    public void Exposure_TheStorysWorldSshRule_LetInSourcesTheOfficeRuleWouldNot()
    {
        Exposure row = Expected.Exposures.Single(x => x.EventId == _s.Landmarks.OpenToWorldEventId);
        Assert.That(row.InForceTo, Is.Not.Null, "revoked by SecOps");
        Assert.That(row.Exposed.Records, Is.GreaterThan(0));
        Assert.That(row.Exposed.Fleets, Does.Contain("payment"));

        // Together the two sides are question 5's hits of the rule, which has no other definition.
        RuleUsage usage = Expected.RuleUsage.Single(u => u.RuleId == row.RuleId);
        Assert.That(row.Exposed.Records + row.AlsoAdmitted.Records, Is.EqualTo(usage.Hits));
        Assert.That(row.Exposed.ScannerRecords + row.AlsoAdmitted.ScannerRecords, Is.EqualTo(usage.ScannerHits));
    }
}
