using FlowCorrelator.Index;
using FlowCorrelator.Queries;
using FlowCorrelator.Tests.Queries;
using FlowCorrelator.Tests.TestData;
using static FlowCorrelator.Tests.TestData.Events;

namespace FlowCorrelator.Tests.Index;

/// <summary>
/// A revoke by permission and an authorize of the same permission in one second (docs/semantics.md, "Rules"): which
/// rule the revoke removed follows from what was live before the second, never from the order of the file or of the
/// event ids. Every case runs with the file in both orders and the event ids in both orders, ingress and egress.
/// </summary>
public sealed class SameSecondRevokeTests
{
    private const string Group = "sg-0tf";
    private const int T = 200;

    /// <summary>Revoke first or authorize first in the list, and with the lower or the higher event id.</summary>
    private static IEnumerable<TestCaseData> Orders()
    {
        foreach (bool revokeListedFirst in new[] { true, false })
        {
            foreach (bool revokeIdLower in new[] { true, false })
            {
                foreach (bool egress in new[] { false, true })
                {
                    yield return new TestCaseData(revokeListedFirst, revokeIdLower, egress)
                        .SetArgDisplayNames($"{(revokeListedFirst ? "revoke" : "authorize")} listed first", $"revoke id {(revokeIdLower ? "lower" : "higher")}", egress ? "egress" : "ingress");
                }
            }
        }
    }

    private static SecurityGroupRuleSpec Rule(string ruleId, string cidr, bool egress, int port = 22) => Tcp(ruleId, Group, port, port, cidr) with { IsEgress = egress };

    /// <summary>A permission as a revoke request states it: no rule id.</summary>
    private static SecurityGroupRuleSpec Permission(string cidr, bool egress, int port = 22) => Rule("-", cidr, egress, port) with { RuleId = null };

    private static string Authorize(bool egress) => egress ? "AuthorizeSecurityGroupEgress" : "AuthorizeSecurityGroupIngress";

    private static string Revoke(bool egress) => egress ? "RevokeSecurityGroupEgress" : "RevokeSecurityGroupIngress";

    /// <summary>
    /// Adds the events of second <see cref="T"/> in the order the case asks: <paramref name="authorizes"/> (each with
    /// its own event id) and one revoke.
    /// </summary>
    private static void AddSecond(Events ev, bool revokeListedFirst, bool revokeIdLower, bool egress, RulesRevoked revoke, params RulesAuthorized[] authorizes)
    {
        void AddRevoke() => ev.Add(T, Revoke(egress), revoke, id: revokeIdLower ? "00000000-revoke" : "ffffffff-revoke");
        if (revokeListedFirst)
        {
            AddRevoke();
        }

        for (int i = 0; i < authorizes.Length; i++)
        {
            ev.Add(T, Authorize(egress), authorizes[i], id: $"{(revokeIdLower ? "ffffffff" : "00000000")}-authorize-{i}");
        }

        if (!revokeListedFirst)
        {
            AddRevoke();
        }
    }

    private static string[] LiveRuleIds(EnvironmentIndex index) =>
        [.. index.Groups.Single(g => g.GroupId == Group).Rules.Where(r => r.RemovedAt is null).Select(r => r.RuleId).Order(StringComparer.Ordinal)];

