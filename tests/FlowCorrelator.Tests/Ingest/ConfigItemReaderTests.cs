using System.Text;
using FlowCorrelator.Ingest;
using FlowCorrelator.Tests.TestData;
using static FlowCorrelator.Tests.TestData.ConfigItems;

namespace FlowCorrelator.Tests.Ingest;

/// <summary>
/// AWS Config files (docs/formats.md D): the delivered ConfigHistory/ConfigSnapshot envelope and items, and
/// <c>get-resource-config-history</c> output. Sources of the shapes: the AWS Config Developer Guide ("Viewing
/// Configuration Details", awsdocs/aws-config-developer-guide doc_source/view-manage-resource-console.md: the S3
/// history file <c>{"fileVersion","configurationItems":[…]}</c>, and CLI output whose <c>configuration</c> is a JSON
/// string, with the 2014 security-group item's <c>ipRanges</c> as plain strings and an epoch capture time); the AWS
/// Config API reference for <c>configurationItemStatus</c> (OK, ResourceDiscovered, ResourceNotRecorded,
/// ResourceDeleted, ResourceDeletedNotRecorded); AWS Tools for PowerShell's Get-CFGAggregateResourceConfig example (a
/// security group configuration with <c>ipv4Ranges</c> objects beside the legacy <c>ipRanges</c> strings,
/// <c>userIdGroupPairs</c>, <c>ipPermissionsEgress</c>); a real <c>AWS::EC2::Instance</c> item of
/// <c>configurationItemVersion</c> 1.3 kept as public test data (camelCase describe-instances shape: <c>state.name</c>,
/// <c>networkInterfaces[].attachment</c>, <c>privateIpAddresses</c>, <c>groups</c>, <c>securityGroups</c>, <c>tags</c>
/// list, plus the item's <c>tags</c> map). Ids and values here are made up.
/// </summary>
public sealed class ConfigItemReaderTests
{
    [Test]
    public void Read_DeliveredHistoryFile_OneEventPerUsedItem_WithItsRecordedState()
    {
        string nic = Nic("eni-0c0a29997760baee7", "10.0.1.5", "i-0fleet1", "eni-attach-0aa1", deleteOnTermination: true, "sg-0web");
        string text = File(
            Instance("i-0fleet1", 100, "running", ["Name=payment"], ["sg-0web"], nic),
            NicItem("eni-0branch", 110, "10.0.2.7", "i-0node", "sg-0pods"),
            Item("AWS::EC2::SecurityGroup", "sg-0web", 120, """
                {"description":"web","groupName":"web","ipPermissions":[
                  {"ipProtocol":"-1","ipv6Ranges":[],"prefixListIds":[],"userIdGroupPairs":[{"groupId":"sg-0web","userId":"111122223333"}],"ipv4Ranges":[],"ipRanges":[]},
                  {"fromPort":3389,"ipProtocol":"tcp","ipv6Ranges":[{"cidrIpv6":"::/0"}],"prefixListIds":[{"prefixListId":"pl-0a1b"}],"toPort":3389,"userIdGroupPairs":[],
                   "ipv4Ranges":[{"cidrIp":"198.51.100.0/24","description":"office"},{"cidrIp":"203.0.113.9/32","description":"home"}],"ipRanges":["198.51.100.0/24","203.0.113.9/32"]}],
                 "ownerId":"111122223333","groupId":"sg-0web",
                 "ipPermissionsEgress":[{"ipProtocol":"-1","ipv6Ranges":[],"prefixListIds":[],"userIdGroupPairs":[],"ipv4Ranges":[{"cidrIp":"0.0.0.0/0"}],"ipRanges":["0.0.0.0/0"]}],
                 "tags":[],"vpcId":"vpc-0story"}
                """),
            Vpc("vpc-0def", isDefault: true, 130),
            Item("AWS::EC2::Volume", "vol-0a1b", 140, """{"volumeId":"vol-0a1b","size":8}"""),
            Item("AWS::EC2::Instance", "i-0notrec", 150, null, status: "ResourceNotRecorded"),
            Item("AWS::EC2::Instance", "i-0gone", 160, null, status: "ResourceDeletedNotRecorded"));
        var events = new List<CloudTrailEvent>();
        FileReport report = new ConfigItemReader().Read(LogInput.FromBytes(HistoryKey("AWS::EC2::Instance"), CloudTrailReaderTests.Gzip(text)), events.Add);

        Assert.That((report.Kind, report.Format, report.Records, report.Malformed), Is.EqualTo((LogFileKind.AwsConfig, "gzip json, AWS Config history", 7L, 0L)), "every item counts; the volume and the unrecorded one make no event");
        Assert.That(events.Select(e => (e.EventName, e.EventSource, e.Region, e.AccountId)).Distinct(), Is.EqualTo(new[] { (ConfigItemReader.EventName, (string?)"config.amazonaws.com", (string?)"us-east-1", (string?)Account) }));
        Assert.That(events.Select(e => ((ConfigurationItemRecorded)e.Change!).ResourceId), Is.EqualTo(new[] { "i-0fleet1", "eni-0branch", "sg-0web", "vpc-0def", "i-0gone" }));
        Assert.That(events[0].Time, Is.EqualTo(Events.T0.AddSeconds(100).AddMilliseconds(250)), "capture time with its milliseconds");
        Assert.That(events[0].EventId, Is.EqualTo($"config:AWS::EC2::Instance/i-0fleet1@{Events.T0.AddSeconds(100).AddMilliseconds(250).ToUnixTimeMilliseconds()}"));

        InstanceInfo instance = ((ConfigurationItemRecorded)events[0].Change!).Instance!;
        Assert.That((instance.State, instance.VpcId, instance.Tags.Single(), instance.Groups.Single().GroupId), Is.EqualTo(("running", "vpc-0story", new Tag("Name", "payment"), "sg-0web")));
        NetworkInterfaceInfo attached = instance.NetworkInterfaces.Single();
        Assert.That((attached.NetworkInterfaceId, attached.AttachmentId, attached.DeleteOnTermination, attached.DeviceIndex, attached.PrivateIps.Single()), Is.EqualTo(("eni-0c0a29997760baee7", "eni-attach-0aa1", (bool?)true, 0, "10.0.1.5")));

        var branch = (ConfigurationItemRecorded)events[1].Change!;
        Assert.That((branch.AttachedInstanceId, branch.NetworkInterface!.Groups.Single().GroupId, branch.NetworkInterface.DeleteOnTermination), Is.EqualTo(("i-0node", "sg-0pods", (bool?)false)));

        var group = (ConfigurationItemRecorded)events[2].Change!;
        Assert.That((group.Group!.GroupName, group.Group.VpcId), Is.EqualTo(("web", "vpc-0story")));
        Assert.That(group.Rules.Select(r => (r.IsEgress, r.Protocol, r.FromPort, r.Cidr ?? r.ReferencedGroupId ?? r.PrefixListId, r.Description)), Is.EqualTo(new (bool, int, int?, string?, string?)[]
        {
            (false, -1, null, "sg-0web", null),
            (false, 6, 3389, "198.51.100.0/24", "office"),
            (false, 6, 3389, "203.0.113.9/32", "home"),
            (false, 6, 3389, "::/0", null),
            (false, 6, 3389, "pl-0a1b", null),
            (true, -1, null, "0.0.0.0/0", null),
        }), "ipv4Ranges read once (ipRanges repeats them), one rule per peer");

        Assert.That(((ConfigurationItemRecorded)events[3].Change!).IsDefaultVpc, Is.True);
        Assert.That(((ConfigurationItemRecorded)events[4].Change!).Deleted, Is.True, "a deletion Config did not record still ends the resource");
    }

