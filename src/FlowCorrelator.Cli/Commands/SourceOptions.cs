using System.CommandLine;
using System.Globalization;
using FlowCorrelator.Ingest;

namespace FlowCorrelator.Cli.Commands;

/// <summary>Options every command that reads logs shares: sources, window, flow format, strictness, limits.</summary>
internal sealed class SourceOptions
{
    public Argument<string[]> Sources { get; } = new("sources")
    {
        Description = "Files, folders or s3://bucket/prefix URIs (flow logs, CloudTrail and snapshots may be mixed).",
        Arity = ArgumentArity.OneOrMore,
    };

    public Option<string?> FlowFormat { get; } = new("--flow-format")
    {
        Description = "Field order for flow-log files without a header line, e.g. \"${version} ${account-id} ...\" (default: the v2 format).",
    };

    public Option<bool> Strict { get; } = new("--strict")
    {
        Description = "Stop at the first malformed line or record, with its position.",
    };

    public Option<string?> From { get; } = new("--from")
    {
        Description = "Start of the flow window (ISO 8601, UTC assumed). CloudTrail before it still builds state.",
    };

    public Option<string?> To { get; } = new("--to")
    {
        Description = "End of the flow window (exclusive, ISO 8601).",
    };

    public Option<string[]> Accounts { get; } = new("--account")
    {
        Description = "Only these account ids (S3 listing pruning).",
        AllowMultipleArgumentsPerToken = true,
    };

    public Option<string[]> Regions { get; } = new("--region-filter")
    {
        Description = "Only these regions (S3 listing pruning).",
        AllowMultipleArgumentsPerToken = true,
    };

    public Option<bool> AllowEmpty { get; } = new("--allow-empty")
    {
        Description = "Run even when a source (folder, file, archive, s3:// prefix) holds no flow-log, CloudTrail or snapshot file (default: exit 3 naming it).",
    };

    public Option<int?> MaxLineLength { get; } = new("--max-line-length")
    {
        Description = "Longest flow-log line accepted, in bytes (default 1 MiB).",
    };

    public Option<long?> MaxInflatedBytes { get; } = new("--max-inflated-bytes")
    {
        Description = "Most decompressed bytes read from one file (default 16 GiB).",
    };

    public Option<int?> MaxInflateRatio { get; } = new("--max-inflate-ratio")
    {
        Description = "Largest decompressed:compressed ratio accepted once a file has inflated past 64 MiB (default 1000).",
    };

    public Option<int?> MaxJsonDepth { get; } = new("--max-json-depth")
    {
        Description = "Deepest JSON nesting accepted in CloudTrail and snapshot files (default 64).",
    };

    public Option<int?> MaxJsonRecordBytes { get; } = new("--max-json-record-bytes")
    {
        Description = "Largest single CloudTrail record, in bytes (default 8 MiB).",
    };

    public Option<string> Inflater { get; } = new("--inflater")
    {
        Description = "Gzip inflater for flow-log files: auto (libdeflate when installed, else managed; the default), native (libdeflate, an error when it is not installed) or managed (.NET GZipStream). Answers are the same with each.",
        DefaultValueFactory = _ => "auto",
    };

    public void AddTo(Command command)
    {
        Inflater.AcceptOnlyFromAmong("auto", "native", "managed");
        command.Arguments.Add(Sources);
        command.Options.Add(FlowFormat);
        command.Options.Add(Strict);
        command.Options.Add(AllowEmpty);
        command.Options.Add(From);
        command.Options.Add(To);
        command.Options.Add(Accounts);
        command.Options.Add(Regions);
        command.Options.Add(MaxLineLength);
        command.Options.Add(MaxInflatedBytes);
        command.Options.Add(MaxInflateRatio);
        command.Options.Add(MaxJsonDepth);
        command.Options.Add(MaxJsonRecordBytes);
        command.Options.Add(Inflater);
        RemoteSources.AddOptions(command);
    }

