using FlowCorrelator.Index;
using FlowCorrelator.Ingest;
using FlowCorrelator.Queries;
using FlowCorrelator.Queries.AdHoc;

namespace FlowCorrelator;

/// <summary>Where to read from and how. Immutable; change with <c>with</c>.</summary>
public sealed record WorkspaceOptions
{
    /// <summary>Defaults.</summary>
    public static WorkspaceOptions Default { get; } = new();

    /// <summary>Reader limits and policies.</summary>
    public ReaderOptions Reader { get; init; } = ReaderOptions.Default;

    /// <summary>Window, accounts and regions (prunes S3 listings).</summary>
    public SourceFilter Filter { get; init; } = SourceFilter.All;

    /// <summary>Non-local sources (e.g. S3).</summary>
    public IReadOnlyList<IRemoteLogSource> Remotes { get; init; } = [];

    /// <summary>
    /// Compile the flow-log pass on a thread-pool thread while CloudTrail loads (once per process; a few hundred
    /// milliseconds of CPU, a quarter of a second sooner to the first answer on two cores). Off for hosts that must
    /// not see background work.
    /// </summary>
    public bool WarmUp { get; init; } = true;

    /// <summary>
    /// Run even when a source (folder, file, archive, <c>s3://</c> prefix) gives no flow-log, CloudTrail or snapshot
    /// file; the empty sources are then listed in <see cref="IngestDiagnostics.Sources"/>. Off by default:
    /// <see cref="Workspace.Load(ClassifiedInputs, WorkspaceOptions?, CancellationToken)"/> throws
    /// <see cref="EmptySourceException"/>, because a wrong path or prefix must not pass for "nothing happened".
    /// </summary>
    public bool AllowEmptySources { get; init; }
}

/// <summary>
/// The library's entry point: point it at folders, files or S3 URIs holding flow logs, CloudTrail and describe-*
/// snapshots (mixed freely); it reads CloudTrail and snapshots into an <see cref="EnvironmentIndex"/>, then answers
/// the six questions in one pass over the flow logs.
/// </summary>
/// <example>
/// <code>
/// Workspace ws = Workspace.Load(["samples/demo"]);
/// InvestigationResult r = ws.Investigate(InvestigationOptions.Default with
///     { Access = new AccessQuery { TagKey = "Name", TagValue = "payment", Port = 22 } });
/// foreach (AccessAttempt a in r.AccessAttempts.Where(a => a.Accepted > 0)) Console.WriteLine(a);
/// </code>
/// </example>
public sealed class Workspace
{
    private Workspace(ClassifiedInputs inputs, EnvironmentIndex index, IngestDiagnostics diagnostics, CloudTrailReadResult trail, WorkspaceOptions options)
    {
        Inputs = inputs;
        Index = index;
        Diagnostics = diagnostics;
        CloudTrail = trail;
        Options = options;
    }

    /// <summary>The inputs, by kind.</summary>
    public ClassifiedInputs Inputs { get; }

    /// <summary>The environment over time.</summary>
    public EnvironmentIndex Index { get; }

    /// <summary>Per-file diagnostics (CloudTrail and snapshots after <see cref="Load(IEnumerable{string}, WorkspaceOptions?, CancellationToken)"/>; flow logs added by each investigation).</summary>
    public IngestDiagnostics Diagnostics { get; }

    /// <summary>The CloudTrail events read.</summary>
    public CloudTrailReadResult CloudTrail { get; }

    /// <summary>
    /// CloudTrail counts: events read (with duplicates), duplicates dropped, used, failed, ignored. The same as
    /// <see cref="EnvironmentIndex.Statistics"/>: the index is the one place where events are de-duplicated.
    /// </summary>
    public IndexStatistics TrailStatistics => Index.Statistics;

    /// <summary>The options used.</summary>
    public WorkspaceOptions Options { get; }

    /// <summary>Expands and classifies the locations, reads CloudTrail and snapshots, and builds the index.</summary>
    /// <exception cref="FileNotFoundException">A local location does not exist.</exception>
    /// <exception cref="SourceException">A remote location cannot be listed.</exception>
    /// <exception cref="EmptySourceException">A location gave no flow-log, CloudTrail or snapshot file (unless <see cref="WorkspaceOptions.AllowEmptySources"/>).</exception>
    public static Workspace Load(IEnumerable<string> locations, WorkspaceOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= WorkspaceOptions.Default;
        StartWarmUp(options);
        IReadOnlyList<ExpandedSource> sources = LogSources.ExpandSources(locations, options.Filter, options.Remotes, cancellationToken);
        return Load(LogSources.Classify(sources, options.Reader, cancellationToken), options, cancellationToken);
    }

