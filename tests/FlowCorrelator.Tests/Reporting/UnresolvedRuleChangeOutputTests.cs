using System.Collections.Immutable;
using FlowCorrelator.Index;
using FlowCorrelator.Queries;
using FlowCorrelator.Reporting;

namespace FlowCorrelator.Tests.Reporting;

/// <summary>
/// A question-2 row whose by-name group did not resolve (docs/semantics.md, "Which group a call changed"): JSON keeps
/// <c>groupId</c> null with <c>groupName</c> and <c>groupUnresolved</c>; the text outputs show the group as
/// <c>(unresolved)</c> beside the name; the HTML summary names the group by its name.
/// </summary>
public sealed class UnresolvedRuleChangeOutputTests
{
    private static readonly InvestigationResult Result = new()
    {
        RuleChanges =
        [
            new RuleChange
            {
                Time = new DateTimeOffset(2026, 3, 2, 6, 0, 30, TimeSpan.Zero),
                EventId = "e-default",
                EventName = "AuthorizeSecurityGroupIngress",
                Change = RuleChangeKind.Added,
                GroupId = null,
                GroupName = "default",
                GroupUnresolved = true,
                RuleId = "e-default#0",
                Direction = "ingress",
                Protocol = "tcp",
                FromPort = 22,
                ToPort = 22,
                Cidr = "0.0.0.0/0",
                Actor = "arn:aws:iam::111122223333:user/dev",
                OpensToWorld = true,
                Risks = ["open-to-world", "admin-port:22"],
            },
        ],
    };

    [Test]
    public void Json_KeepsGroupIdNull_WithTheNameAndTheFlag()
    {
        string json = FindingsJson.Serialize(Result);
        Assert.That(json, Does.Contain("\"groupId\": null").And.Contain("\"groupName\": \"default\"").And.Contain("\"groupUnresolved\": true"));
        RuleChange back = FindingsJson.Deserialize(json).RuleChanges.Single();
        Assert.That((back.GroupId, back.GroupName, back.GroupUnresolved), Is.EqualTo(((string?)null, "default", true)));
    }

    [Test]
    public void TextOutputs_ShowUnresolvedBesideTheName()
    {
        var csv = new StringWriter();
        FindingsReport.WriteCsv(csv, Result, Question.RuleChanges);
        string[] lines = csv.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines[0].TrimEnd('\r'), Does.StartWith("time,eventName,change,groupId,groupName,ruleId,"));
        Assert.That(lines[1], Does.Contain(",added,(unresolved),default,e-default#0,"));

        var table = new StringWriter();
        FindingsReport.WriteTable(table, Result, [Question.RuleChanges]);
        Assert.That(table.ToString(), Does.Contain("(unresolved)").And.Contain("default"));

        var markdown = new StringWriter();
        FindingsReport.WriteMarkdown(markdown, Result, [Question.RuleChanges]);
        Assert.That(markdown.ToString(), Does.Contain("(unresolved)"));
    }

    [Test]
    public void HtmlSummary_NamesTheUnresolvedGroupByItsName()
    {
        var html = new StringWriter();
        HtmlReport.Write(html, new HtmlReportInput { Result = Result, Questions = [Question.RuleChanges] });
        Assert.That(html.ToString(), Does.Contain("a group named <code>default</code> that the evidence cannot identify"));
    }
}
