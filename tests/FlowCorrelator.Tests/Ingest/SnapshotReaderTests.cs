using System.Text;
using FlowCorrelator.Ingest;

namespace FlowCorrelator.Tests.Ingest;

public sealed class SnapshotReaderTests
{
    private static readonly DateTimeOffset AsOf = new(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private const string Instances = """
        {"Reservations":[{"ReservationId":"r-1","Instances":[{"InstanceId":"i-1","SubnetId":"subnet-1","VpcId":"vpc-1","PrivateIpAddress":"10.0.0.5",
          "State":{"Code":16,"Name":"running"},"SecurityGroups":[{"GroupId":"sg-1","GroupName":"web"}],"Tags":[{"Key":"Name","Value":"web"}],
          "NetworkInterfaces":[{"NetworkInterfaceId":"eni-1","SubnetId":"subnet-1","VpcId":"vpc-1","PrivateIpAddress":"10.0.0.5",
            "PrivateIpAddresses":[{"PrivateIpAddress":"10.0.0.5","Primary":true},{"PrivateIpAddress":"10.0.0.6","Primary":false}],
            "Ipv6Addresses":[],"Groups":[{"GroupId":"sg-1","GroupName":"web"}],"Attachment":{"AttachmentId":"eni-attach-1","DeviceIndex":0,"Status":"attached"}}]}]}]}
        """;

    private const string Groups = """
        {"SecurityGroups":[{"GroupId":"sg-1","GroupName":"web","VpcId":"vpc-1","Description":"d",
          "IpPermissions":[{"IpProtocol":"tcp","FromPort":22,"ToPort":22,"IpRanges":[{"CidrIp":"0.0.0.0/0"}],"Ipv6Ranges":[{"CidrIpv6":"::/0"}],"UserIdGroupPairs":[{"GroupId":"sg-2"}],"PrefixListIds":[{"PrefixListId":"pl-1"}]}],
          "IpPermissionsEgress":[{"IpProtocol":"-1","IpRanges":[{"CidrIp":"0.0.0.0/0"}],"Ipv6Ranges":[],"UserIdGroupPairs":[],"PrefixListIds":[]}]},
          {"GroupId":"sg-9","GroupName":"other","VpcId":"vpc-1","IpPermissions":[{"IpProtocol":"udp","FromPort":53,"ToPort":53,"IpRanges":[{"CidrIp":"10.0.0.0/8"}]}],"IpPermissionsEgress":[]}]}
        """;

    private const string Rules = """
        {"SecurityGroupRules":[
          {"SecurityGroupRuleId":"sgr-1","GroupId":"sg-1","IsEgress":false,"IpProtocol":"tcp","FromPort":22,"ToPort":22,"CidrIpv4":"0.0.0.0/0"},
          {"SecurityGroupRuleId":"sgr-2","GroupId":"sg-1","IsEgress":false,"IpProtocol":"tcp","FromPort":22,"ToPort":22,"ReferencedGroupInfo":{"GroupId":"sg-2","UserId":"1"}},
          {"SecurityGroupRuleId":"sgr-3","GroupId":"sg-1","IsEgress":true,"IpProtocol":"-1","FromPort":-1,"ToPort":-1,"CidrIpv6":"::/0"}]}
        """;

    private const string Interfaces = """
        {"NetworkInterfaces":[{"NetworkInterfaceId":"eni-7","SubnetId":"subnet-1","VpcId":"vpc-1","InterfaceType":"interface","PrivateIpAddress":"10.0.0.7",
          "PrivateIpAddresses":[{"PrivateIpAddress":"10.0.0.7","Primary":true}],"Groups":[{"GroupId":"sg-9","GroupName":"other"}],
          "Attachment":{"AttachmentId":"eni-attach-7","InstanceId":"i-1","DeviceIndex":1},"TagSet":[{"Key":"k","Value":"v"}]},
          {"NetworkInterfaceId":"eni-8","PrivateIpAddresses":[],"Groups":[]}]}
        """;

    [Test]
    public void Read_DescribeInstances_YieldsInstancesAndAttachments()
    {
        var (snapshot, evt, report) = ReadOne(Instances, "instances.json");

        Assert.That(evt.EventName, Is.EqualTo("Snapshot"));
        Assert.That(evt.EventId, Is.EqualTo("snapshot:instances.json"));
        Assert.That(evt.Time, Is.EqualTo(AsOf));
        Assert.That(report.Kind, Is.EqualTo(LogFileKind.Snapshot));
        Assert.That(report.Malformed, Is.Zero);
        InstanceInfo instance = snapshot.Instances.Single();
        Assert.That((instance.InstanceId, instance.State, instance.PrivateIp), Is.EqualTo(("i-1", "running", "10.0.0.5")));
        Assert.That(instance.Tags, Is.EqualTo(new[] { new Tag("Name", "web") }));
        Assert.That(instance.Groups, Is.EqualTo(new[] { new GroupRef("sg-1", "web") }));
        Assert.That(instance.NetworkInterfaces.Single().PrivateIps, Is.EqualTo(new[] { "10.0.0.5", "10.0.0.6" }));
        Assert.That(snapshot.Attachments.Single(), Is.EqualTo(("eni-1", "i-1", (string?)"eni-attach-1", 0)));
    }

    [Test]
    public void Read_DescribeNetworkInterfaces_YieldsInterfacesAndAttachments()
    {
        var (snapshot, _, report) = ReadOne(Gzip(Interfaces), "enis.json.gz");

        Assert.That(report.Malformed, Is.Zero);
        Assert.That(snapshot.NetworkInterfaces.Select(n => n.NetworkInterfaceId), Is.EqualTo(new[] { "eni-7", "eni-8" }));
        NetworkInterfaceInfo eni = snapshot.NetworkInterfaces[0];
        Assert.That(eni.Groups, Is.EqualTo(new[] { new GroupRef("sg-9", "other") }));
        Assert.That(eni.Tags, Is.EqualTo(new[] { new Tag("k", "v") }));
        Assert.That(snapshot.Attachments.Single(), Is.EqualTo(("eni-7", "i-1", (string?)"eni-attach-7", 1)));
    }

    [Test]
    public void Read_DescribeSecurityGroups_SynthesisesRuleIdsPerPeer()
    {
        var (snapshot, _, _) = ReadOne(Groups, "sgs.json");

        Assert.That(snapshot.Groups.Select(g => g.GroupId), Is.EqualTo(new[] { "sg-1", "sg-9" }));
        Assert.That(snapshot.Rules.Where(r => r.GroupId == "sg-1").Select(r => r.RuleId),
            Is.EqualTo(new[] { "snapshot:sg-1#0", "snapshot:sg-1#1", "snapshot:sg-1#2", "snapshot:sg-1#3", "snapshot:sg-1#4" }));
        Assert.That(snapshot.Rules[2].ReferencedGroupId, Is.EqualTo("sg-2"));
        Assert.That(snapshot.Rules[4].IsEgress, Is.True);
        Assert.That(snapshot.Rules[4].Protocol, Is.EqualTo(-1));
    }

    [Test]
    public void Read_DescribeSecurityGroupRules_KeepsRuleIds()
    {
        var (snapshot, _, _) = ReadOne(Rules, "rules.json");

        Assert.That(snapshot.Rules.Select(r => r.RuleId), Is.EqualTo(new[] { "sgr-1", "sgr-2", "sgr-3" }));
        Assert.That(snapshot.Rules[1].ReferencedGroupId, Is.EqualTo("sg-2"));
        Assert.That(snapshot.Rules[2].IsEgress, Is.True);
        Assert.That(snapshot.Rules[2].FromPort, Is.Null);
    }

    [Test]
    public void ReadAll_GroupsAndRules_PrefersRealRuleIds()
    {
        var diagnostics = new IngestDiagnostics();
        IReadOnlyList<CloudTrailEvent> events = new SnapshotReader().ReadAll(
            [LogInput.FromBytes("a-sgs.json", Encoding.UTF8.GetBytes(Groups)), LogInput.FromBytes("b-rules.json", Encoding.UTF8.GetBytes(Rules))], AsOf, diagnostics);

        var rules = events.SelectMany(e => ((BaselineSnapshot)e.Change!).Rules).ToList();
        Assert.That(rules.Where(r => r.GroupId == "sg-1").Select(r => r.RuleId), Is.EqualTo(new[] { "sgr-1", "sgr-2", "sgr-3" }));
        Assert.That(rules.Where(r => r.GroupId == "sg-9").Select(r => r.RuleId), Is.EqualTo(new[] { "snapshot:sg-9#0" }));
        Assert.That(diagnostics.Files, Has.Count.EqualTo(2));
    }

    [Test]
    public void Read_DescribeVpcs_KeepsTheDefaultVpcIds()
    {
        const string Vpcs = """
            {"Vpcs":[{"VpcId":"vpc-def","CidrBlock":"172.31.0.0/16","State":"available","IsDefault":true,"OwnerId":"111122223333"},
              {"VpcId":"vpc-app","CidrBlock":"10.0.0.0/16","State":"available","IsDefault":false},{"CidrBlock":"10.1.0.0/16"}]}
            """;
        var (snapshot, _, report) = ReadOne(Vpcs, "vpcs.json");

        Assert.That(snapshot.DefaultVpcIds, Is.EqualTo(new[] { "vpc-def" }));
        Assert.That(report.Records, Is.EqualTo(2));
        Assert.That(report.Malformed, Is.EqualTo(1), "a VPC without VpcId");
        Assert.That(LogSources.Classify([LogInput.FromBytes("vpcs.json", Encoding.UTF8.GetBytes(Vpcs))]).Snapshots, Has.Count.EqualTo(1));
    }

    [Test]
    public void Read_UnknownOrInvalidJson_FailsWithoutThrowing()
    {
        var events = new List<CloudTrailEvent>();
        FileReport report = new SnapshotReader().Read(LogInput.FromBytes("x.json", Encoding.UTF8.GetBytes("{\"Foo\":[]}")), AsOf, events.Add);
        Assert.That(report.FatalError!.Reason, Is.EqualTo(ProblemReason.UnsupportedFormat));

        report = new SnapshotReader().Read(LogInput.FromBytes("y.json", Encoding.UTF8.GetBytes("{\"Reservations\":[")), AsOf, events.Add);
        Assert.That(report.FatalError!.Reason, Is.EqualTo(ProblemReason.InvalidJson));
        Assert.That(events, Is.Empty);
    }

    [Test]
    public void Read_InvalidJsonOnALaterLine_ReportsTheByteOffsetInTheFile()
    {
        // The error is on the third line; JsonException counts bytes within that line only.
        const string json = "{\"SecurityGroups\": [\n  {\"GroupId\": \"sg-1\"},\n  {\"GroupId\": x}\n]}";
        FileReport report = new SnapshotReader().Read(LogInput.FromBytes("bad.json", Encoding.UTF8.GetBytes(json)), AsOf, _ => { });

        Assert.That(report.FatalError!.Reason, Is.EqualTo(ProblemReason.InvalidJson));
        Assert.That(report.FatalError.ByteOffset, Is.EqualTo(json.IndexOf('x', StringComparison.Ordinal)));
    }

    [Test]
    public void Read_TooDeep_IsReportedAsTooDeep()
    {
        string json = "{\"SecurityGroups\":[{\"GroupId\":\"sg-1\",\"X\":" + new string('[', 200) + new string(']', 200) + "}]}";
        FileReport report = new SnapshotReader().Read(LogInput.FromBytes("d.json", Encoding.UTF8.GetBytes(json)), AsOf, _ => { });
        Assert.That(report.FatalError!.Reason, Is.EqualTo(ProblemReason.TooDeep));
    }

    private static (BaselineSnapshot Snapshot, CloudTrailEvent Event, FileReport Report) ReadOne(string json, string name) => ReadOne(Encoding.UTF8.GetBytes(json), name);

    private static (BaselineSnapshot Snapshot, CloudTrailEvent Event, FileReport Report) ReadOne(byte[] bytes, string name)
    {
        var events = new List<CloudTrailEvent>();
        FileReport report = new SnapshotReader().Read(LogInput.FromBytes(name, bytes), AsOf, events.Add);
        Assert.That(events, Has.Count.EqualTo(1), () => string.Join("; ", report.Samples));
        return ((BaselineSnapshot)events[0].Change!, events[0], report);
    }

    private static byte[] Gzip(string text) => FlowLogReaderTests.Gzip(text);
}
