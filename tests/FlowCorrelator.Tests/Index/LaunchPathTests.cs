using FlowCorrelator.Index;
using FlowCorrelator.Ingest;
using FlowCorrelator.Queries;
using FlowCorrelator.Tests.Ingest;
using FlowCorrelator.Tests.Queries;
using static FlowCorrelator.Tests.TestData.Events;

namespace FlowCorrelator.Tests.Index;

/// <summary>
/// Hand-written CloudTrail of each real launch path (docs/formats.md B.7–B.10; field names from the sources cited there:
/// the EC2 and Auto Scaling API references, the CloudTrail User Guide's service-event example, and public real
/// CreateLaunchTemplate records with their Query-form <c>{"tag":1,"content":…}</c> lists), read by the real reader and
/// replayed by the real index; question 1 must find every instance of the fleet.
/// </summary>
public sealed class LaunchPathTests
{
    private const string Vpc = "vpc-0aaa";
    private static readonly AccessQuery PaymentSsh = new() { TagKey = "Name", TagValue = "payment", Port = 22 };

    /// <summary>A CloudTrail record with the caller and source of a real one (a service-invoked call names <c>invokedBy</c>).</summary>
    internal static string Record(string id, string name, string time, string request, string response, string source = "ec2.amazonaws.com",
        string? invokedBy = null, string? error = null, string eventType = "AwsApiCall", string? serviceEventDetails = null)
    {
        string identity = invokedBy is null
            ? """{"type":"AssumedRole","arn":"arn:aws:sts::111122223333:assumed-role/ci/x","accountId":"111122223333"}"""
            : Fill("""{"type":"AssumedRole","arn":"arn:aws:sts::111122223333:assumed-role/AWSServiceRoleForAutoScaling/AutoScaling","accountId":"111122223333","invokedBy":"§0§"}""", (invokedBy));
        string errorPart = error is null ? string.Empty : $"\"errorCode\":\"{error}\",\"errorMessage\":\"no\",";
        string details = serviceEventDetails is null ? string.Empty : $",\"serviceEventDetails\":{serviceEventDetails}";
        return Fill("""{"eventVersion":"1.09","userIdentity":§0§,"eventTime":"§1§","eventSource":"§2§","eventName":"§3§","awsRegion":"us-east-1","sourceIPAddress":"§4§","userAgent":"§5§",§6§"requestParameters":§7§,"responseElements":§8§,"eventID":"§9§","readOnly":false,"eventType":"§10§","managementEvent":true,"recipientAccountId":"111122223333"§11§}""", (identity), (time), (source), (name), (invokedBy ?? "203.0.113.5"), (invokedBy ?? "aws-cli"), (errorPart), (request), (response), (id), (eventType), (details));
    }

    internal static string CreateTemplate(string id, string time, string templateId, string name, string data) => Record(id, "CreateLaunchTemplate", time,
        Fill("""{"CreateLaunchTemplateRequest":{"LaunchTemplateName":"§0§","LaunchTemplateData":§1§,"ClientToken":"t"}}""", (name), (data)),
        Fill("""{"CreateLaunchTemplateResponse":{"xmlns":"http://ec2.amazonaws.com/doc/2016-11-15/","requestId":"r","launchTemplate":{"launchTemplateId":"§0§","launchTemplateName":"§1§","createTime":"2026-03-01T00:00:00.000Z","createdBy":"arn:aws:sts::111122223333:assumed-role/ci/x","defaultVersionNumber":1,"latestVersionNumber":1}}}""", (templateId), (name)));

    internal static string CreateTemplateVersion(string id, string time, string templateId, int version, string data, string? source = null) => Record(id, "CreateLaunchTemplateVersion", time,
        Fill("""{"CreateLaunchTemplateVersionRequest":{"LaunchTemplateId":"§0§",§1§"LaunchTemplateData":§2§}}""", (templateId), (source is null ? "" : $"\"SourceVersion\":\"{source}\","), (data)),
        Fill("""{"CreateLaunchTemplateVersionResponse":{"requestId":"r","launchTemplateVersion":{"launchTemplateId":"§0§","launchTemplateName":"n","versionNumber":§1§,"defaultVersion":false,"createTime":"2026-03-01T00:00:00.000Z"}}}""", (templateId), (version)));

