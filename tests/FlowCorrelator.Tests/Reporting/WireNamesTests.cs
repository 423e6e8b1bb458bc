using System.Text.Json;
using FlowCorrelator.Index;
using FlowCorrelator.Queries;
using FlowCorrelator.Reporting;

namespace FlowCorrelator.Tests.Reporting;

/// <summary>States have one name in every output: the JSON contract's, which the text formats and SQL reuse.</summary>
public sealed class WireNamesTests
{
    [Test]
    public void ToWireName_EveryRuleChangeKind_IsItsContractNameAndItsJson()
    {
        AssertNames(new Dictionary<RuleChangeKind, string>
        {
            [RuleChangeKind.Added] = "added",
            [RuleChangeKind.Removed] = "removed",
            [RuleChangeKind.Modified] = "modified",
        });
    }

    [Test]
    public void ToWireName_EveryUnusedGroupStatus_IsItsContractNameAndItsJson()
    {
        AssertNames(new Dictionary<UnusedGroupStatus, string>
        {
            [UnusedGroupStatus.NeverAttached] = "never-attached",
            [UnusedGroupStatus.Unknown] = "unknown",
        });
    }

    [Test]
    public void ToWireName_EveryRuleUsageStatus_IsItsContractNameAndItsJson()
    {
        AssertNames(new Dictionary<RuleUsageStatus, string>
        {
            [RuleUsageStatus.Used] = "used",
            [RuleUsageStatus.Unused] = "unused",
            [RuleUsageStatus.Revoked] = "revoked",
        });
    }

    [Test]
    public void ToWireName_UndeclaredValue_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => ((RuleUsageStatus)42).ToWireName());
    }

    [Test]
    public void Rows_EnumStates_AreWrittenAsTheirNamesInTextFormats()
    {
        var result = new InvestigationResult
        {
            UnusedGroups = [new UnusedGroup { GroupId = "sg-1", Status = UnusedGroupStatus.NeverAttached, IngressRuleIds = ["sgr-1"] }],
            RuleUsage = [new RuleUsage { RuleId = "sgr-1", GroupId = "sg-1", Protocol = "tcp", Status = RuleUsageStatus.Revoked }],
        };
        var csv = new StringWriter();
        FindingsReport.WriteCsv(csv, result, Question.UnusedGroups);
        FindingsReport.WriteCsv(csv, result, Question.RuleUsage);

        Assert.That(csv.ToString(), Does.Contain("sg-1,,never-attached,sgr-1"));
        Assert.That(csv.ToString(), Does.Contain(",revoked,0,0,0,,"));
        Assert.That(csv.ToString(), Does.Not.Contain("NeverAttached").And.Not.Contain("Revoked"));
    }

    private static void AssertNames<T>(Dictionary<T, string> expected)
        where T : struct, Enum
    {
        Assert.That(expected.Keys, Is.EquivalentTo(Enum.GetValues<T>()), "every member is listed");
        foreach ((T value, string name) in expected)
        {
            Assert.That(value.ToWireName(), Is.EqualTo(name));
            Assert.That(JsonSerializer.Serialize(value, FindingsJson.Options), Is.EqualTo($"\"{name}\""));
            Assert.That(JsonSerializer.Deserialize<T>($"\"{name}\"", FindingsJson.Options), Is.EqualTo(value));
        }
    }
}
