using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using FlowCorrelator.Ingest;
using FlowCorrelator.Reporting;

namespace FlowCorrelator.Cli.Commands;

/// <summary><c>flowcorrelator flows</c>: read flow-log files, print a per-file summary or the parsed records.</summary>
internal static class FlowsCommand
{
    public static Command Create(CliConsole console)
    {
        var sources = new SourceOptions();
        var format = new Option<string>("--format")
        {
            Description = "table (per-file summary), json or csv (every parsed record).",
            DefaultValueFactory = _ => "table",
        };
        format.AcceptOnlyFromAmong("table", "json", "csv");
        var command = new Command("flows", "Read VPC flow-log files (any version, header or not, gzip, text or Parquet) and report what was read.");
        sources.AddTo(command);
        command.Options.Add(format);
        command.SetAction((parse, ct) => Task.FromResult(Run(console, sources, parse.GetValue(format)!, parse, ct)));
        return command;
    }

    private static int Run(CliConsole console, SourceOptions sources, string format, ParseResult parse, CancellationToken cancellationToken)
    {
        ReaderOptions options = sources.ReaderOptions(parse);
        ClassifiedInputs classified = sources.Classify(parse, options, cancellationToken);
        sources.ThrowIfEmpty(parse, classified);
        IReadOnlyList<LogInput> inputs = classified.FlowLogs;
        var reader = new FlowLogReader(options);
        var diagnostics = new IngestDiagnostics { Sources = classified.Sources };
        ReportNotRead(classified, diagnostics);
        switch (format)
        {
            case "json":
                WriteJson(console, reader, inputs, diagnostics, cancellationToken);
                break;
            case "csv":
                WriteCsv(console, reader, inputs, diagnostics, cancellationToken);
                break;
            default:
                reader.ReadAll(inputs, () => NullSink.Instance, _ => { }, diagnostics, ProgressReporter.For(console, inputs.Count), cancellationToken);
                WriteSummary(console.Out, diagnostics);
                break;
        }

        return diagnostics.HasProblems ? ExitCodes.InputProblems : ExitCodes.Success;
    }

    /// <summary>
    /// Files classified as something else are named, not parsed line by line: unknown ones as problems (the user
    /// pointed at them), CloudTrail, snapshots, AWS Config files and digests as skipped (this command reads flow logs only).
    /// </summary>
    private static void ReportNotRead(ClassifiedInputs classified, IngestDiagnostics diagnostics)
    {
        foreach (LogInput unknown in classified.Unknown)
        {
            diagnostics.Add(FileReport.Unknown(unknown.Name));
        }

        foreach ((IReadOnlyList<LogInput> list, LogFileKind kind) in new[] { (classified.CloudTrail, LogFileKind.CloudTrail), (classified.Snapshots, LogFileKind.Snapshot), (classified.Config, LogFileKind.AwsConfig), (classified.Digests, LogFileKind.CloudTrailDigest) })
        {
            foreach (LogInput input in list)
            {
                diagnostics.Add(FileReport.Skipped(input.Name, kind, "not a flow log, skipped"));
            }
        }
    }

    private static void WriteSummary(TextWriter output, IngestDiagnostics diagnostics)
    {
        var table = new TextTable(["file", "format", "records", "nodata", "skipdata", "malformed", "status"], [false, false, true, true, true, true, false]);
        foreach (FileReport f in diagnostics.Files)
        {
            table.Add(f.Path, f.Format, Num(f.Records), Num(f.NoData), Num(f.SkipData), Num(f.Malformed), f.FatalError is null ? (f.Malformed == 0 ? "ok" : "malformed lines") : f.FatalError.Reason.ToString());
        }

        table.Write(output, maxColumnWidth: 90);
        IReadOnlyList<FileReport> files = diagnostics.Files;
        output.WriteLine();
        output.WriteLine($"{files.Count} files, {Num(files.Sum(f => f.Records))} records ({Num(files.Sum(f => f.NoData))} NODATA, {Num(files.Sum(f => f.SkipData))} SKIPDATA), {Num(files.Sum(f => f.Malformed))} malformed.");
        if (SourceOptions.InflaterLine(files) is { } inflater)
        {
            output.WriteLine(inflater);
        }

        foreach (InputProblem p in files.SelectMany(f => f.Samples))
        {
            output.WriteLine("  " + SafeText.ForDisplay(p.ToString()) + (p.Excerpt is null ? string.Empty : "  | " + SafeText.ForDisplay(p.Excerpt)));
        }
    }

    private static string Num(long n) => n.ToString("N0", CultureInfo.InvariantCulture);

