using System.CommandLine;
using System.Globalization;
using FlowCorrelator.Ingest;
using FlowCorrelator.Queries;
using FlowCorrelator.Reporting;

namespace FlowCorrelator.Cli.Commands;

/// <summary>
/// <c>investigate</c> (all five questions, one pass) and one command per question: <c>access</c>,
/// <c>rule-changes</c>, <c>attachments</c>, <c>unused-groups</c>, <c>rule-usage</c>, <c>exposure</c>.
/// </summary>
internal static class InvestigateCommand
{
    public static IEnumerable<Command> CreateAll(CliConsole console)
    {
        yield return Create(console, "investigate", "Answer all six questions in one pass over the flow logs.", FindingsReport.AllQuestions, accessRequired: false);
        yield return Create(console, "access", "Who (source, how often, accepted/rejected) reached a tagged fleet on a port, across instance churn.", [Question.AccessAttempts], accessRequired: true);
        yield return Create(console, "rule-changes", "Security group rules added, removed or modified (world-open and admin ports flagged), by whom, when.", [Question.RuleChanges], accessRequired: false);
        yield return Create(console, "attachments", "Security groups attached to interfaces after launch.", [Question.GroupAttachments], accessRequired: false);
        yield return Create(console, "unused-groups", "Security groups with rules that were never attached.", [Question.UnusedGroups], accessRequired: false);
        yield return Create(console, "rule-usage", "Which ingress rules of attached groups real traffic used (scanner noise separated).", [Question.RuleUsage], accessRequired: false);
        yield return Create(console, "exposure", "What each risky rule change let in while it was in force that no other rule would have admitted.", [Question.Exposures], accessRequired: false);
    }

    private static Command Create(CliConsole console, string name, string description, IReadOnlyList<Question> questions, bool accessRequired)
    {
        var sources = new SourceOptions();
        var output = new OutputOptions();
        var access = new AccessOptions(accessRequired);
        var command = new Command(name, description);
        sources.AddTo(command);
        output.AddTo(command);
        if (questions.Contains(Question.AccessAttempts))
        {
            access.AddTo(command);
        }

        var limit = new Option<int>("--limit") { Description = "Rows shown per question in table format (0 = all).", DefaultValueFactory = _ => 40 };
        command.Options.Add(limit);
        var report = new Option<string?>("--report") { Description = "Also write the self-contained HTML report to this file (e.g. report.html)." };
        command.Options.Add(report);
        var noise = new Option<string?>("--noise-cidrs") { Description = "File of extra scanner CIDRs (one per line, '#' comments) to treat as noise." };
        if (questions.Contains(Question.RuleUsage) || questions.Contains(Question.AccessAttempts) || questions.Contains(Question.Exposures))
        {
            command.Options.Add(noise);
        }

        command.SetAction((parse, ct) =>
        {
            var request = new InvestigationRequest(
                Questions: questions,
                Access: questions.Contains(Question.AccessAttempts) ? access.Read(parse) : null,
                NoiseFile: parse.GetValue(noise),
                Format: output.Format(parse),
                OutputDirectory: parse.GetValue(output.Directory),
                Limit: parse.GetValue(limit),
                ReportPath: parse.GetValue(report),
                Sources: parse.GetValue(sources.Sources) ?? []);
            return Task.FromResult(Run(console, sources, parse, request, ct));
        });
        return command;
    }

    internal sealed record InvestigationRequest(IReadOnlyList<Question> Questions, AccessQuery? Access, string? NoiseFile, ReportFormat Format, string? OutputDirectory, int Limit, string? ReportPath = null, IReadOnlyList<string>? Sources = null)
    {
        /// <summary>Whether an HTML report is written (it draws question 1's records per minute).</summary>
        public bool WantsHtml => Format == ReportFormat.Html || ReportPath is not null;
    }