    /// <summary>A RunInstances response item with one interface; <paramref name="groups"/> null writes an empty groupSet.</summary>
    internal static string LaunchedItem(string instance, string eni, string ip, string? groups, string tags)
    {
        string groupSet = groups is null ? "{}" : Fill("""{"items":[{"groupId":"§0§","groupName":"g"}]}""", (groups));
        return Fill("""
            {"instanceId":"§0§","imageId":"ami-1","instanceState":{"code":0,"name":"pending"},"subnetId":"subnet-1","vpcId":"§1§",
             "privateIpAddress":"§2§","groupSet":§3§,"tagSet":{"items":[§4§]},
             "networkInterfaceSet":{"items":[{"networkInterfaceId":"§5§","subnetId":"subnet-1","vpcId":"§6§","privateIpAddress":"§7§",
               "groupSet":§8§,"interfaceType":"interface",
               "attachment":{"attachmentId":"eni-attach-§9§","deviceIndex":0,"status":"attaching","deleteOnTermination":true},
               "privateIpAddressesSet":{"item":[{"privateIpAddress":"§10§","primary":true}]},"ipv6AddressesSet":{},"tagSet":{}}]}}
            """, (instance), (Vpc), (ip), (groupSet), (tags), (eni), (Vpc), (ip), (groupSet), (eni), (ip));
    }

    internal static string Run(string id, string time, string request, string item, string? invokedBy = null) => Record(id, "RunInstances", time, request,
        Fill("""{"requestId":"r","reservationId":"r-1","ownerId":"111122223333","groupSet":{},"instancesSet":{"items":[§0§]}}""", (item)), invokedBy: invokedBy);