    [Test]
    public void Read_GetResourceConfigHistoryOutput_ConfigurationStringAndEpochTime()
    {
        // The developer guide's CLI example: configuration as a JSON string, the capture time as epoch seconds, the
        // 2014 item's ipRanges as plain strings and vpcId null (an EC2-Classic default group).
        const string Text = """
            {
                "configurationItems": [
                    {
                        "configurationItemCaptureTime": 1414708529.9219999,
                        "relationships": [],
                        "availabilityZone": "Not Applicable",
                        "tags": {},
                        "resourceType": "AWS::EC2::SecurityGroup",
                        "resourceId": "sg-6fbb3807",
                        "configurationStateId": "1",
                        "relatedEvents": [],
                        "arn": "arn:aws:ec2:us-east-2:012345678912:security-group/default",
                        "version": "1.0",
                        "configurationItemMD5Hash": "860aa81fc3869e186b2ee00bc638a01a",
                        "configuration": "{\"ownerId\":\"605053316265\",\"groupName\":\"default\",\"groupId\":\"sg-6fbb3807\",\"description\":\"default group\",\"ipPermissions\":[{\"ipProtocol\":\"tcp\",\"fromPort\":1433,\"toPort\":1433,\"userIdGroupPairs\":[],\"ipRanges\":[\"0.0.0.0/0\"]},{\"ipProtocol\":\"tcp\",\"fromPort\":0,\"toPort\":65535,\"userIdGroupPairs\":[{\"userId\":\"605053316265\",\"groupName\":\"default\",\"groupId\":\"sg-6fbb3807\"}],\"ipRanges\":[]}],\"ipPermissionsEgress\":[],\"vpcId\":null,\"tags\":[]}",
                        "configurationItemStatus": "ResourceDiscovered",
                        "accountId": "605053316265"
                    }
                ],
                "nextToken": "x"
            }
            """;
        Assert.That(LogSources.Classify(LogInput.FromBytes("history.json", Encoding.UTF8.GetBytes(Text))), Is.EqualTo(LogFileKind.AwsConfig), "told by content");
        var events = new List<CloudTrailEvent>();
        FileReport report = new ConfigItemReader().Read(LogInput.FromBytes("history.json", Encoding.UTF8.GetBytes(Text)), events.Add);

        Assert.That((report.Records, report.Malformed, report.Format), Is.EqualTo((1L, 0L, "json, AWS Config items")));
        CloudTrailEvent e = events.Single();
        Assert.That((e.Time, e.AccountId, e.EventId), Is.EqualTo((DateTimeOffset.FromUnixTimeMilliseconds(1414708529921), "605053316265", "config:AWS::EC2::SecurityGroup/sg-6fbb3807@1")));
        var change = (ConfigurationItemRecorded)e.Change!;
        Assert.That((change.Group!.GroupName, change.Group.VpcId), Is.EqualTo(("default", (string?)null)));
        Assert.That(change.Rules.Select(r => (r.FromPort, r.Cidr ?? r.ReferencedGroupId)), Is.EqualTo(new (int?, string?)[] { (1433, "0.0.0.0/0"), (0, "sg-6fbb3807") }));
    }

