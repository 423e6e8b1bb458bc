using System.Globalization;
using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using FlowCorrelator.Index;
using FlowCorrelator.Ingest;
using FlowCorrelator.Queries;

namespace FlowCorrelator.Reporting;

/// <summary>What the HTML report shows. Immutable; change with <c>with</c>.</summary>
public sealed record HtmlReportInput
{
    /// <summary>The answers.</summary>
    public required InvestigationResult Result { get; init; }

    /// <summary>The questions asked, in the order their sections appear.</summary>
    public IReadOnlyList<Question> Questions { get; init; } = FindingsReport.AllQuestions;

    /// <summary>Per-file diagnostics of the run; null when not known (the page then says so instead of "all read").</summary>
    public IngestDiagnostics? Diagnostics { get; init; }

    /// <summary>CloudTrail counts of the run.</summary>
    public IndexStatistics? Trail { get; init; }

    /// <summary>Security group names by id, to show beside ids (from the index).</summary>
    public IReadOnlyDictionary<string, string> GroupNames { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>When the report was made (shown in its header); null leaves it out, for byte-identical output.</summary>
    public DateTimeOffset? GeneratedAt { get; init; }

    /// <summary>Evidence missing for the questions asked (<see cref="EvidenceGaps.Find"/>); shown in the summary.</summary>
    public IReadOnlyList<EvidenceGap> Gaps { get; init; } = [];

    /// <summary>The inputs the run was pointed at, shown in the header.</summary>
    public IReadOnlyList<string> Sources { get; init; } = [];
}

/// <summary>
/// The responder's report: one self-contained HTML file (inline CSS, inline SVG, one small inline script for
/// sorting, filtering and paging; nothing is fetched when it is opened, and its Content-Security-Policy forbids it).
/// A summary in plain words on top, the fleet's attempts over time as a chart, then every question as a table with
/// every row, then the diagnostics. All log text is escaped with <see cref="HtmlText.Escape"/>.
/// </summary>
public static partial class HtmlReport
{
    private static readonly Lazy<string> Css = new(() => Resource("FlowCorrelator.Reporting.HtmlReport.css"));
    private static readonly Lazy<string> Script = new(() => Resource("FlowCorrelator.Reporting.HtmlReport.js"));

    /// <summary>The <c>id</c> of a question's section (<c>q-</c> and its JSON key).</summary>
    public static string SectionId(Question question) => "q-" + FindingsReport.Key(question);

    /// <summary>Writes the report.</summary>
    public static void Write(TextWriter output, HtmlReportInput input)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(input);
        var page = new StringBuilder(64 * 1024);
        string css = Css.Value + HtmlChart.LegendCss;
        string script = Script.Value;
        page.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
        // Defence in depth behind the escaping: nothing may load from anywhere, and only this exact style sheet and
        // script (by hash) may run, so markup that slipped through could neither fetch nor execute anything.
        page.Append("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; img-src data:; style-src '")
            .Append(Hash(css)).Append("'; script-src '").Append(Hash(script)).Append("'; base-uri 'none'; form-action 'none'\">\n");
        page.Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<meta name=\"generator\" content=\"FlowCorrelator\">\n");
        page.Append("<title>").Append(HtmlText.Escape(Title(input))).Append("</title>\n");
        page.Append("<style>").Append(css).Append("</style>\n</head>\n<body>\n");
        WriteHeader(page, input);
        WriteToc(page, input);
        page.Append("<main>\n");
        WriteSummary(page, input);
        WriteChart(page, input);
        foreach (Question q in input.Questions)
        {
            WriteQuestion(page, input, q);
        }

