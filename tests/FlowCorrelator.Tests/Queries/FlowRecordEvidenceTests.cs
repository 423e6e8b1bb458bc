using FlowCorrelator.Index;
using FlowCorrelator.Ingest;
using FlowCorrelator.Queries;
using static FlowCorrelator.Tests.Index.LaunchPathTests;
using static FlowCorrelator.Tests.TestData.Events;

namespace FlowCorrelator.Tests.Queries;

/// <summary>
/// Issue 14 item 5, docs/semantics.md "The flow record as evidence": a record's own <c>instance-id</c> attributes it
/// when the index knows no attachment, mapped version-11 tag fields stand in for tags the index does not know, and
/// every disagreement is counted. Question 1 runs through <see cref="BothPaths"/> (LINQ reference, one pass, merged
/// sinks); the counts come from the shipped sink. CloudTrail shapes are LaunchPathTests' (sources cited there).
/// </summary>
public sealed class FlowRecordEvidenceTests
{
    private static readonly AccessQuery PaymentSsh = new() { TagKey = "Name", TagValue = "payment", Port = 22 };

    private static readonly AccessQuery PaymentSshWithNameField = PaymentSsh with { TagFields = [new TagFieldMapping("instance-tag", "Name")] };

    private const string FleetRequest = """
        {"CreateFleetRequest":{"Type":"instant","TargetCapacitySpecification":{"TotalTargetCapacity":1,"DefaultTargetCapacityType":"spot"},
          "LaunchTemplateConfigs":{"tag":1,"LaunchTemplateSpecification":{"LaunchTemplateName":"karpenter.k8s.aws/123","Version":"$Latest"}},
          "TagSpecification":{"tag":1,"ResourceType":"instance","Tag":[{"tag":1,"Key":"Name","Value":"payment"}]}}}
        """;

    private static string FleetResponse(string instance) => Fill("""
        {"CreateFleetResponse":{"requestId":"r","fleetId":"fleet-0abc","errorSet":"",
          "fleetInstanceSet":{"item":{"lifecycle":"spot","instanceIds":{"item":"§0§"},"instanceType":"m6i.large"}}}}
        """, (instance));

    /// <summary>Karpenter's CreateFleet is in the trail, the RunInstances EC2 Fleet logged for it is not: the instance runs, with tags, and no interface.</summary>
    private static EnvironmentIndex FleetWithoutRunInstances() => FlowCorrelator.Tests.Index.LaunchPathTests.Index(
        Record("e1", "CreateFleet", "2026-03-02T00:00:00Z", FleetRequest, FleetResponse("i-0f1")));

    private static FlowRecord Ssh(string eni, string dst, int seconds, string? instance, FlowDirection direction = FlowDirection.Ingress, string src = "198.51.100.7") =>
        Flow(eni, src, dst, 22, seconds, direction: direction) with { InstanceId = InstanceKey.Parse(instance) };

    private static AttributionCounts Counts(EnvironmentIndex index, AccessQuery query, params FlowRecord[] records)
    {
        var sink = new InvestigationSink(index, InvestigationOptions.Default with { Access = query });
        foreach (FlowRecord r in records)
        {
            sink.Add(r);
        }

        return sink.Attribution.Counts;
    }

    [Test]
    public void InstanceId_OnAnInterfaceTheEvidenceNeverSaw_AttributesIngressRecords()
    {
        EnvironmentIndex index = FleetWithoutRunInstances();
        FlowRecord[] records =
        [
            Ssh("eni-0f1", "10.0.4.10", 600, "i-0f1"),
            Ssh("eni-0f1", "10.0.4.10", 660, "i-0f1", FlowDirection.Unknown), // no flow-direction: inbound cannot be told
            Ssh("eni-0f1", "10.0.4.10", 720, "i-0f1", FlowDirection.Egress),
            Ssh("eni-0f1", "10.0.4.10", 780, null), // no instance-id (a v2 record)
        ];

        var rows = BothPaths.FleetAccess(index, records, PaymentSsh);

        Assert.That(rows, Has.Length.EqualTo(1));
        Assert.That(rows[0].InstanceId, Is.EqualTo("i-0f1"));
        Assert.That(rows[0].InterfaceId, Is.EqualTo("eni-0f1"));
        Assert.That(rows[0].SecurityGroups, Is.Empty, "the interface's groups are unknown");
        Assert.That((rows[0].InstanceFrom, rows[0].TagFrom), Is.EqualTo((EvidenceSource.FlowRecord, EvidenceSource.Index)), "tags from CreateFleet");
        Assert.That(rows[0].Accepted, Is.EqualTo(1));

        AttributionCounts counts = Counts(index, PaymentSsh, records);
        Assert.That((counts.ByIndex, counts.ByInstanceId, counts.Unattributed), Is.EqualTo((0L, 3L, 1L)));
    }

