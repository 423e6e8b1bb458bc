using System.Text.Json;
using System.Text.RegularExpressions;
using FlowCorrelator.Cli;
using FlowCorrelator.Tests.TruthChecks;

namespace FlowCorrelator.Tests.Cli;

/// <summary><c>query</c> and <c>enrich</c> from the command line: the README's runs verbatim, every output format, hostile text neutralised.</summary>
public sealed partial class QueryCommandTests
{
    private static string Demo => Path.Combine(TruthCheckTests.RepositoryRoot(), "samples", "demo");

    private static (int Exit, string Out, string Err) Run(params string[] args) => CliRun.Run(args);

    /// <summary>Every <c>$ flowcorrelator query samples/demo …</c> block of the README, run, prints exactly what the README shows.</summary>
    [Test]
    public void ReadmeQueryExamples_PrintWhatTheReadmeShows()
    {
        string readme = File.ReadAllText(Path.Combine(TruthCheckTests.RepositoryRoot(), "README.md"));
        MatchCollection blocks = ReadmeBlock().Matches(readme);
        Assert.That(blocks, Has.Count.EqualTo(3));
        foreach (Match block in blocks)
        {
            string[] args = ["query", Demo, .. ShellWords(block.Groups["args"].Value)];
            var (exit, output, error) = Run(args);
            Assert.That(exit, Is.EqualTo(0), error);
            Assert.That(output.TrimEnd('\n').ReplaceLineEndings("\n"), Is.EqualTo(block.Groups["out"].Value.TrimEnd('\n')), block.Groups["args"].Value);
        }
    }

    [Test]
    public void Query_Json_HasTypedRows()
    {
        var (exit, output, _) = Run("query", Demo, "--where", "direction == \"inbound\" && dstport == 22", "--group-by", "scanner", "--select", "count, first", "--format", "json");

        Assert.That(exit, Is.EqualTo(0));
        using JsonDocument doc = JsonDocument.Parse(output);
        JsonElement rows = doc.RootElement.GetProperty("rows");
        Assert.That(rows.GetArrayLength(), Is.EqualTo(2));
        Assert.That(rows[0].GetProperty("scanner").ValueKind, Is.AnyOf(JsonValueKind.True, JsonValueKind.False));
        Assert.That(rows[0].GetProperty("count").GetInt64(), Is.GreaterThan(0));
        Assert.That(rows[0].GetProperty("first").GetString(), Does.Match(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$"));
        Assert.That(rows.EnumerateArray().Sum(r => r.GetProperty("count").GetInt64()), Is.EqualTo(doc.RootElement.GetProperty("recordsMatched").GetInt64()));
    }

    [TestCase("csv", "tags,count")]
    [TestCase("markdown", "| tags | count |")]
    [TestCase("html", "<section id=\"query\" class=\"rows\">")] // the report's script sorts, filters and pages "section.rows"
    [TestCase("table", "tags")]
    public void Query_EveryFormat_WritesTheResult(string format, string header)
    {
        var (exit, output, _) = Run("query", Demo, "--where", "instanceId != null", "--group-by", "tags", "--format", format);

        Assert.That(exit, Is.EqualTo(0));
        Assert.That(output, Does.Contain(header));
        Assert.That(output, Does.Contain("Name=payment;env=prod;team=payments"));
    }

    [Test]
    public void Query_HostileKeyText_IsNeutralisedInEveryTextFormat()
    {
        // A key computed from a literal holding an escape sequence and a bidi override, as hostile tag text would be.
        string hostile = "\"x\u001b[31m\u202e\"";
        foreach (string format in new[] { "table", "csv", "markdown" })
        {
            var (exit, output, _) = Run("query", Demo, "--group-by", hostile + " as k", "--format", format);
            Assert.That(exit, Is.EqualTo(0), format);
            Assert.That(output, Does.Not.Contain("\u001b").And.Not.Contain("\u202e"), format);
            Assert.That(output, Does.Contain("\\x1b").Or.Contain("\\u001b"), format);
        }

        var html = Run("query", Demo, "--group-by", "\"<script>alert(1)</script>\" as k", "--format", "html");
        Assert.That(html.Out, Does.Contain("&lt;script&gt;alert(1)&lt;/script&gt;").And.Not.Contain("<script>alert(1)"));
    }

    [Test]
    public void Enrich_Jsonl_WritesOneFilePerDayWithAttribution()
    {
        string dir = Path.Combine(Path.GetTempPath(), "fc-enrich-cli-" + Environment.ProcessId);
        try
        {
            var (exit, output, error) = Run("enrich", Demo, "--output", dir, "--format", "jsonl", "--where", "direction == \"inbound\" && tag(\"Name\") == \"payment\"");

            Assert.That(exit, Is.EqualTo(0), error);
            Assert.That(output, Does.Contain("enriched records in 2 files"));
            string[] files = [.. Directory.GetFiles(dir).Select(Path.GetFileName).Order()!];
            Assert.That(files, Is.EqualTo(new[] { "flows-2026-03-01.jsonl", "flows-2026-03-02.jsonl" }));
            foreach (string line in File.ReadLines(Path.Combine(dir, files[1])).Take(50))
            {
                using JsonDocument doc = JsonDocument.Parse(line);
                Assert.That(doc.RootElement.GetProperty("direction").GetString(), Is.EqualTo("inbound"));
                Assert.That(doc.RootElement.GetProperty("tags").GetString(), Does.Contain("Name=payment"));
                Assert.That(doc.RootElement.GetProperty("start").GetString(), Does.StartWith("2026-03-02T"));
            }
        }
        finally
        {
            if (Directory.Exists(dir))
            {
                Directory.Delete(dir, recursive: true);
            }
        }
    }

    /// <summary>Single-quoted words as the README writes them (no escapes inside quotes).</summary>
    private static IEnumerable<string> ShellWords(string text)
    {
        foreach (Match m in ShellWord().Matches(text))
        {
            yield return m.Groups["q"].Success ? m.Groups["q"].Value : m.Groups["w"].Value;
        }
    }

    [GeneratedRegex(@"```\n\$ flowcorrelator query samples/demo (?<args>[^\n]+)\n(?<out>.*?)```", RegexOptions.Singleline)]
    private static partial Regex ReadmeBlock();

    [GeneratedRegex(@"'(?<q>[^']*)'|(?<w>[^\s']+)")]
    private static partial Regex ShellWord();
}