    internal static int Run(CliConsole console, SourceOptions sources, ParseResult parse, InvestigationRequest request, CancellationToken cancellationToken)
    {
        ReaderOptions reader = sources.ReaderOptions(parse);
        SourceFilter filter = sources.Filter(parse);
        ScannerList scanners = ScannerList.BuiltIn;
        if (request.NoiseFile is { } noiseFile)
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

        ClassifiedInputs classified = sources.Classify(parse, reader, cancellationToken);
        if (console.ShowProgress)
        {
            console.Error.WriteLine($"{classified.FlowLogs.Count} flow-log files, {classified.CloudTrail.Count} CloudTrail files, {classified.Snapshots.Count} snapshots, {classified.Config.Count} AWS Config files");
        }

        Workspace workspace = Workspace.Load(classified, sources.WorkspaceOptions(parse, reader), cancellationToken);
        var options = new InvestigationOptions
        {
            Access = request.Access,
            Scanners = scanners,
            From = filter.From,
            To = filter.To,
            Reader = reader,
            FleetActivity = request.WantsHtml,
        };

        // Questions 2–4 need no flow data; read flows only when question 1, 5 or 6 is asked.
        bool needsFlows = request.Questions.Contains(Question.AccessAttempts) || request.Questions.Contains(Question.RuleUsage) || request.Questions.Contains(Question.Exposures);
        InvestigationResult result = needsFlows
            ? workspace.Investigate(options, ProgressReporter.For(console, classified.FlowLogs.Count), cancellationToken)
            : Investigations.Run(workspace.Index, Array.Empty<FlowRecord>(), options);

        IReadOnlyList<EvidenceGap> gaps = EvidenceGaps.Find(workspace.Diagnostics, request.Questions);
        Write(console, request, result, workspace, gaps);
        return workspace.Diagnostics.HasProblems || gaps.Count > 0 ? ExitCodes.InputProblems : ExitCodes.Success;
    }

    private static void Write(CliConsole console, InvestigationRequest request, InvestigationResult result, Workspace workspace, IReadOnlyList<EvidenceGap> gaps)
    {
        if (request.OutputDirectory is { } dir)
        {
            Directory.CreateDirectory(dir);
            if (request.Format == ReportFormat.Html)
            {
                // One page holds every question: report.html, beside diagnostics.json.
                HtmlReportOutput.WriteFile(Path.Combine(dir, "report.html"), HtmlReportOutput.Input(result, request.Questions, workspace, request.Sources ?? [], gaps));
            }

            foreach (Question q in request.Format == ReportFormat.Html ? [] : request.Questions)
            {
                string path = Path.Combine(dir, FindingsReport.Key(q) + Extension(request.Format));
                using var file = new StreamWriter(path, append: false, new System.Text.UTF8Encoding(false));
                WriteOne(file, request.Format, result, [q], workspace, EvidenceGaps.Find(workspace.Diagnostics, [q]), limit: 0);
            }

            using (var diag = File.Create(Path.Combine(dir, "diagnostics.json")))
            {
                FindingsReport.WriteJson(diag, result, [], w => FindingsReport.WriteDiagnostics(w, workspace.Diagnostics, workspace.TrailStatistics, gaps));
            }

            console.Out.WriteLine(request.Format == ReportFormat.Html ? $"Wrote report.html and diagnostics.json to {dir}" : $"Wrote {request.Questions.Count} file(s) and diagnostics.json to {dir}");
            WriteReport(console, request, result, workspace, gaps);
            WriteSummary(console.Out, workspace, gaps);
            return;
        }

        if (request.Format == ReportFormat.Html)
        {
            HtmlReport.Write(console.Out, HtmlReportOutput.Input(result, request.Questions, workspace, request.Sources ?? [], gaps));
        }
        else
        {
            WriteOne(console.Out, request.Format, result, request.Questions, workspace, gaps, request.Limit);
        }

        if (request.Format is ReportFormat.Table or ReportFormat.Markdown)
        {
            WriteSummary(console.Out, workspace, gaps);
        }
        else if (request.Format is ReportFormat.Csv or ReportFormat.Html)
        {
            WriteSummary(console.Error, workspace, gaps);
        }

        WriteReport(console, request, result, workspace, gaps);
    }

