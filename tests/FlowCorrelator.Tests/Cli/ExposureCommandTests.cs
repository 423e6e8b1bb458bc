using System.Text.Json;
using FlowCorrelator.Cli;
using FlowCorrelator.Tests.TruthChecks;

namespace FlowCorrelator.Tests.Cli;

/// <summary><c>flowcorrelator exposure</c> on the demo: question 6 alone, in each text format.</summary>
public sealed class ExposureCommandTests
{
    private static string Demo => Path.Combine(TruthCheckTests.RepositoryRoot(), "samples", "demo");

    private static (int Exit, string Out, string Err) Run(params string[] args) => CliRun.Run(args);

    [Test]
    public void Exposure_Json_HasOnlyItsKey_AndTheWorldSshRuleLetInTheBruteForce()
    {
        var (exit, output, stderr) = Run("exposure", Demo, "--format", "json");

        Assert.That(exit, Is.EqualTo(ExitCodes.Success), stderr);
        using JsonDocument doc = JsonDocument.Parse(output);
        Assert.That(doc.RootElement.EnumerateObject().Select(p => p.Name), Is.EqualTo(new[] { "exposures", "diagnostics" }));
        JsonElement ssh = doc.RootElement.GetProperty("exposures").EnumerateArray()
            .Single(x => x.GetProperty("time").GetString() == "2026-03-02T06:00:30Z" && x.GetProperty("cidr").GetString() == "0.0.0.0/0");
        Assert.That(ssh.GetProperty("inForceTo").GetString(), Is.EqualTo("2026-03-02T13:12:30Z"));
        Assert.That(ssh.GetProperty("exposed").GetProperty("sources").GetInt64(), Is.GreaterThan(100));
        Assert.That(ssh.GetProperty("alsoAdmitted").GetProperty("sources").GetInt64(), Is.GreaterThan(0));
    }

    [Test]
    public void Exposure_Table_Csv_Markdown_NameTheQuestion()
    {
        var (exit, table, _) = Run("exposure", Demo);
        Assert.That(exit, Is.EqualTo(ExitCodes.Success));
        Assert.That(table, Does.StartWith("6. Exposure: what risky rules let in: "));
        Assert.That(table, Does.Contain("let in records no other rule would have admitted"));

        var (_, csv, _) = Run("exposure", Demo, "--format", "csv");
        Assert.That(csv.Split('\n')[0].TrimEnd('\r'), Does.StartWith("time,groupId,ruleId,protocol,ports,peer,risks,actor,inForceTo,exposed,"));

        var (_, markdown, _) = Run("exposure", Demo, "--format", "markdown");
        Assert.That(markdown, Does.StartWith("## 6. Exposure: what risky rules let in"));
    }
}
