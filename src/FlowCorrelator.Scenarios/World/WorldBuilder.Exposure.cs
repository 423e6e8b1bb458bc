using System.Collections.Immutable;

namespace FlowCorrelator.Scenarios.World;

// The exposure traps (question 6): risky rule definitions whose in-force time and competing rules decide what they let in.
internal sealed partial class WorldBuilder
{
    /// <summary>
    /// Four risky ingress rules on one instance of a role the random traffic never picks (tagged Name=reports), each
    /// with flow records placed around its changes: a world rule shadowed by an older narrower rule (every record it
    /// matches the older rule admits too), a rule modified from the VPC to the world and back (only the world
    /// definition is a row, and only its time counts), a world rule on a group attached to the interface only after
    /// the rule was added (records before the attachment are rejected, not exposed), and a world rule on an admin port
    /// only known scanners reach. They come after every other trap, so the story keeps its ids; one event a minute on
    /// second 30, records at seconds 35–15 around them (the last on the window's last minutes).
    /// </summary>
    private ExposureLandmarks ExposureTraps(SubnetInfo subnet, List<TrapFlow> flows)
    {
        long m0 = At(0.991);
        long Minute(int k) => m0 + (k * 60L);
        uint vpcHost = 0x0A00C805;   // 10.0.200.5: inside the VPC, owned by no interface
        uint outsider = 0xC6336414;  // 198.51.100.20
        uint scannerA = ModelNetworks.ScannersV4[0].First, scannerB = ModelNetworks.ScannersV4[^1].First;

        // One event a minute, each on second 30 (no second is shared: the same-second traps are elsewhere).
        string sgApp = CreateGroup(Minute(0), _alice, "reports-app", "reports service");
        List<RuleDef> older = Authorize(Minute(1), _alice, sgApp, false, true,
            [Perm.Tcp(8888, 8888, v4: [VpcCidr], description: "internal"), Perm.Tcp(8889, 8889, v4: [VpcCidr], description: "internal api")]);
        string sgLate = CreateGroup(Minute(2), _alice, "reports-public", "public reports");
        RuleDef late = Authorize(Minute(3), _intern, sgLate, false, true, [Perm.Tcp(9443, 9443, v4: ["0.0.0.0/0"], description: "public")])[0];
        string sgSearch = CreateGroup(Minute(4), _alice, "reports-search", "search node");
        RuleDef search = Authorize(Minute(5), _intern, sgSearch, false, true, [Perm.Tcp(9200, 9200, v4: ["0.0.0.0/0"], description: "search")])[0];
        InstanceHandle reports = Launch(Minute(6), _deploy, "reports", 1, [new("env", "prod"), new("Name", "reports")], null, [new NicSpec(subnet, [sgApp, sgSearch])], nicForm: false)[0];
        string eni = reports.Primary.EniId;

        // Shadowed: the world rule on 8888 beside the older VPC rule; only VPC addresses come, so it exposes nothing.
        RuleDef shadowing = Authorize(Minute(7), _intern, sgApp, false, true, [Perm.Tcp(8888, 8888, v4: ["0.0.0.0/0"], description: "temp")])[0];
        flows.Add(new TrapFlow(Minute(6) + 15, eni, vpcHost, 8888));      // before it: the older rule alone
        flows.Add(new TrapFlow(Minute(7) + 15, eni, vpcHost, 8888));
        flows.Add(new TrapFlow(Minute(8) + 15, eni, vpcHost + 1, 8888));
        flows.Add(new TrapFlow(Minute(10) + 15, eni, vpcHost, 8888));

        // Narrow to world and back: only the world definition's time counts, and there it is the only rule on 8889.
        RuleDef flipped = older[1];
        ModifyRules(Minute(8), _intern, sgApp, [flipped with { Cidr = "0.0.0.0/0" }], asArray: false);
        string openedEvent = _events[^1].EventId;
        flows.Add(new TrapFlow(Minute(7) + 20, eni, outsider, 8889));     // narrow: rejected
        flows.Add(new TrapFlow(Minute(8) + 20, eni, outsider, 8889));
        flows.Add(new TrapFlow(Minute(9) + 20, eni, outsider + 1, 8889));
        flows.Add(new TrapFlow(Minute(9) + 25, eni, vpcHost + 2, 8889));  // inside the VPC, but the narrow definition is gone
        flows.Add(new TrapFlow(Minute(10) + 20, eni, outsider, 8889));    // narrow again: rejected

        // Attached after the change: the world rule is in force from minute 3, its group on the interface from minute 9.
        ReplaceEniGroups(Minute(9), _intern, eni, [sgApp, sgSearch, sgLate]);
        ModifyRules(Minute(10), _secops, sgApp, [flipped], asArray: false);
        flows.Add(new TrapFlow(Minute(6) + 25, eni, outsider + 10, 9443)); // group not attached: rejected
        flows.Add(new TrapFlow(Minute(9) + 40, eni, outsider + 10, 9443));
        flows.Add(new TrapFlow(Minute(10) + 40, eni, outsider + 11, 9443));

        // Scanner only: the world rule on the search port is reached by known scanners alone.
        flows.Add(new TrapFlow(Minute(6) + 35, eni, scannerA, 9200));
        flows.Add(new TrapFlow(Minute(8) + 35, eni, scannerB, 9200));
        flows.Add(new TrapFlow(Minute(10) + 45, eni, scannerA, 9200));

        return new ExposureLandmarks
        {
            Instance = reports.Id,
            Group = sgApp,
            ShadowingRuleId = older[0].RuleId,
            ShadowedRuleId = shadowing.RuleId,
            FlippedRuleId = flipped.RuleId,
            FlippedToWorldEventId = openedEvent,
            LateGroup = sgLate,
            LateRuleId = late.RuleId,
            LateAttached = DateTimeOffset.FromUnixTimeSeconds(Minute(9)),
            ScannerOnlyRuleId = search.RuleId,
        };
    }
}
