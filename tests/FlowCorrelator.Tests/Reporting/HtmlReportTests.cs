using System.Collections.Immutable;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using FlowCorrelator.Cli;
using FlowCorrelator.Queries;
using FlowCorrelator.Reporting;
using FlowCorrelator.Tests.Hostile;
using FlowCorrelator.Tests.TruthChecks;

namespace FlowCorrelator.Tests.Reporting;

/// <summary>The HTML report as text: structure, every row, escaping, the CSP. The browser tests open it for real.</summary>
public sealed partial class HtmlReportTests
{
    private static string Demo => Path.Combine(TruthCheckTests.RepositoryRoot(), "samples", "demo");

    [TestCase("<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;")]
    [TestCase("\"><img src=x onerror=alert(1)>", "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;")]
    [TestCase("' onmouseover='x", "&#39; onmouseover=&#39;x")]
    [TestCase("a&amp;b", "a&amp;amp;b")]
    [TestCase("`x`", "&#96;x&#96;")]
    [TestCase("evil\u001b[31mred\u202Egnp", "evil\\x1b[31mred\\u202egnp")]
    [TestCase("tab\there", "tab\\x09here")]
    [TestCase("<\u061C\u200F>", "&lt;\\u061c\\u200f&gt;")]
    [TestCase("sg-0123", "sg-0123")]
    [TestCase(null, "")]
    public void Escape_MarkupAndControlCharacters_BecomeText(string? input, string expected) =>
        Assert.That(HtmlText.Escape(input), Is.EqualTo(expected));

    [Test]
    public async Task Investigate_FormatHtml_HasEverySectionAndEveryRow()
    {
        (int exit, string html, string stderr) = await CorpusTests.RunAsync(["investigate", Demo, "--tag", "Name=payment", "--port", "22", "--format", "html"]);

        Assert.That(exit, Is.EqualTo(ExitCodes.Success), stderr);
        Assert.That(html, Does.StartWith("<!DOCTYPE html>"));
        Assert.That(stderr, Does.Contain("All input was read."), "the run's summary goes to stderr, not into the page");
        InvestigationResult expected = FindingsJson.Deserialize(File.ReadAllText(Path.Combine(Demo, "expected.json")));
        foreach (string id in new[] { "summary", "fleet-chart", "q-accessAttempts", "q-ruleChanges", "q-groupAttachments", "q-unusedGroups", "q-ruleUsage", "diagnostics" })
        {
            Assert.That(html, Does.Contain($"<section id=\"{id}\""), id);
        }

        Assert.That(RowsOf(html, "q-accessAttempts"), Is.EqualTo(expected.AccessAttempts.Length), "every row, none cut");
        Assert.That(RowsOf(html, "q-ruleChanges"), Is.EqualTo(expected.RuleChanges.Length));
        Assert.That(RowsOf(html, "q-groupAttachments"), Is.EqualTo(expected.GroupAttachments.Length));
        Assert.That(RowsOf(html, "q-unusedGroups"), Is.EqualTo(expected.UnusedGroups.Length));
        Assert.That(RowsOf(html, "q-ruleUsage"), Is.EqualTo(expected.RuleUsage.Length));
        Assert.That(RowsOf(html, "diagnostics"), Is.EqualTo(288 + 58), "one row per input file");
        Assert.That(html, Does.Contain("<strong>All input was read.</strong>"));
    }

    [Test]
    public async Task Investigate_FormatHtml_LoadsNothingAndRunsOnlyItsOwnScript()
    {
        (_, string html, _) = await CorpusTests.RunAsync(["investigate", Demo, "--tag", "Name=payment", "--port", "22", "--format", "html"]);

        Assert.That(html, Does.Not.Match("(src|href)=\"(https?:)?//"), "no external resource");
        Assert.That(html, Does.Not.Contain("@import").And.Not.Match(@"url\((?!#)"), "url() only for the chart's own clip paths");
        Assert.That(Regex.Count(html, "<script"), Is.EqualTo(1));
        Match csp = Regex.Match(html, "Content-Security-Policy\" content=\"([^\"]+)\"");
        Assert.That(csp.Success, Is.True);
        Assert.That(csp.Groups[1].Value, Does.StartWith("default-src 'none';"));
        string script = Between(html, "<script>", "</script>");
        string style = Between(html, "<style>", "</style>");
        Assert.That(csp.Groups[1].Value, Does.Contain($"script-src 'sha256-{Sha256(script)}'"), "the CSP admits exactly the inline script");
        Assert.That(csp.Groups[1].Value, Does.Contain($"style-src 'sha256-{Sha256(style)}'"), "and exactly the inline style sheet");
        Assert.That(html, Does.Not.Match("<[a-z]+[^>]* style=\""), "no style attributes: the CSP would block them");
    }

