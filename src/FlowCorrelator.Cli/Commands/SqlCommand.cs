using System.CommandLine;
using FlowCorrelator.Export;
using FlowCorrelator.Ingest;

namespace FlowCorrelator.Cli.Commands;

/// <summary>
/// <c>flowcorrelator sql</c>: prints the DDL and the five questions as SQL for Athena, Trino or DuckDB, over the raw
/// flow logs and an index written by <c>export-index</c>. Reads no data.
/// </summary>
internal static class SqlCommand
{
    public static Command Create(CliConsole console)
    {
        var dialect = new Option<string>("--dialect") { Description = "athena, trino or duckdb.", Required = true };
        dialect.AcceptOnlyFromAmong("athena", "trino", "duckdb");
        var flowLocation = new Option<string>("--flow-location")
        {
            Description = "Athena/Trino: s3://bucket[/prefix] above AWSLogs/. DuckDB: a glob of .log.gz files.",
            Required = true,
        };
        var indexLocation = new Option<string>("--index-location") { Description = "Where the export-index folder is (s3://… or a local folder).", Required = true };
        var flowFormat = new Option<string?>("--flow-format") { Description = "Athena/Trino: the flow log's fields in order (default: the v2 format)." };
        var accounts = new Option<string[]>("--account") { Description = "Athena/Trino: account ids to project.", AllowMultipleArgumentsPerToken = true };
        var regions = new Option<string[]>("--region") { Description = "Athena/Trino: regions to project.", AllowMultipleArgumentsPerToken = true };
        var from = new Option<string?>("--from") { Description = "Start of the window (ISO 8601, UTC assumed)." };
        var to = new Option<string?>("--to") { Description = "End of the window (exclusive)." };
        var access = new AccessOptions(required: false);
        var command = new Command("sql", "Print DDL and the five questions as SQL (Athena, Trino or DuckDB) over raw flow logs and an exported index.");
        command.Options.Add(dialect);
        command.Options.Add(flowLocation);
        command.Options.Add(indexLocation);
        command.Options.Add(flowFormat);
        command.Options.Add(accounts);
        command.Options.Add(regions);
        command.Options.Add(from);
        command.Options.Add(to);
        access.AddTo(command);
        command.SetAction((parse, ct) =>
        {
            FlowLogSchema fields = FlowLogSchema.DefaultV2;
            if (parse.GetValue(flowFormat) is { } format && !string.IsNullOrWhiteSpace(format))
            {
                try
                {
                    fields = FlowLogSchema.Parse(format);
                }
                catch (FormatException ex)
                {
                    throw new UsageException("--flow-format: " + ex.Message);
                }
            }

            var options = new SqlOptions
            {
                Dialect = SqlDialect.Parse(parse.GetValue(dialect)!),
                FlowLocation = parse.GetValue(flowLocation)!,
                IndexLocation = parse.GetValue(indexLocation)!,
                FlowFields = fields,
                Accounts = [.. parse.GetValue(accounts) ?? []],
                Regions = [.. parse.GetValue(regions) ?? []],
                From = SourceOptions.ParseTime(parse.GetValue(from), "--from"),
                To = SourceOptions.ParseTime(parse.GetValue(to), "--to"),
                Access = access.Read(parse),
            };
            if (options.Dialect != SqlDialect.DuckDb && (options.Accounts.IsEmpty || options.Regions.IsEmpty))
            {
                throw new UsageException("athena and trino need --account and --region (the partitions to project).");
            }

            console.Out.Write(InvestigationSql.Generate(options).Render());
            return Task.FromResult(ExitCodes.Success);
        });
        return command;
    }
}