    [TestCaseSource(nameof(Orders))]
    public void Build_RevokeByPermissionAndAuthorizeOfAPermissionLiveBefore_TheNewRuleStays(bool revokeListedFirst, bool revokeIdLower, bool egress)
    {
        // Terraform replacing a rule: the old one is revoked by permission, the same permission authorized again. EC2
        // would have refused the authorize while the old rule was live, so the revoke came first.
        var ev = new Events();
        ev.Add(100, Authorize(egress), new RulesAuthorized(Group, egress, [Rule("sgr-old", "203.0.113.0/24", egress)]));
        AddSecond(ev, revokeListedFirst, revokeIdLower, egress,
            new RulesRevoked(Group, egress, [], [Permission("203.0.113.0/24", egress)]),
            new RulesAuthorized(Group, egress, [Rule("sgr-new", "203.0.113.0/24", egress)]));
        EnvironmentIndex index = EnvironmentIndex.Build(ev.List);

        Assert.That(LiveRuleIds(index), Is.EqualTo(new[] { "sgr-new" }));
        Assert.That(Investigations.RuleChanges(index).Select(r => (r.Time, r.RuleId, r.Change.ToWireName(), r.Direction, r.Cidr)), Is.EquivalentTo(new[]
        {
            (T0.AddSeconds(100), "sgr-old", "added", egress ? "egress" : "ingress", "203.0.113.0/24"),
            (T0.AddSeconds(T), "sgr-new", "added", egress ? "egress" : "ingress", "203.0.113.0/24"),
            (T0.AddSeconds(T), "sgr-old", "removed", egress ? "egress" : "ingress", "203.0.113.0/24"),
        }));
        if (!egress)
        {
            Assert.That(index.IngressRulesAt(Group, At(T - 1)).ToArray().Select(r => r.RuleId), Is.EqualTo(new[] { "sgr-old" }));
            Assert.That(index.IngressRulesAt(Group, At(T)).ToArray().Select(r => r.RuleId), Is.EqualTo(new[] { "sgr-new" }));
            Assert.That(Investigations.UnusedGroups(index).Select(g => (g.GroupId, g.IngressRuleIds.Single())), Is.EqualTo(new[] { (Group, "sgr-new") }),
                "question 4: the group still has a live ingress rule");
        }
    }

    [Test]
    public void RuleUsage_RuleReplacedInOneSecond_OldRuleUsedUntilTheSecondBeforeNewRuleFromIt([Values] bool revokeListedFirst, [Values] bool revokeIdLower)
    {
        var ev = new Events();
        ev.Launch(50, Instance("i-0a", [Tag("Name", "payment")], Eni("eni-0a", "10.0.1.10", groups: [Group])));
        ev.Authorize(100, Group, Rule("sgr-old", "203.0.113.0/24", egress: false));
        AddSecond(ev, revokeListedFirst, revokeIdLower, egress: false,
            new RulesRevoked(Group, false, [], [Permission("203.0.113.0/24", false)]),
            new RulesAuthorized(Group, false, [Rule("sgr-new", "203.0.113.0/24", false)]));
        EnvironmentIndex index = EnvironmentIndex.Build(ev.List);
        FlowRecord[] records =
        [
            Flow("eni-0a", "203.0.113.5", "10.0.1.10", 22, T - 1),
            Flow("eni-0a", "203.0.113.6", "10.0.1.10", 22, T),
            Flow("eni-0a", "203.0.113.7", "10.0.1.10", 22, T + 60),
        ];

        RuleUsage[] usage = [.. BothPaths.RuleUsage(index, records).OrderBy(u => u.RuleId, StringComparer.Ordinal)];
        Assert.That(usage.Select(u => (u.RuleId, u.Status.ToWireName(), u.Hits, u.FirstUsed, u.LastUsed)), Is.EqualTo(new[]
        {
            ("sgr-new", "used", 2L, (DateTimeOffset?)T0.AddSeconds(T), (DateTimeOffset?)T0.AddSeconds(T + 60)),
            ("sgr-old", "revoked", 1L, (DateTimeOffset?)T0.AddSeconds(T - 1), (DateTimeOffset?)T0.AddSeconds(T - 1)),
        }));
    }

