using System.Globalization;
using System.Text;
using FlowCorrelator.Ingest;

namespace FlowCorrelator.Reporting;

/// <summary>What kind of evidence a run lacked.</summary>
public enum MissingEvidence
{
    /// <summary>No CloudTrail event was read.</summary>
    CloudTrail,

    /// <summary>No flow-log record was read.</summary>
    FlowLogs,
}

/// <summary>
/// Evidence a question needs that the run did not read: its answer is empty because nothing could be said, not
/// because nothing happened.
/// </summary>
/// <param name="Missing">What was not read.</param>
/// <param name="Questions">The questions asked that cannot be answered from what was read.</param>
/// <param name="Message">One line for the summary and the diagnostics, e.g. <c>no CloudTrail events were read: questions 1–6 cannot attribute any record</c>.</param>
public sealed record EvidenceGap(MissingEvidence Missing, IReadOnlyList<Question> Questions, string Message)
{
    /// <summary>The JSON name of <see cref="Missing"/>.</summary>
    public string MissingName => Missing == MissingEvidence.CloudTrail ? "cloudtrail" : "flowlogs";
}

/// <summary>Finds the <see cref="EvidenceGap"/>s of a run from its diagnostics alone (one rule for every output).</summary>
public static class EvidenceGaps
{
    private static readonly Question[] s_needFlows = [Question.AccessAttempts, Question.RuleUsage, Question.Exposures];
    private static readonly Question[] s_needChanges = [Question.RuleChanges, Question.GroupAttachments, Question.Exposures];

    /// <summary>
    /// The gaps for the asked <paramref name="questions"/>. With no CloudTrail event read, every question lacks the
    /// environment (which interface was which instance, which rules applied), unless a snapshot gave it: then only
    /// the questions about changes (2, 3 and 6) lack it. With no flow-log record read, questions 1, 5 and 6 have no traffic.
    /// Pass only the questions whose evidence was actually read for: a command that asks 2–4 reads no flow logs.
    /// </summary>
    public static IReadOnlyList<EvidenceGap> Find(IngestDiagnostics diagnostics, IReadOnlyList<Question> questions)
    {
        ArgumentNullException.ThrowIfNull(diagnostics);
        ArgumentNullException.ThrowIfNull(questions);
        var gaps = new List<EvidenceGap>(2);
        long trailEvents = diagnostics.Sum(LogFileKind.CloudTrail, f => f.Records);
        // AWS Config items give state as snapshots do (at their capture time): not the calls that changed it.
        long snapshotRecords = diagnostics.Sum(LogFileKind.Snapshot, f => f.Records) + diagnostics.Sum(LogFileKind.AwsConfig, f => f.Records);
        if (trailEvents == 0)
        {
            Question[] affected = [.. questions.Where(q => snapshotRecords == 0 || s_needChanges.Contains(q)).Order()];
            if (affected.Length > 0)
            {
                string consequence = snapshotRecords == 0 ? "cannot attribute any record" : "cannot see any change (snapshots give the state, not its changes)";
                gaps.Add(new EvidenceGap(MissingEvidence.CloudTrail, affected, $"no CloudTrail events were read: {Numbers(affected)} {consequence}"));
            }
        }

        if (diagnostics.Sum(LogFileKind.FlowLog, f => f.Records) == 0)
        {
            Question[] affected = [.. questions.Where(s_needFlows.Contains).Order()];
            if (affected.Length > 0)
            {
                gaps.Add(new EvidenceGap(MissingEvidence.FlowLogs, affected, $"no flow-log records were read: {Numbers(affected)} {(affected.Length == 1 ? "has" : "have")} no traffic to count"));
            }
        }

        return gaps;
    }

    /// <summary>
    /// The gap of a <c>timeline</c>: a resource's history is made of CloudTrail events, so with none read it is empty
    /// because nothing could be seen (a snapshot gives one state, not a history). Null when events were read.
    /// </summary>
    public static EvidenceGap? FindForTimeline(IngestDiagnostics diagnostics)
    {
        ArgumentNullException.ThrowIfNull(diagnostics);
        return diagnostics.Sum(LogFileKind.CloudTrail, f => f.Records) == 0
            ? new EvidenceGap(MissingEvidence.CloudTrail, [], "no CloudTrail events were read: the timeline cannot show any change")
            : null;
    }

    /// <summary>The question numbers (1-based, as the titles show them), runs of three or more as ranges: "questions 1, 3–5".</summary>
    internal static string Numbers(IReadOnlyList<Question> questions)
    {
        int[] n = [.. questions.Select(q => (int)q + 1).Distinct().Order()];
        var sb = new StringBuilder(n.Length == 1 ? "question " : "questions ");
        for (int i = 0; i < n.Length;)
        {
            int j = i;
            while (j + 1 < n.Length && n[j + 1] == n[j] + 1)
            {
                j++;
            }

            if (i > 0)
            {
                sb.Append(", ");
            }

            sb.Append(n[i].ToString(CultureInfo.InvariantCulture));
            if (j - i >= 2)
            {
                sb.Append('–').Append(n[j].ToString(CultureInfo.InvariantCulture));
                i = j + 1;
            }
            else
            {
                i++;
            }
        }

        return sb.ToString();
    }
}