    [Test]
    public async Task Investigate_OutputDirectoryHtml_WritesReportBesideDiagnostics()
    {
        using var dir = new CorpusTests.TempDir();
        (int exit, string stdout, string stderr) = await CorpusTests.RunAsync(["investigate", Demo, "--tag", "Name=payment", "--port", "22", "--format", "html", "--output", dir.Path]);

        Assert.That(exit, Is.EqualTo(ExitCodes.Success), stderr);
        Assert.That(Directory.GetFiles(dir.Path).Select(Path.GetFileName), Is.EquivalentTo(new[] { "report.html", "diagnostics.json" }));
        Assert.That(stdout, Does.Contain("report.html"));
        Assert.That(File.ReadAllText(Path.Combine(dir.Path, "report.html")), Does.Contain("id=\"q-ruleUsage\""));
    }

    [Test]
    public async Task RuleChanges_ReportOption_WritesHtmlBesideTheTable()
    {
        using var dir = new CorpusTests.TempDir();
        string path = Path.Combine(dir.Path, "sub", "changes.html");
        (int exit, string stdout, string stderr) = await CorpusTests.RunAsync(["rule-changes", Demo, "--report", path]);

        Assert.That(exit, Is.EqualTo(ExitCodes.Success), stderr);
        Assert.That(stdout, Does.Contain("2. Security group rule changes"), "the table still goes to stdout");
        Assert.That(stderr, Does.Contain("HTML report: " + path));
        string html = File.ReadAllText(path);
        Assert.That(html, Does.Contain("id=\"q-ruleChanges\"").And.Not.Contain("id=\"q-ruleUsage\"").And.Not.Contain("id=\"fleet-chart\""), "only the question asked");
    }

    [Test]
    public async Task Demo_WritesTheReportAndSaysWhere()
    {
        using var dir = new CorpusTests.TempDir();
        string path = Path.Combine(dir.Path, "demo.html");
        (int exit, _, string stderr) = await CorpusTests.RunAsync(["demo", "--report", path]);

        Assert.That(exit, Is.EqualTo(ExitCodes.Success), stderr);
        Assert.That(stderr, Does.Contain("HTML report: " + path));
        Assert.That(File.ReadAllText(path), Does.Contain("data-kind=\"rule-change\""));
    }

    [Test]
    public void Demo_DefaultReportPath_IsInTheTemporaryFolder() =>
        Assert.That(FlowCorrelator.Cli.Commands.DemoCommand.DefaultReportPath, Is.EqualTo(Path.Combine(Path.GetTempPath(), "flowcorrelator-demo-report.html")));

    [Test]
    public async Task Investigate_HostileCloudTrailText_NeverBecomesMarkup()
    {
        using var dir = new CorpusTests.TempDir();
        SafeOutputTests.WriteWorld(dir);
        HostileHtmlWorld.Write(dir);
        (int exit, string html, string stderr) = await CorpusTests.RunAsync(["investigate", dir.Path, "--tag", "Name=web", "--port", "22", "--format", "html"]);

        Assert.That(exit, Is.EqualTo(ExitCodes.InputProblems), stderr);
        // The page's own markup, with every log-derived tag gone: one script, no img/iframe/b from the logs.
        Assert.That(Regex.Count(html, "<script"), Is.EqualTo(1));
        Assert.That(html, Does.Not.Contain("<img").And.Not.Contain("<b>").And.Not.Contain("<iframe"), "no tag from the logs");
        Assert.That(html, Does.Not.Match(@"<[a-zA-Z][^>]*\son[a-z]+\s*="), "no event handler attribute anywhere");
        Assert.That(html, Does.Contain("onerror=&quot;window.__pwned=2&quot;"), "the handler is there, as text");
        Assert.That(html, Does.Contain("&lt;script&gt;window.__pwned=1&lt;/script&gt;"), "hostile text shown as text");
        Assert.That(html, Does.Contain("web\\x1b[5m|&lt;b&gt;"), "the group name's escape sequence neutralised, its tag escaped");
        // Tabs are the chart's own indentation; log text never brings one (Escape shows it as \x09).
        foreach (char c in html)
        {
            bool control = (c < 0x20 && c is not ('\n' or '\t')) || c is '\u007F' or (>= '\u0080' and <= '\u009F') or (>= '\u202A' and <= '\u202E') or (>= '\u2066' and <= '\u2069') or '\u200E' or '\u200F' or '\u061C';
            Assert.That(control, Is.False, $"U+{(int)c:X4} in the page");
        }
    }

