using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json.Nodes;

namespace FlowCorrelator.Scenarios.World;

/// <summary>A subnet of the model's VPC.</summary>
internal sealed class SubnetInfo(string id, uint network, string azName, string azId)
{
    private int _next = 10;

    public string Id { get; } = id;

    public uint Network { get; } = network;

    public string AzName { get; } = azName;

    public string AzId { get; } = azId;

    /// <summary>Next unused host address (addresses are never handed out twice, except the deliberate reuse).</summary>
    public uint Allocate() => Network + (uint)_next++;
}

/// <summary>An instance as the script knows it.</summary>
internal sealed record InstanceHandle(string Id, string Role, IReadOnlyList<LaunchEni> Enis)
{
    public LaunchEni Primary => Enis[0];
}

/// <summary>The model: the CloudTrail story in time order, the VPC, and the landmarks of its traps.</summary>
internal sealed class WorldModel
{
    public required IReadOnlyList<TrailEvent> Events { get; init; }

    public required long FlowStart { get; init; }

    public required long FlowEnd { get; init; }

    public required string FlowLogId { get; init; }

    public required IReadOnlyDictionary<string, SubnetInfo> Subnets { get; init; }

    public required IReadOnlyList<string> Fleets { get; init; }

    public required ScenarioLandmarks Landmarks { get; init; }

    /// <summary>W1's primary interface (the one whose groups are replaced after launch).</summary>
    public required string DebugTargetEni { get; init; }

    /// <summary>The interface of the instance that reuses P1's address.</summary>
    public required string ReusingEni { get; init; }

    /// <summary>Event ids to deliver a day late.</summary>
    public required IReadOnlyList<string> LateDelivered { get; init; }

    /// <summary>Event id delivered twice.</summary>
    public required string Duplicated { get; init; }

    /// <summary>Flow records placed on a same-second trap's second or the second before it.</summary>
    public required IReadOnlyList<TrapFlow> TrapFlows { get; init; }
}

/// <summary>
/// A flow record the traps place: inbound tcp to <paramref name="EniId"/>'s address, starting at
/// <paramref name="Start"/>; its action comes from the security groups in force then.
/// </summary>
internal sealed record TrapFlow(long Start, string EniId, uint Src, int DstPort);

/// <summary>
/// Writes the scenario's story as CloudTrail events (JSON in the real EC2 shapes of docs/formats.md B.6) and, for each
/// successful one, the typed state changes it causes. Both come from the same call, so they cannot disagree.
/// </summary>
internal sealed class WorldBuilder
{
    public const string Account = "111122223333";
    public const string Region = "us-east-1";
    public const string VpcCidr = "10.0.0.0/16";

    private static readonly string[] s_fleetNames = ["payment", "web", "batch", "cache", "queue", "search", "auth", "ledger"];

    private readonly ScenarioOptions _options;
    private readonly Random _ids;
    private readonly long _t0;
    private readonly long _span;
    private readonly List<TrailEvent> _events = [];
    private readonly WorldState _state = new();
    private readonly Dictionary<string, string> _groupNames = new(StringComparer.Ordinal);
    private long _lastTime = long.MinValue;
    private EventPhase _lastPhase;

    private readonly Actor _alice = new($"arn:aws:iam::{Account}:user/alice", "alice", "203.0.113.10", "aws-cli/2.15.30 Python/3.11.8 Linux/6.1 exe/x86_64.amzn.2", false);
    private readonly Actor _deploy = new($"arn:aws:sts::{Account}:assumed-role/ci-deploy/gh-actions-run", "ci-deploy", "52.94.133.131", "aws-sdk-go-v2/1.30.3 os/linux lang/go#1.22.5 api/ec2#1.173.0", true);
    private readonly Actor _intern = new($"arn:aws:iam::{Account}:user/dev-intern", "dev-intern", "192.0.2.44", "console.ec2.amazonaws.com", false);
    private readonly Actor _secops = new($"arn:aws:sts::{Account}:assumed-role/SecOps/bob", "SecOps", "203.0.113.20", "aws-cli/2.15.30 Python/3.11.8 Darwin/23.4.0 exe/arm64", true);

    private WorldBuilder(ScenarioOptions options)
    {
        _options = options;
        _ids = new Random(unchecked(options.Seed * 31 + 17));
        _t0 = options.Start.ToUnixTimeSeconds();
        _span = options.Days * 86_400L;
        Subnets = new Dictionary<string, SubnetInfo>(StringComparer.Ordinal);
    }

    private Dictionary<string, SubnetInfo> Subnets { get; }

    public static WorldModel Build(ScenarioOptions options) => new WorldBuilder(options).Run();

