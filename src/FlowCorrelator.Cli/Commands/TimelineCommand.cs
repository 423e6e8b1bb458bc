using System.CommandLine;
using System.Text.Json;
using FlowCorrelator.Index;
using FlowCorrelator.Ingest;
using FlowCorrelator.Reporting;

namespace FlowCorrelator.Cli.Commands;

/// <summary><c>flowcorrelator timeline</c>: the history of one resource, as the index rebuilt it from CloudTrail.</summary>
internal static class TimelineCommand
{
    public static Command Create(CliConsole console)
    {
        var sources = new SourceOptions();
        var eni = new Option<string?>("--eni") { Description = "An interface id (eni-…)." };
        var instance = new Option<string?>("--instance") { Description = "An instance id (i-…)." };
        var group = new Option<string?>("--group") { Description = "A security group id (sg-…)." };
        var tag = new Option<string?>("--tag") { Description = "KEY=VALUE: every instance that ever carried the tag, and its interfaces." };
        var format = new Option<string>("--format") { Description = "table (default), json or csv.", DefaultValueFactory = _ => "table" };
        format.AcceptOnlyFromAmong("table", "json", "csv");
        var command = new Command("timeline", "Print the history of an interface, instance, security group or tagged fleet: what changed, when, by which event and actor.");
        sources.AddTo(command);
        command.Options.Add(eni);
        command.Options.Add(instance);
        command.Options.Add(group);
        command.Options.Add(tag);
        command.Options.Add(format);
        command.SetAction((parse, ct) =>
        {
            string?[] selectors = [parse.GetValue(eni), parse.GetValue(instance), parse.GetValue(group), parse.GetValue(tag)];
            if (selectors.Count(s => s is not null) != 1)
            {
                throw new UsageException("give exactly one of --eni, --instance, --group or --tag.");
            }

            ReaderOptions reader = sources.ReaderOptions(parse);
            ClassifiedInputs classified = sources.Classify(parse, reader, ct);
            var onlyTrail = classified with { FlowLogs = [] };
            Workspace workspace = Workspace.Load(onlyTrail, new WorkspaceOptions { Reader = reader, AllowEmptySources = parse.GetValue(sources.AllowEmpty) }, ct);
            HashSet<string> ids = Resolve(workspace.Index, parse.GetValue(eni), parse.GetValue(instance), parse.GetValue(group), parse.GetValue(tag));
            List<TimelineEntry> entries = [.. workspace.Index.History.Where(h => ids.Contains(h.ResourceId))];
            IReadOnlyList<EvidenceGap> gaps = EvidenceGaps.FindForTimeline(workspace.Diagnostics) is { } gap ? [gap] : [];
            Write(console, parse.GetValue(format)!, entries, workspace, gaps);
            return Task.FromResult(workspace.Diagnostics.HasProblems || gaps.Count > 0 ? ExitCodes.InputProblems : ExitCodes.Success);
        });
        return command;
    }

    private static HashSet<string> Resolve(EnvironmentIndex index, string? eni, string? instance, string? group, string? tag)
    {
        var ids = new HashSet<string>(StringComparer.Ordinal);
        if (eni is not null)
        {
            ids.Add(eni);
        }
        else if (instance is not null)
        {
            ids.Add(instance);
        }
        else if (group is not null)
        {
            ids.Add(group);
        }
        else if (tag is not null)
        {
            int eq = tag.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                throw new UsageException($"--tag: '{tag}' is not KEY=VALUE.");
            }

            string key = tag[..eq];
            string value = tag[(eq + 1)..];
            foreach ((EniId _, ReadOnlyMemory<long> _, IReadOnlyList<InterfaceState> states) in index.InterfaceHistories())
            {
                foreach (InterfaceState s in states)
                {
                    if (s.InstanceId is not null && s.InstanceHasTag(key, value))
                    {
                        ids.Add(s.InstanceId);
                        ids.Add(s.InterfaceId);
                    }
                }
            }
        }

        return ids;
    }

    private static void Write(CliConsole console, string format, List<TimelineEntry> entries, Workspace workspace, IReadOnlyList<EvidenceGap> gaps)
    {
        switch (format)
        {
            case "json":
                using (Stream stream = new TextWriterStream(console.Out))
                using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
                {
                    writer.WriteStartObject();
                    writer.WritePropertyName("timeline");
                    writer.WriteStartArray();
                    foreach (TimelineEntry e in entries)
                    {
                        writer.WriteStartObject();
                        writer.WriteString("time", FindingsJson.FormatTime(e.Time));
                        writer.WriteString("resourceId", e.ResourceId);
                        writer.WriteString("change", e.Change);
                        writer.WriteString("eventName", e.EventName);
                        writer.WriteString("eventId", e.EventId);
                        writer.WriteString("actor", e.Actor);
                        writer.WriteEndObject();
                    }

                    writer.WriteEndArray();
                    FindingsReport.WriteDiagnostics(writer, workspace.Diagnostics, workspace.TrailStatistics, gaps);
                    writer.WriteEndObject();
                }

                console.Out.WriteLine();
                break;
            case "csv":
                using (var csv = new CsvOutput(console.Out))
                {
                    csv.Row("time", "resourceId", "change", "eventName", "eventId", "actor");
                    foreach (TimelineEntry e in entries)
                    {
                        csv.Row(FindingsJson.FormatTime(e.Time), e.ResourceId, e.Change, e.EventName, e.EventId, e.Actor);
                    }
                }

                break;
            default:
                var table = new TextTable(["time", "resource", "change", "event", "actor", "eventId"]);
                foreach (TimelineEntry e in entries)
                {
                    table.Add(FindingsJson.FormatTime(e.Time), e.ResourceId, e.Change, e.EventName, e.Actor, e.EventId);
                }

                console.Out.WriteLine($"{entries.Count} change(s)");
                table.Write(console.Out, maxColumnWidth: 70);
                break;
        }

        // Beside the table; on stderr where stdout is data (CSV), inside the diagnostics for JSON.
        TextWriter notes = format == "csv" ? console.Error : console.Out;
        foreach (EvidenceGap gap in format == "json" ? [] : gaps)
        {
            notes.WriteLine("WARNING: " + gap.Message + ".");
        }
    }
}
