using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json.Nodes;

namespace FlowCorrelator.Scenarios.World;

/// <summary>
/// Writes the scenario's story as CloudTrail events (JSON in the real EC2 shapes of docs/formats.md B.6) and, for each
/// successful one, the typed state changes it causes. Both come from the same call, so they cannot disagree.
/// </summary>
internal sealed partial class WorldBuilder
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
        // The payment fleet is an Auto Scaling group of Spot instances: its Name tag lives only in the launch template.
        TemplateModel paymentLt = CreateTemplate(Pre(minute++), _deploy, "payment-spot", [new("team", "payments"), new("Name", "payment")],
            [publicA, privateA], [[sgMgmt, sgPayment], [sgMgmt]]);
        AsgModel paymentAsg = CreateAsg(Pre(minute++), _deploy, "payment-asg", paymentLt, [publicA, privateA], [new("env", "prod")]);
        List<InstanceHandle> payment = AsgLaunch(Pre(minute++), paymentAsg, paymentLt, [publicA, privateA], 3, "payment");
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
        TemplateModel paymentLt2 = CreateTemplateVersion(At(0.290), _deploy, paymentLt, [publicA, privateA], [[sgPayment], [sgMgmt]]);
        TrailEvent templateVersion = _events[^1];
        Evict(At(0.300), [p2.Id]);
        TrailEvent eviction = _events[^1];

        // The group replaces the evicted instance from version 2 ($Latest), on the same address; the record of that
        // launch states no group set, so only the template says the new primary interface has [payment] alone.
        InstanceHandle p5 = AsgLaunch(At(0.305), paymentAsg, paymentLt2, [publicA, privateA], 1, "payment", fixedIp: p2.Primary.Ip, groupsInResponse: false)[0];
        ReplaceEniGroups(At(0.320), _deploy, e1, [sgPayment, sgMgmt]);
        long e1ToP4 = At(0.350);
        Attach(e1ToP4, _deploy, e1, p4.Id, 2, out string e1p4Attachment);
        // Karpenter adds a payment node: tags only in CreateFleet, groups only in its template, a /28 of pod addresses.
        TemplateModel nodeLt = CreateTemplate(At(0.395), _karpenter, "karpenter.k8s.aws/payment", [], [publicB], [[sgMgmt, sgPayment]]);
        InstanceHandle k1 = KarpenterLaunch(At(0.400), nodeLt, [publicB], [new("Name", "payment"), new("karpenter.sh/nodepool", "payment"), new("eks:eks-cluster-name", "prod")], "payment");
        uint podPrefix = publicB.Network + 0xE0;
        AssignPodPrefix(At(0.405), _vpcCni, k1.Primary.EniId, podPrefix);
        AssignPodIpv6Prefix(At(0.410), _vpcCni, k1.Primary.EniId);
        FlowEvidenceLandmarks flowEvidence = FlowEvidenceTraps(nodeLt, publicB, publicA, sgGhost, web[3],
            [new("Name", "payment"), new("karpenter.sh/nodepool", "payment"), new("eks:eks-cluster-name", "prod")]);
        RevokeByPermission(At(0.450), _secops, webHttp, Perm.Tcp(80, 80, v4: ["0.0.0.0/0"]));
        RevokeById(At(0.550), _secops, sgPayment, [world[0].RuleId]);
        Detach(At(0.600), _deploy, e1p4Attachment);
        Terminate(At(0.650), _deploy, [w3.Id]);
        Launch(At(0.660), _deploy, "web", 1, [new("env", "prod"), new("Name", "web")], null, [new NicSpec(publicB, [sgWeb])], nicForm: false);
        ReplaceInstanceGroups(At(0.700), _alice, p4.Id, [sgPayment]);
        Evict(At(0.750), [k1.Id]);
        TrailEvent nodeEviction = _events[^1];
        // The node the trail knows only from CreateFleet is interrupted too: the index ends an instance it never
        // linked to an interface.
        Evict(At(0.760), [flowEvidence.UnlinkedNode]);
        TrailEvent unlinkedNodeEviction = _events[^1];
        RevokeById(At(0.800), _secops, sgBatch, [batchEgress[0].RuleId], egress: true);

        (SameSecondLandmarks sameSecond, List<TrapFlow> trapFlows) = SameSecondTraps(publicA, sgPayment, sgMgmt, sgWeb, db, legacyRdp);
        GroupNamedLandmarks byGroupName = GroupNamedTrap();
        ExposureLandmarks exposure = ExposureTraps(privateB, trapFlows);

        // A record on the floating interface whose window starts one second before its attachment to P4: the index
        // knows the interface (and its groups) but no attachment at the record's start, and AWS wrote P4 as its
        // instance-id (the traffic flowed after the attach). Versions with instance-id attribute it to P4 by the
        // record (docs/semantics.md: "the record's instance-id may name the instance of a moment later").
        const uint OnCallHost = 0xCB00712A; // 203.0.113.42: the office rule admits it
        trapFlows.Add(new TrapFlow(e1ToP4 - 1, e1, OnCallHost, 22, RecordInstanceId: p4.Id));
        flowEvidence = flowEvidence with { AttachMomentEni = e1, AttachMomentInstance = p4.Id, AttachMomentStart = DateTimeOffset.FromUnixTimeSeconds(e1ToP4 - 1) };

        var groups = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["web"] = sgWeb, ["payment"] = sgPayment, ["db"] = sgDb, ["batch"] = sgBatch, ["mgmt"] = sgMgmt,
            ["unused"] = sgUnused, ["ghost"] = sgGhost, ["debug"] = sgDebug,
        };
        List<string> late = [e1Create.EventId, attachE1.EventId];
        var landmarks = new ScenarioLandmarks
        {
            PaymentInstances = [p1.Id, p2.Id, p3.Id, p4.Id, p5.Id, k1.Id],
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
            LaunchPaths = new LaunchPathLandmarks
            {
                AutoScalingGroup = paymentAsg.Name,
                LaunchTemplateId = paymentLt.TemplateId,
                GroupInstances = [.. payment.Select(p => p.Id), p5.Id],
                EvictedInstance = p2.Id,
                EvictionEventIds = [eviction.EventId, nodeEviction.EventId, unlinkedNodeEviction.EventId],
                Replacement = p5.Id,
                ReusedIp = IpAddr.FromV4(p2.Primary.Ip).ToString(),
                TemplateVersionEventId = templateVersion.EventId,
                FleetNode = k1.Id,
                FleetNodeEni = k1.Primary.EniId,
                PodPrefix = IpAddr.FromV4(podPrefix) + "/28",
            },
            Exposure = exposure,
            FlowEvidence = flowEvidence,
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
}
