using System.CommandLine;
using FlowCorrelator.Export;
using FlowCorrelator.Ingest;
using FlowCorrelator.Queries;

namespace FlowCorrelator.Cli.Commands;

/// <summary>
/// <c>flowcorrelator export-index</c>: builds the index from CloudTrail and snapshots and writes it as Parquet tables
/// (docs/export-schema.md), for the SQL that <c>flowcorrelator sql</c> prints.
/// </summary>
internal static class ExportIndexCommand
{
    public static Command Create(CliConsole console)
    {
        var sources = new SourceOptions();
        var output = new Option<string>("--output") { Description = "Folder to write (one sub-folder per table).", Required = true };
        var noise = new Option<string?>("--noise-cidrs") { Description = "File of extra scanner CIDRs to export with the built-in list." };
        var command = new Command("export-index", "Export the environment index (interfaces, addresses, tags, groups, rules over time) as Parquet tables for Athena, Trino or DuckDB.");
        sources.AddTo(command);
        command.Options.Add(output);
        command.Options.Add(noise);
        command.SetAction((parse, ct) =>
        {
            ScannerList scanners = ScannerList.BuiltIn;
            if (parse.GetValue(noise) is { } noiseFile)
            {
                try
                {
                    scanners = scanners.With(File.ReadAllText(noiseFile), noiseFile);
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException)
                {
                    throw new UsageException("--noise-cidrs: " + ex.Message);
                }
            }

            ReaderOptions reader = sources.ReaderOptions(parse);
            ClassifiedInputs classified = sources.Classify(parse, reader, ct);

            // The index needs CloudTrail and snapshots only; flow logs stay where they are and are read by the SQL.
            Workspace workspace = Workspace.Load(classified with { FlowLogs = [] }, new WorkspaceOptions { Reader = reader, AllowEmptySources = parse.GetValue(sources.AllowEmpty) }, ct);
            string directory = parse.GetValue(output)!;
            IReadOnlyDictionary<string, int> counts = IndexExporter.Export(workspace.Index, scanners, directory);
            foreach (KeyValuePair<string, int> kv in counts)
            {
                console.Out.WriteLine($"{kv.Key,-20} {kv.Value,8} rows");
            }

            console.Out.WriteLine($"Wrote {counts.Count} tables to {directory}");
            return Task.FromResult(workspace.Diagnostics.HasProblems ? ExitCodes.InputProblems : ExitCodes.Success);
        });
        return command;
    }
}