    [Test]
    public void InstanceId_OnAKnownUnattachedInterface_UsesTheInterfacesAddressesAndGroups()
    {
        EnvironmentIndex index = FlowCorrelator.Tests.Index.LaunchPathTests.Index(
            Record("e1", "CreateFleet", "2026-03-02T00:00:00Z", FleetRequest, FleetResponse("i-0f1")),
            Record("e2", "CreateNetworkInterface", "2026-03-02T00:00:10Z", """{"subnetId":"subnet-1","groupSet":{"items":[{"groupId":"sg-node"}]}}""",
                """{"networkInterface":{"networkInterfaceId":"eni-0f2","subnetId":"subnet-1","vpcId":"vpc-0aaa","privateIpAddress":"10.0.4.12","groupSet":{"items":[{"groupId":"sg-node"}]},"privateIpAddressesSet":{"item":[{"privateIpAddress":"10.0.4.12","primary":true}]}}}"""));

        var rows = BothPaths.FleetAccess(index, [Ssh("eni-0f2", "10.0.4.12", 600, "i-0f1", FlowDirection.Unknown), Ssh("eni-0f2", "10.0.4.99", 610, "i-0f1", FlowDirection.Unknown)], PaymentSsh);

        Assert.That(rows, Has.Length.EqualTo(1), "inbound by the interface's address; the other record is not to it");
        Assert.That(rows[0].SecurityGroups, Is.EqualTo(new[] { "sg-node" }));
        Assert.That(rows[0].InstanceFrom, Is.EqualTo(EvidenceSource.FlowRecord));
    }

    [Test]
    public void Attachment_WinsOverTheRecordsInstanceId_AndTheConflictIsCounted()
    {
        EnvironmentIndex index = FlowCorrelator.Tests.Index.LaunchPathTests.Index(
            Run("e1", "2026-03-02T00:00:00Z", """{"instancesSet":{"items":[{"minCount":1,"maxCount":1}]}}""", LaunchedItem("i-0a1", "eni-0a1", "10.0.1.10", "sg-x", T("Name", "payment"))));
        FlowRecord[] records = [Ssh("eni-0a1", "10.0.1.10", 600, "i-0ffff"), Ssh("eni-0a1", "10.0.1.10", 660, "i-0a1")];

        var rows = BothPaths.FleetAccess(index, records, PaymentSsh);

        Assert.That(rows.Select(r => (r.InstanceId, r.InstanceFrom, r.Accepted)), Is.EqualTo(new[] { ("i-0a1", EvidenceSource.Index, 2L) }));
        AttributionCounts counts = Counts(index, PaymentSsh, records);
        Assert.That((counts.ByIndex, counts.InstanceIdConflicts), Is.EqualTo((2L, 1L)));

        var sink = new InvestigationSink(index, InvestigationOptions.Default with { Access = PaymentSsh });
        sink.Add(records[0]);
        AttributionConflict conflict = sink.Attribution.Conflicts.Single();
        Assert.That((conflict.Field, conflict.RecordValue, conflict.IndexValue, conflict.InterfaceId, conflict.Line), Is.EqualTo(("instance-id", "i-0ffff", "i-0a1", "eni-0a1", 1L)));
    }

    [Test]
    public void InstanceId_OfAnInstanceTheEvidenceEnded_IsNotFleetAccess()
    {
        EnvironmentIndex index = FlowCorrelator.Tests.Index.LaunchPathTests.Index(
            Run("e1", "2026-03-02T00:00:00Z", """{"instancesSet":{"items":[{"minCount":1,"maxCount":1}]}}""", LaunchedItem("i-0a1", "eni-0a1", "10.0.1.10", "sg-x", T("Name", "payment"))),
            Record("e2", "TerminateInstances", "2026-03-02T00:05:00Z", """{"instancesSet":{"items":[{"instanceId":"i-0a1"}]}}""", """{"instancesSet":{"items":[{"instanceId":"i-0a1"}]}}"""));

        // The interface went with the instance; the record names the instance, which the evidence says ended.
        var rows = BothPaths.FleetAccess(index, [Ssh("eni-0a1", "10.0.1.10", 400, "i-0a1")], PaymentSsh);

        Assert.That(rows, Is.Empty);
        Assert.That(index.InstanceAt(InstanceKey.Parse("i-0a1"), At(400))!.Running, Is.False);
        Assert.That(index.InstanceAt(InstanceKey.Parse("i-0a1"), At(200))!.Running, Is.True);
    }