    private WorldModel Run()
    {
        string vpc = "vpc-0" + Hex(16);
        _vpc = vpc;
        SubnetInfo publicA = AddSubnet(0x0A000100, "us-east-1a", "use1-az1");
        SubnetInfo publicB = AddSubnet(0x0A000200, "us-east-1b", "use1-az2");
        SubnetInfo privateA = AddSubnet(0x0A000B00, "us-east-1a", "use1-az1");
        SubnetInfo privateB = AddSubnet(0x0A000C00, "us-east-1b", "use1-az2");
        string flowLogId = "fl-0" + Hex(16);
        string prefixList = "pl-" + Hex(8);

        // ---- Setup, before the flow-log window: groups, rules, the first fleets.
        int minute = -150;
        string sgWeb = CreateGroup(Pre(minute++), _alice, "web-sg", "HTTPS from the internet");
        string sgPayment = CreateGroup(Pre(minute++), _alice, "payment-sg", "payment service");
        string sgDb = CreateGroup(Pre(minute++), _alice, "db-sg", "postgres");
        string sgBatch = CreateGroup(Pre(minute++), _alice, "batch-sg", "batch workers");
        string sgMgmt = CreateGroup(Pre(minute++), _alice, "mgmt-sg", "monitoring agents");
        string sgUnused = CreateGroup(Pre(minute++), _alice, "legacy-rdp", "old windows jump host");
        var extraGroups = new List<(string Fleet, string Group, int Port)>();
        for (int k = 3; k < _options.Fleets; k++)
        {
            string g = CreateGroup(Pre(minute++), _alice, s_fleetNames[k] + "-sg", s_fleetNames[k] + " service");
            extraGroups.Add((s_fleetNames[k], g, 7000 + k));
        }

        string sgGhost = "sg-0" + Hex(16);
        _groupNames[sgGhost] = "legacy-mysql";

        Authorize(Pre(minute++), _alice, sgWeb, false, true, [Perm.Tcp(443, 443, v4: ["0.0.0.0/0"]), Perm.Tcp(80, 80, v6: ["::/0", "2001:db8:1234:5678::/64"])]);
        // An old-style response without securityGroupRuleSet: the engine must name the rule <eventID>#0.
        RuleDef webHttp = Authorize(Pre(minute++), _alice, sgWeb, false, false, [Perm.Tcp(80, 80, v4: ["0.0.0.0/0"])])[0];
        Authorize(Pre(minute++), _alice, sgPayment, false, true, [Perm.Tcp(22, 22, v4: ["203.0.113.0/24"], description: "office"), Perm.Tcp(8443, 8443, groups: [sgWeb])]);
        Authorize(Pre(minute++), _alice, sgDb, false, true, [Perm.Tcp(5432, 5432, groups: [sgPayment]), Perm.Tcp(5432, 5432, prefixLists: [prefixList])]);
        List<RuleDef> batchRules = Authorize(Pre(minute++), _alice, sgBatch, false, true, [Perm.Tcp(8000, 8100, v4: ["198.18.0.0/24"], description: "partner"), Perm.All(v4: [VpcCidr])]);
        List<RuleDef> mgmtRules = Authorize(Pre(minute++), _alice, sgMgmt, false, true, [Perm.Udp(161, 161, v4: [VpcCidr]), Perm.Tcp(9100, 9100, v4: [VpcCidr])]);
        RuleDef legacyRdp = Authorize(Pre(minute++), _alice, sgUnused, false, true, [Perm.Tcp(3389, 3389, v4: ["0.0.0.0/0"])])[0];
        List<RuleDef> batchEgress = Authorize(Pre(minute++), _alice, sgBatch, true, true, [Perm.Tcp(443, 443, v4: ["0.0.0.0/0"])]);
        Authorize(Pre(minute++), _deploy, sgGhost, false, true, [Perm.Tcp(3306, 3306, v4: [VpcCidr])]);
        foreach ((string _, string g, int port) in extraGroups)
        {
            Authorize(Pre(minute++), _alice, g, false, true, [Perm.Tcp(port, port, v4: [VpcCidr])]);
        }

        minute += 5;
        List<InstanceHandle> web = Launch(Pre(minute++), _deploy, "web", 4, [new("env", "prod"), new("Name", "web")], null, [new NicSpec(publicA, [sgWeb])], nicForm: false);
        List<InstanceHandle> payment = Launch(Pre(minute++), _deploy, "payment", 3, [new("team", "payments"), new("env", "prod"), new("Name", "payment")], null,
            [new NicSpec(publicA, [sgMgmt, sgPayment]), new NicSpec(privateA, [sgMgmt])], nicForm: true);
        InstanceHandle db = Launch(Pre(minute++), _deploy, "db", 1, [new("Name", "db"), new("env", "prod")], null, [new NicSpec(privateA, [sgDb])], nicForm: false)[0];
        // The volume carries Name=payment; the instances get their Name tag only later, by CreateTags.
        List<InstanceHandle> batch = Launch(Pre(minute++), _deploy, "batch", 2, [new("env", "prod"), new("cost-center", "analytics")], [new("Name", "payment")],
            [new NicSpec(privateB, [sgBatch])], nicForm: false);
        foreach ((string fleet, string g, int _) in extraGroups)
        {
            Launch(Pre(minute++), _deploy, fleet, 2, [new("env", "prod"), new("Name", fleet)], null, [new NicSpec(privateB, [g])], nicForm: false);
        }

        InstanceHandle p1 = payment[0], p2 = payment[1], p3 = payment[2], w1 = web[0], w3 = web[2];

        // ---- The story, inside the flow-log window.
        var failed = new List<string>
        {
            Failed(At(0.010), _intern, "RunInstances", "Client.UnauthorizedOperation", "You are not authorized to perform this operation.",
                new JsonObject
                {
                    ["instancesSet"] = Items(new JsonObject { ["imageId"] = "ami-0" + Hex(16), ["minCount"] = 1, ["maxCount"] = 1 }),
                    ["instanceType"] = "t3.micro",
                    ["subnetId"] = publicA.Id,
                    ["groupSet"] = GroupIds([sgUnused]),
                    ["tagSpecificationSet"] = Items(TagSpec("instance", [new("Name", "payment")])),
                }),
            Failed(At(0.015), _alice, "CreateTags", "Client.DryRunOperation", "Request would have succeeded, but DryRun flag is set.",
                new JsonObject { ["resourcesSet"] = Items(new JsonObject { ["resourceId"] = web[1].Id }), ["tagSet"] = Items(Tag("Name", "payment")) }),
            Failed(At(0.020), _alice, "ModifyNetworkInterfaceAttribute", "Client.DryRunOperation", "Request would have succeeded, but DryRun flag is set.",
                new JsonObject { ["networkInterfaceId"] = w1.Primary.EniId, ["groupSet"] = GroupIds([sgUnused]) }),
            Failed(At(0.025), _intern, "AuthorizeSecurityGroupIngress", "Client.UnauthorizedOperation", "You are not authorized to perform this operation.",
                new JsonObject { ["groupId"] = sgPayment, ["ipPermissions"] = Items(Perm.Tcp(3389, 3389, v4: ["0.0.0.0/0"]).ToJson()) }),
        };

        (string e1, TrailEvent e1Create) = CreateEni(At(0.040), _deploy, privateA, [sgPayment]);
        TrailEvent batchTag = Tag(At(0.060), _alice, [.. batch.Select(b => b.Id)], "Name", "batch");
        TrailEvent attachE1 = Attach(At(0.080), _deploy, e1, p2.Id, 2, out _);
        ReplaceEniGroups(At(0.100), _alice, w1.Primary.EniId, [sgWeb, sgMgmt]);
        ReplaceInstanceGroups(At(0.120), _alice, batch[0].Id, [sgMgmt, sgBatch]);
        Terminate(At(0.125), _deploy, [p1.Id]);
        string sgDebug = CreateGroup(At(0.130), _alice, "debug-9000", "temporary debug port");
        Authorize(At(0.135), _alice, sgDebug, false, true, [Perm.Tcp(9000, 9000, v4: [VpcCidr])]);
        ReplaceEniGroups(At(0.140), _alice, w1.Primary.EniId, [sgWeb, sgMgmt, sgDebug]);
        InstanceHandle p4 = Launch(At(0.145), _deploy, "payment", 1, [new("team", "payments")], null,
            [new NicSpec(publicA, [sgMgmt, sgPayment]), new NicSpec(privateA, [sgMgmt])], nicForm: true)[0];
        Stop(At(0.160), _alice, p3.Id);
        TrailEvent lateTag = Tag(At(0.170), _deploy, [p4.Id], "env", "prod", "Name", "payment");
        ModifyRules(At(0.180), _alice, sgBatch, [batchRules[0] with { Cidr = "198.18.1.0/24" }], asArray: false);
        Start(At(0.200), _alice, p3.Id);
        InstanceHandle w5 = Launch(At(0.210), _deploy, "web", 1, [new("Name", "web")], null, [new NicSpec(publicA, [sgWeb])], nicForm: false, fixedIp: p1.Primary.Ip)[0];
        ReplaceEniGroups(At(0.220), _alice, w1.Primary.EniId, [sgWeb, sgMgmt]);
        DeleteGroup(At(0.230), _alice, sgDebug);
        List<RuleDef> world = Authorize(At(0.250), _intern, sgPayment, false, true, [Perm.Tcp(22, 22, v4: ["0.0.0.0/0"], description: "temp debug")]);
        ModifyRules(At(0.280), _alice, sgMgmt, [mgmtRules[1] with { ToPort = 9101 }, mgmtRules[0] with { Cidr = "10.0.4.0/24" }], asArray: true);
        Terminate(At(0.300), _deploy, [p2.Id]);
        ReplaceEniGroups(At(0.320), _deploy, e1, [sgPayment, sgMgmt]);
        Attach(At(0.350), _deploy, e1, p4.Id, 2, out string e1p4Attachment);
        RevokeByPermission(At(0.450), _secops, webHttp, Perm.Tcp(80, 80, v4: ["0.0.0.0/0"]));
        RevokeById(At(0.550), _secops, sgPayment, [world[0].RuleId]);
        Detach(At(0.600), _deploy, e1p4Attachment);
        Terminate(At(0.650), _deploy, [w3.Id]);
        Launch(At(0.660), _deploy, "web", 1, [new("env", "prod"), new("Name", "web")], null, [new NicSpec(publicB, [sgWeb])], nicForm: false);
        ReplaceInstanceGroups(At(0.700), _alice, p4.Id, [sgPayment]);
        RevokeById(At(0.800), _secops, sgBatch, [batchEgress[0].RuleId], egress: true);

        (SameSecondLandmarks sameSecond, List<TrapFlow> trapFlows) = SameSecondTraps(publicA, sgPayment, sgMgmt, sgWeb, db, legacyRdp);
        GroupNamedLandmarks byGroupName = GroupNamedTrap();

        var groups = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["web"] = sgWeb, ["payment"] = sgPayment, ["db"] = sgDb, ["batch"] = sgBatch, ["mgmt"] = sgMgmt,
            ["unused"] = sgUnused, ["ghost"] = sgGhost, ["debug"] = sgDebug,
        };
        List<string> late = [e1Create.EventId, attachE1.EventId];
        var landmarks = new ScenarioLandmarks
        {
            PaymentInstances = [p1.Id, p2.Id, p3.Id, p4.Id],
            LateTaggedInstance = p4.Id,
            LateTagEventId = lateTag.EventId,
            FloatingEni = e1,
            FloatingEniFirstAttach = DateTimeOffset.FromUnixTimeSeconds(attachE1.Time),
            ReusingInstance = w5.Id,
            ReusedIp = IpAddr.FromV4(p1.Primary.Ip).ToString(),
            BatchInstances = [.. batch.Select(b => b.Id)],
            OpenToWorldEventId = _events.First(e => e.Ops.OfType<AddRuleOp>().Any(o => o.Rule.RuleId == world[0].RuleId)).EventId,
            Groups = groups.ToImmutableSortedDictionary(StringComparer.Ordinal),
            FailedEventIds = [.. failed],
            LateDeliveredEventIds = [.. late],
            SameSecond = sameSecond,
            ByGroupName = byGroupName,
        };
        return new WorldModel
        {
            Events = _events,
            FlowStart = _t0,
            FlowEnd = _t0 + _span,
            FlowLogId = flowLogId,
            Subnets = Subnets,
            Fleets = s_fleetNames[.._options.Fleets],
            Landmarks = landmarks,
            DebugTargetEni = w1.Primary.EniId,
            ReusingEni = w5.Primary.EniId,
            LateDelivered = late,
            Duplicated = landmarks.OpenToWorldEventId,
            TrapFlows = trapFlows,
        };
    }

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

    private string _vpc = string.Empty;

    private SubnetInfo AddSubnet(uint network, string azName, string azId)
    {
        var s = new SubnetInfo("subnet-0" + Hex(16), network, azName, azId);
        Subnets[s.Id] = s;
        return s;
    }

    /// <summary>Setup time: minutes before the window, on second 30 (flow starts avoid seconds 28–32).</summary>
    private long Pre(int minuteOffset) => _t0 + minuteOffset * 60L + 30;

    /// <summary>A story time: a fraction of the window, rounded down to the minute, on second 30.</summary>
    private long At(double fraction) => _t0 + (long)(fraction * _span / 60) * 60 + 30;

    // ---------------------------------------------------------------- ids

    private string Hex(int length)
    {
        Span<char> chars = stackalloc char[length];
        for (int i = 0; i < length; i++)
        {
            chars[i] = "0123456789abcdef"[_ids.Next(16)];
        }

        return new string(chars);
    }

    private string Guid()
    {
        string h = Hex(32);
        return $"{h[..8]}-{h[8..12]}-4{h[13..16]}-a{h[17..20]}-{h[20..32]}";
    }

    // ---------------------------------------------------------------- events

    private TrailEvent Emit(long time, Actor actor, string name, JsonObject? request, JsonObject? response, IEnumerable<Op> ops, string? errorCode = null, string? errorMessage = null)
    {
        InApplicationOrder(time, name);
        var e = new TrailEvent { Time = time, EventId = Guid(), EventName = name, Actor = actor, ErrorCode = errorCode, ErrorMessage = errorMessage, Request = request, Response = response };
        if (errorCode is null)
        {
            foreach (Op op in ops)
            {
                e.Ops.Add(op);
                _state.Apply(op);
            }
        }

        _events.Add(e);
        return e;
    }

    /// <summary>
    /// The script applies each event's effects to its own state as it writes the event, and later events are computed
    /// from that state (a revoke by permission finds its rules there). So the script must be written in the order the
    /// effects apply: time, then, within one second, strictly increasing phase. Two events of one phase in one second
    /// would apply in event-id order, which is random; the script has none.
    /// </summary>
    private void InApplicationOrder(long time, string name)
    {
        EventPhase phase = TrailEvent.PhaseOf(name);
        if (time < _lastTime || (time == _lastTime && phase <= _lastPhase))
        {
            throw new InvalidOperationException($"The story must be written in the order its events apply ({name}).");
        }

        _lastTime = time;
        _lastPhase = phase;
    }

    private string Failed(long time, Actor actor, string name, string code, string message, JsonObject request) =>
        Emit(time, actor, name, request, null, [], code, message).EventId;

    private JsonObject Ok() => new() { ["requestId"] = Guid(), ["_return"] = true };

    /// <summary>CreateSecurityGroup in the story's VPC, or without <c>vpcId</c> (so in the Region's default VPC).</summary>
    private string CreateGroup(long time, Actor actor, string name, string description, bool inDefaultVpc = false)
    {
        string id = "sg-0" + Hex(16);
        _groupNames[id] = name;
        JsonObject response = Ok();
        response["groupId"] = id;
        response["securityGroupArn"] = $"arn:aws:ec2:{Region}:{Account}:security-group/{id}";
        var request = new JsonObject { ["groupName"] = name, ["groupDescription"] = description };
        if (!inDefaultVpc)
        {
            request["vpcId"] = _vpc;
        }

        Emit(time, actor, "CreateSecurityGroup", request, response, [new CreateGroupOp(id, name)]);
        return id;
    }

    /// <summary>
    /// A request's group: its id, or only its name (<paramref name="byName"/>), which EC2 accepts on the ingress calls
    /// for a group in the default VPC.
    /// </summary>
    private static JsonObject GroupParameter(string groupId, string? byName) =>
        byName is null ? new JsonObject { ["groupId"] = groupId } : new JsonObject { ["groupName"] = byName };

    private void DeleteGroup(long time, Actor actor, string groupId)
    {
        JsonObject response = Ok();
        response["groupId"] = groupId;
        Emit(time, actor, "DeleteSecurityGroup", new JsonObject { ["groupId"] = groupId }, response, [new DeleteGroupOp(groupId)]);
    }

    /// <summary>
    /// Authorize*: one rule per (permission × peer), peers in the order ipRanges, ipv6Ranges, groups, prefixListIds.
    /// With <paramref name="byName"/> the request names the group only by that name.
    /// </summary>
    private List<RuleDef> Authorize(long time, Actor actor, string groupId, bool egress, bool withRuleSet, Perm[] permissions, string? byName = null)
    {
        if (byName is not null && egress)
        {
            throw new InvalidOperationException("AuthorizeSecurityGroupEgress requires groupId.");
        }

        string eventId = Guid();
        var rules = new List<RuleDef>();
        int n = 0;
        foreach (Perm p in permissions)
        {
            foreach ((string? cidr, string? refGroup, string? pl) in p.Peers())
            {
                string ruleId = withRuleSet ? "sgr-0" + Hex(16) : $"{eventId}#{n}";
                n++;
                rules.Add(new RuleDef(ruleId, groupId, egress, p.Protocol, p.From, p.To, cidr, refGroup, pl));
            }
        }

        JsonObject response = Ok();
        if (withRuleSet)
        {
            var items = new JsonArray();
            foreach (RuleDef r in rules)
            {
                var item = new JsonObject
                {
                    ["groupOwnerId"] = Account,
                    ["groupId"] = groupId,
                    ["securityGroupRuleId"] = r.RuleId,
                    ["securityGroupRuleArn"] = $"arn:aws:ec2:{Region}:{Account}:security-group-rule/{r.RuleId}",
                    ["isEgress"] = egress,
                    ["ipProtocol"] = Perm.ProtocolText(r.Protocol),
                };
                if (r.Protocol != -1)
                {
                    item["fromPort"] = r.FromPort;
                    item["toPort"] = r.ToPort;
                }

                if (r.Cidr is not null)
                {
                    item[r.Cidr.Contains(':', StringComparison.Ordinal) ? "cidrIpv6" : "cidrIpv4"] = r.Cidr;
                }
                else if (r.ReferencedGroupId is not null)
                {
                    item["referencedGroupInfo"] = new JsonObject { ["groupId"] = r.ReferencedGroupId, ["userId"] = Account };
                }
                else
                {
                    item["prefixListId"] = r.PrefixListId;
                }

                items.Add(item);
            }

            response["securityGroupRuleSet"] = new JsonObject { ["items"] = items };
        }

        JsonObject request = GroupParameter(groupId, byName);
        request["ipPermissions"] = Items([.. permissions.Select(p => p.ToJson())]);
        var e = new TrailEvent
        {
            Time = time, EventId = eventId, EventName = egress ? "AuthorizeSecurityGroupEgress" : "AuthorizeSecurityGroupIngress",
            Actor = actor, Request = request, Response = response,
        };
        Append(e, rules.Select(r => (Op)new AddRuleOp(r)));
        return rules;
    }

    /// <summary>Adds an event built outside <see cref="Emit"/> (when its id is needed before its JSON).</summary>
    private void Append(TrailEvent e, IEnumerable<Op> ops)
    {
        InApplicationOrder(e.Time, e.EventName);
        foreach (Op op in ops)
        {
            e.Ops.Add(op);
            _state.Apply(op);
        }

        _events.Add(e);
    }

    private void RevokeById(long time, Actor actor, string groupId, string[] ruleIds, bool egress = false)
    {
        var request = new JsonObject
        {
            ["groupId"] = groupId,
            ["securityGroupRuleIds"] = Items([.. ruleIds.Select(id => new JsonObject { ["securityGroupRuleId"] = id })]),
        };
        Emit(time, actor, egress ? "RevokeSecurityGroupEgress" : "RevokeSecurityGroupIngress", request, Ok(), ruleIds.Select(id => (Op)new RemoveRuleOp(id)));
    }

    /// <summary>
    /// A revoke by permission that removed <paramref name="revoked"/>. The script names the rule instead of looking for
    /// rules of that permission in its state: within one second it writes an Authorize before a Revoke (the order they
    /// apply), so when the calls ran the other way round (a rule replaced: revoke, then authorize of the same
    /// permission) its state holds the old rule and the new one, and only the story knows which one the call took.
    /// </summary>
    private void RevokeByPermission(long time, Actor actor, RuleDef revoked, Perm permission, string? byName = null)
    {
        if (byName is not null && revoked.Egress)
        {
            throw new InvalidOperationException("RevokeSecurityGroupEgress requires groupId.");
        }

        (string? cidr, string? refGroup, string? pl) = permission.Peers().Single();
        var probe = new RuleDef("?", revoked.GroupId, revoked.Egress, permission.Protocol, permission.From, permission.To, cidr, refGroup, pl);
        if (!revoked.SamePermission(probe) || !_state.Groups[revoked.GroupId].Rules.ContainsKey(revoked.RuleId))
        {
            throw new InvalidOperationException("A revoke by permission must name a live rule of that permission.");
        }

        JsonObject request = GroupParameter(revoked.GroupId, byName);
        request["ipPermissions"] = Items(permission.ToJson());
        Emit(time, actor, revoked.Egress ? "RevokeSecurityGroupEgress" : "RevokeSecurityGroupIngress", request, Ok(), [new RemoveRuleOp(revoked.RuleId)]);
    }

    private void ModifyRules(long time, Actor actor, string groupId, RuleDef[] newDefinitions, bool asArray)
    {
        JsonObject Entry(RuleDef r)
        {
            var rule = new JsonObject { ["IpProtocol"] = Perm.ProtocolText(r.Protocol) };
            if (r.Protocol != -1)
            {
                rule["FromPort"] = r.FromPort;
                rule["ToPort"] = r.ToPort;
            }

            if (r.Cidr is not null)
            {
                rule[r.Cidr.Contains(':', StringComparison.Ordinal) ? "CidrIpv6" : "CidrIpv4"] = r.Cidr;
            }
            else if (r.ReferencedGroupId is not null)
            {
                rule["ReferencedGroupId"] = r.ReferencedGroupId;
            }
            else
            {
                rule["PrefixListId"] = r.PrefixListId;
            }

            return new JsonObject { ["SecurityGroupRuleId"] = r.RuleId, ["SecurityGroupRule"] = rule };
        }

        JsonNode rules = asArray ? new JsonArray([.. newDefinitions.Select(r => (JsonNode)Entry(r))]) : Entry(newDefinitions.Single());
        var request = new JsonObject { ["ModifySecurityGroupRulesRequest"] = new JsonObject { ["GroupId"] = groupId, ["SecurityGroupRule"] = rules } };
        var response = new JsonObject
        {
            ["ModifySecurityGroupRulesResponse"] = new JsonObject { ["xmlns"] = "http://ec2.amazonaws.com/doc/2016-11-15/", ["requestId"] = Guid(), ["return"] = true },
        };
        Emit(time, actor, "ModifySecurityGroupRules", request, response, newDefinitions.Select(r => (Op)new ModifyRuleOp(r)));
    }

    private sealed record NicSpec(SubnetInfo Subnet, string[] Groups);

    private List<InstanceHandle> Launch(long time, Actor actor, string role, int count, KeyValuePair<string, string>[] instanceTags, KeyValuePair<string, string>[]? volumeTags,
        NicSpec[] nics, bool nicForm, uint? fixedIp = null)
    {
        string ami = "ami-0" + Hex(16);
        var request = new JsonObject
        {
            ["instancesSet"] = Items(new JsonObject { ["imageId"] = ami, ["minCount"] = count, ["maxCount"] = count, ["keyName"] = "ops-2026" }),
            ["instanceType"] = role == "db" ? "r6i.large" : "m6i.large",
        };
        if (nicForm)
        {
            request["networkInterfaceSet"] = Items([.. nics.Select((n, i) => new JsonObject
            {
                ["deviceIndex"] = i, ["subnetId"] = n.Subnet.Id, ["groupSet"] = GroupIds(n.Groups), ["deleteOnTermination"] = true,
            })]);
        }
        else
        {
            request["subnetId"] = nics[0].Subnet.Id;
            request["groupSet"] = GroupIds(nics[0].Groups);
            if (fixedIp is uint ip)
            {
                request["privateIpAddress"] = IpAddr.FromV4(ip).ToString();
            }
        }

        var specs = new List<JsonNode>();
        if (volumeTags is not null)
        {
            specs.Add(TagSpec("volume", volumeTags));
        }

        if (instanceTags.Length > 0)
        {
            specs.Add(TagSpec("instance", instanceTags));
        }

        request["tagSpecificationSet"] = Items([.. specs]);
        request["disableApiTermination"] = false;
        request["monitoring"] = new JsonObject { ["enabled"] = false };
        request["clientToken"] = Guid();

        var handles = new List<InstanceHandle>();
        var items = new JsonArray();
        long launchMs = time * 1000;
        for (int k = 0; k < count; k++)
        {
            string instanceId = "i-0" + Hex(16);
            var enis = new List<LaunchEni>();
            var eniItems = new JsonArray();
            for (int d = 0; d < nics.Length; d++)
            {
                NicSpec n = nics[d];
                uint ip = d == 0 && fixedIp is uint f ? f : n.Subnet.Allocate();
                var eni = new LaunchEni("eni-0" + Hex(16), ip, n.Subnet.Id, n.Groups, "eni-attach-0" + Hex(16), d);
                enis.Add(eni);
                string ipText = IpAddr.FromV4(ip).ToString();
                eniItems.Add(new JsonObject
                {
                    ["networkInterfaceId"] = eni.EniId,
                    ["subnetId"] = n.Subnet.Id,
                    ["vpcId"] = _vpc,
                    ["description"] = string.Empty,
                    ["ownerId"] = Account,
                    ["status"] = "in-use",
                    ["macAddress"] = Mac(),
                    ["privateIpAddress"] = ipText,
                    ["privateDnsName"] = DnsName(ipText),
                    ["sourceDestCheck"] = true,
                    ["interfaceType"] = "interface",
                    ["groupSet"] = GroupRefs(n.Groups),
                    ["attachment"] = new JsonObject
                    {
                        ["attachmentId"] = eni.AttachmentId, ["deviceIndex"] = d, ["networkCardIndex"] = 0, ["status"] = "attaching",
                        ["attachTime"] = launchMs, ["deleteOnTermination"] = true,
                    },
                    ["privateIpAddressesSet"] = new JsonObject { ["item"] = new JsonArray(new JsonObject { ["privateIpAddress"] = ipText, ["privateDnsName"] = DnsName(ipText), ["primary"] = true }) },
                    ["ipv6AddressesSet"] = new JsonObject(),
                    ["tagSet"] = new JsonObject(),
                });
            }

            var item = new JsonObject
            {
                ["instanceId"] = instanceId,
                ["imageId"] = ami,
                ["instanceState"] = new JsonObject { ["code"] = 0, ["name"] = "pending" },
                ["privateDnsName"] = DnsName(IpAddr.FromV4(enis[0].Ip).ToString()),
                ["keyName"] = "ops-2026",
                ["amiLaunchIndex"] = k,
                ["productCodes"] = new JsonObject(),
                ["instanceType"] = request["instanceType"]!.GetValue<string>(),
                ["launchTime"] = launchMs,
                ["placement"] = new JsonObject { ["availabilityZone"] = nics[0].Subnet.AzName, ["tenancy"] = "default" },
                ["monitoring"] = new JsonObject { ["state"] = "disabled" },
                ["subnetId"] = nics[0].Subnet.Id,
                ["vpcId"] = _vpc,
                ["privateIpAddress"] = IpAddr.FromV4(enis[0].Ip).ToString(),
                ["stateReason"] = new JsonObject { ["code"] = "pending", ["message"] = "pending" },
                ["architecture"] = "x86_64",
                ["rootDeviceType"] = "ebs",
                ["rootDeviceName"] = "/dev/xvda",
                ["blockDeviceMapping"] = new JsonObject(),
                ["virtualizationType"] = "hvm",
                ["hypervisor"] = "xen",
                ["groupSet"] = GroupRefs(nics[0].Groups),
                ["networkInterfaceSet"] = new JsonObject { ["items"] = eniItems },
                ["ebsOptimized"] = false,
                ["enaSupport"] = true,
            };
            if (instanceTags.Length > 0)
            {
                item["tagSet"] = Items([.. instanceTags.Select(t => Tag(t.Key, t.Value))]);
            }

            items.Add(item);
            handles.Add(new InstanceHandle(instanceId, role, enis));
        }

        var response = new JsonObject
        {
            ["requestId"] = Guid(),
            ["reservationId"] = "r-0" + Hex(16),
            ["ownerId"] = Account,
            ["groupSet"] = new JsonObject(),
            ["instancesSet"] = new JsonObject { ["items"] = items },
        };
        Emit(time, actor, "RunInstances", request, response, handles.Select(h => (Op)new LaunchOp(h.Id, role, instanceTags, h.Enis)));
        return handles;
    }

    private void Terminate(long time, Actor actor, string[] instanceIds) =>
        StateChange(time, actor, "TerminateInstances", instanceIds, 32, "shutting-down", 16, "running", instanceIds.Select(i => (Op)new TerminateOp(i)));

    private void Stop(long time, Actor actor, string instanceId) =>
        StateChange(time, actor, "StopInstances", [instanceId], 64, "stopping", 16, "running", [new StopOp(instanceId)]);

    private void Start(long time, Actor actor, string instanceId) =>
        StateChange(time, actor, "StartInstances", [instanceId], 0, "pending", 80, "stopped", [new StartOp(instanceId)]);

    private void StateChange(long time, Actor actor, string name, string[] ids, int code, string state, int previousCode, string previousState, IEnumerable<Op> ops)
    {
        var request = new JsonObject { ["instancesSet"] = Items([.. ids.Select(i => new JsonObject { ["instanceId"] = i })]) };
        if (name == "TerminateInstances")
        {
            request["force"] = false;
            request["skipOsShutdown"] = false;
        }

        var response = new JsonObject
        {
            ["requestId"] = Guid(),
            ["instancesSet"] = Items([.. ids.Select(i => new JsonObject
            {
                ["instanceId"] = i,
                ["currentState"] = new JsonObject { ["code"] = code, ["name"] = state },
                ["previousState"] = new JsonObject { ["code"] = previousCode, ["name"] = previousState },
            })]),
        };
        Emit(time, actor, name, request, response, ops);
    }

    private (string EniId, TrailEvent Event) CreateEni(long time, Actor actor, SubnetInfo subnet, string[] groups)
    {
        string eniId = "eni-0" + Hex(16);
        uint ip = subnet.Allocate();
        string ipText = IpAddr.FromV4(ip).ToString();
        var request = new JsonObject
        {
            ["subnetId"] = subnet.Id,
            ["description"] = "payment failover interface",
            ["groupSet"] = GroupIds(groups),
            ["privateIpAddressesSet"] = new JsonObject(),
            // An interface tag, not an instance tag: it must not make anything a payment instance.
            ["tagSpecificationSet"] = Items(TagSpec("network-interface", [new("Name", "payment")])),
            ["clientToken"] = Guid(),
        };
        var response = new JsonObject
        {
            ["requestId"] = Guid(),
            ["networkInterface"] = new JsonObject
            {
                ["networkInterfaceId"] = eniId,
                ["subnetId"] = subnet.Id,
                ["vpcId"] = _vpc,
                ["availabilityZone"] = subnet.AzName,
                ["description"] = "payment failover interface",
                ["ownerId"] = Account,
                ["requesterManaged"] = false,
                ["status"] = "pending",
                ["macAddress"] = Mac(),
                ["privateIpAddress"] = ipText,
                ["privateDnsName"] = DnsName(ipText),
                ["sourceDestCheck"] = true,
                ["interfaceType"] = "interface",
                ["groupSet"] = GroupRefs(groups),
                ["privateIpAddressesSet"] = new JsonObject { ["item"] = new JsonArray(new JsonObject { ["privateIpAddress"] = ipText, ["privateDnsName"] = DnsName(ipText), ["primary"] = true }) },
                ["ipv6AddressesSet"] = new JsonObject(),
                ["tagSet"] = Items(Tag("Name", "payment")),
            },
        };
        TrailEvent e = Emit(time, actor, "CreateNetworkInterface", request, response, [new CreateEniOp(eniId, ip, subnet.Id, groups)]);
        return (eniId, e);
    }

    private TrailEvent Attach(long time, Actor actor, string eniId, string instanceId, int deviceIndex, out string attachmentId)
    {
        attachmentId = "eni-attach-0" + Hex(16);
        var request = new JsonObject { ["networkInterfaceId"] = eniId, ["instanceId"] = instanceId, ["deviceIndex"] = deviceIndex, ["networkCardIndex"] = 0 };
        var response = new JsonObject { ["requestId"] = Guid(), ["attachmentId"] = attachmentId, ["networkCardIndex"] = 0 };
        return Emit(time, actor, "AttachNetworkInterface", request, response, [new AttachOp(eniId, instanceId, attachmentId, deviceIndex)]);
    }

    private void Detach(long time, Actor actor, string attachmentId) =>
        Emit(time, actor, "DetachNetworkInterface", new JsonObject { ["attachmentId"] = attachmentId, ["force"] = false }, Ok(), [new DetachOp(attachmentId)]);

    private void ReplaceEniGroups(long time, Actor actor, string eniId, string[] groups) =>
        Emit(time, actor, "ModifyNetworkInterfaceAttribute", new JsonObject { ["networkInterfaceId"] = eniId, ["groupSet"] = GroupIds(groups) }, Ok(), [new SetEniGroupsOp(eniId, groups)]);

    private void ReplaceInstanceGroups(long time, Actor actor, string instanceId, string[] groups) =>
        Emit(time, actor, "ModifyInstanceAttribute", new JsonObject { ["instanceId"] = instanceId, ["groupSet"] = GroupIds(groups) }, Ok(), [new SetInstanceGroupsOp(instanceId, groups)]);

    /// <summary>CreateTags with one or two tags on several instances (the fleet tag is given last).</summary>
    private TrailEvent Tag(long time, Actor actor, string[] instanceIds, string key, string value, string? key2 = null, string? value2 = null)
    {
        var tags = new List<JsonNode> { Tag(key, value) };
        var ops = new List<Op>();
        if (key2 is not null && value2 is not null)
        {
            tags.Add(Tag(key2, value2));
        }

        foreach (string id in instanceIds)
        {
            ops.Add(new TagOp(id, key, value));
            if (key2 is not null && value2 is not null)
            {
                ops.Add(new TagOp(id, key2, value2));
            }
        }

        var request = new JsonObject { ["resourcesSet"] = Items([.. instanceIds.Select(i => new JsonObject { ["resourceId"] = i })]), ["tagSet"] = Items([.. tags]) };
        return Emit(time, actor, "CreateTags", request, Ok(), ops);
    }

    // ---------------------------------------------------------------- JSON helpers

    private static JsonObject Items(params JsonNode[] items) => items.Length == 0 ? new JsonObject() : new JsonObject { ["items"] = new JsonArray(items) };

    private static JsonObject Tag(string key, string value) => new() { ["key"] = key, ["value"] = value };

    private static JsonObject TagSpec(string resourceType, KeyValuePair<string, string>[] tags) =>
        new() { ["resourceType"] = resourceType, ["tags"] = new JsonArray([.. tags.Select(t => (JsonNode)Tag(t.Key, t.Value))]) };

    private static JsonObject GroupIds(IEnumerable<string> groups) => Items([.. groups.Select(g => new JsonObject { ["groupId"] = g })]);

    private JsonObject GroupRefs(IEnumerable<string> groups) =>
        Items([.. groups.Select(g => new JsonObject { ["groupId"] = g, ["groupName"] = _groupNames[g] })]);

    private string Mac() => string.Join(':', Enumerable.Range(0, 6).Select(i => (i == 0 ? 0x0e : _ids.Next(256)).ToString("x2", CultureInfo.InvariantCulture)));

    private static string DnsName(string ip) => "ip-" + ip.Replace('.', '-') + ".ec2.internal";
}

