using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json.Nodes;

namespace FlowCorrelator.Scenarios.World;

// The same-second and group-name traps: stories that pin the engine's within-second order and name resolution.
internal sealed partial class WorldBuilder
{
    /// <summary>
    /// Events that share a second, where docs/semantics.md's order within a second (creations, additions,
    /// replacements, removals, deletions) decides the answer, and flow records that start on such a second or one
    /// second before it. They come after the story, on canary instances of their own (a role the random traffic never
    /// picks), so the story keeps its ids, addresses and traffic (the traps' records only take the places of a few
    /// random ones). Each second is written here in the order it applies; the CloudTrail writer puts it in a file the
    /// other way round.
    /// </summary>
    private (SameSecondLandmarks Landmarks, List<TrapFlow> Flows) SameSecondTraps(SubnetInfo subnet, string sgPayment, string sgMgmt, string sgWeb, InstanceHandle db,
        RuleDef legacyRdp)
    {
        const string Role = "canary";
        const string Admins = "192.0.2.0/24";
        uint office = 0xCB007132; // 203.0.113.50 onwards: inside the office rule, apart from the story's office hosts
        uint admin = 0xC0000200;  // 192.0.2.0
        var flows = new List<TrapFlow>();
        void Pair(long second, string eniId, uint before, uint at, int port = 22)
        {
            flows.Add(new TrapFlow(second - 1, eniId, before, port));
            flows.Add(new TrapFlow(second, eniId, at, port));
        }

        string sgCanary = CreateGroup(At(0.810), _alice, "canary-ssh", "ssh for the on-call admins");

        // RunInstances and the CreateTags that makes C1 a payment instance, in one second: C1 is in the fleet from
        // its first second (tags apply after creations).
        long launched = At(0.820);
        List<InstanceHandle> canaries = Launch(launched, _deploy, Role, 2, [new("team", "payments"), new("env", "prod")], null,
            [new NicSpec(subnet, [sgMgmt, sgPayment])], nicForm: true);
        InstanceHandle c1 = canaries[0], c2 = canaries[1];
        Tag(launched, _deploy, [c1.Id], "Name", "payment");
        flows.Add(new TrapFlow(launched, c1.Primary.EniId, office++, 22));
        flows.Add(new TrapFlow(launched, c2.Primary.EniId, office++, 22));

        // C2 joins the fleet by CreateTags in the second its groups are replaced: its access rows start at that
        // second, with the new groups; the second before counts nothing.
        long c2Tagged = At(0.830);
        Tag(c2Tagged, _deploy, [c2.Id], "Name", "payment");
        ReplaceInstanceGroups(c2Tagged, _deploy, c2.Id, [sgPayment]);
        Pair(c2Tagged, c2.Primary.EniId, office++, office++);

        // A new group with an SSH rule is authorized and put on C1 in one second: rejected the second before,
        // accepted (and a hit of the new rule) from that second on.
        long opened = At(0.840);
        string firstRule = Authorize(opened, _alice, sgCanary, false, true, [Perm.Tcp(22, 22, v4: [Admins], description: "on-call")])[0].RuleId;
        ReplaceEniGroups(opened, _alice, c1.Primary.EniId, [sgMgmt, sgPayment, sgCanary]);
        Pair(opened, c1.Primary.EniId, admin + 10, admin + 11);

        // The rule is re-created: the same permission authorized (a new rule id) and the old id revoked in one
        // second. The old rule's last use is the second before, the new one's first use that second.
        long replaced = At(0.860);
        string secondRule = Authorize(replaced, _alice, sgCanary, false, true, [Perm.Tcp(22, 22, v4: [Admins], description: "on-call, rotated")])[0].RuleId;
        RevokeById(replaced, _alice, sgCanary, [firstRule]);
        Pair(replaced, c1.Primary.EniId, admin + 12, admin + 13);

        // Opened and closed in one second: the authorize applies first, so the revoke by permission finds and
        // removes the rule; it is never in force and never used (the office is admitted by payment-sg's rule).
        long flicked = At(0.880);
        RuleDef flickered = Authorize(flicked, _intern, sgCanary, false, true, [Perm.Tcp(22, 22, v4: ["203.0.113.0/24"])])[0];
        RevokeByPermission(flicked, _secops, flickered, Perm.Tcp(22, 22, v4: ["203.0.113.0/24"]));
        Pair(flicked, c1.Primary.EniId, office++, office++);

        // Modified and revoked in one second: the modification applies first, so the removal row carries the new
        // definition, and the rule is gone from that second (the new range is not admitted either).
        long closed = At(0.900);
        ModifyRules(closed, _alice, sgCanary, [new RuleDef(secondRule, sgCanary, false, 6, 22, 22, "192.0.2.128/25", null, null)], asArray: false);
        RevokeById(closed, _secops, sgCanary, [secondRule]);
        Pair(closed, c1.Primary.EniId, admin + 200, admin + 201);

        // C2 is terminated and C3 launched with C2's address in one second: the address belongs to C2's interface
        // until that second and to C3's from it. C3 (web-sg) is not in payment-sg, so the db rule that references
        // payment-sg admits the address the second before and not at that second.
        long reused = At(0.920);
        InstanceHandle c3 = Launch(reused, _deploy, Role, 1, [new("env", "prod"), new("Name", "payment")], null, [new NicSpec(subnet, [sgWeb])], nicForm: false,
            fixedIp: c2.Primary.Ip)[0];
        Terminate(reused, _deploy, [c2.Id]);
        flows.Add(new TrapFlow(reused - 1, c2.Primary.EniId, office++, 22));
        flows.Add(new TrapFlow(reused, c3.Primary.EniId, office++, 22));
        Pair(reused, db.Primary.EniId, c2.Primary.Ip, c2.Primary.Ip, 5432);

        // Terraform replaces a rule: RevokeSecurityGroupIngress of its permission, then AuthorizeSecurityGroupIngress of
        // the same permission, in one second. EC2 refuses to authorize a permission the group already has, so the
        // revoke ran first and took the old rule; the new one is in force from that second (the admins are admitted
        // at :29 by the old rule, at :30 by the new one). The script writes the authorize first, as the events apply,
        // and names the rule its revoke removed.
        long restored = At(0.940);
        RuleDef oldAdmins = Authorize(restored, _alice, sgCanary, false, true, [Perm.Tcp(22, 22, v4: [Admins], description: "on-call")])[0];
        long outbound = At(0.945);
        RuleDef oldUpdates = Authorize(outbound, _alice, sgCanary, true, true, [Perm.Tcp(443, 443, v4: ["0.0.0.0/0"], description: "updates")])[0];
        long terraformed = At(0.950);
        RuleDef newAdmins = Authorize(terraformed, _deploy, sgCanary, false, true, [Perm.Tcp(22, 22, v4: [Admins], description: "on-call (terraform)")])[0];
        RevokeByPermission(terraformed, _deploy, oldAdmins, Perm.Tcp(22, 22, v4: [Admins]));
        Pair(terraformed, c1.Primary.EniId, admin + 20, admin + 21);

        // The same replacement on the group that is never attached: it keeps a live ingress rule (question 4), under
        // the new id.
        long rdpReplaced = At(0.960);
        RuleDef newRdp = Authorize(rdpReplaced, _deploy, legacyRdp.GroupId, false, true, [Perm.Tcp(3389, 3389, v4: ["0.0.0.0/0"], description: "jump host (terraform)")])[0];
        RevokeByPermission(rdpReplaced, _deploy, legacyRdp, Perm.Tcp(3389, 3389, v4: ["0.0.0.0/0"]));

        // And on an egress rule (question 2 only).
        long egressReplaced = At(0.970);
        RuleDef newUpdates = Authorize(egressReplaced, _deploy, sgCanary, true, true, [Perm.Tcp(443, 443, v4: ["0.0.0.0/0"], description: "updates (terraform)")])[0];
        RevokeByPermission(egressReplaced, _deploy, oldUpdates, Perm.Tcp(443, 443, v4: ["0.0.0.0/0"]));

        DateTimeOffset Time(long t) => DateTimeOffset.FromUnixTimeSeconds(t);
        var landmarks = new SameSecondLandmarks
        {
            CanaryInstances = [c1.Id, c2.Id, c3.Id],
            CanaryGroup = sgCanary,
            LaunchedAndTagged = Time(launched),
            TaggedAndRegrouped = Time(c2Tagged),
            AuthorizedAndAttached = Time(opened),
            ReplacedRule = Time(replaced),
            OpenedAndClosed = Time(flicked),
            ModifiedAndRevoked = Time(closed),
            AddressReused = Time(reused),
            FirstRuleId = firstRule,
            SecondRuleId = secondRule,
            FlickeredRuleId = flickered.RuleId,
            ReusedIp = IpAddr.FromV4(c2.Primary.Ip).ToString(),
            ReplacedByPermission = new RuleReplacement(Time(terraformed), sgCanary, oldAdmins.RuleId, newAdmins.RuleId),
            UnattachedRuleReplaced = new RuleReplacement(Time(rdpReplaced), legacyRdp.GroupId, legacyRdp.RuleId, newRdp.RuleId),
            EgressRuleReplaced = new RuleReplacement(Time(egressReplaced), sgCanary, oldUpdates.RuleId, newUpdates.RuleId),
        };
        return (landmarks, flows);
    }