    [Test]
    public void InstanceId_OfAnInstanceMetOnlyInCreateTags_IsTakenAsRunning()
    {
        EnvironmentIndex index = FlowCorrelator.Tests.Index.LaunchPathTests.Index(
            Record("e1", "CreateTags", "2026-03-02T00:00:00Z", """{"resourcesSet":{"items":[{"resourceId":"i-0c1"}]},"tagSet":{"items":[{"key":"Name","value":"payment"}]}}""", """{"_return":true}"""));

        InstanceState state = index.InstanceAt(InstanceKey.Parse("i-0c1"), At(600))!;
        Assert.That((state.Running, state.RunningKnown), Is.EqualTo((false, false)));
        var rows = BothPaths.FleetAccess(index, [Ssh("eni-0c1", "10.0.7.7", 600, "i-0c1")], PaymentSsh);
        Assert.That(rows.Select(r => (r.InstanceId, r.InstanceFrom, r.TagFrom)), Is.EqualTo(new[] { ("i-0c1", EvidenceSource.FlowRecord, EvidenceSource.Index) }));
    }

    [Test]
    public void TagField_ForAnInstanceWithoutKnownTags_DecidesOnlyWhenMapped()
    {
        EnvironmentIndex index = EnvironmentIndex.Empty;
        FlowRecord payment = Ssh("eni-0d1", "10.0.8.8", 600, "i-0d1") with { InstanceTag = FlowTagValue.Of("payment") };
        FlowRecord web = Ssh("eni-0d1", "10.0.8.8", 660, "i-0d1", src: "198.51.100.8") with { InstanceTag = FlowTagValue.Of("web") };

        Assert.That(BothPaths.FleetAccess(index, [payment, web], PaymentSsh), Is.Empty, "without --tag-field the value means nothing");

        var rows = BothPaths.FleetAccess(index, [payment, web], PaymentSshWithNameField);
        Assert.That(rows.Select(r => (r.InstanceId, r.SrcAddr, r.InstanceFrom, r.TagFrom)),
            Is.EqualTo(new[] { ("i-0d1", "198.51.100.7", EvidenceSource.FlowRecord, EvidenceSource.FlowRecord) }), "an unknown instance: running, tags from the record");

        AttributionCounts counts = Counts(index, PaymentSshWithNameField, payment, web);
        Assert.That((counts.ByInstanceId, counts.ByTagField, counts.TagFieldConflicts), Is.EqualTo((2L, 2L, 0L)));
    }

    [Test]
    public void TagField_Precedence_InstanceTagFieldsBeforeAsgTagFields_AndADashIsNoValue()
    {
        AccessQuery query = PaymentSsh with
        {
            TagFields = [new TagFieldMapping("asg-tag", "Name"), new TagFieldMapping("instance-tag-2", "Name"), new TagFieldMapping("instance-tag", "team")],
        };
        FlowRecord asgOnly = Ssh("eni-0d2", "10.0.8.9", 600, "i-0d2") with { AsgTag = FlowTagValue.Of("payment"), InstanceTag2 = FlowTagValue.FromUtf8("-"u8) };
        FlowRecord both = Ssh("eni-0d2", "10.0.8.9", 660, "i-0d2", src: "198.51.100.8") with { AsgTag = FlowTagValue.Of("payment"), InstanceTag2 = FlowTagValue.Of("web") };
        FlowRecord otherKey = Ssh("eni-0d2", "10.0.8.9", 720, "i-0d2", src: "198.51.100.9") with { InstanceTag = FlowTagValue.Of("payment") };

        var rows = BothPaths.FleetAccess(EnvironmentIndex.Empty, [asgOnly, both, otherKey], query);

        Assert.That(rows.Select(r => r.SrcAddr), Is.EqualTo(new[] { "198.51.100.7" }),
            "instance-tag-2 (Name) answers before asg-tag (Name); instance-tag holds 'team', not Name");
    }