    /// <summary><c>--report FILE</c>: the HTML report besides whatever the format wrote; its path goes to stderr.</summary>
    private static void WriteReport(CliConsole console, InvestigationRequest request, InvestigationResult result, Workspace workspace, IReadOnlyList<EvidenceGap> gaps)
    {
        if (request.ReportPath is not { } path)
        {
            return;
        }

        HtmlReportOutput.WriteFile(path, HtmlReportOutput.Input(result, request.Questions, workspace, request.Sources ?? [], gaps));
        console.Error.WriteLine($"HTML report: {Path.GetFullPath(path)}");
    }

    private static void WriteOne(TextWriter output, ReportFormat format, InvestigationResult result, IReadOnlyList<Question> questions, Workspace workspace, IReadOnlyList<EvidenceGap> gaps, int limit)
    {
        switch (format)
        {
            case ReportFormat.Json:
                using (Stream stream = new TextWriterStream(output))
                {
                    FindingsReport.WriteJson(stream, result, questions, w => FindingsReport.WriteDiagnostics(w, workspace.Diagnostics, workspace.TrailStatistics, gaps));
                }

                output.WriteLine();
                break;
            case ReportFormat.Csv:
                for (int i = 0; i < questions.Count; i++)
                {
                    if (questions.Count > 1)
                    {
                        // Several questions on one stream: each CSV block is preceded by a comment naming it.
                        output.WriteLine((i > 0 ? "\n" : string.Empty) + "# " + FindingsReport.Key(questions[i]));
                    }

                    FindingsReport.WriteCsv(output, result, questions[i]);
                }

                break;
            case ReportFormat.Markdown:
                FindingsReport.WriteMarkdown(output, result, questions);
                break;
            default:
                FindingsReport.WriteTable(output, result, questions, limit);
                break;
        }

        output.Flush();
    }

    private static string Extension(ReportFormat format) => format switch
    {
        ReportFormat.Json => ".json",
        ReportFormat.Csv => ".csv",
        ReportFormat.Markdown => ".md",
        _ => ".txt",
    };

    private static string ConfigRead(IReadOnlyList<FileReport> files)
    {
        int config = files.Count(f => f.Kind == LogFileKind.AwsConfig);
        return config == 0 ? string.Empty : string.Create(CultureInfo.InvariantCulture, $" and {config} AWS Config files ({files.Where(f => f.Kind == LogFileKind.AwsConfig).Sum(f => f.Records):N0} configuration items)");
    }

    /// <summary>A log-derived value for a summary line: neutralised, and cut (JSON has it whole).</summary>
    private static string Short(string value) => SafeText.ForDisplay(value.Length > 80 ? value[..80] + "…" : value);

