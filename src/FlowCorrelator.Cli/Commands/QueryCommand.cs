using System.CommandLine;
using FlowCorrelator.Ingest;
using FlowCorrelator.Queries;
using FlowCorrelator.Queries.AdHoc;
using FlowCorrelator.Reporting;

namespace FlowCorrelator.Cli.Commands;

/// <summary>
/// <c>flowcorrelator query SOURCES… --where EXPR [--group-by KEYS] [--select AGGS] [--order-by …] [--limit N]</c>:
/// any question over the enriched flow records, compiled once, answered in one parallel pass (docs/query.md).
/// </summary>
internal static class QueryCommand
{
    public static Command Create(CliConsole console)
    {
        var sources = new SourceOptions();
        var output = new OutputOptions();
        var where = new Option<string?>("--where") { Description = "Filter over the enriched record, e.g. 'dstport == 22 && direction == \"inbound\" && tag(\"Name\") == \"payment\"' (docs/query.md)." };
        var groupBy = new Option<string?>("--group-by") { Description = "Comma-separated keys (fields or expressions, each optionally 'as NAME'), e.g. 'srcaddr, instanceId'." };
        var select = new Option<string?>("--select") { Description = "Comma-separated aggregates: count, sum(x), min(x), max(x), countDistinct(x), first, last (default: count)." };
        var orderBy = new Option<string?>("--order-by") { Description = "Result columns, each optionally asc or desc (default: the first aggregate, descending)." };
        var limit = new Option<int>("--limit") { Description = "Rows to print (0 = all).", DefaultValueFactory = _ => 0 };
        var noise = new Option<string?>("--noise-cidrs") { Description = "File of extra scanner CIDRs for the 'scanner' field." };
        var command = new Command("query", "Ask any question of the flow records, enriched with the instance, tags, groups and VPC in force at each record's start.");
        sources.AddTo(command);
        command.Options.Add(where);
        command.Options.Add(groupBy);
        command.Options.Add(select);
        command.Options.Add(orderBy);
        command.Options.Add(limit);
        command.Options.Add(output.FormatOption);
        command.Options.Add(noise);
        command.SetAction((parse, ct) =>
        {
            // Compiled before any source is listed or read: a wrong expression costs nothing.
            FlowQuery query = Compile(parse.GetValue(where), parse.GetValue(groupBy), parse.GetValue(select), parse.GetValue(orderBy), parse.GetValue(limit));
            ScannerList scanners = LoadScanners(parse.GetValue(noise));
            ReaderOptions reader = sources.ReaderOptions(parse);
            SourceFilter filter = sources.Filter(parse);
            ClassifiedInputs classified = sources.Classify(parse, reader, ct);
            Workspace workspace = Workspace.Load(classified, sources.WorkspaceOptions(parse, reader), ct);
            var options = new InvestigationOptions { Scanners = scanners, From = filter.From, To = filter.To, Reader = reader };
            FlowQueryResult result = workspace.Query(query, options, ProgressReporter.For(console, classified.FlowLogs.Count), ct);
            QueryReport.Write(console.Out, result, output.Format(parse), Describe(parse.GetValue(where), parse.GetValue(groupBy), parse.GetValue(select)));
            return Task.FromResult(ReportProblems(console, workspace.Diagnostics));
        });
        return command;
    }

    internal static FlowQuery Compile(string? where, string? groupBy, string? select, string? orderBy, int limit)
    {
        if (limit < 0)
        {
            throw new UsageException("--limit must be 0 or more");
        }

        try
        {
            return FlowQuery.Compile(where, groupBy, select, orderBy, limit);
        }
        catch (QueryException ex)
        {
            throw new UsageException(ex.Message);
        }
    }

    internal static ScannerList LoadScanners(string? noiseFile)
    {
        if (noiseFile is null)
        {
            return ScannerList.BuiltIn;
        }

        try
        {
            return ScannerList.BuiltIn.With(File.ReadAllText(noiseFile), noiseFile);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException)
        {
            throw new UsageException("--noise-cidrs: " + ex.Message);
        }
    }

    /// <summary>Unreadable input is named on stderr (the result went to stdout) and makes the exit code 1.</summary>
    internal static int ReportProblems(CliConsole console, IngestDiagnostics diagnostics)
    {
        if (!diagnostics.HasProblems)
        {
            return ExitCodes.Success;
        }

        List<FileReport> bad = [.. diagnostics.Files.Where(f => f.HasProblems)];
        console.Error.WriteLine($"{bad.Count} files could not be read in full; their records are missing from the result:");
        foreach (FileReport f in bad.Take(20))
        {
            string what = f.FatalError is { } fatal ? fatal.ToString() : $"{f.Malformed} malformed lines";
            console.Error.WriteLine("  " + SafeText.ForDisplay(f.Path) + ": " + SafeText.ForDisplay(what));
        }

        return ExitCodes.InputProblems;
    }

    private static string Describe(string? where, string? groupBy, string? select) =>
        string.Join(' ', new[] { where is null ? null : "--where " + where, groupBy is null ? null : "--group-by " + groupBy, select is null ? null : "--select " + select }.Where(s => s is not null));
}