    [TestCaseSource(nameof(Orders))]
    public void Build_AuthorizeRevokeAuthorizeOfAPermissionNotLiveBefore_OneRuleStays(bool revokeListedFirst, bool revokeIdLower, bool egress)
    {
        // No rule of the permission before the second: the revoke found one added in it, so authorize, revoke,
        // authorize leaves one rule (EC2 refuses the second authorize while the first rule is live).
        var ev = new Events();
        ev.Add(100, "CreateSecurityGroup", new SecurityGroupCreated(Group, "tf", "vpc-1", null, []));
        AddSecond(ev, revokeListedFirst, revokeIdLower, egress,
            new RulesRevoked(Group, egress, [], [Permission("203.0.113.0/24", egress)]),
            new RulesAuthorized(Group, egress, [Rule("sgr-a", "203.0.113.0/24", egress)]),
            new RulesAuthorized(Group, egress, [Rule("sgr-b", "203.0.113.0/24", egress)]));
        EnvironmentIndex index = EnvironmentIndex.Build(ev.List);

        // The authorizes' order is unknown; the first applied (lower event id) is taken as the revoked one.
        Assert.That(LiveRuleIds(index), Is.EqualTo(new[] { "sgr-b" }));
        Assert.That(Investigations.RuleChanges(index).Select(r => (r.RuleId, r.Change.ToWireName())), Is.EquivalentTo(new[] { ("sgr-a", "added"), ("sgr-b", "added"), ("sgr-a", "removed") }));
        Assert.That(Investigations.UnusedGroups(index).Select(g => g.IngressRuleIds.ToArray()), Is.EqualTo(egress ? Array.Empty<string[]>() : new[] { new[] { "sgr-b" } }));
    }

    [TestCaseSource(nameof(Orders))]
    public void Build_OneRevokeOfAPermissionLiveBeforeAndOfOneAddedInTheSecond_RemovesTheOldAndTheNew(bool revokeListedFirst, bool revokeIdLower, bool egress)
    {
        // Both cases in one call: 22 was live before (authorize 22, then the revoke ran), 3389 was not (authorize
        // 3389 ran before the revoke). Only the order authorize 3389, revoke both, authorize 22 succeeds in EC2.
        var ev = new Events();
        ev.Add(100, Authorize(egress), new RulesAuthorized(Group, egress, [Rule("sgr-old22", "0.0.0.0/0", egress)]));
        AddSecond(ev, revokeListedFirst, revokeIdLower, egress,
            new RulesRevoked(Group, egress, [],
            [
                Permission("0.0.0.0/0", egress),
                Permission("0.0.0.0/0", egress, 3389),
            ]),
            new RulesAuthorized(Group, egress, [Rule("sgr-new22", "0.0.0.0/0", egress)]),
            new RulesAuthorized(Group, egress, [Rule("sgr-rdp", "0.0.0.0/0", egress, 3389)]));
        EnvironmentIndex index = EnvironmentIndex.Build(ev.List);

        Assert.That(LiveRuleIds(index), Is.EqualTo(new[] { "sgr-new22" }));
        Assert.That(Investigations.RuleChanges(index).Where(r => r.Change == RuleChangeKind.Removed).Select(r => (r.RuleId, r.FromPort)), Is.EquivalentTo(new[] { ("sgr-old22", (int?)22), ("sgr-rdp", (int?)3389) }));
        if (!egress)
        {
            Assert.That(Investigations.RuleChanges(index).Where(r => r.RuleId == "sgr-old22").Select(r => r.Risks.ToArray()),
                Has.All.EqualTo(new[] { "open-to-world", "admin-port:22" }));
        }
    }

    [TestCaseSource(nameof(Orders))]
    public void Build_RevokeWhoseResponseNamesTheRevokedRule_LeavesTheRuleAuthorizedInTheSameSecond(bool revokeListedFirst, bool revokeIdLower, bool egress)
    {
        // Newer responses list the revoked rules (revokedSecurityGroupRuleSet): the permission names no other rule.
        var ev = new Events();
        ev.Add(100, Authorize(egress), new RulesAuthorized(Group, egress, [Rule("sgr-old", "203.0.113.0/24", egress)]));
        AddSecond(ev, revokeListedFirst, revokeIdLower, egress,
            new RulesRevoked(Group, egress, ["sgr-old"], [Permission("203.0.113.0/24", egress)]),
            new RulesAuthorized(Group, egress, [Rule("sgr-new", "203.0.113.0/24", egress)]));
        EnvironmentIndex index = EnvironmentIndex.Build(ev.List);

        Assert.That(LiveRuleIds(index), Is.EqualTo(new[] { "sgr-new" }));
        Assert.That(Investigations.RuleChanges(index).Where(r => r.Time == T0.AddSeconds(T)).Select(r => (r.RuleId, r.Change.ToWireName())),
            Is.EquivalentTo(new[] { ("sgr-new", "added"), ("sgr-old", "removed") }));
    }
}
