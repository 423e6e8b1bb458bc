using System.Globalization;
using System.Text;
using FlowCorrelator.Index;
using FlowCorrelator.Ingest;
using FlowCorrelator.Queries;

namespace FlowCorrelator.Reporting;

/// <summary>The report's body: one section per question, then the diagnostics.</summary>
public static partial class HtmlReport
{
    private static void WriteQuestion(StringBuilder page, HtmlReportInput input, Question question)
    {
        InvestigationResult shown = question == Question.AccessAttempts ? FindingsReport.AccessByImpact(input.Result) : input.Result;
        (string[] headers, bool[] numeric, List<string?[]> rows) = FindingsReport.Rows(shown, question);
        page.Append("<section id=\"").Append(SectionId(question)).Append("\" class=\"rows question\" data-question=\"").Append(FindingsReport.Key(question)).Append("\"><h2>")
            .Append(HtmlText.Escape(FindingsReport.Title(question))).Append("<span class=\"count\">").Append(Plural(rows.Count, "row", "rows")).Append("</span></h2>\n");
        if (Explanation(shown, question) is { Length: > 0 } explanation)
        {
            page.Append("<p class=\"lead\">").Append(HtmlText.Escape(explanation)).Append("</p>\n");
        }
        if (FindingsReport.Summary(shown, question) is { } summary)
        {
            page.Append("<p class=\"lead\">").Append(HtmlText.Escape(summary)).Append("</p>\n");
        }

        if (question == Question.Exposures)
        {
            WriteExposureChart(page, input);
        }

        Func<int, string?[], string?>? highlight = question switch
        {
            Question.Exposures => (i, _) => shown.Exposures[i].Exposed is { } x && x.Records + x.ScannerRecords > 0 ? "hl" : null,
            // Rows in the order Rows() wrote them, which is the result's order.
            Question.RuleChanges => (i, _) => shown.RuleChanges[i] is { Direction: "ingress", Change: not RuleChangeKind.Removed, Risks.IsEmpty: false } ? "hl" : null,
            Question.AccessAttempts => (i, _) => shown.AccessAttempts[i].Accepted > 0 ? "hl" : null,
            _ => null,
        };
        WriteTable(page, FindingsReport.Title(question), headers, numeric, rows, highlight);
        page.Append("</section>\n");
    }

    /// <summary>What a question's table holds, in one sentence (its exact meaning is in docs/semantics.md).</summary>
    private static string Explanation(InvestigationResult result, Question question) => question switch
    {
        Question.AccessAttempts => result.Query is { } q
            ? $"Every source that sent records to an interface of a running instance tagged {q.TagKey}={q.TagValue} on {SecurityGroupRuleSpec.ProtocolName(q.Protocol)}/{q.Port}, one row per (instance, interface, groups at the time, source); rows with accepted records are highlighted, most accepted first."
            : "Question 1 was not asked (it needs --tag and --port).",
        Question.RuleChanges => "Every security group rule added, removed or modified by a successful call, with who and from where; ingress rules a change made risky are highlighted.",
        Question.GroupAttachments => "Group sets replaced on an interface after launch.",
        Question.UnusedGroups => "Groups with live ingress rules that no evidence shows attached to an interface.",
        Question.RuleUsage => "Ingress rules of groups that were attached at some time, with the ACCEPT records they matched (known scanners counted apart).",
        Question.Exposures => "For every ingress rule a change made risky, over the time that definition was in force: the ACCEPT records it let in that no other rule in force on the interface would have admitted (exposed), and those another rule admitted anyway; the two add up to question 5's hits for that time. Bar #n of the chart is row n of the table in its first order; rows that let something in are highlighted.",
        _ => string.Empty,
    };

    private static void WriteDiagnostics(StringBuilder page, HtmlReportInput input)
    {
        page.Append("<section id=\"diagnostics\" class=\"rows\"><h2>Diagnostics</h2>\n");
        if (input.Diagnostics is not { } d)
        {
            page.Append("<p class=\"empty\">No read diagnostics were given to this report.</p></section>\n");
            return;
        }

        IReadOnlyList<FileReport> files = d.Files;
        page.Append("<p class=\"lead\">Every input file, what it was read as and how much of it was read. ")
            .Append(Plural(files.Count(f => f.HasProblems), "file has", "files have")).Append(" problems; ")
            .Append(Plural(files.Sum(f => f.Samples.Count), "problem sample is", "problem samples are")).Append(" listed below the files.</p>\n");
        WriteTable(page, "input files",
            ["file", "kind", "format", "lines", "records", "NODATA", "SKIPDATA", "malformed", "stopped"],
            [false, false, false, true, true, true, true, true, false],
            [.. files.Select(f => new string?[]
            {
                f.Path, f.Kind.ToString(), f.Format, Raw(f.Lines), Raw(f.Records), Raw(f.NoData), Raw(f.SkipData), Raw(f.Malformed),
                f.FatalError is { } e ? $"{e.Reason}: {e.Message} (byte {Raw(e.ByteOffset)})" : null,
            })],
            (i, _) => files[i].HasProblems ? "hl" : null);
        List<InputProblem> samples = [.. files.SelectMany(f => f.Samples)];
        if (samples.Count > 0)
        {
            // Its own section so that its table sorts and pages on its own.
            page.Append("</section>\n<section id=\"problems\" class=\"rows\"><h3>Problem samples</h3>\n<p class=\"lead\">The first problems of each file, with their position; excerpts are shown escaped, as text.</p>\n");
            WriteTable(page, "problem samples",
                ["file", "line", "byte", "reason", "message", "excerpt"],
                [false, true, true, false, false, false],
                [.. samples.Select(p => new string?[] { p.Path, Raw(p.Line), Raw(p.ByteOffset), p.Reason.ToString(), p.Message, p.Excerpt })]);
        }

        IReadOnlyList<AttributionConflict> conflicts = d.AttributionConflicts;
        if (conflicts.Count > 0)
        {
            page.Append("</section>\n<section id=\"attribution-conflicts\" class=\"rows\"><h3>Flow records that disagree with the evidence</h3>\n<p class=\"lead\">The first ")
                .Append(Raw(conflicts.Count)).Append(" records whose <code>instance-id</code> or mapped tag field differs from what CloudTrail, snapshots and AWS Config say; the evidence was kept.</p>\n");
            WriteTable(page, "attribution conflicts",
                ["file", "line", "interfaceId", "time", "field", "record", "evidence"],
                [false, true, false, false, false, false, false],
                [.. conflicts.Select(c => new string?[] { c.File, Raw(c.Line), c.InterfaceId, c.Time.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture), c.Field, c.RecordValue, c.IndexValue })]);
        }

        page.Append("</section>\n");
    }

    /// <summary>A number as the table's sort reads it (no group separators).</summary>
    private static string Raw(long n) => n.ToString(CultureInfo.InvariantCulture);
}