    private static void WriteJson(CliConsole console, FlowLogReader reader, IReadOnlyList<LogInput> inputs, IngestDiagnostics diagnostics, CancellationToken cancellationToken)
    {
        using Stream stdout = new TextWriterStream(console.Out);
        using var writer = new Utf8JsonWriter(stdout, new JsonWriterOptions { Indented = false, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        writer.WriteStartObject();
        writer.WritePropertyName("records");
        writer.WriteStartArray();
        var sink = new JsonRecordSink(writer);
        foreach (LogInput input in inputs)
        {
            diagnostics.Add(reader.Read(input, sink, cancellationToken));
        }

        writer.WriteEndArray();
        DiagnosticsJson.Write(writer, diagnostics, allFiles: true);
        writer.WriteEndObject();
        writer.Flush();
        console.Out.WriteLine();
    }

    private static void WriteCsv(CliConsole console, FlowLogReader reader, IReadOnlyList<LogInput> inputs, IngestDiagnostics diagnostics, CancellationToken cancellationToken)
    {
        using var sink = new CsvRecordSink(console.Out);
        foreach (LogInput input in inputs)
        {
            diagnostics.Add(reader.Read(input, sink, cancellationToken));
        }

        sink.Flush();
        foreach (InputProblem p in diagnostics.Files.SelectMany(f => f.Samples))
        {
            console.Error.WriteLine(SafeText.ForDisplay(p.ToString()));
        }
    }

    private sealed class NullSink : IFlowRecordSink
    {
        public static readonly NullSink Instance = new();

        public void OnRecord(in FlowRecord record, in FlowLine line)
        {
        }
    }

    /// <summary>One JSON object per record: the file's own columns, camelCased, typed (numbers, strings, null for '-').</summary>
    private sealed class JsonRecordSink(Utf8JsonWriter writer) : IFlowRecordSink
    {
        private JsonEncodedText[] _names = [];
        private FlowLogSchema? _schema;

        public void OnFileStart(string path, FlowLogSchema schema)
        {
            _schema = schema;
            _names = [.. schema.Names.Select(n => JsonEncodedText.Encode(FlowFieldNames.CamelCase(n)))];
        }

        public void OnRecord(in FlowRecord record, in FlowLine line)
        {
            FlowLogSchema schema = _schema ?? line.Schema;
            writer.WriteStartObject();
            for (int i = 0; i < schema.Count; i++)
            {
                FlowField field = schema.Fields[i];
                string? text = line.GetText(i);
                if (text is null)
                {
                    writer.WriteNull(_names[i]);
                    continue;
                }

                switch (field)
                {
                    case FlowField.Start:
                        writer.WriteNumber(_names[i], record.Start);
                        break;
                    case FlowField.End:
                        writer.WriteNumber(_names[i], record.End);
                        break;
                    default:
                        if (FlowFieldNames.KindOf(field) == FlowValueKind.Integer && long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out long n))
                        {
                            writer.WriteNumber(_names[i], n);
                        }
                        else
                        {
                            writer.WriteString(_names[i], text);
                        }

                        break;
                }
            }

            writer.WriteEndObject();
            if (writer.BytesPending > 1 << 16)
            {
                writer.Flush();
            }
        }
    }

    /// <summary>CSV with a fixed header: file, line, every known field (empty when a file lacks it), and extra columns as name=value.</summary>
    private sealed class CsvRecordSink : IFlowRecordSink, IDisposable
    {
        private static readonly FlowField[] s_known = [.. FlowFieldNames.All];
        private readonly CsvOutput _csv;
        private readonly string?[] _cells = new string?[s_known.Length + 3];
        private string _path = string.Empty;
        private int[] _columnOf = [];

        public CsvRecordSink(TextWriter output)
        {
            _csv = new CsvOutput(output);
            _csv.Row(["file", "line", .. s_known.Select(FlowFieldNames.NameOf), "extra"]);
        }

        public void OnFileStart(string path, FlowLogSchema schema)
        {
            _path = path;
            _columnOf = [.. s_known.Select(schema.IndexOf)];
        }

        public void OnRecord(in FlowRecord record, in FlowLine line)
        {
            _cells[0] = _path;
            _cells[1] = line.LineNumber.ToString(CultureInfo.InvariantCulture);
            for (int k = 0; k < s_known.Length; k++)
            {
                int c = _columnOf[k];
                _cells[k + 2] = c < 0 ? string.Empty : line.GetText(c) ?? "-";
            }

            var extra = new List<string>();
            for (int i = 0; i < line.Schema.Count; i++)
            {
                if (line.Schema.Fields[i] == FlowField.Unknown)
                {
                    extra.Add(line.Schema.Names[i] + "=" + (line.GetText(i) ?? "-"));
                }
            }

            _cells[^1] = string.Join(';', extra);
            _csv.Row(_cells);
        }

        public void Flush() => _csv.Flush();

        public void Dispose() => _csv.Dispose();
    }
}
