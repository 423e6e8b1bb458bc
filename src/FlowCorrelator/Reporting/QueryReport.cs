using System.Text.Encodings.Web;
using System.Text.Json;
using FlowCorrelator.Queries.AdHoc;

namespace FlowCorrelator.Reporting;

/// <summary>
/// Writes a <see cref="FlowQueryResult"/> in every output format, with the same neutralisation as the five questions:
/// table, CSV and Markdown through <see cref="SafeText"/>, JSON escaped by the serializer, HTML through
/// <see cref="HtmlText"/> in the report's page (<see cref="HtmlReport.WriteQuery"/>).
/// </summary>
public static class QueryReport
{
    /// <summary>Writes <paramref name="result"/> in <paramref name="format"/>.</summary>
    /// <param name="output">Destination.</param>
    /// <param name="result">The query's result.</param>
    /// <param name="format">Output format.</param>
    /// <param name="title">What was asked (the HTML page's title, the JSON <c>query</c>).</param>
    public static void Write(TextWriter output, FlowQueryResult result, ReportFormat format, string title)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(title);
        (string[] headers, bool[] numeric, List<string?[]> rows) = Cells(result);
        switch (format)
        {
            case ReportFormat.Json:
                WriteJson(output, result, title);
                break;
            case ReportFormat.Csv:
                using (var csv = new CsvOutput(output))
                {
                    csv.Row(headers);
                    foreach (string?[] row in rows)
                    {
                        csv.Row(row);
                    }

                    csv.Flush();
                }

                break;
            case ReportFormat.Markdown:
                output.WriteLine("| " + string.Join(" | ", headers.Select(SafeText.ForMarkdown)) + " |");
                output.WriteLine("|" + string.Concat(numeric.Select(n => n ? " ---: |" : " --- |")));
                foreach (string?[] row in rows)
                {
                    output.WriteLine("| " + string.Join(" | ", row.Select(SafeText.ForMarkdown)) + " |");
                }

                break;
            case ReportFormat.Html:
                HtmlReport.WriteQuery(output, title, result, headers, numeric, rows);
                break;
            default:
                var table = new TextTable(headers, numeric);
                foreach (string?[] row in rows)
                {
                    table.Add(row);
                }

                table.Write(output, maxColumnWidth: 60);
                output.WriteLine();
                output.WriteLine($"{rows.Count} rows; {result.RecordsMatched:N0} of {result.RecordsOffered:N0} records matched.");
                break;
        }

        output.Flush();
    }

    /// <summary>Headers, numeric columns and the text of every cell.</summary>
    internal static (string[] Headers, bool[] Numeric, List<string?[]> Rows) Cells(FlowQueryResult result) =>
        ([.. result.Columns.Select(c => c.Name)],
         [.. result.Columns.Select(c => c.Kind == QueryColumnKind.Number)],
         [.. result.Rows.Select(r => r.Select(FlowQueryResult.Format).ToArray())]);

    private static void WriteJson(TextWriter output, FlowQueryResult result, string title)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            json.WriteString("query", title);
            json.WriteNumber("recordsOffered", result.RecordsOffered);
            json.WriteNumber("recordsMatched", result.RecordsMatched);
            json.WriteStartArray("rows");
            foreach (var row in result.Rows)
            {
                json.WriteStartObject();
                for (int c = 0; c < result.Columns.Length; c++)
                {
                    json.WritePropertyName(result.Columns[c].Name);
                    switch (row[c])
                    {
                        case null:
                            json.WriteNullValue();
                            break;
                        case long n:
                            json.WriteNumberValue(n);
                            break;
                        case int n:
                            json.WriteNumberValue(n);
                            break;
                        case bool b:
                            json.WriteBooleanValue(b);
                            break;
                        case object v:
                            if (FlowQueryResult.Format(v) is { } text)
                            {
                                json.WriteStringValue(text);
                            }
                            else
                            {
                                json.WriteNullValue();
                            }

                            break;
                    }
                }

                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        output.Write(System.Text.Encoding.UTF8.GetString(buffer.ToArray()));
        output.WriteLine();
    }
}