    /// <summary>Puts each value in place of its numbered marker (§0§, §1§, …) of a JSON template.</summary>
    internal static string Fill(string template, params object[] values)
    {
        for (int i = 0; i < values.Length; i++)
        {
            template = template.Replace("\u00a7" + i.ToString(System.Globalization.CultureInfo.InvariantCulture) + "\u00a7", Convert.ToString(values[i], System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
        }

        return template;
    }

    internal static string T(string key, string value) => Fill("""{"key":"§0§","value":"§1§"}""", (key), (value));

    internal static EnvironmentIndex Index(params string[] records)
    {
        var (events, report) = CloudTrailReaderTests.Read(CloudTrailReaderTests.Records(records));
        Assert.That(report.Samples, Is.Empty, () => string.Join("; ", report.Samples));
        return EnvironmentIndex.Build(events);
    }

    private static long Sec(string iso) => DateTimeOffset.Parse(iso, System.Globalization.CultureInfo.InvariantCulture).ToUnixTimeSeconds();

    /// <summary>Question 1 over one SSH attempt per interface at <paramref name="seconds"/>, through both paths.</summary>
    private static List<string> Q1Instances(EnvironmentIndex index, long seconds, params (string Eni, string Ip)[] targets) =>
        [.. BothPaths.FleetAccess(index, [.. targets.Select(t => Flow(t.Eni, "198.51.100.7", t.Ip, 22, 0) with { Start = seconds, End = seconds + 30 })], PaymentSsh)
            .Select(r => r.InstanceId).Order(StringComparer.Ordinal)];

    // ---------------------------------------------------------------- launch templates and Auto Scaling

    /// <summary>Template version 1: the Name tag and the group live only here (one-element Query lists written as objects).</summary>
    private const string TemplateV1 = """
        {"ImageId":"ami-1","InstanceType":"m6i.large",
         "SecurityGroupId":{"tag":1,"content":"sg-pay1"},
         "TagSpecification":{"tag":1,"ResourceType":"instance","Tag":[{"tag":1,"Key":"Name","Value":"payment"},{"tag":2,"Key":"team","Value":"payments"}]}}
        """;

    /// <summary>Version 2 from version 1: only the groups change (per-interface entry, device 0).</summary>
    private const string TemplateV2 = """
        {"NetworkInterface":[{"tag":1,"DeviceIndex":0,"SubnetId":"subnet-1","SecurityGroupId":[{"tag":1,"content":"sg-pay2"},{"tag":2,"content":"sg-mgmt"}]}]}
        """;

    private static string AsgRun(string id, string time, string instance, string eni, string ip, string version, string? responseGroups) => Run(id, time,
        Fill("""
        {"instancesSet":{"items":[{"minCount":1,"maxCount":1}]},"launchTemplate":{"launchTemplateId":"lt-0pay","version":"§0§"},
         "instanceMarketOptions":{"marketType":"spot"},
         "tagSpecificationSet":{"items":[{"resourceType":"instance","tags":[{"key":"aws:autoscaling:groupName","value":"payment-asg"}]}]}}
        """, (version)),
        LaunchedItem(instance, eni, ip, responseGroups, T("aws:autoscaling:groupName", "payment-asg") + "," + T("aws:ec2launchtemplate:id", "lt-0pay") + "," + T("aws:ec2launchtemplate:version", version)),
        invokedBy: "autoscaling.amazonaws.com");

    [Test]
    public void AutoScalingOverTemplate_TagsOnlyInTemplateAndGroup_EveryInstanceIsInTheFleet()
    {
        EnvironmentIndex index = Index(
            CreateTemplate("e1", "2026-03-01T00:00:00Z", "lt-0pay", "payment", TemplateV1),
            Record("e2", "CreateAutoScalingGroup", "2026-03-01T00:01:00Z",
                """
                {"autoScalingGroupName":"payment-asg","launchTemplate":{"launchTemplateId":"lt-0pay","version":"$Latest"},"minSize":1,"maxSize":3,"vPCZoneIdentifier":"subnet-1",
                 "tags":[{"key":"env","value":"prod","propagateAtLaunch":true},{"key":"cost","value":"x","propagateAtLaunch":false}]}
                """,
                "null", source: "autoscaling.amazonaws.com"),
            AsgRun("e3", "2026-03-01T00:02:00Z", "i-0a1", "eni-0a1", "10.0.1.10", "1", responseGroups: "sg-pay1"),
            // Mid-day template change: version 2 (from 1) changes the groups; the response of the next launch omits them.
            CreateTemplateVersion("e4", "2026-03-01T06:00:00Z", "lt-0pay", 2, TemplateV2, source: "1"),
            AsgRun("e5", "2026-03-01T06:05:00Z", "i-0a2", "eni-0a2", "10.0.1.11", "2", responseGroups: null));

        InterfaceState first = index.InterfaceAt(EniId.Parse("eni-0a1"), Sec("2026-03-01T01:00:00Z"))!;
        Assert.That(first.InstanceHasTag("Name", "payment"), Is.True, "Name only in the template");
        Assert.That(first.InstanceHasTag("env", "prod"), Is.True, "propagated group tag, absent from the launch");
        Assert.That(first.InstanceTags.ContainsKey("cost"), Is.False, "not propagated");
        Assert.That(first.Groups, Is.EqualTo(new[] { "sg-pay1" }), "the response states them");

        InterfaceState second = index.InterfaceAt(EniId.Parse("eni-0a2"), Sec("2026-03-01T07:00:00Z"))!;
        Assert.That(second.InstanceHasTag("Name", "payment"), Is.True, "inherited from the source version");
        Assert.That(second.Groups, Is.EqualTo(new[] { "sg-mgmt", "sg-pay2" }), "from version 2's interface entry");

        Assert.That(Q1Instances(index, Sec("2026-03-01T07:00:00Z"), ("eni-0a1", "10.0.1.10"), ("eni-0a2", "10.0.1.11")), Is.EqualTo(new[] { "i-0a1", "i-0a2" }));
    }

    [Test]
    public void Template_DefaultVersion_FollowsModifyLaunchTemplate_AndLaunchTagsWin()
    {
        const string v2 = """{"TagSpecification":[{"tag":1,"ResourceType":"instance","Tag":{"tag":1,"Key":"Name","Value":"payment-v2"}}]}""";
        string run(string id, string time, string instance, string eni, string tags) => Run(id, time,
            """{"instancesSet":{"items":[{"minCount":1,"maxCount":1}]},"launchTemplate":{"launchTemplateName":"payment"}}""",
            LaunchedItem(instance, eni, "10.0.2." + instance[^1], "sg-x", tags));

        EnvironmentIndex index = Index(
            CreateTemplate("e1", "2026-03-01T00:00:00Z", "lt-0pay", "payment", TemplateV1),
            CreateTemplateVersion("e2", "2026-03-01T00:01:00Z", "lt-0pay", 2, v2),
            run("e3", "2026-03-01T00:02:00Z", "i-0b1", "eni-0b1", string.Empty),
            Record("e4", "ModifyLaunchTemplate", "2026-03-01T00:03:00Z", """{"ModifyLaunchTemplateRequest":{"LaunchTemplateId":"lt-0pay","SetDefaultVersion":"2"}}""",
                """{"ModifyLaunchTemplateResponse":{"launchTemplate":{"launchTemplateId":"lt-0pay","defaultVersionNumber":2}}}"""),
            run("e5", "2026-03-01T00:04:00Z", "i-0b2", "eni-0b2", string.Empty),
            run("e6", "2026-03-01T00:05:00Z", "i-0b3", "eni-0b3", T("Name", "override")));

        long t = Sec("2026-03-01T01:00:00Z");
        Assert.That(index.InterfaceAt(EniId.Parse("eni-0b1"), t)!.InstanceTags["Name"], Is.EqualTo("payment"), "default version 1 (by name, no version)");
        Assert.That(index.InterfaceAt(EniId.Parse("eni-0b2"), t)!.InstanceTags["Name"], Is.EqualTo("payment-v2"), "default moved to 2");
        Assert.That(index.InterfaceAt(EniId.Parse("eni-0b2"), t)!.InstanceTags.ContainsKey("team"), Is.False, "version 2 states its own tags, no source");
        Assert.That(index.InterfaceAt(EniId.Parse("eni-0b3"), t)!.InstanceTags["Name"], Is.EqualTo("override"), "the launch's own tag wins");
    }

    [Test]
    public void AutoScaling_TagsChangedOverTime_NewLaunchesGetTheTagsOfTheirTime()
    {
        string asgTags(string id, string name, string time, string value) => Record(id, name, time,
            Fill("""{"tags":[{"resourceId":"payment-asg","resourceType":"auto-scaling-group","key":"Name","value":"§0§","propagateAtLaunch":true}]}""", (value)),
            "null", source: "autoscaling.amazonaws.com");
        string run(string id, string time, string instance, string eni) => Run(id, time,
            """{"instancesSet":{"items":[{"minCount":1,"maxCount":1}]},"launchTemplate":{"launchTemplateId":"lt-0none","version":"1"}}""",
            LaunchedItem(instance, eni, "10.0.3." + instance[^1], "sg-x", T("aws:autoscaling:groupName", "payment-asg")), invokedBy: "autoscaling.amazonaws.com");

        EnvironmentIndex index = Index(
            Record("e1", "CreateAutoScalingGroup", "2026-03-01T00:00:00Z", """{"autoScalingGroupName":"payment-asg","minSize":0,"maxSize":2}""", "null", source: "autoscaling.amazonaws.com"),
            asgTags("e2", "CreateOrUpdateTags", "2026-03-01T00:01:00Z", "payment"),
            run("e3", "2026-03-01T00:02:00Z", "i-0c1", "eni-0c1"),
            asgTags("e4", "DeleteTags", "2026-03-01T00:03:00Z", "payment"),
            run("e5", "2026-03-01T00:04:00Z", "i-0c2", "eni-0c2"),
            Record("e6", "DeleteTags", "2026-03-01T00:05:00Z", """{"resourcesSet":{"items":[{"resourceId":"i-0c1"}]},"tagSet":{"items":[{"key":"Name"}]}}""", """{"_return":true}"""));

        long t = Sec("2026-03-01T00:04:30Z");
        Assert.That(index.InterfaceAt(EniId.Parse("eni-0c1"), t)!.InstanceHasTag("Name", "payment"), Is.True, "tag propagated at its launch stays");
        Assert.That(index.InterfaceAt(EniId.Parse("eni-0c2"), t)!.InstanceTags.ContainsKey("Name"), Is.False, "launched after the group tag was deleted");
        Assert.That(index.InterfaceAt(EniId.Parse("eni-0c1"), Sec("2026-03-01T00:05:00Z"))!.InstanceTags.ContainsKey("Name"), Is.False,
            "EC2 DeleteTags on the instance is not the Auto Scaling DeleteTags of the same name");
        Assert.That(index.History.Any(h => h.ResourceId == "lt-0none" && h.Change.Contains("unknown to the evidence", StringComparison.Ordinal)), Is.True,
            "a launch from a template the evidence never saw says so");
    }

    // ---------------------------------------------------------------- EC2 Fleet (Karpenter)

    private const string FleetRequest = """
        {"CreateFleetRequest":{"Type":"instant","TargetCapacitySpecification":{"TotalTargetCapacity":1,"DefaultTargetCapacityType":"spot"},
          "LaunchTemplateConfigs":{"tag":1,"LaunchTemplateSpecification":{"LaunchTemplateName":"karpenter.k8s.aws/123","Version":"$Latest"},
            "Overrides":[{"tag":1,"InstanceType":"m6i.large","SubnetId":"subnet-1"}]},
          "TagSpecification":[{"tag":1,"ResourceType":"fleet","Tag":[{"tag":1,"Key":"karpenter.sh/nodepool","Value":"default"}]},
                              {"tag":2,"ResourceType":"instance","Tag":[{"tag":1,"Key":"Name","Value":"payment"},{"tag":2,"Key":"karpenter.sh/nodepool","Value":"default"}]}]}}
        """;

    private static string FleetResponse(string instance) => Fill("""
        {"CreateFleetResponse":{"xmlns":"http://ec2.amazonaws.com/doc/2016-11-15/","requestId":"r","fleetId":"fleet-0abc",
          "errorSet":"","fleetInstanceSet":{"item":{"launchTemplateAndOverrides":{"launchTemplateSpecification":{"launchTemplateName":"karpenter.k8s.aws/123","version":"1"},
            "overrides":{"instanceType":"m6i.large","subnetId":"subnet-1"}},"lifecycle":"spot","instanceIds":{"item":"§0§"},"instanceType":"m6i.large"}}}}
        """, (instance));

    private static string FleetRun(string id, string time, string instance, string eni, string ip) => Run(id, time,
        """{"instancesSet":{"items":[{"minCount":1,"maxCount":1}]},"launchTemplate":{"launchTemplateName":"karpenter.k8s.aws/123","version":"1"}}""",
        LaunchedItem(instance, eni, ip, "sg-node", T("aws:ec2:fleet-id", "fleet-0abc")), invokedBy: "ec2fleet.amazonaws.com");

    [TestCase("2026-03-01T00:00:05Z", TestName = "CreateFleet_TagsOnlyInTheFleetRequest_FleetAfterItsRunInstances")]
    [TestCase("2026-03-01T00:00:00Z", TestName = "CreateFleet_TagsOnlyInTheFleetRequest_FleetInTheSameSecond")]
    public void CreateFleet_TagsOnlyInTheFleetRequest(string fleetTime)
    {
        EnvironmentIndex index = Index(
            FleetRun("e1", "2026-03-01T00:00:00Z", "i-0f1", "eni-0f1", "10.0.4.10"),
            Record("e2", "CreateFleet", fleetTime, FleetRequest, FleetResponse("i-0f1")));

        InterfaceState state = index.InterfaceAt(EniId.Parse("eni-0f1"), Sec("2026-03-01T00:10:00Z"))!;
        Assert.That(state.InstanceHasTag("Name", "payment"), Is.True);
        Assert.That(state.InstanceHasTag("karpenter.sh/nodepool", "default"), Is.True);
        Assert.That(state.InstanceHasTag("aws:ec2:fleet-id", "fleet-0abc"), Is.True, "the launch's own tag stays");
        Assert.That(Q1Instances(index, Sec("2026-03-01T00:10:00Z"), ("eni-0f1", "10.0.4.10")), Is.EqualTo(new[] { "i-0f1" }));
    }

    [Test]
    public void CreateFleet_BeforeItsRunInstances_TagsStillApply()
    {
        EnvironmentIndex index = Index(
            Record("e1", "CreateFleet", "2026-03-01T00:00:00Z", FleetRequest, FleetResponse("i-0f2")),
            FleetRun("e2", "2026-03-01T00:00:03Z", "i-0f2", "eni-0f2", "10.0.4.11"));

        Assert.That(index.InterfaceAt(EniId.Parse("eni-0f2"), Sec("2026-03-01T00:10:00Z"))!.InstanceHasTag("Name", "payment"), Is.True);
    }

    [Test]
    public void CreateFleet_WithoutRunInstances_InterfaceLinkedByLaterAttach()
    {
        EnvironmentIndex index = Index(
            Record("e1", "CreateFleet", "2026-03-01T00:00:00Z", FleetRequest, FleetResponse("i-0f3")),
            Record("e2", "CreateNetworkInterface", "2026-03-01T00:01:00Z", """{"subnetId":"subnet-1","groupSet":{"items":[{"groupId":"sg-node"}]}}""",
                """{"networkInterface":{"networkInterfaceId":"eni-0f3","subnetId":"subnet-1","vpcId":"vpc-0aaa","privateIpAddress":"10.0.4.12","groupSet":{"items":[{"groupId":"sg-node"}]},"privateIpAddressesSet":{"item":[{"privateIpAddress":"10.0.4.12","primary":true}]}}}"""),
            Record("e3", "AttachNetworkInterface", "2026-03-01T00:02:00Z", """{"networkInterfaceId":"eni-0f3","instanceId":"i-0f3","deviceIndex":1}""", """{"attachmentId":"eni-attach-0f3"}"""));

        InterfaceState state = index.InterfaceAt(EniId.Parse("eni-0f3"), Sec("2026-03-01T00:02:00Z"))!;
        Assert.That(state.InstanceId, Is.EqualTo("i-0f3"));
        Assert.That(state.InstanceRunning, Is.True, "the fleet's response is the evidence that it runs");
        Assert.That(state.InstanceHasTag("Name", "payment"), Is.True);
    }

    [Test]
    public void CreateFleet_DryRunOrFailed_ChangesNothing()
    {
        EnvironmentIndex index = Index(
            Record("e0", "CreateFleet", "2026-03-01T00:00:00Z", FleetRequest, "null", error: "Client.DryRunOperation"),
            FleetRun("e1", "2026-03-01T00:00:01Z", "i-0f4", "eni-0f4", "10.0.4.13"));

        Assert.That(index.InterfaceAt(EniId.Parse("eni-0f4"), Sec("2026-03-01T00:10:00Z"))!.InstanceTags.ContainsKey("Name"), Is.False);
        Assert.That(index.Statistics.Failed, Is.EqualTo(1));
    }

    // ---------------------------------------------------------------- Spot eviction

    [Test]
    public void BidEvictedEvent_EndsTheInstanceLikeTermination_AndTheAddressCanBeReused()
    {
        EnvironmentIndex index = Index(
            Run("e1", "2026-03-01T00:00:00Z", """{"instancesSet":{"items":[{"minCount":1,"maxCount":1}]}}""", LaunchedItem("i-0e1", "eni-0e1", "10.0.5.10", "sg-x", T("Name", "payment"))),
            // The CloudTrail User Guide's example of this service event: no request or response, the instances in serviceEventDetails.
            Record("e2", "BidEvictedEvent", "2026-03-01T02:00:00Z", "null", "null", invokedBy: "ec2.amazonaws.com", eventType: "AwsServiceEvent",
                serviceEventDetails: """{"instanceIdSet":["i-0e1"]}"""),
            Run("e3", "2026-03-01T02:10:00Z", """{"instancesSet":{"items":[{"minCount":1,"maxCount":1}]}}""", LaunchedItem("i-0e2", "eni-0e2", "10.0.5.10", "sg-x", T("Name", "web"))));

        Assert.That(index.InterfaceAt(EniId.Parse("eni-0e1"), Sec("2026-03-01T01:59:59Z"))!.InstanceRunning, Is.True);
        InterfaceState after = index.InterfaceAt(EniId.Parse("eni-0e1"), Sec("2026-03-01T02:00:00Z"))!;
        Assert.That(after.Exists, Is.False, "delete-on-termination interface goes with the evicted instance");
        Assert.That(index.InterfaceOfAddress(IpAddr.Parse("10.0.5.10"), Sec("2026-03-01T02:05:00Z")), Is.Null);
        Assert.That(index.InterfaceOfAddress(IpAddr.Parse("10.0.5.10"), Sec("2026-03-01T02:10:00Z")), Is.EqualTo(EniId.Parse("eni-0e2")));
        Assert.That(Q1Instances(index, Sec("2026-03-01T01:00:00Z"), ("eni-0e1", "10.0.5.10")), Is.EqualTo(new[] { "i-0e1" }));
        Assert.That(Q1Instances(index, Sec("2026-03-01T02:00:00Z"), ("eni-0e1", "10.0.5.10")), Is.Empty, "evicted: no longer running");
        Assert.That(index.History.Any(h => h.ResourceId == "i-0e1" && h.Change.Contains("evicted", StringComparison.Ordinal)), Is.True);
    }

    // ---------------------------------------------------------------- pod addresses

    private static string Node(string id, string time) =>
        Run(id, time, """{"instancesSet":{"items":[{"minCount":1,"maxCount":1}]}}""", LaunchedItem("i-0n1", "eni-0n1", "10.0.6.10", "sg-node", T("Name", "payment")));

    [Test]
    public void PrefixDelegation_AddressInsideAnAssignedPrefix_IsTheInterfaces_UntilUnassigned()
    {
        EnvironmentIndex index = Index(
            Node("e1", "2026-03-01T00:00:00Z"),
            Record("e2", "AssignPrivateIpAddresses", "2026-03-01T00:01:00Z", """{"networkInterfaceId":"eni-0n1","ipv4PrefixCount":1}""",
                """{"requestId":"r","networkInterfaceId":"eni-0n1","assignedPrivateIpAddressesSet":{},"assignedIpv4PrefixSet":{"item":[{"ipv4Prefix":"10.0.6.32/28"}]}}"""),
            Record("e3", "UnassignPrivateIpAddresses", "2026-03-01T03:00:00Z", """{"networkInterfaceId":"eni-0n1","ipv4Prefixes":{"items":[{"ipv4Prefix":"10.0.6.32/28"}]}}""", """{"_return":true}"""));

        var pod = IpAddr.Parse("10.0.6.37");
        Assert.That(index.InterfaceAt(EniId.Parse("eni-0n1"), Sec("2026-03-01T00:00:59Z"))!.HasAddress(pod), Is.False);
        Assert.That(index.InterfaceAt(EniId.Parse("eni-0n1"), Sec("2026-03-01T00:01:00Z"))!.HasAddress(pod), Is.True);
        Assert.That(index.InterfaceOfAddress(pod, Sec("2026-03-01T01:00:00Z")), Is.EqualTo(EniId.Parse("eni-0n1")));
        Assert.That(index.InterfaceOfAddress(IpAddr.Parse("10.0.6.48"), Sec("2026-03-01T01:00:00Z")), Is.Null, "first address past the /28");
        Assert.That(index.AddressInGroup(pod, "sg-node", Sec("2026-03-01T01:00:00Z")), Is.True, "a referenced-group rule sees pod sources");
        Assert.That(index.InterfaceOfAddress(pod, Sec("2026-03-01T03:00:00Z")), Is.Null, "unassigned");
        Assert.That(Q1Instances(index, Sec("2026-03-01T01:00:00Z"), ("eni-0n1", "10.0.6.37")), Is.EqualTo(new[] { "i-0n1" }), "a record to a pod is inbound to the node");
    }

    [Test]
    public void Ipv6AddressesAndPrefixes_AssignAndUnassign()
    {
        EnvironmentIndex index = Index(
            Node("e1", "2026-03-01T00:00:00Z"),
            Record("e2", "AssignIpv6Addresses", "2026-03-01T00:01:00Z", """{"networkInterfaceId":"eni-0n1","ipv6PrefixCount":1,"ipv6AddressCount":1}""",
                """{"AssignIpv6AddressesResponse":{"requestId":"r","networkInterfaceId":"eni-0n1","assignedIpv6Addresses":{"item":"2600:1f18:1:2::10"},"assignedIpv6PrefixSet":{"item":{"ipv6Prefix":"2600:1f18:1:2:8a2e::/80"}}}}"""),
            Record("e3", "UnassignIpv6Addresses", "2026-03-01T02:00:00Z", """{"networkInterfaceId":"eni-0n1","ipv6Addresses":{"items":[{"ipv6Address":"2600:1f18:1:2::10"}]}}""",
                """{"UnassignIpv6AddressesResponse":{"networkInterfaceId":"eni-0n1","unassignedIpv6Addresses":{"item":"2600:1f18:1:2::10"}}}"""));

        InterfaceState during = index.InterfaceAt(EniId.Parse("eni-0n1"), Sec("2026-03-01T01:00:00Z"))!;
        Assert.That(during.HasAddress(IpAddr.Parse("2600:1f18:1:2::10")), Is.True);
        Assert.That(during.HasAddress(IpAddr.Parse("2600:1f18:1:2:8a2e:0:0:5")), Is.True, "inside the /80");
        InterfaceState after = index.InterfaceAt(EniId.Parse("eni-0n1"), Sec("2026-03-01T02:00:00Z"))!;
        Assert.That(after.HasAddress(IpAddr.Parse("2600:1f18:1:2::10")), Is.False);
        Assert.That(after.HasAddress(IpAddr.Parse("2600:1f18:1:2:8a2e:0:0:5")), Is.True, "the prefix stays");
    }

    [Test]
    public void RunInstancesResponse_PrefixesOfTheInterface_AreIndexed()
    {
        string item = LaunchedItem("i-0n2", "eni-0n2", "10.0.7.10", "sg-node", T("Name", "payment"))
            .Replace("\"ipv6AddressesSet\":{}", "\"ipv6AddressesSet\":{\"item\":[{\"ipv6Address\":\"2600:1f18:1:3::5\"}]},\"ipv4PrefixSet\":{\"item\":[{\"ipv4Prefix\":\"10.0.7.16/28\"}]}", StringComparison.Ordinal);
        EnvironmentIndex index = Index(Run("e1", "2026-03-01T00:00:00Z", """{"instancesSet":{"items":[{"minCount":1,"maxCount":1}]}}""", item));

        InterfaceState state = index.InterfaceAt(EniId.Parse("eni-0n2"), Sec("2026-03-01T00:00:00Z"))!;
        Assert.That(state.HasAddress(IpAddr.Parse("10.0.7.20")), Is.True);
        Assert.That(state.HasAddress(IpAddr.Parse("2600:1f18:1:3::5")), Is.True);
    }

    // ---------------------------------------------------------------- launch definitions older than the trail

    /// <summary>describe-launch-template-versions output (the describe form: plural list names, no Query "tag" indexes).</summary>
    private const string TemplateVersionsSnapshot = """
        {"LaunchTemplateVersions":[
          {"LaunchTemplateId":"lt-0old","LaunchTemplateName":"payment","VersionNumber":3,"DefaultVersion":true,"CreateTime":"2025-11-01T00:00:00+00:00",
           "LaunchTemplateData":{"ImageId":"ami-1","NetworkInterfaces":[{"DeviceIndex":0,"Groups":["sg-pay","sg-mgmt"],"DeleteOnTermination":true}],
             "TagSpecifications":[{"ResourceType":"instance","Tags":[{"Key":"Name","Value":"payment"}]},{"ResourceType":"volume","Tags":[{"Key":"Name","Value":"disk"}]}]}},
          {"LaunchTemplateId":"lt-0old","VersionNumber":2,"DefaultVersion":false,"LaunchTemplateData":{"SecurityGroupIds":["sg-old"]}},
          {"VersionNumber":9}]}
        """;

    /// <summary>aws autoscaling describe-auto-scaling-groups output.</summary>
    private const string GroupsSnapshot = """
        {"AutoScalingGroups":[{"AutoScalingGroupName":"payment-asg","MixedInstancesPolicy":{"LaunchTemplate":{"LaunchTemplateSpecification":
           {"LaunchTemplateId":"lt-0old","LaunchTemplateName":"payment","Version":"$Default"},"Overrides":[{"InstanceType":"m6i.large"}]}},
          "MinSize":1,"MaxSize":4,"Instances":[],
          "Tags":[{"ResourceId":"payment-asg","ResourceType":"auto-scaling-group","Key":"team","Value":"payments","PropagateAtLaunch":true},
                  {"ResourceId":"payment-asg","ResourceType":"auto-scaling-group","Key":"owner","Value":"x","PropagateAtLaunch":false}]}]}
        """;

    [Test]
    public void Snapshots_TemplateVersionsAndAutoScalingGroups_CompleteALaunchOfTheTrail()
    {
        var diagnostics = new IngestDiagnostics();
        IReadOnlyList<CloudTrailEvent> snapshots = new SnapshotReader().ReadAll(
        [
            LogInput.FromBytes("lt-versions.json", System.Text.Encoding.UTF8.GetBytes(TemplateVersionsSnapshot)),
            LogInput.FromBytes("asgs.json", System.Text.Encoding.UTF8.GetBytes(GroupsSnapshot)),
        ], DateTimeOffset.Parse("2026-03-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture), diagnostics);
        Assert.That(diagnostics.Files.Sum(f => f.Malformed), Is.EqualTo(1), "the version without a template id is reported");
        Assert.That(LogSources.Classify([LogInput.FromBytes("asgs.json", System.Text.Encoding.UTF8.GetBytes(GroupsSnapshot))]).Snapshots, Has.Count.EqualTo(1));

        // An Auto Scaling launch that names no template and states no group: the group's template (default version 3) gives both.
        string launch = Run("e1", "2026-03-02T00:00:00Z", """{"instancesSet":{"items":[{"minCount":1,"maxCount":1}]}}""",
            LaunchedItem("i-0s1", "eni-0s1", "10.0.8.10", null, T("aws:autoscaling:groupName", "payment-asg")), invokedBy: "autoscaling.amazonaws.com");
        var (trail, report) = CloudTrailReaderTests.Read(CloudTrailReaderTests.Records(launch));
        Assert.That(report.Samples, Is.Empty);
        EnvironmentIndex index = EnvironmentIndex.Build([.. snapshots, .. trail]);

        InterfaceState state = index.InterfaceAt(EniId.Parse("eni-0s1"), Sec("2026-03-02T01:00:00Z"))!;
        Assert.That(state.InstanceHasTag("Name", "payment"), Is.True, "instance tags of the template's default version");
        Assert.That(state.InstanceTags.ContainsKey("owner"), Is.False, "not propagated");
        Assert.That(state.InstanceHasTag("team", "payments"), Is.True);
        Assert.That(state.Groups, Is.EqualTo(new[] { "sg-mgmt", "sg-pay" }), "groups of the template's interface entry");
    }

    [Test]
    public void VpcCniBranchInterface_IsAnOrdinaryInterfaceWithItsOwnGroups()
    {
        // Security groups for pods: the CNI (with the node's role) creates a branch interface with the pod's groups; EC2
        // associates it with the node's trunk interface, which CloudTrail does not log as an attachment.
        EnvironmentIndex index = Index(
            Node("e1", "2026-03-01T00:00:00Z"),
            Record("e2", "CreateNetworkInterface", "2026-03-01T00:01:00Z",
                """{"subnetId":"subnet-1","description":"aws-k8s-branch-eni","groupSet":{"items":[{"groupId":"sg-pod"}]},"interfaceType":"branch"}""",
                """{"networkInterface":{"networkInterfaceId":"eni-0br1","subnetId":"subnet-1","vpcId":"vpc-0aaa","interfaceType":"branch","description":"aws-k8s-branch-eni","privateIpAddress":"10.0.6.99","groupSet":{"items":[{"groupId":"sg-pod","groupName":"pod"}]},"privateIpAddressesSet":{"item":[{"privateIpAddress":"10.0.6.99","primary":true}]}}}"""));

        InterfaceState branch = index.InterfaceAt(EniId.Parse("eni-0br1"), Sec("2026-03-01T01:00:00Z"))!;
        Assert.That(branch.Groups, Is.EqualTo(new[] { "sg-pod" }));
        Assert.That(branch.InstanceId, Is.Null, "not attached in EC2's terms: its records are no instance's");
        Assert.That(index.AddressInGroup(IpAddr.Parse("10.0.6.99"), "sg-pod", Sec("2026-03-01T01:00:00Z")), Is.True);
        Assert.That(Q1Instances(index, Sec("2026-03-01T01:00:00Z"), ("eni-0br1", "10.0.6.99")), Is.Empty);
    }
}