    [Test]
    public void Read_MalformedItems_ReportedWithIndexAndOffset_OthersKept()
    {
        string good = NicItem("eni-0ok", 100, "10.0.0.1", null, "sg-0a");
        string noId = """{"resourceType":"AWS::EC2::Instance","configurationItemStatus":"OK","configurationItemCaptureTime":"2026-03-02T00:00:01.000Z","configuration":{}}""";
        string badString = """{"resourceType":"AWS::EC2::Instance","resourceId":"i-1","configurationItemStatus":"OK","configurationItemCaptureTime":"2026-03-02T00:00:01.000Z","configuration":"{not json"}""";
        string badStatus = """{"resourceType":"AWS::EC2::Instance","resourceId":"i-2","configurationItemStatus":"Weird","configurationItemCaptureTime":"2026-03-02T00:00:01.000Z","configuration":{}}""";
        string noConfiguration = """{"resourceType":"AWS::EC2::VPC","resourceId":"vpc-1","configurationItemStatus":"OK","configurationItemCaptureTime":"2026-03-02T00:00:01.000Z"}""";
        string badProtocol = Item("AWS::EC2::SecurityGroup", "sg-0x", 5, """{"groupId":"sg-0x","groupName":"x","ipPermissions":[{"ipProtocol":"bogus","fromPort":1,"toPort":2}],"ipPermissionsEgress":[]}""");
        string text = File(good, noId, "42", badString, badStatus, noConfiguration, badProtocol, good.Replace("eni-0ok", "eni-0ok2", StringComparison.Ordinal));
        var events = new List<CloudTrailEvent>();
        FileReport report = new ConfigItemReader().Read(LogInput.FromBytes("c.json", Encoding.UTF8.GetBytes(text)), events.Add);

        Assert.That(events.Select(e => ((ConfigurationItemRecorded)e.Change!).ResourceId), Is.EqualTo(new[] { "eni-0ok", "sg-0x", "eni-0ok2" }), "a group keeps its readable rules");
        Assert.That(report.Malformed, Is.EqualTo(6));
        Assert.That(report.Samples.Select(p => (p.Reason, p.Message[..p.Message.IndexOf(": ", StringComparison.Ordinal)])), Is.EqualTo(new[]
        {
            (ProblemReason.InvalidRecord, "configurationItems[1]"),
            (ProblemReason.InvalidRecord, "configurationItems[2]"),
            (ProblemReason.InvalidJson, "configurationItems[3] (AWS::EC2::Instance i-1)"),
            (ProblemReason.InvalidValue, "configurationItems[4] (AWS::EC2::Instance i-2)"),
            (ProblemReason.InvalidRecord, "configurationItems[5] (AWS::EC2::VPC vpc-1)"),
            (ProblemReason.InvalidRecord, "configurationItems[6] (AWS::EC2::SecurityGroup sg-0x)"),
        }));
        Assert.That(report.Samples[0].Message, Does.Contain("resourceId"));
        Assert.That(report.Samples.Select(p => p.ByteOffset), Is.EqualTo(new long[]
        {
            Encoding.UTF8.GetByteCount(text[..text.IndexOf(noId, StringComparison.Ordinal)]),
            Encoding.UTF8.GetByteCount(text[..text.IndexOf(",42,", StringComparison.Ordinal)]) + 1,
            Encoding.UTF8.GetByteCount(text[..text.IndexOf(badString, StringComparison.Ordinal)]),
            Encoding.UTF8.GetByteCount(text[..text.IndexOf(badStatus, StringComparison.Ordinal)]),
            Encoding.UTF8.GetByteCount(text[..text.IndexOf(noConfiguration, StringComparison.Ordinal)]),
            Encoding.UTF8.GetByteCount(text[..text.IndexOf(badProtocol, StringComparison.Ordinal)]),
        }), "each problem at its item's byte offset");
        Assert.That(report.Samples.All(p => p.Path == "c.json"), Is.True);

        Assert.That(() => new ConfigItemReader(ReaderOptions.Default with { Strict = true }).Read(LogInput.FromBytes("c.json", Encoding.UTF8.GetBytes(text)), _ => { }),
            Throws.TypeOf<LogFormatException>().With.Message.Contains("configurationItems[1]"));
    }

