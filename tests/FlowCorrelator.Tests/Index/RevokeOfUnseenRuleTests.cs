using FlowCorrelator.Ingest;
using FlowCorrelator.Queries;
using static FlowCorrelator.Tests.Ingest.CloudTrailReaderTests;

namespace FlowCorrelator.Tests.Index;

public sealed class RevokeOfUnseenRuleTests
{
    /// <summary>
    /// Terraform replaces a rule that is older than the trail (no snapshot): revoke by permission, authorize of the same
    /// permission, one second. The revoke's response names the rule it removed (revokedSecurityGroupRuleSet: sgr-old,
    /// unknown to the evidence). docs/semantics.md: "a permission whose revoked rule the response names removes that rule
    /// only" — yet the index also removes sgr-new, the rule actually in force, so questions 4 and 5 lose it.
    /// </summary>
    [Test]
    public void Load_RevokeNamingARuleOlderThanTheEvidence_LeavesTheRuleAuthorizedInTheSameSecond()
    {
        const string Perm = """{"ipPermissions":{"items":[{"ipProtocol":"tcp","fromPort":22,"toPort":22,"ipRanges":{"items":[{"cidrIp":"0.0.0.0/0"}]}}]}}""";
        string trail = Records(
            Rec("ffff-authorize", "AuthorizeSecurityGroupIngress", """{"groupId":"sg-0tf",""" + Perm[1..],
                """{"requestId":"r","_return":true,"securityGroupRuleSet":{"items":[{"groupId":"sg-0tf","securityGroupRuleId":"sgr-new","isEgress":false,"ipProtocol":"tcp","fromPort":22,"toPort":22,"cidrIpv4":"0.0.0.0/0"}]}}""",
                "2024-01-01T00:00:30Z"),
            Rec("0000-revoke", "RevokeSecurityGroupIngress", """{"groupId":"sg-0tf",""" + Perm[1..],
                """{"requestId":"r","_return":true,"revokedSecurityGroupRuleSet":{"items":[{"groupId":"sg-0tf","securityGroupRuleId":"sgr-old","isEgress":false,"ipProtocol":"tcp","fromPort":22,"toPort":22,"cidrIpv4":"0.0.0.0/0"}]}}""",
                "2024-01-01T00:00:30Z"));
        string dir = Directory.CreateTempSubdirectory("fc-review-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(dir, "trail.json"), trail);
            Workspace ws = Workspace.Load([dir], WorkspaceOptions.Default with { WarmUp = false });
            Assert.That(ws.Index.Statistics.Applied, Is.EqualTo(2), ws.Index.Statistics + " " + string.Join(";", ws.Diagnostics.Files.SelectMany(f => f.Samples)));
            Assert.That(Investigations.UnusedGroups(ws.Index).Select(g => string.Join(",", g.IngressRuleIds)), Is.EqualTo(new[] { "sgr-new" }),
                string.Join("; ", Investigations.RuleChanges(ws.Index).Select(r => $"{r.RuleId} {r.Change.ToWireName()}")));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
