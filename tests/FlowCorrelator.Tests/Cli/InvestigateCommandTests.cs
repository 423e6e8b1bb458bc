using System.Text.Json;
using FlowCorrelator.Cli;
using FlowCorrelator.Reporting;
using FlowCorrelator.Tests.TruthChecks;

namespace FlowCorrelator.Tests.Cli;

public sealed class InvestigateCommandTests
{
    private static string Demo => Path.Combine(TruthCheckTests.RepositoryRoot(), "samples", "demo");

    private static (int Exit, string Out, string Err) Run(params string[] args) => CliRun.Run(args);

    [Test]
    public void Investigate_Json_HasTheContractKeysAndFields()
    {
        var (exit, output, _) = Run("investigate", Demo, "--tag", "Name=payment", "--port", "22", "--format", "json");

        Assert.That(exit, Is.EqualTo(0));
        using JsonDocument doc = JsonDocument.Parse(output);
        JsonElement root = doc.RootElement;
        Assert.That(root.EnumerateObject().Select(p => p.Name), Is.EqualTo(new[] { "query", "accessAttempts", "ruleChanges", "groupAttachments", "unusedGroups", "ruleUsage", "exposures", "diagnostics" }));
        AssertFields(root, "accessAttempts", "instanceId", "interfaceId", "securityGroups", "srcAddr", "accepted", "rejected", "packets", "bytes", "firstSeen", "lastSeen", "scanner", "instanceFrom", "tagFrom");
        Assert.That(root.GetProperty("query").GetProperty("tagFields").GetArrayLength(), Is.Zero);
        Assert.That(root.GetProperty("diagnostics").GetProperty("attribution").EnumerateObject().Select(p => p.Name),
            Is.EqualTo(new[] { "byIndex", "byInstanceId", "unattributed", "instanceIdConflicts", "byTagField", "tagFieldConflicts", "conflicts" }));
        AssertFields(root, "ruleChanges", "time", "eventId", "eventName", "groupId", "groupName", "groupUnresolved", "ruleId", "direction", "protocol", "fromPort", "toPort", "cidr", "referencedGroupId", "actor", "sourceIp", "opensToWorld", "risks");
        AssertFields(root, "groupAttachments", "time", "eventId", "interfaceId", "instanceId", "groupsBefore", "groupsAfter", "added", "removed", "actor");
        AssertFields(root, "unusedGroups", "groupId", "groupName", "status", "ingressRuleIds");
        AssertFields(root, "ruleUsage", "ruleId", "groupId", "protocol", "fromPort", "toPort", "cidr", "referencedGroupId", "status", "hits", "scannerHits", "distinctSources", "firstUsed", "lastUsed");
        AssertFields(root, "exposures", "groupId", "ruleId", "protocol", "fromPort", "toPort", "cidr", "referencedGroupId", "prefixListId", "risks", "time", "eventId", "eventName", "change", "actor", "sourceIp", "inForceFrom", "inForceTo", "exposed", "alsoAdmitted");
        foreach (string side in new[] { "exposed", "alsoAdmitted" })
        {
            Assert.That(root.GetProperty("exposures")[0].GetProperty(side).EnumerateObject().Select(p => p.Name),
                Is.EqualTo(new[] { "records", "scannerRecords", "sources", "scannerSources", "instances", "fleets", "firstAdmitted", "lastAdmitted" }), side);
        }
        Assert.That(root.GetProperty("ruleChanges")[0].GetProperty("time").GetString(), Does.Match(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$"));
        JsonElement diagnostics = root.GetProperty("diagnostics");
        Assert.That(diagnostics.GetProperty("flowFiles").GetInt32(), Is.EqualTo(288));
        Assert.That(diagnostics.GetProperty("flowRecords").GetInt64(), Is.EqualTo(20_000));
        Assert.That(diagnostics.GetProperty("cloudTrailEventsFailed").GetInt64(), Is.EqualTo(4));
        Assert.That(diagnostics.GetProperty("complete").GetBoolean(), Is.True);
    }

    [Test]
    public void SingleQuestionCommand_Json_HasOnlyItsKeyAndDiagnostics()
    {
        var (exit, output, _) = Run("rule-changes", Demo, "--format", "json");

        Assert.That(exit, Is.EqualTo(0));
        using JsonDocument doc = JsonDocument.Parse(output);
        Assert.That(doc.RootElement.EnumerateObject().Select(p => p.Name), Is.EqualTo(new[] { "ruleChanges", "diagnostics" }));
        Assert.That(doc.RootElement.GetProperty("ruleChanges").GetArrayLength(), Is.EqualTo(49));
    }

    [Test]
    public void Investigate_OutputDirectory_WritesOneFilePerQuestion()
    {
        string dir = Path.Combine(Path.GetTempPath(), "fc-out-" + Guid.NewGuid().ToString("N"));
        try
        {
            var (exit, _, _) = Run("investigate", Demo, "--tag", "Name=payment", "--port", "22", "--format", "csv", "--output", dir);

            Assert.That(exit, Is.EqualTo(0));
            Assert.That(Directory.GetFiles(dir).Select(Path.GetFileName).Order(), Is.EqualTo(new[]
            {
                "accessAttempts.csv", "diagnostics.json", "exposures.csv", "groupAttachments.csv", "ruleChanges.csv", "ruleUsage.csv", "unusedGroups.csv",
            }));
            int expected = FindingsJson.Deserialize(File.ReadAllText(Path.Combine(Demo, "expected.json"))).AccessAttempts.Length;
            Assert.That(expected, Is.GreaterThan(100));
            Assert.That(File.ReadLines(Path.Combine(dir, "accessAttempts.csv")).Count(), Is.EqualTo(expected + 1));
        }
        finally
        {
            if (Directory.Exists(dir))
            {
                Directory.Delete(dir, recursive: true);
            }
        }
    }

    [Test]
    public void Investigate_Markdown_HasAHeadingAndTablePerQuestion()
    {
        var (exit, output, _) = Run("investigate", Demo, "--tag", "Name=payment", "--port", "22", "--format", "markdown");

        Assert.That(exit, Is.EqualTo(0));
        Assert.That(output.Split('\n').Count(l => l.StartsWith("## ", StringComparison.Ordinal)), Is.EqualTo(6));
        Assert.That(output, Does.Contain("| instanceId | interfaceId |"));
    }

    [Test]
    public void Demo_PrintsAllFiveAnswers()
    {
        var (exit, output, _) = Run("demo");

        Assert.That(exit, Is.EqualTo(0));
        foreach (string title in new[] { "1. Access to the fleet", "2. Security group rule changes", "3. Security groups attached after launch", "4. Security groups never attached", "5. Rule usage" })
        {
            Assert.That(output, Does.Contain(title));
        }

        Assert.That(output, Does.Contain("All input was read."));
    }

    [Test]
    public void Access_Asg_IsTheAutoScalingGroupTag()
    {
        var (exit, byAsg, error) = Run("access", Demo, "--asg", "payment-asg", "--port", "22", "--format", "json");
        var (exit2, byTag, _) = Run("access", Demo, "--tag", "aws:autoscaling:groupName=payment-asg", "--port", "22", "--format", "json");

        Assert.That(exit, Is.EqualTo(0), error);
        Assert.That(exit2, Is.EqualTo(0));
        using JsonDocument a = JsonDocument.Parse(byAsg);
        using JsonDocument b = JsonDocument.Parse(byTag);
        JsonElement rows = a.RootElement.GetProperty("accessAttempts");
        Assert.That(rows.GetArrayLength(), Is.GreaterThan(0), "the demo's payment fleet is an Auto Scaling group");
        Assert.That(rows.GetRawText(), Is.EqualTo(b.RootElement.GetProperty("accessAttempts").GetRawText()));
        Assert.That(a.RootElement.GetProperty("query").GetProperty("tagKey").GetString(), Is.EqualTo("aws:autoscaling:groupName"));
    }

    [TestCase(new[] { "access", "samples/demo", "--port", "22" }, "needs --tag KEY=VALUE (or --asg NAME) and --port N")]
    [TestCase(new[] { "access", "samples/demo", "--asg", "payment", "--tag", "Name=payment", "--port", "22" }, "either --tag or --asg")]
    [TestCase(new[] { "access", "samples/demo", "--asg", "", "--port", "22" }, "--asg: the Auto Scaling group name is empty")]
    [TestCase(new[] { "access", "samples/demo", "--tag", "Name", "--port", "22" }, "is not KEY=VALUE")]
    [TestCase(new[] { "investigate", "samples/demo", "--format", "xml" }, "xml")]
    [TestCase(new[] { "investigate", "/no/such/folder" }, "neither a file nor a folder")]
    [TestCase(new[] { "frobnicate" }, "frobnicate")]
    public void UsageErrors_ExitWithTwoAndSayWhy(string[] args, string message)
    {
        string[] resolved = [.. args.Select(a => a == "samples/demo" ? Demo : a)];
        var (exit, _, error) = Run(resolved);

        Assert.That(exit, Is.EqualTo(2));
        Assert.That(error, Does.Contain(message));
    }

    [Test]
    public void Timeline_Instance_ListsItsHistoryInOrder()
    {
        var (exit, output, _) = Run("timeline", Demo, "--tag", "Name=payment", "--format", "json");

        Assert.That(exit, Is.EqualTo(0));
        using JsonDocument doc = JsonDocument.Parse(output);
        var entries = doc.RootElement.GetProperty("timeline").EnumerateArray().ToList();
        Assert.That(entries, Is.Not.Empty);
        var times = entries.Select(e => e.GetProperty("time").GetString()!).ToList();
        Assert.That(times, Is.Ordered.Using<string>(StringComparer.Ordinal));
        Assert.That(entries.Any(e => e.GetProperty("change").GetString()!.Contains("terminated", StringComparison.Ordinal)), Is.True, "fleet churn is visible");
        Assert.That(entries.Any(e => e.GetProperty("eventName").GetString() == "CreateTags"), Is.True, "tag added after launch is visible");
    }

    private static void AssertFields(JsonElement root, string key, params string[] fields)
    {
        JsonElement rows = root.GetProperty(key);
        Assert.That(rows.GetArrayLength(), Is.GreaterThan(0), key);
        Assert.That(rows[0].EnumerateObject().Select(p => p.Name), Is.SupersetOf(fields), key);
    }
}
