using FlowCorrelator.Queries;
using FlowCorrelator.Reporting;

namespace FlowCorrelator.Tests.Reporting;

/// <summary>Answers written before a field existed still read and write (the harness keeps expected.json of older generators).</summary>
public sealed class FindingsJsonCompatibilityTests
{
    [Test]
    public void Deserialize_QueryWithoutTagFields_ReadsAsEmpty_AndWritesBack()
    {
        const string older = """
            {"query":{"tagKey":"Name","tagValue":"payment","port":22,"protocol":6},
             "accessAttempts":[{"instanceId":"i-1","interfaceId":"eni-1","securityGroups":["sg-1"],"srcAddr":"198.51.100.7","accepted":1,"rejected":0,
               "packets":3,"bytes":180,"firstSeen":"2026-03-02T00:00:00Z","lastSeen":"2026-03-02T00:00:00Z","scanner":false}],
             "ruleChanges":[],"groupAttachments":[],"unusedGroups":[],"ruleUsage":[],"exposures":[]}
            """;

        InvestigationResult result = FindingsJson.Deserialize(older);

        Assert.That(result.Query!.TagFields, Is.Empty);
        Assert.That(result.AccessAttempts[0].InstanceFrom, Is.EqualTo(EvidenceSource.Index), "rows of older answers were all the index's");
        Assert.That(FindingsJson.Serialize(result), Does.Contain("\"tagFields\": []"));
    }
}