        WriteDiagnostics(page, input);
        page.Append("</main>\n<footer>Made by FlowCorrelator from local copies of VPC Flow Logs and CloudTrail. Every table holds every row of its answer; the exact meaning of each column is in docs/semantics.md.</footer>\n");
        page.Append("<script>").Append(script).Append("</script>\n</body>\n</html>\n");
        output.Write(page.ToString());
        output.Flush();
    }

    private static string Title(HtmlReportInput input) =>
        input.Result.Query is { } q ? $"FlowCorrelator report: {q.TagKey}={q.TagValue} on {SecurityGroupRuleSpec.ProtocolName(q.Protocol)}/{q.Port}" : "FlowCorrelator report";

    private static void WriteHeader(StringBuilder page, HtmlReportInput input)
    {
        page.Append("<header class=\"top\"><h1>").Append(HtmlText.Escape(Title(input))).Append("</h1><p>");
        var parts = new List<string>();
        if (input.Sources.Count > 0)
        {
            parts.Add("Evidence: " + string.Join(", ", input.Sources.Select(s => HtmlText.Escape(s))));
        }

        if (input.Trail is { FirstEvent: { } firstEvent, LastEvent: { } lastEvent })
        {
            parts.Add($"CloudTrail {Time(firstEvent)} to {Time(lastEvent)}");
        }

        if (input.GeneratedAt is { } at)
        {
            parts.Add("generated " + Time(at));
        }

        page.Append(string.Join(" · ", parts)).Append("</p></header>\n");
    }

    private static void WriteToc(StringBuilder page, HtmlReportInput input)
    {
        page.Append("<nav class=\"toc\" aria-label=\"Sections\"><a href=\"#summary\">Summary</a>");
        if (input.Result.FleetActivity is not null)
        {
            page.Append("<a href=\"#fleet-chart\">Attempts over time</a>");
        }

        foreach (Question q in input.Questions)
        {
            page.Append("<a href=\"#").Append(SectionId(q)).Append("\">").Append(HtmlText.Escape(FindingsReport.Title(q))).Append("</a>");
        }

        page.Append("<a href=\"#diagnostics\">Diagnostics</a></nav>\n");
    }

    /// <summary>
    /// A section with a sortable, filterable, paged table of every row. The controls start hidden: the script shows
    /// them, so a reader without scripts sees the whole table and no dead buttons.
    /// </summary>
    internal static void WriteTable(StringBuilder page, string label, string[] headers, bool[] numeric, IReadOnlyList<string?[]> rows, Func<int, string?[], string?>? rowClass = null)
    {
        if (rows.Count == 0)
        {
            page.Append("<p class=\"empty\">No rows.</p>\n");
            return;
        }

        page.Append("<div class=\"tools\" hidden><input type=\"search\" class=\"filter\" placeholder=\"Filter rows (any column)\" aria-label=\"Filter ")
            .Append(HtmlText.Escape(label)).Append("\"><span class=\"shown\"></span></div>\n");
        page.Append("<div class=\"table-wrap\"><table class=\"data\"><thead><tr>");
        for (int c = 0; c < headers.Length; c++)
        {
            page.Append(numeric[c] ? "<th scope=\"col\" class=\"num\">" : "<th scope=\"col\">").Append("<button type=\"button\">").Append(HtmlText.Escape(headers[c])).Append("</button></th>");
        }

        page.Append("</tr></thead>\n<tbody>\n");
        for (int r = 0; r < rows.Count; r++)
        {
            string?[] row = rows[r];
            string? cls = rowClass?.Invoke(r, row);
            page.Append(cls is null ? "<tr>" : $"<tr class=\"{cls}\">");
            for (int c = 0; c < row.Length; c++)
            {
                page.Append(numeric[c] ? "<td class=\"num\">" : "<td>").Append(HtmlText.Escape(row[c])).Append("</td>");
            }

            page.Append("</tr>\n");
        }

        page.Append("</tbody></table></div>\n<div class=\"pager\" hidden><button type=\"button\" class=\"prev\">Previous</button><span class=\"where\"></span><button type=\"button\" class=\"next\">Next</button></div>\n");
    }

    private static string Hash(string content) => "sha256-" + Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(content)));

    private static string Resource(string name)
    {
        using Stream stream = typeof(HtmlReport).Assembly.GetManifestResourceStream(name) ?? throw new InvalidOperationException($"missing resource {name}");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        // One line-ending convention whatever the checkout did, so that the CSP hash and the bytes agree everywhere.
        return reader.ReadToEnd().Replace("\r\n", "\n", StringComparison.Ordinal);
    }

    internal static string Time(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture);

    internal static string N(long n) => n.ToString("N0", CultureInfo.InvariantCulture);

    internal static string Plural(long n, string one, string many) => $"{N(n)} {(n == 1 ? one : many)}";
}
