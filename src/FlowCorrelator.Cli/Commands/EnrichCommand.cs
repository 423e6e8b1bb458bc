using System.CommandLine;
using System.Globalization;
using FlowCorrelator.Export;
using FlowCorrelator.Ingest;
using FlowCorrelator.Queries;
using FlowCorrelator.Queries.AdHoc;

namespace FlowCorrelator.Cli.Commands;

/// <summary>
/// <c>flowcorrelator enrich SOURCES… --output DIR [--where EXPR] [--format parquet|csv|jsonl]</c>: the flow records
/// with their attribution as of each record's start, one file per day, for any SQL engine (docs/query.md).
/// </summary>
internal static class EnrichCommand
{
    public static Command Create(CliConsole console)
    {
        var sources = new SourceOptions();
        var output = new Option<string>("--output") { Description = "Folder to write (flows-YYYY-MM-DD.parquet, one file per day of record start).", Required = true };
        var where = new Option<string?>("--where") { Description = "Keep only the records this query expression accepts (as in 'flowcorrelator query')." };
        var format = new Option<string>("--format") { Description = "parquet (default; typed columns), csv or jsonl.", DefaultValueFactory = _ => "parquet" };
        format.AcceptOnlyFromAmong("parquet", "csv", "jsonl");
        var noise = new Option<string?>("--noise-cidrs") { Description = "File of extra scanner CIDRs for the 'scanner' column." };
        var command = new Command("enrich", "Write the flow records enriched with instance, tags, groups, VPC and peer as of each record's start (Parquet, CSV or JSON Lines).");
        sources.AddTo(command);
        command.Options.Add(output);
        command.Options.Add(where);
        command.Options.Add(format);
        command.Options.Add(noise);
        command.SetAction((parse, ct) =>
        {
            string? whereText = parse.GetValue(where);
            FlowQuery? filter = string.IsNullOrWhiteSpace(whereText) ? null : QueryCommand.Compile(whereText, null, null, null, 0);
            ScannerList scanners = QueryCommand.LoadScanners(parse.GetValue(noise));
            ReaderOptions reader = sources.ReaderOptions(parse);
            SourceFilter window = sources.Filter(parse);
            ClassifiedInputs classified = sources.Classify(parse, reader, ct);
            Workspace workspace = Workspace.Load(classified, sources.WorkspaceOptions(parse, reader), ct);
            var options = new InvestigationOptions { Scanners = scanners, From = window.From, To = window.To, Reader = reader };
            EnrichFormat fileFormat = parse.GetValue(format) switch { "csv" => EnrichFormat.Csv, "jsonl" => EnrichFormat.JsonLines, _ => EnrichFormat.Parquet };
            EnrichSummary summary = EnrichWriter.Write(
                workspace.Index, classified.FlowLogs, parse.GetValue(output)!, fileFormat, filter, options, workspace.Diagnostics,
                progress: ProgressReporter.For(console, classified.FlowLogs.Count), cancellationToken: ct);
            foreach (KeyValuePair<string, long> file in summary.Files)
            {
                console.Out.WriteLine($"{file.Value.ToString("N0", CultureInfo.InvariantCulture),12} rows  {file.Key}");
            }

            console.Out.WriteLine($"Wrote {summary.Records.ToString("N0", CultureInfo.InvariantCulture)} enriched records in {summary.Files.Count} files.");
            return Task.FromResult(QueryCommand.ReportProblems(console, workspace.Diagnostics));
        });
        return command;
    }
}