    internal static void WriteSummary(TextWriter output, Workspace workspace, IReadOnlyList<EvidenceGap> gaps)
    {
        IReadOnlyList<FileReport> files = workspace.Diagnostics.Files;
        long flowFiles = files.Count(f => f.Kind == LogFileKind.FlowLog);
        long records = files.Where(f => f.Kind == LogFileKind.FlowLog).Sum(f => f.Records);
        var stats = workspace.TrailStatistics;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Read {flowFiles} flow-log files ({records:N0} records, {files.Sum(f => f.NoData):N0} NODATA, {files.Sum(f => f.SkipData):N0} SKIPDATA) and {files.Count(f => f.Kind == LogFileKind.CloudTrail)} CloudTrail files ({stats.EventsRead:N0} events: {stats.Applied:N0} used, {stats.Failed:N0} failed calls, {stats.Ignored:N0} other, {stats.Duplicates:N0} duplicates){ConfigRead(files)}."));
        if (SourceOptions.InflaterLine(files) is { } inflater)
        {
            output.WriteLine(inflater);
        }

        if (workspace.Diagnostics.RecordsOnUnknownInterfaces > 0 || workspace.Diagnostics.RecordsOutsideWindow > 0)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"Not linked by the evidence: {workspace.Diagnostics.RecordsOnUnknownInterfaces:N0} records on interfaces the CloudTrail/snapshot evidence does not know at their time (only their own instance-id can attribute them); {workspace.Diagnostics.RecordsOutsideWindow:N0} records outside --from/--to."));
        }

        AttributionCounts attribution = workspace.Diagnostics.Attribution;
        if (attribution.ByInstanceId > 0 || attribution.ByTagField > 0)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"Attributed by the flow records themselves: {attribution.ByInstanceId:N0} records by their instance-id (no attachment known); {attribution.ByTagField:N0} by a tag field (no tag of the instance known)."));
        }

        if (attribution.InstanceIdConflicts > 0 || attribution.TagFieldConflicts > 0)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"WARNING: the flow records and the CloudTrail/snapshot evidence disagree on {attribution.InstanceIdConflicts:N0} records' instance and {attribution.TagFieldConflicts:N0} records' tags; the evidence was kept (diagnostics.attribution lists the first {AttributionConflict.MaxListed}):"));
            foreach (AttributionConflict c in workspace.Diagnostics.AttributionConflicts.Take(3))
            {
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  {SafeText.ForDisplay(c.File ?? "(in memory)")} line {c.Line}: {SafeText.ForDisplay(c.InterfaceId)} at {c.Time:yyyy-MM-ddTHH:mm:ssZ}: {SafeText.ForDisplay(c.Field)} is '{Short(c.RecordValue)}' in the record, '{Short(c.IndexValue)}' in the evidence"));
            }
        }

        foreach (SourceContents empty in workspace.Diagnostics.Sources.Where(s => !s.HasData))
        {
            output.WriteLine("Empty source (--allow-empty): " + SafeText.ForDisplay(empty.Describe()));
        }

        foreach (EvidenceGap gap in gaps)
        {
            output.WriteLine("WARNING: " + gap.Message + ".");
        }

        List<FileReport> bad = [.. files.Where(f => f.HasProblems)];
        if (bad.Count == 0)
        {
            if (gaps.Count == 0)
            {
                // Only when something was read and every question had its evidence: an empty run never says this.
                output.WriteLine("All input was read.");
            }

            return;
        }

        output.WriteLine($"WARNING: {bad.Count} file(s) could not be read completely ({files.Sum(f => f.Malformed):N0} malformed lines/records); results cover the rest:");
        foreach (FileReport f in bad)
        {
            output.WriteLine($"  {SafeText.ForDisplay(f.Path)}: {f.Malformed} malformed{(f.FatalError is { } e ? $", stopped: {SafeText.ForDisplay(e.Reason + ": " + e.Message)} at byte {e.ByteOffset}" : string.Empty)}");
            foreach (InputProblem p in f.Samples.Take(3))
            {
                output.WriteLine($"    line {p.Line} (byte {p.ByteOffset}): {p.Reason}: {SafeText.ForDisplay(p.Message)}");
            }
        }
    }
}

/// <summary>--format and --output.</summary>
internal sealed class OutputOptions
{
    public Option<string> FormatOption { get; } = new("--format")
    {
        Description = "table (default), json, csv, markdown or html (one self-contained page).",
        DefaultValueFactory = _ => "table",
    };

    public Option<string?> Directory { get; } = new("--output")
    {
        Description = "Write one file per question (with --format html: report.html) and diagnostics.json into this folder instead of standard output.",
    };

    public OutputOptions() => FormatOption.AcceptOnlyFromAmong("table", "json", "csv", "markdown", "html");

    public void AddTo(Command command)
    {
        command.Options.Add(FormatOption);
        command.Options.Add(Directory);
    }

    public ReportFormat Format(ParseResult parse) => parse.GetValue(FormatOption) switch
    {
        "json" => ReportFormat.Json,
        "csv" => ReportFormat.Csv,
        "markdown" => ReportFormat.Markdown,
        "html" => ReportFormat.Html,
        _ => ReportFormat.Table,
    };
}

