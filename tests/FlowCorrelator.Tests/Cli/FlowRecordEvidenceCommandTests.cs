using System.Text.Json;
using FlowCorrelator.Cli;
using static FlowCorrelator.Tests.Index.LaunchPathTests;

namespace FlowCorrelator.Tests.Cli;

/// <summary>
/// The flow record as evidence through the CLI, from files: a Karpenter node whose RunInstances is not in the trail
/// (only its CreateFleet), an instance no evidence names, tagged only in a version-11 <c>instance-tag</c> field, and a
/// record with neither. <c>--tag-field</c> says which key the field holds; the JSON and the summary say how each
/// record was attributed.
/// </summary>
public sealed class FlowRecordEvidenceCommandTests
{
    private const string Header = "version account-id interface-id instance-id instance-tag flow-direction srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status";

    private string _dir = null!;

    [SetUp]
    public void SetUp()
    {
        _dir = Path.Combine(Path.GetTempPath(), $"fc-evidence-{Guid.NewGuid():N}");
        string trail = Path.Combine(_dir, "AWSLogs", "111122223333", "CloudTrail", "us-east-1", "2026", "03", "02");
        string flows = Path.Combine(_dir, "AWSLogs", "111122223333", "vpcflowlogs", "us-east-1", "2026", "03", "02");
        Directory.CreateDirectory(trail);
        Directory.CreateDirectory(flows);
        const string fleetRequest = """
            {"CreateFleetRequest":{"Type":"instant","LaunchTemplateConfigs":{"tag":1,"LaunchTemplateSpecification":{"LaunchTemplateName":"karpenter.k8s.aws/1","Version":"$Latest"}},
              "TagSpecification":{"tag":1,"ResourceType":"instance","Tag":[{"tag":1,"Key":"Name","Value":"payment"}]}}}
            """;
        const string fleetResponse = """
            {"CreateFleetResponse":{"requestId":"r","fleetId":"fleet-0abc","errorSet":"","fleetInstanceSet":{"item":{"lifecycle":"spot","instanceIds":{"item":"i-0f1"}}}}}
            """;
        File.WriteAllText(Path.Combine(trail, "111122223333_CloudTrail_us-east-1_20260302T0000Z_a.json"),
            "{\"Records\":[" + Record("e1", "CreateFleet", "2026-03-02T00:00:00Z", fleetRequest, fleetResponse) + "," +
            FlowCorrelator.Tests.Index.LaunchPathTests.Run("e2", "2026-03-02T00:00:00Z", """{"instancesSet":{"items":[{"minCount":1,"maxCount":1}]}}""", LaunchedItem("i-0a1", "eni-0a1", "10.0.1.10", "sg-x", T("Name", "payment"))) + "]}");
        File.WriteAllLines(Path.Combine(flows, "111122223333_vpcflowlogs_us-east-1_fl-1_20260302T0010Z_a.log"),
        [
            Header,
            "11 111122223333 eni-0f1 i-0f1 - ingress 198.51.100.7 10.0.4.10 40000 22 6 3 180 1772410200 1772410230 ACCEPT OK",
            "11 111122223333 eni-0d1 i-0d1 payment ingress 198.51.100.8 10.0.8.8 40000 22 6 3 180 1772410200 1772410230 REJECT OK",
            "11 111122223333 eni-0e1 - - ingress 198.51.100.9 10.0.9.9 40000 22 6 3 180 1772410200 1772410230 ACCEPT OK",
            "11 111122223333 eni-0a1 i-0ffffffffffffffff - ingress 198.51.100.10 10.0.1.10 40000 22 6 3 180 1772410200 1772410230 ACCEPT OK",
        ]);
    }

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, recursive: true);

    private static (int Exit, string Out, string Err) Run(params string[] args) => CliRun.Run(args);

    [Test]
    public void Access_WithTagField_AttributesByInstanceIdAndByTagField_AndSaysHowInJson()
    {
        var (exit, output, err) = Run("access", _dir, "--tag", "Name=payment", "--port", "22", "--tag-field", "instance-tag=Name", "--format", "json");

        Assert.That(exit, Is.EqualTo(0), err);
        using JsonDocument doc = JsonDocument.Parse(output);
        var rows = doc.RootElement.GetProperty("accessAttempts").EnumerateArray()
            .Select(r => (r.GetProperty("instanceId").GetString(), r.GetProperty("instanceFrom").GetString(), r.GetProperty("tagFrom").GetString(), r.GetProperty("securityGroups").GetArrayLength()))
            .ToList();
        Assert.That(rows, Is.EqualTo(new[] { ("i-0a1", "index", "index", 1), ("i-0d1", "flowRecord", "flowRecord", 0), ("i-0f1", "flowRecord", "index", 0) }));
        JsonElement attribution = doc.RootElement.GetProperty("diagnostics").GetProperty("attribution");
        Assert.That(
            (attribution.GetProperty("byIndex").GetInt64(), attribution.GetProperty("byInstanceId").GetInt64(), attribution.GetProperty("unattributed").GetInt64(),
             attribution.GetProperty("byTagField").GetInt64(), attribution.GetProperty("instanceIdConflicts").GetInt64()),
            Is.EqualTo((1L, 2L, 1L, 1L, 1L)));
        JsonElement conflict = attribution.GetProperty("conflicts").EnumerateArray().Single();
        Assert.That(conflict.GetProperty("file").GetString(), Does.EndWith("_a.log"), "the file pass names the file");
        Assert.That(conflict.GetProperty("line").GetInt64(), Is.EqualTo(5), "and the line (the header is line 1)");
        Assert.That((conflict.GetProperty("recordValue").GetString(), conflict.GetProperty("indexValue").GetString()), Is.EqualTo(("i-0ffffffffffffffff", "i-0a1")));
        Assert.That(doc.RootElement.GetProperty("diagnostics").GetProperty("flowRecordsOnUnknownInterfaces").GetInt64(), Is.EqualTo(3), "the interfaces stay unknown to the evidence");
    }

    [Test]
    public void Access_WithoutTagField_TheTagValueIsNotEvidence_AndTheTableSaysHowRecordsWereAttributed()
    {
        var (exit, output, _) = Run("access", _dir, "--tag", "Name=payment", "--port", "22");

        Assert.That(exit, Is.EqualTo(0));
        Assert.That(output, Does.Contain("Attributed by the flow records themselves: 2 records by their instance-id (no attachment known); 0 by a tag field"));
        Assert.That(output, Does.Contain("WARNING: the flow records and the CloudTrail/snapshot evidence disagree on 1 records' instance"));
        Assert.That(output, Does.Contain("line 5: eni-0a1 at 2026-03-02T00:10:00Z: instance-id is 'i-0ffffffffffffffff' in the record, 'i-0a1' in the evidence"));
        Assert.That(output, Does.Contain("i-0f1"));
        Assert.That(output, Does.Not.Contain("i-0d1"), "its tag lives only in the record's field, and no --tag-field says which key that is");
    }

    [TestCase("interface-tag=Name", "tag of the network interface")]
    [TestCase("instance-tag", "FIELD=KEY")]
    public void TagField_Invalid_IsAUsageError(string value, string message)
    {
        var (exit, _, err) = Run("access", _dir, "--tag", "Name=payment", "--port", "22", "--tag-field", value);

        Assert.That(exit, Is.EqualTo(2));
        Assert.That(err, Does.Contain(message));
    }

    [Test]
    public void TagField_GivenTwiceForOneField_IsAUsageError()
    {
        var (exit, _, err) = Run("access", _dir, "--tag", "Name=payment", "--port", "22", "--tag-field", "instance-tag=Name", "--tag-field", "instance-tag=team");

        Assert.That(exit, Is.EqualTo(2));
        Assert.That(err, Does.Contain("instance-tag is given twice"));
    }
}