    /// <summary>
    /// Rules changed by group name (docs/semantics.md, "Which group a call changed"). An old script creates
    /// <c>legacy-web</c> without <c>vpcId</c>, so in the Region's default VPC, while the story's VPC has a
    /// <c>legacy-web</c> of its own with an office SSH rule; the script opens tcp/22 and tcp/8080 to the world on its
    /// group by <c>groupName</c> (answered without a rule set, so the rules are <c>&lt;eventID&gt;#0</c> and <c>#1</c>),
    /// and later revokes tcp/22 by <c>groupName</c>. The events name only the name; the ops name the group the calls
    /// changed. Neither group is ever attached (questions 2 and 4), and both come after the other traps, so the story
    /// keeps its ids.
    /// </summary>
    private GroupNamedLandmarks GroupNamedTrap()
    {
        const string Name = "legacy-web";
        string namesake = CreateGroup(At(0.975), _alice, Name, "legacy web front (VPC)");
        RuleDef namesakeRule = Authorize(At(0.976), _alice, namesake, false, true, [Perm.Tcp(22, 22, v4: ["203.0.113.0/24"], description: "office")])[0];
        string inDefaultVpc = CreateGroup(At(0.980), _deploy, Name, "legacy web front", inDefaultVpc: true);
        List<RuleDef> opened = Authorize(At(0.985), _deploy, inDefaultVpc, false, false, [Perm.Tcp(22, 22, v4: ["0.0.0.0/0"]), Perm.Tcp(8080, 8080, v4: ["0.0.0.0/0"])], byName: Name);
        string authorizeEvent = _events[^1].EventId;
        RevokeByPermission(At(0.990), _secops, opened[0], Perm.Tcp(22, 22, v4: ["0.0.0.0/0"]), byName: Name);
        return new GroupNamedLandmarks
        {
            Name = Name,
            DefaultVpcGroupId = inDefaultVpc,
            NamesakeGroupId = namesake,
            NamesakeRuleId = namesakeRule.RuleId,
            AuthorizeEventId = authorizeEvent,
            AuthorizedRuleIds = [.. opened.Select(r => r.RuleId)],
            RevokeEventId = _events[^1].EventId,
        };
    }
}
