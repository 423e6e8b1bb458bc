using FlowCorrelator.Index;
using FlowCorrelator.Ingest;

namespace FlowCorrelator.Queries;

/// <summary>
/// The six questions. <see cref="Run(EnvironmentIndex, IEnumerable{LogInput}, InvestigationOptions, IngestDiagnostics, IProgress{FileReport}?, CancellationToken)"/>
/// answers all of them in one parallel pass over flow-log files; the other members answer one question each, as
/// LINQ pipelines over records or the index, for use from code and tests.
/// </summary>
/// <remarks>
/// One file per question (<c>FleetAccess.cs</c>, <c>RuleChanges.cs</c>, <c>GroupAttachments.cs</c>,
/// <c>UnusedGroups.cs</c>, <c>RuleUsage.cs</c>, <c>Exposures.cs</c>) holds its public member here and, for the questions asked
/// of flow records (1, 5 and 6), the per-record step that <see cref="InvestigationSink"/> runs in the one pass: the LINQ member is
/// the readable reference the step is tested against.
/// </remarks>
public static partial class Investigations
{
    /// <summary>
    /// Reads every flow-log input once, on all cores, feeding questions 1, 5 and 6 from the same records (per-thread
    /// aggregates, merged at the end), and adds questions 2–4 from the index.
    /// </summary>
    public static InvestigationResult Run(
        EnvironmentIndex index,
        IEnumerable<LogInput> flowInputs,
        InvestigationOptions options,
        IngestDiagnostics diagnostics,
        IProgress<FileReport>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(index);
        ArgumentNullException.ThrowIfNull(flowInputs);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(diagnostics);
        var merged = new InvestigationSink(index, options);
        new FlowLogReader(options.Reader).ReadAll(
            flowInputs,
            () => new InvestigationSink.Pass(new InvestigationSink(index, options)),
            pass =>
            {
                merged.Merge(pass.Sink);
                diagnostics.AddCoverage(pass.Sink.OutsideWindow, pass.Sink.UnknownInterface);
                diagnostics.AddAttribution(pass.Sink.Attribution.Counts, pass.Sink.Attribution.Conflicts);
            },
            diagnostics,
            progress,
            cancellationToken);
        return Finish(index, options, merged);
    }

    /// <summary>All six questions over records already in memory (same semantics as the file pass).</summary>
    public static InvestigationResult Run(EnvironmentIndex index, IEnumerable<FlowRecord> records, InvestigationOptions options)
    {
        ArgumentNullException.ThrowIfNull(index);
        ArgumentNullException.ThrowIfNull(records);
        ArgumentNullException.ThrowIfNull(options);
        var sink = new InvestigationSink(index, options);
        foreach (FlowRecord r in records)
        {
            sink.Add(r);
        }

        return Finish(index, options, sink);
    }

    /// <summary>The answers from the pass's merged steps (questions 1, 5 and 6) and from the index (questions 2–4).</summary>
    internal static InvestigationResult Finish(EnvironmentIndex index, InvestigationOptions options, InvestigationSink pass) => new InvestigationResult
    {
        Query = options.Access,
        AccessAttempts = pass.FleetAccess.Rows(index),
        FleetActivity = pass.FleetAccess.Activity?.ToActivity(),
        RuleChanges = RuleChanges(index, options.From, options.To),
        GroupAttachments = GroupAttachments(index, options.From, options.To),
        UnusedGroups = UnusedGroups(index),
        RuleUsage = pass.RuleUsage.Rows(index, options.To),
        Exposures = pass.Exposures.Rows(),
    }.Canonical();

    /// <summary>The window test of questions 2 and 3: [from, to), either end open when null.</summary>
    private static bool InWindow(DateTimeOffset t, DateTimeOffset? from, DateTimeOffset? to) =>
        (from is null || t >= from) && (to is null || t < to);
}