    [Test]
    public void TagField_ForAnInstanceWithKnownTags_TheIndexDecides_AndADifferentValueIsAConflict()
    {
        EnvironmentIndex index = FlowCorrelator.Tests.Index.LaunchPathTests.Index(
            Run("e1", "2026-03-02T00:00:00Z", """{"instancesSet":{"items":[{"minCount":1,"maxCount":1}]}}""", LaunchedItem("i-0a1", "eni-0a1", "10.0.1.10", "sg-x", T("Name", "payment"))),
            Run("e2", "2026-03-02T00:00:00Z", """{"instancesSet":{"items":[{"minCount":1,"maxCount":1}]}}""", LaunchedItem("i-0a2", "eni-0a2", "10.0.1.11", "sg-x", T("team", "web"))));
        FlowRecord renamed = Ssh("eni-0a1", "10.0.1.10", 600, "i-0a1") with { InstanceTag = FlowTagValue.Of("web") };
        FlowRecord same = Ssh("eni-0a1", "10.0.1.10", 660, "i-0a1") with { InstanceTag = FlowTagValue.Of("payment") };
        FlowRecord lacksKey = Ssh("eni-0a2", "10.0.1.11", 600, "i-0a2") with { InstanceTag = FlowTagValue.Of("payment") };

        var rows = BothPaths.FleetAccess(index, [renamed, same, lacksKey], PaymentSshWithNameField);

        Assert.That(rows.Select(r => (r.InstanceId, r.TagFrom, r.Accepted)), Is.EqualTo(new[] { ("i-0a1", EvidenceSource.Index, 2L) }),
            "the index's tags decide: i-0a1 is payment whatever the record says; i-0a2 has known tags without Name");

        var sink = new InvestigationSink(index, InvestigationOptions.Default with { Access = PaymentSshWithNameField });
        foreach (FlowRecord r in new[] { renamed, same, lacksKey })
        {
            sink.Add(r);
        }

        Assert.That(sink.Attribution.Counts.TagFieldConflicts, Is.EqualTo(2));
        Assert.That(sink.Attribution.Conflicts.Select(c => (c.Line, c.Field, c.RecordValue, c.IndexValue)),
            Is.EqualTo(new[] { (1L, "instance-tag (Name)", "web", "payment"), (3L, "instance-tag (Name)", "payment", "-") }));
    }

    [Test]
    public void AttachedInstanceWithoutKnownTags_TagFieldDecides_WithTheIndexsInstance()
    {
        EnvironmentIndex index = FlowCorrelator.Tests.Index.LaunchPathTests.Index(
            Run("e1", "2026-03-02T00:00:00Z", """{"instancesSet":{"items":[{"minCount":1,"maxCount":1}]}}""", LaunchedItem("i-0a3", "eni-0a3", "10.0.1.12", "sg-x", string.Empty)));
        FlowRecord r = Ssh("eni-0a3", "10.0.1.12", 600, null, FlowDirection.Unknown) with { InstanceTag = FlowTagValue.Of("payment") };

        var rows = BothPaths.FleetAccess(index, [r], PaymentSshWithNameField);

        Assert.That(rows.Select(a => (a.InstanceId, a.SecurityGroups.Single(), a.InstanceFrom, a.TagFrom)),
            Is.EqualTo(new[] { ("i-0a3", "sg-x", EvidenceSource.Index, EvidenceSource.FlowRecord) }));
        Assert.That(BothPaths.FleetAccess(index, [r], PaymentSsh), Is.Empty);
    }

    [Test]
    public void ConflictsKept_AreTheFirstTwentyInFileAndLineOrder_WhateverTheThreadOrder()
    {
        EnvironmentIndex index = FlowCorrelator.Tests.Index.LaunchPathTests.Index(
            Run("e1", "2026-03-02T00:00:00Z", """{"instancesSet":{"items":[{"minCount":1,"maxCount":1}]}}""", LaunchedItem("i-0a1", "eni-0a1", "10.0.1.10", "sg-x", T("Name", "payment"))));
        FlowRecord wrong = Ssh("eni-0a1", "10.0.1.10", 600, "i-0ffff");
        var diagnostics = new IngestDiagnostics();
        foreach (string file in new[] { "z.log", "a.log" })
        {
            var sink = new InvestigationSink(index, InvestigationOptions.Default with { Access = PaymentSsh });
            sink.OnFileStart(file, FlowLogSchema.DefaultV2);
            for (int i = 0; i < 30; i++)
            {
                sink.Add(wrong);
            }

            diagnostics.AddAttribution(sink.Attribution.Counts, sink.Attribution.Conflicts);
        }

        Assert.That(diagnostics.Attribution.InstanceIdConflicts, Is.EqualTo(60));
        Assert.That(diagnostics.AttributionConflicts.Select(c => (c.File, c.Line)), Is.EqualTo(Enumerable.Range(1, 20).Select(i => ((string?)"a.log", (long)i))));
    }