    [Test]
    public async Task Investigate_NoCloudTrail_ReportSaysEvidenceIsMissing()
    {
        using var dir = new CorpusTests.TempDir();
        dir.Write("flows.log", "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status\n" +
            "2 111122223333 eni-0a1b 198.51.100.9 10.0.0.5 50000 22 6 3 180 1772409600 1772409660 ACCEPT OK\n");
        (int exit, string html, string stderr) = await CorpusTests.RunAsync(["investigate", dir.Path, "--format", "html"]);

        Assert.That(exit, Is.EqualTo(ExitCodes.InputProblems), stderr);
        Assert.That(html, Does.Contain("<strong>Missing evidence:</strong>").And.Not.Contain("All input was read"));
    }

    [Test]
    public void Write_SameInput_SameBytes()
    {
        var input = new HtmlReportInput { Result = FindingsJson.Deserialize(File.ReadAllText(Path.Combine(Demo, "expected.json"))) };
        var a = new StringWriter();
        var b = new StringWriter();
        HtmlReport.Write(a, input);
        HtmlReport.Write(b, input);

        Assert.That(a.ToString(), Is.EqualTo(b.ToString()));
        Assert.That(a.ToString(), Does.Contain("cannot say whether all input was read"), "no diagnostics: the page does not claim completeness");
    }

    [Test]
    public void Riskiest_WorldOpenAdminPortThatAdmittedTraffic_ComesFirst()
    {
        InvestigationResult demo = FindingsJson.Deserialize(File.ReadAllText(Path.Combine(Demo, "expected.json")));

        List<RuleChange> risky = HtmlReport.Riskiest(demo);

        Assert.That(risky[0].Time, Is.EqualTo(DateTimeOffset.Parse("2026-03-02T06:00:30Z", System.Globalization.CultureInfo.InvariantCulture)), "dev-intern's 0.0.0.0/0 on 22, 1,171 hits, before never-attached RDP rules");
        Assert.That(risky.All(c => c.Direction == "ingress" && c.Change != FlowCorrelator.Index.RuleChangeKind.Removed && c.Risks.Length > 0), Is.True);
    }

    [Test]
    public void Markers_DemoFleet_RuleChangesOfItsGroupsAndItsAttachments()
    {
        InvestigationResult demo = FindingsJson.Deserialize(File.ReadAllText(Path.Combine(Demo, "expected.json")));
        var input = new HtmlReportInput { Result = demo };

        List<ChartMarker> markers = HtmlReport.Markers(input);
        ImmutableHashSet<string> fleetGroups = [.. demo.AccessAttempts.SelectMany(a => a.SecurityGroups)];

        Assert.That(markers.Count(m => m.Kind == ChartMarkerKind.RuleChange), Is.EqualTo(demo.RuleChanges.Count(c => fleetGroups.Contains(c.GroupId))));
        Assert.That(markers.Single(m => m.Risky && m.Label.Contains("0.0.0.0/0", StringComparison.Ordinal) && m.Label.Contains("tcp/22", StringComparison.Ordinal) && m.Time.Hour == 6).Label, Does.Contain("dev-intern"));
        Assert.That(markers.Any(m => m.Kind == ChartMarkerKind.Attachment), Is.True);
        Assert.That(markers.Select(m => m.Time), Is.Ordered);
    }

    private static int RowsOf(string html, string sectionId)
    {
        int start = html.IndexOf($"<section id=\"{sectionId}\"", StringComparison.Ordinal);
        int end = html.IndexOf("</section>", start, StringComparison.Ordinal);
        string section = html[start..end];
        int body = section.IndexOf("<tbody>", StringComparison.Ordinal);
        return body < 0 ? 0 : Regex.Count(section[body..], "<tr[ >]");
    }

    private static string Between(string text, string open, string close)
    {
        int s = text.IndexOf(open, StringComparison.Ordinal) + open.Length;
        return text[s..text.IndexOf(close, s, StringComparison.Ordinal)];
    }

    private static string Sha256(string text) => Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
}
