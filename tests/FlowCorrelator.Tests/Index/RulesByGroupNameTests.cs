using FlowCorrelator.Index;
using FlowCorrelator.Queries;
using FlowCorrelator.Tests.TestData;
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
        Assert.That(Investigations.RuleChanges(index).Select(r => (r.GroupId, r.RuleId, r.Change)), Is.EqualTo(new[]
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
        Assert.That(Investigations.RuleChanges(index), Is.Empty);
        Assert.That(index.IngressRulesAt("sg-0old", At(30)).Length, Is.Zero, "a deleted group gets no rules back");
    }
}