    [Test]
    public void InstanceWithUnstatedState_AttachedByLaterEvidence_IsStillRunning()
    {
        // Review finding: an AttachNetworkInterface agreeing with the record must not remove the row the record's own
        // instance-id gives (the instance was met only in CreateTags: launched before the trail).
        const string tags = """{"resourcesSet":{"items":[{"resourceId":"i-0c1"}]},"tagSet":{"items":[{"key":"Name","value":"payment"}]}}""";
        EnvironmentIndex attached = FlowCorrelator.Tests.Index.LaunchPathTests.Index(
            Record("e1", "CreateTags", "2026-03-02T00:00:00Z", tags, """{"_return":true}"""),
            Record("e2", "AttachNetworkInterface", "2026-03-02T00:01:00Z", """{"networkInterfaceId":"eni-0c1","instanceId":"i-0c1","deviceIndex":1}""", """{"attachmentId":"eni-attach-0c1"}"""));

        var rows = BothPaths.FleetAccess(attached, [Ssh("eni-0c1", "10.0.7.7", 600, "i-0c1")], PaymentSsh);

        Assert.That(attached.InterfaceAt(EniId.Parse("eni-0c1"), At(600))!.InstanceRunning, Is.True);
        Assert.That(rows.Select(r => (r.InstanceId, r.InstanceFrom)), Is.EqualTo(new[] { ("i-0c1", EvidenceSource.Index) }));
    }

    [Test]
    public void InstanceIdPastTheInternLimits_NamesNoInstance()
    {
        string longId = "i-" + new string('z', 140);
        FlowRecord r = Ssh("eni-0d9", "10.0.8.8", 600, longId) with { InstanceTag = FlowTagValue.Of("payment") };

        Assert.That(r.InstanceId, Is.EqualTo(InstanceKey.None), "not an instance id, and too long to keep as text");
        Assert.That(BothPaths.FleetAccess(EnvironmentIndex.Empty, [r], PaymentSshWithNameField), Is.Empty);
        Assert.That(Counts(EnvironmentIndex.Empty, PaymentSshWithNameField, r).Unattributed, Is.EqualTo(1));
    }

    [Test]
    public void TagValue_LongerThanAnyAwsTagValue_IsUnreadable_NeverMatchesNorConflicts()
    {
        byte[] longest = System.Text.Encoding.ASCII.GetBytes(new string('p', FlowTagValue.MaxBytes));
        byte[] tooLong = System.Text.Encoding.ASCII.GetBytes(new string('q', FlowTagValue.MaxBytes + 1));
        Assert.That(FlowTagValue.FromUtf8(longest).IsUnreadable, Is.False);
        Assert.That(FlowTagValue.FromUtf8(tooLong).IsUnreadable, Is.True);

        EnvironmentIndex index = FlowCorrelator.Tests.Index.LaunchPathTests.Index(
            Run("e1", "2026-03-02T00:00:00Z", """{"instancesSet":{"items":[{"minCount":1,"maxCount":1}]}}""", LaunchedItem("i-0a1", "eni-0a1", "10.0.1.10", "sg-x", T("Name", "payment"))));
        FlowRecord known = Ssh("eni-0a1", "10.0.1.10", 600, "i-0a1") with { InstanceTag = FlowTagValue.FromUtf8(tooLong) };
        FlowRecord unknown = Ssh("eni-0d1", "10.0.8.8", 600, "i-0d1") with { InstanceTag = FlowTagValue.Unreadable };

        Assert.That(Counts(index, PaymentSshWithNameField, known).TagFieldConflicts, Is.Zero, "a value the engine did not keep is no disagreement");
        Assert.That(BothPaths.FleetAccess(EnvironmentIndex.Empty, [unknown], PaymentSshWithNameField), Is.Empty);
    }

    [TestCase("instance-tag=Name", "instance-tag", "Name")]
    [TestCase("asg-tag-2=aws:autoscaling:groupName", "asg-tag-2", "aws:autoscaling:groupName")]
    [TestCase("instance-tag=a=b", "instance-tag", "a=b")]
    public void TagFieldMapping_Parse(string text, string field, string key)
    {
        TagFieldMapping m = TagFieldMapping.Parse(text);
        Assert.That((m.Field, m.Key), Is.EqualTo((field, key)));
    }

    [TestCase("interface-tag=Name", "tag of the network interface")]
    [TestCase("vpc-id=Name", "not a tag field")]
    [TestCase("instance-tag", "FIELD=KEY")]
    [TestCase("instance-tag=", "FIELD=KEY")]
    public void TagFieldMapping_Parse_Rejects(string text, string why) =>
        Assert.That(() => TagFieldMapping.Parse(text), Throws.TypeOf<FormatException>().With.Message.Contains(why));
}