/// <summary>One <c>ipPermissions</c> item.</summary>
internal sealed record Perm(int Protocol, int? From, int? To, string[] V4, string[] V6, string[] Groups, string[] PrefixLists, string? Description)
{
    public static Perm Tcp(int from, int to, string[]? v4 = null, string[]? v6 = null, string[]? groups = null, string[]? prefixLists = null, string? description = null) =>
        new(6, from, to, v4 ?? [], v6 ?? [], groups ?? [], prefixLists ?? [], description);

    public static Perm Udp(int from, int to, string[]? v4 = null) => new(17, from, to, v4 ?? [], [], [], [], null);

    public static Perm All(string[]? v4 = null) => new(-1, null, null, v4 ?? [], [], [], [], null);

    public static string ProtocolText(int protocol) => protocol switch { 6 => "tcp", 17 => "udp", 1 => "icmp", 58 => "icmpv6", -1 => "-1", _ => protocol.ToString(CultureInfo.InvariantCulture) };

    /// <summary>Peers in the order the rules are numbered: ipRanges, ipv6Ranges, groups, prefixListIds.</summary>
    public IEnumerable<(string? Cidr, string? Group, string? PrefixList)> Peers()
    {
        foreach (string c in V4)
        {
            yield return (c, null, null);
        }

        foreach (string c in V6)
        {
            yield return (c, null, null);
        }

        foreach (string g in Groups)
        {
            yield return (null, g, null);
        }

        foreach (string p in PrefixLists)
        {
            yield return (null, null, p);
        }
    }

    public JsonObject ToJson()
    {
        var o = new JsonObject { ["ipProtocol"] = ProtocolText(Protocol) };
        if (Protocol != -1)
        {
            o["fromPort"] = From;
            o["toPort"] = To;
        }

        JsonObject Range(string key, string value)
        {
            var r = new JsonObject { [key] = value };
            if (Description is not null)
            {
                r["description"] = Description;
            }

            return r;
        }

        o["ipRanges"] = List(V4.Select(c => Range("cidrIp", c)));
        o["ipv6Ranges"] = List(V6.Select(c => Range("cidrIpv6", c)));
        o["groups"] = List(Groups.Select(g => new JsonObject { ["groupId"] = g, ["userId"] = WorldBuilder.Account }));
        o["prefixListIds"] = List(PrefixLists.Select(p => new JsonObject { ["prefixListId"] = p }));
        return o;
    }

    private static JsonObject List(IEnumerable<JsonObject> items)
    {
        JsonNode[] array = [.. items];
        return array.Length == 0 ? new JsonObject() : new JsonObject { ["items"] = new JsonArray(array) };
    }
}