    [Test]
    public void Read_TruncatedFile_KeepsTheItemsBefore_AndFailsAtTheCutItem()
    {
        string second = NicItem("eni-0cut", 101, "10.0.0.2", null, "sg-0a");
        string text = File(NicItem("eni-0ok", 100, "10.0.0.1", null, "sg-0a"), second);
        string cut = text[..(text.Length - 60)];
        var events = new List<CloudTrailEvent>();
        FileReport report = new ConfigItemReader().Read(LogInput.FromBytes(SnapshotKey(), CloudTrailReaderTests.Gzip(cut)), events.Add);

        Assert.That(events.Select(e => ((ConfigurationItemRecorded)e.Change!).ResourceId), Is.EqualTo(new[] { "eni-0ok" }));
        Assert.That(report.FatalError!.Reason, Is.EqualTo(ProblemReason.InvalidJson));
        Assert.That(report.FatalError.Message, Does.StartWith("in or after configurationItems[1]"));
        Assert.That(report.FatalError.ByteOffset, Is.EqualTo(Encoding.UTF8.GetByteCount(text[..text.IndexOf(second, StringComparison.Ordinal)])), "the offset of the cut item");
    }

    [Test]
    public void Read_NotAConfigFile_IsUnsupported()
    {
        FileReport report = new ConfigItemReader().Read(LogInput.FromBytes("x.json", """{"fileVersion":"1.0"}"""u8.ToArray()), _ => { });
        Assert.That((report.FatalError!.Reason, report.FatalError.Message), Is.EqualTo((ProblemReason.UnsupportedFormat, "no configurationItems list")));
    }