    public ReaderOptions ReaderOptions(ParseResult parse)
    {
        ReaderOptions options = Ingest.ReaderOptions.Default with { Strict = parse.GetValue(Strict) };
        string? format = parse.GetValue(FlowFormat);
        if (!string.IsNullOrWhiteSpace(format))
        {
            try
            {
                options = options with { FlowFormat = FlowLogSchema.Parse(format) };
            }
            catch (FormatException ex)
            {
                throw new UsageException("--flow-format: " + ex.Message);
            }
        }

        if (parse.GetValue(MaxLineLength) is int maxLine)
        {
            options = options with { MaxLineLength = maxLine };
        }

        if (parse.GetValue(MaxInflatedBytes) is long maxInflated)
        {
            options = options with { MaxInflatedBytes = maxInflated };
        }

        if (parse.GetValue(MaxInflateRatio) is int ratio)
        {
            options = options with { MaxInflateRatio = ratio };
        }

        if (parse.GetValue(MaxJsonDepth) is int depth)
        {
            options = options with { MaxJsonDepth = depth };
        }

        if (parse.GetValue(MaxJsonRecordBytes) is int recordBytes)
        {
            options = options with { MaxJsonRecordBytes = recordBytes };
        }

        options = options with
        {
            Inflater = parse.GetValue(Inflater) switch
            {
                "native" => Ingest.Inflater.Native,
                "managed" => Ingest.Inflater.Managed,
                _ => Ingest.Inflater.Auto,
            },
        };

        try
        {
            options.Validate();
        }
        catch (Exception ex) when (ex is ArgumentOutOfRangeException or NotSupportedException)
        {
            // --inflater native without libdeflate: said before anything is read.
            throw new UsageException(ex.Message);
        }

        return options;
    }

    /// <summary>The summary line that says which inflater read the gzip flow-log files, or <c>null</c> when none was gzip.</summary>
    public static string? InflaterLine(IReadOnlyList<FileReport> files)
    {
        int native = files.Count(f => f.Inflater == Ingest.Inflater.Native);
        int managed = files.Count(f => f.Inflater == Ingest.Inflater.Managed);
        int fellBack = files.Count(f => f.NativeInflaterFellBack);
        if (native + managed == 0)
        {
            return null;
        }

        string line = $"Inflater: {Reporting.DiagnosticsJson.InflaterSummary(files)} ({native} gzip file(s) by libdeflate, {managed} by the managed inflater";
        return line + (fellBack > 0 ? $"; {fellBack} of them after libdeflate could not inflate them whole)." : ").");
    }

    public SourceFilter Filter(ParseResult parse) => new()
    {
        From = ParseTime(parse.GetValue(From), "--from"),
        To = ParseTime(parse.GetValue(To), "--to"),
        Accounts = parse.GetValue(Accounts) ?? [],
        Regions = parse.GetValue(Regions) ?? [],
    };

    /// <summary>
    /// Lists every source and classifies what it holds (by name where the AWS layout is conclusive, else by first
    /// bytes). Empty sources are not checked here: <see cref="Workspace.Load(ClassifiedInputs, WorkspaceOptions?, CancellationToken)"/>
    /// and <see cref="ThrowIfEmpty"/> do, before anything is read.
    /// </summary>
    public ClassifiedInputs Classify(ParseResult parse, ReaderOptions reader, CancellationToken cancellationToken)
    {
        string[] sources = parse.GetValue(Sources) ?? [];
        IReadOnlyList<ExpandedSource> expanded;
        try
        {
            expanded = LogSources.ExpandSources(sources, Filter(parse), RemoteSources.Create(parse), cancellationToken);
        }
        catch (ArgumentException ex)
        {
            // A location no provider can open (s3:// without the AWS provider): a command-line problem, not a crash.
            throw new UsageException(ex.Message);
        }

        return LogSources.Classify(expanded, reader, cancellationToken);
    }

    /// <summary>The workspace options of a run: reader, window, and whether empty sources are allowed.</summary>
    public WorkspaceOptions WorkspaceOptions(ParseResult parse, ReaderOptions reader) =>
        new() { Reader = reader, Filter = Filter(parse), AllowEmptySources = parse.GetValue(AllowEmpty) };

    /// <summary>For commands that read without a workspace (<c>flows</c>): the same empty-source rule.</summary>
    public void ThrowIfEmpty(ParseResult parse, ClassifiedInputs classified)
    {
        IReadOnlyList<SourceContents> empty = classified.EmptySources;
        if (empty.Count > 0 && !parse.GetValue(AllowEmpty))
        {
            throw new EmptySourceException(empty);
        }
    }

    internal static DateTimeOffset? ParseTime(string? text, string option)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out DateTimeOffset t))
        {
            return t;
        }

        throw new UsageException($"{option}: '{text}' is not an ISO 8601 time.");
    }
}
