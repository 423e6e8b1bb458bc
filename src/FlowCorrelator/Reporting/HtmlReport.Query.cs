using System.Text;
using FlowCorrelator.Queries.AdHoc;

namespace FlowCorrelator.Reporting;

// The page of an ad-hoc query: the report's style sheet, script, CSP and escaped table, one section.
public static partial class HtmlReport
{
    /// <summary>Writes a self-contained page holding a query's result as one sortable, filterable, paged table.</summary>
    internal static void WriteQuery(TextWriter output, string title, FlowQueryResult result, string[] headers, bool[] numeric, IReadOnlyList<string?[]> rows)
    {
        var page = new StringBuilder(16 * 1024);
        string css = Css.Value;
        string script = Script.Value;
        page.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
        page.Append("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; img-src data:; style-src '")
            .Append(Hash(css)).Append("'; script-src '").Append(Hash(script)).Append("'; base-uri 'none'; form-action 'none'\">\n");
        page.Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<meta name=\"generator\" content=\"FlowCorrelator\">\n");
        page.Append("<title>FlowCorrelator query</title>\n<style>").Append(css).Append("</style>\n</head>\n<body>\n");
        page.Append("<header class=\"top\"><h1>FlowCorrelator query</h1><p><code>").Append(HtmlText.Escape(title)).Append("</code></p></header>\n<main>\n");
        page.Append("<section id=\"query\" class=\"rows\"><h2>Result</h2><p>")
            .Append(Plural(rows.Count, "row", "rows")).Append("; ").Append(N(result.RecordsMatched)).Append(" of ")
            .Append(Plural(result.RecordsOffered, "record", "records")).Append(" matched.</p>\n");
        WriteTable(page, "query result", headers, numeric, rows);
        page.Append("</section>\n</main>\n<footer>Made by FlowCorrelator. Fields and functions: docs/query.md.</footer>\n");
        page.Append("<script>").Append(script).Append("</script>\n</body>\n</html>\n");
        output.Write(page.ToString());
    }
}