    [TestCase("AWSLogs/111122223333/Config/us-east-1/2026/3/2/ConfigHistory/111122223333_Config_us-east-1_ConfigHistory_AWS::EC2::SecurityGroup_20260302T000000Z_20260302T060000Z_1.json.gz")]
    [TestCase("o-abc123/AWSLogs/111122223333/Config/eu-west-1/2026/12/31/ConfigSnapshot/111122223333_Config_eu-west-1_ConfigSnapshot_20261231T120000Z_5f3b2a10-0c5e-4c1e-9d1c-6f2d3e4a5b6c.json.gz")]
    public void Classify_ConfigKeyLayout_IsAwsConfigByName(string key)
    {
        // By name alone: the content is not even looked at.
        Assert.That(LogSources.Classify(LogInput.FromBytes(key, "not json"u8.ToArray())), Is.EqualTo(LogFileKind.AwsConfig));
    }

    [TestCase(false)]
    [TestCase(true)]
    public void Classify_ConfigContent_IsAwsConfigByFirstBytes(bool gzip)
    {
        string text = File(Vpc("vpc-0a", isDefault: true, 1));
        byte[] bytes = gzip ? CloudTrailReaderTests.Gzip(text) : Encoding.UTF8.GetBytes(text);
        Assert.That(LogSources.Classify(LogInput.FromBytes("export/config-dump" + (gzip ? ".json.gz" : ".json"), bytes)), Is.EqualTo(LogFileKind.AwsConfig));
    }

    [Test]
    public void Workspace_FolderOfOnlyConfigFiles_IsNotEmpty_AndDiagnosticsCountThem()
    {
        Workspace ws = Load(null, (HistoryKey("AWS::EC2::VPC"), File(Vpc("vpc-0a", isDefault: true, 1), Item("AWS::EC2::Subnet", "subnet-1", 1, "{}"))));
        Assert.That(ws.Diagnostics.Sources.Single().Config, Is.EqualTo(1));
        Assert.That(ws.Diagnostics.Sources.Single().HasData, Is.True);
        Assert.That(ws.Inputs.Config, Has.Count.EqualTo(1));

        using var stream = new MemoryStream();
        using (var writer = new System.Text.Json.Utf8JsonWriter(stream))
        {
            writer.WriteStartObject();
            FlowCorrelator.Reporting.DiagnosticsJson.Write(writer, ws.Diagnostics, allFiles: true);
            writer.WriteEndObject();
        }

        System.Text.Json.JsonElement d = System.Text.Json.JsonDocument.Parse(stream.ToArray()).RootElement.GetProperty("diagnostics");
        Assert.That((d.GetProperty("configFiles").GetInt32(), d.GetProperty("configItems").GetInt32(), d.GetProperty("files")[0].GetProperty("kind").GetString()), Is.EqualTo((1, 2, "awsconfig")));
        Assert.That(d.GetProperty("sources")[0].GetProperty("configFiles").GetInt32(), Is.EqualTo(1));
    }
}