/// <summary>--tag (or --asg), --port, --protocol for question 1.</summary>
internal sealed class AccessOptions(bool required)
{
    public Option<string?> Tag { get; } = new("--tag") { Description = "Fleet tag KEY=VALUE (e.g. Name=payment)." };

    public Option<string?> Asg { get; } = new("--asg")
    {
        Description = "Fleet = the instances of this Auto Scaling group (the same as --tag aws:autoscaling:groupName=NAME).",
    };

    public Option<int?> Port { get; } = new("--port") { Description = "Destination port." };

    public Option<string> Protocol { get; } = new("--protocol")
    {
        Description = "tcp (default), udp, icmp or a protocol number.",
        DefaultValueFactory = _ => "tcp",
    };

    public Option<string[]> TagFields { get; } = new("--tag-field")
    {
        Description = "FIELD=KEY: the tag key a version-11 tag field of the flow logs holds (the flow log's TagFieldSpecifications), e.g. instance-tag=Name; "
            + "FIELD is instance-tag, instance-tag-2, asg-tag or asg-tag-2. Question 1 then uses the record's value for instances whose tags the CloudTrail/snapshot evidence does not know. Repeatable.",
        AllowMultipleArgumentsPerToken = false,
    };

    public void AddTo(Command command)
    {
        command.Options.Add(Tag);
        command.Options.Add(Asg);
        command.Options.Add(Port);
        command.Options.Add(Protocol);
        command.Options.Add(TagFields);
    }

    public AccessQuery? Read(ParseResult parse)
    {
        string? tag = parse.GetValue(Tag);
        string? asg = parse.GetValue(Asg);
        int? port = parse.GetValue(Port);
        if (tag is not null && asg is not null)
        {
            throw new UsageException("give either --tag or --asg, not both.");
        }

        if (asg is not null)
        {
            if (asg.Length == 0)
            {
                throw new UsageException("--asg: the Auto Scaling group name is empty.");
            }

            tag = AutoScalingTag.GroupNameTagKey + "=" + asg;
        }

        string[] tagFields = parse.GetValue(TagFields) ?? [];
        if (tag is null && port is null && !required)
        {
            if (tagFields.Length > 0)
            {
                throw new UsageException("--tag-field is evidence for question 1: give it with --tag KEY=VALUE (or --asg NAME) and --port N.");
            }

            return null;
        }

        if (tag is null || port is null)
        {
            throw new UsageException("question 1 needs --tag KEY=VALUE (or --asg NAME) and --port N.");
        }

        int eq = tag.IndexOf('=', StringComparison.Ordinal);
        if (eq <= 0)
        {
            throw new UsageException($"--tag: '{tag}' is not KEY=VALUE.");
        }

        if (port is < 0 or > 65535)
        {
            throw new UsageException($"--port: {port} is not a port (0-65535).");
        }

        string protocolText = parse.GetValue(Protocol) ?? "tcp";
        if (!SecurityGroupRuleSpec.TryParseProtocol(protocolText, out int protocol) || protocol < 0)
        {
            throw new UsageException($"--protocol: '{protocolText}' is not tcp, udp, icmp or a protocol number.");
        }

        var mappings = new List<TagFieldMapping>();
        foreach (string text in tagFields)
        {
            try
            {
                mappings.Add(TagFieldMapping.Parse(text));
            }
            catch (FormatException e)
            {
                throw new UsageException("--tag-field: " + e.Message);
            }
        }

        if (mappings.GroupBy(m => m.Field, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } twice)
        {
            throw new UsageException($"--tag-field: {twice.Key} is given twice; a field holds one tag key.");
        }

        return new AccessQuery { TagKey = tag[..eq], TagValue = tag[(eq + 1)..], Port = port.Value, Protocol = protocol, TagFields = [.. mappings] };
    }
}
