using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using FlowCorrelator.Scenarios;

namespace FlowCorrelator.Cli.Commands;

/// <summary><c>flowcorrelator generate OUTDIR</c>: writes a deterministic scenario (flow logs, CloudTrail, expected.json).</summary>
internal static class GenerateCommand
{
    public static Command Create(CliConsole console)
    {
        var outDir = new Argument<string>("outdir") { Description = "Folder to write the scenario into (created if missing)." };
        var seed = new Option<int>("--seed") { Description = "Seed of every random choice; same arguments give the same bytes.", DefaultValueFactory = _ => ScenarioOptions.Default.Seed };
        var lines = new Option<long>("--flow-lines") { Description = "Flow-log lines to write (NODATA/SKIPDATA rows included).", DefaultValueFactory = _ => ScenarioOptions.Default.FlowLines };
        var days = new Option<int>("--days") { Description = "Days of flow logs.", DefaultValueFactory = _ => ScenarioOptions.Default.Days };
        var format = new Option<string>("--format") { Description = "Flow-log format: v2 (default 14 fields), v5, v11 (custom field orders) or parquet.", DefaultValueFactory = _ => "v5" };
        format.AcceptOnlyFromAmong("v2", "v5", "v11", "parquet");
        var fleets = new Option<int>("--fleets") { Description = "Tagged fleets, 3 to 8.", DefaultValueFactory = _ => ScenarioOptions.Default.Fleets };
        var command = new Command("generate", "Write a deterministic test scenario: VPC flow logs and CloudTrail in the S3 layout, plus expected.json (the answers).");
        command.Arguments.Add(outDir);
        command.Options.Add(seed);
        command.Options.Add(lines);
        command.Options.Add(days);
        command.Options.Add(format);
        command.Options.Add(fleets);
        command.SetAction((parse, ct) =>
        {
            var options = ScenarioOptions.Default with
            {
                Seed = parse.GetValue(seed),
                FlowLines = parse.GetValue(lines),
                Days = parse.GetValue(days),
                Fleets = parse.GetValue(fleets),
                Format = parse.GetValue(format) switch
                {
                    "v2" => ScenarioFormat.V2,
                    "v11" => ScenarioFormat.V11,
                    "parquet" => ScenarioFormat.Parquet,
                    _ => ScenarioFormat.V5,
                },
            };
            return Task.FromResult(Run(console, parse.GetValue(outDir)!, options, ct));
        });
        return command;
    }

    private static int Run(CliConsole console, string outDir, ScenarioOptions options, CancellationToken cancellationToken)
    {
        try
        {
            options.Validate();
        }
        catch (ArgumentException ex)
        {
            throw new UsageException(ex.Message);
        }

        var clock = Stopwatch.StartNew();
        ScenarioSummary summary = ScenarioGenerator.Write(outDir, options, cancellationToken);
        var r = summary.Expected;
        console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Wrote {summary.Files.Length} files to {outDir} in {clock.Elapsed.TotalSeconds:F1} s: {summary.FlowLines:N0} flow lines ({summary.OkRecords:N0} OK), {summary.CloudTrailEvents} CloudTrail events."));
        console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"expected.json: {r.AccessAttempts.Length} access rows, {r.RuleChanges.Length} rule changes, {r.GroupAttachments.Length} group attachments, {r.UnusedGroups.Length} unused groups, {r.RuleUsage.Length} rule usages."));
        return ExitCodes.Success;
    }
}