    /// <summary>
    /// Reads CloudTrail and snapshots from already classified inputs and builds the index. Sources that gave nothing
    /// to read (<see cref="ClassifiedInputs.EmptySources"/>) stop the load before anything is read, unless
    /// <see cref="WorkspaceOptions.AllowEmptySources"/>.
    /// </summary>
    /// <exception cref="EmptySourceException">A source gave no flow-log, CloudTrail or snapshot file.</exception>
    public static Workspace Load(ClassifiedInputs inputs, WorkspaceOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        options ??= WorkspaceOptions.Default;
        IReadOnlyList<SourceContents> empty = inputs.EmptySources;
        if (empty.Count > 0 && !options.AllowEmptySources)
        {
            throw new EmptySourceException(empty);
        }

        StartWarmUp(options);
        var diagnostics = new IngestDiagnostics();
        diagnostics.Sources = inputs.Sources;
        CloudTrailReadResult trail = new CloudTrailReader(options.Reader).ReadAll(inputs.CloudTrail, diagnostics, cancellationToken);
        var events = new List<CloudTrailEvent>(trail.Events);
        // Snapshots seed the state before the trail: the index applies them first, valid from the beginning.
        events.AddRange(new SnapshotReader(options.Reader).ReadAll(inputs.Snapshots, DateTimeOffset.UnixEpoch, diagnostics, cancellationToken));

        // AWS Config items state a resource at their capture time: the index orders them with the trail.
        events.AddRange(new ConfigItemReader(options.Reader).ReadAll(inputs.Config, diagnostics, cancellationToken));

        foreach (LogInput digest in inputs.Digests)
        {
            diagnostics.Add(FileReport.Skipped(digest.Name, LogFileKind.CloudTrailDigest, "CloudTrail digest file (integrity validation), skipped"));
        }

        foreach (LogInput unknown in inputs.Unknown)
        {
            diagnostics.Add(FileReport.Unknown(unknown.Name));
        }

        EnvironmentIndex index = EnvironmentIndex.Build(events);
        ReportUnappliedEvents(index, diagnostics, options.Reader);
        return new Workspace(inputs, index, diagnostics, trail, options);
    }

    /// <summary>
    /// Events the index read but could not apply join their file's report, as shape problems found while reading do:
    /// the answers leave those events out, so the run must say so (and stop on them in strict mode).
    /// </summary>
    private static void ReportUnappliedEvents(EnvironmentIndex index, IngestDiagnostics diagnostics, ReaderOptions reader)
    {
        if (index.Problems.IsEmpty)
        {
            return;
        }

        // Two inputs may share a name (Workspace.Load(ClassifiedInputs) takes them as given): the first report holds the problem.
        var reports = new Dictionary<string, FileReport>(StringComparer.Ordinal);
        foreach (FileReport f in diagnostics.Files)
        {
            reports.TryAdd(f.Path, f);
        }
        foreach (InputProblem problem in index.Problems)
        {
            if (reader.Strict)
            {
                ThrowHelper.ThrowLogFormat(problem);
            }

            if (!reports.TryGetValue(problem.Path, out FileReport? report))
            {
                report = new FileReport(problem.Path, LogFileKind.CloudTrail, reader.MaxSamplesPerFile);
                reports.Add(problem.Path, report);
                diagnostics.Add(report);
            }

            report.AddProblem(problem);
        }
    }

    private static void StartWarmUp(WorkspaceOptions options)
    {
        if (options.WarmUp)
        {
            PassWarmup.Start();
        }
    }

    /// <summary>
    /// Answers the six questions in one pass over the flow logs; their file reports join <see cref="Diagnostics"/>.
    /// Where <paramref name="options"/> leaves the reader options or the window at their defaults, the workspace's
    /// own (<see cref="WorkspaceOptions.Reader"/>, <see cref="WorkspaceOptions.Filter"/>) apply.
    /// </summary>
    public InvestigationResult Investigate(InvestigationOptions? options = null, IProgress<FileReport>? progress = null, CancellationToken cancellationToken = default)
    {
        options = WithDefaults(options ?? InvestigationOptions.Default);
        return Investigations.Run(Index, Inputs.FlowLogs, options, Diagnostics, progress, cancellationToken);
    }

    /// <summary>
    /// Runs an ad-hoc <see cref="FlowQuery"/> over the flow logs in one parallel pass (enriched against the index);
    /// file reports join <see cref="Diagnostics"/>. The window and reader options default to the workspace's, as for
    /// <see cref="Investigate"/>.
    /// </summary>
    public FlowQueryResult Query(FlowQuery query, InvestigationOptions? options = null, IProgress<FileReport>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        return query.Run(Index, Inputs.FlowLogs, WithDefaults(options ?? InvestigationOptions.Default), Diagnostics, progress, cancellationToken);
    }

    /// <summary>The workspace's reader options and window where <paramref name="options"/> leaves them at their defaults.</summary>
    internal InvestigationOptions WithDefaults(InvestigationOptions options) => options with
    {
        Reader = ReferenceEquals(options.Reader, ReaderOptions.Default) ? Options.Reader : options.Reader,
        From = options.From ?? Options.Filter.From,
        To = options.To ?? Options.Filter.To,
    };
}
