using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using FlowCorrelator.Index;
using FlowCorrelator.Ingest;
using FlowCorrelator.Queries;

namespace FlowCorrelator.Reporting;

/// <summary>The six questions, with their JSON keys.</summary>
public enum Question
{
    /// <summary><c>accessAttempts</c>.</summary>
    AccessAttempts,

    /// <summary><c>ruleChanges</c>.</summary>
    RuleChanges,

    /// <summary><c>groupAttachments</c>.</summary>
    GroupAttachments,

    /// <summary><c>unusedGroups</c>.</summary>
    UnusedGroups,

    /// <summary><c>ruleUsage</c>.</summary>
    RuleUsage,

    /// <summary><c>exposures</c>.</summary>
    Exposures,
}

/// <summary>Output formats.</summary>
public enum ReportFormat
{
    /// <summary>Aligned text for a terminal.</summary>
    Table,

    /// <summary>One JSON object (the stable contract).</summary>
    Json,

    /// <summary>RFC 4180 CSV, cells neutralised against formula injection.</summary>
    Csv,

    /// <summary>GitHub-flavoured Markdown tables.</summary>
    Markdown,

    /// <summary>One self-contained HTML page (<see cref="HtmlReport"/>).</summary>
    Html,
}

/// <summary>
/// Renders an <see cref="InvestigationResult"/> as a table, JSON, CSV or Markdown. Text from logs is made safe for
/// each target (terminal control sequences stripped, CSV formulas neutralised, JSON always valid UTF-8).
/// </summary>
public static class FindingsReport
{
    /// <summary>All questions, in contract order.</summary>
    public static IReadOnlyList<Question> AllQuestions { get; } = Enum.GetValues<Question>();

    /// <summary>The JSON key of a question.</summary>
    public static string Key(Question question) => question switch
    {
        Question.AccessAttempts => "accessAttempts",
        Question.RuleChanges => "ruleChanges",
        Question.GroupAttachments => "groupAttachments",
        Question.UnusedGroups => "unusedGroups",
        Question.Exposures => "exposures",
        _ => "ruleUsage",
    };

    /// <summary>A short title for tables and Markdown.</summary>
    public static string Title(Question question) => question switch
    {
        Question.AccessAttempts => "1. Access to the fleet",
        Question.RuleChanges => "2. Security group rule changes",
        Question.GroupAttachments => "3. Security groups attached after launch",
        Question.UnusedGroups => "4. Security groups never attached",
        Question.Exposures => "6. Exposure: what risky rules let in",
        _ => "5. Rule usage",
    };

    /// <summary>Writes one JSON object with the questions' keys (plus <c>query</c> and <c>diagnostics</c>).</summary>
    public static void WriteJson(Stream output, InvestigationResult result, IReadOnlyList<Question> questions, Action<Utf8JsonWriter>? writeDiagnostics)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(questions);
        using var writer = new Utf8JsonWriter(output, new JsonWriterOptions { Indented = true });
        writer.WriteStartObject();
        if (result.Query is not null && questions.Contains(Question.AccessAttempts))
        {
            writer.WritePropertyName("query");
            JsonSerializer.Serialize(writer, result.Query, (JsonTypeInfo<AccessQuery>)FindingsJson.Options.GetTypeInfo(typeof(AccessQuery)));
        }

        foreach (Question q in questions)
        {
            writer.WritePropertyName(Key(q));
            switch (q)
            {
                case Question.AccessAttempts: Serialize(writer, result.AccessAttempts.ToArray()); break;
                case Question.RuleChanges: Serialize(writer, result.RuleChanges.ToArray()); break;
                case Question.GroupAttachments: Serialize(writer, result.GroupAttachments.ToArray()); break;
                case Question.UnusedGroups: Serialize(writer, result.UnusedGroups.ToArray()); break;
                case Question.Exposures: Serialize(writer, result.Exposures.ToArray()); break;
                default: Serialize(writer, result.RuleUsage.ToArray()); break;
            }
        }

        writeDiagnostics?.Invoke(writer);
        writer.WriteEndObject();
        writer.Flush();
    }

    private static void Serialize<T>(Utf8JsonWriter writer, T[] rows) =>
        JsonSerializer.Serialize(writer, rows, (JsonTypeInfo<T[]>)FindingsJson.Options.GetTypeInfo(typeof(T[])));

    /// <summary>
    /// Writes aligned tables, one per question, with a title, the row count and a one-line summary. At most
    /// <paramref name="limit"/> rows are shown per question (0 = all); access rows are shown most-accepted first.
    /// </summary>
    public static void WriteTable(TextWriter output, InvestigationResult result, IReadOnlyList<Question> questions, int limit = 0)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(questions);
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        InvestigationResult shown = AccessByImpact(result);
        foreach (Question q in questions)
        {
            (string[] headers, bool[] numeric, List<string?[]> rows) = Rows(shown, q);
            output.WriteLine(Title(q) + (q == Question.AccessAttempts && result.Query is { } query ? $" ({SafeText.ForDisplay(query.TagKey)}={SafeText.ForDisplay(query.TagValue)}, {SecurityGroupRuleSpec.ProtocolName(query.Protocol)}/{query.Port})" : string.Empty) + $": {rows.Count} row{(rows.Count == 1 ? string.Empty : "s")}");
            string? summary = Summary(result, q);
            if (summary is not null)
            {
                output.WriteLine("   " + summary);
            }

            if (rows.Count > 0)
            {
                var table = new TextTable(headers, numeric);
                foreach (string?[] row in limit == 0 ? rows : rows.Take(limit))
                {
                    table.Add(row);
                }

                table.Write(output, maxColumnWidth: 28);
                if (limit > 0 && rows.Count > limit)
                {
                    output.WriteLine($"… {rows.Count - limit} more rows (--limit 0 shows all; --format json|csv|markdown or --output DIR for the complete answer)");
                }
            }

            output.WriteLine();
        }
    }

    /// <summary>The result with question 1's rows most accepted first, then most rejected (the order people read them in).</summary>
    internal static InvestigationResult AccessByImpact(InvestigationResult result) => result with
    {
        AccessAttempts = [.. result.AccessAttempts.OrderByDescending(a => a.Accepted).ThenByDescending(a => a.Rejected).ThenBy(a => a.InstanceId, StringComparer.Ordinal).ThenBy(a => a.InterfaceId, StringComparer.Ordinal)],
    };

    /// <summary>A one-line reading of a question's answer, for the terminal.</summary>
    internal static string? Summary(InvestigationResult result, Question question)
    {
        switch (question)
        {
            case Question.AccessAttempts when result.AccessAttempts.Length > 0:
                var sources = result.AccessAttempts.GroupBy(a => a.SrcAddr, StringComparer.Ordinal).ToList();
                int acceptedSources = sources.Count(g => g.Any(a => a.Accepted > 0));
                return string.Create(CultureInfo.InvariantCulture,
                    $"{sources.Count} sources, {result.AccessAttempts.Select(a => a.InstanceId).Distinct().Count()} instances; {result.AccessAttempts.Sum(a => a.Accepted)} accepted records from {acceptedSources} sources, {result.AccessAttempts.Sum(a => a.Rejected)} rejected; {sources.Count(g => g.First().Scanner)} sources are known scanners.");
            case Question.RuleChanges when result.RuleChanges.Length > 0:
                return $"{result.RuleChanges.Count(r => r.OpensToWorld && r.Direction == "ingress" && r.Change != RuleChangeKind.Removed)} ingress rule(s) opened to the world; {result.RuleChanges.Count(r => r.Risks.Any(k => k.StartsWith("admin-port", StringComparison.Ordinal)) && r.Change != RuleChangeKind.Removed)} added/modified rule(s) expose admin ports.";
            case Question.RuleUsage when result.RuleUsage.Length > 0:
                return $"{result.RuleUsage.Count(r => r.Status == RuleUsageStatus.Used)} used, {result.RuleUsage.Count(r => r.Status == RuleUsageStatus.Unused)} unused, {result.RuleUsage.Count(r => r.Status == RuleUsageStatus.Revoked)} revoked; {result.RuleUsage.Count(r => r.Hits == 0 && r.ScannerHits > 0)} rule(s) hit only by scanners.";
            case Question.Exposures when result.Exposures.Length > 0:
                return string.Create(CultureInfo.InvariantCulture,
                    $"{result.Exposures.Count(x => x.Exposed.Records + x.Exposed.ScannerRecords > 0)} of {result.Exposures.Length} risky rule definition(s) let in records no other rule would have admitted: {result.Exposures.Sum(x => x.Exposed.Records)} records, plus {result.Exposures.Sum(x => x.Exposed.ScannerRecords)} from known scanners; {result.Exposures.Sum(x => x.AlsoAdmitted.Records + x.AlsoAdmitted.ScannerRecords)} more another rule admitted anyway.");
            default:
                return null;
        }
    }

    /// <summary>Writes one question as CSV (header row first).</summary>
    public static void WriteCsv(TextWriter output, InvestigationResult result, Question question)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(result);
        (string[] headers, _, List<string?[]> rows) = Rows(result, question);
        using var csv = new CsvOutput(output);
        csv.Row(headers);
        foreach (string?[] row in rows)
        {
            csv.Row(row);
        }

        csv.Flush();
    }

    /// <summary>Writes Markdown: a heading and a table per question.</summary>
    public static void WriteMarkdown(TextWriter output, InvestigationResult result, IReadOnlyList<Question> questions)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(questions);
        foreach (Question q in questions)
        {
            (string[] headers, bool[] numeric, List<string?[]> rows) = Rows(result, q);
            output.WriteLine($"## {Title(q)}");
            output.WriteLine();
            if (rows.Count == 0)
            {
                output.WriteLine("_No rows._");
                output.WriteLine();
                continue;
            }

            output.WriteLine("| " + string.Join(" | ", headers) + " |");
            output.WriteLine("|" + string.Concat(numeric.Select(n => n ? " ---: |" : " --- |")));
            foreach (string?[] row in rows)
            {
                output.WriteLine("| " + string.Join(" | ", row.Select(SafeText.ForMarkdown)) + " |");
            }

            output.WriteLine();
        }
    }

    /// <summary>Headers, which columns are numeric, and the cells of every row of a question.</summary>
    internal static (string[] Headers, bool[] Numeric, List<string?[]> Rows) Rows(InvestigationResult result, Question question)
    {
        switch (question)
        {
            case Question.AccessAttempts:
                return (
                    ["instanceId", "interfaceId", "securityGroups", "srcAddr", "accepted", "rejected", "packets", "bytes", "firstSeen", "lastSeen", "scanner", "instanceFrom", "tagFrom"],
                    [false, false, false, false, true, true, true, true, false, false, false, false, false],
                    [.. result.AccessAttempts.Select(a => new string?[] { a.InstanceId, a.InterfaceId, Join(a.SecurityGroups), a.SrcAddr, N(a.Accepted), N(a.Rejected), N(a.Packets), N(a.Bytes), T(a.FirstSeen), T(a.LastSeen), a.Scanner ? "yes" : "no", a.InstanceFrom.ToWireName(), a.TagFrom.ToWireName() })]);
            case Question.RuleChanges:
                return (
                    ["time", "eventName", "change", "groupId", "groupName", "ruleId", "direction", "protocol", "ports", "peer", "opensToWorld", "risks", "actor", "sourceIp", "eventId"],
                    new bool[15],
                    [.. result.RuleChanges.Select(r => new string?[] { T(r.Time), r.EventName, r.Change.ToWireName(), r.GroupId ?? (r.GroupUnresolved ? "(unresolved)" : null), r.GroupName, r.RuleId, r.Direction, r.Protocol, Ports(r.FromPort, r.ToPort), r.Cidr ?? r.ReferencedGroupId ?? r.PrefixListId, r.OpensToWorld ? "yes" : "no", Join(r.Risks), r.Actor, r.SourceIp, r.EventId })]);
            case Question.GroupAttachments:
                return (
                    ["time", "eventName", "interfaceId", "instanceId", "groupsBefore", "groupsAfter", "added", "removed", "actor", "eventId"],
                    new bool[10],
                    [.. result.GroupAttachments.Select(g => new string?[] { T(g.Time), g.EventName, g.InterfaceId, g.InstanceId, Join(g.GroupsBefore), Join(g.GroupsAfter), Join(g.Added), Join(g.Removed), g.Actor, g.EventId })]);
            case Question.UnusedGroups:
                return (
                    ["groupId", "groupName", "status", "ingressRuleIds"],
                    new bool[4],
                    [.. result.UnusedGroups.Select(g => new string?[] { g.GroupId, g.GroupName, g.Status.ToWireName(), Join(g.IngressRuleIds) })]);
            case Question.Exposures:
                // The figures people read first; the JSON has every field (change, source IP, in force from, and the
                // instances, fleets and scanner sources of the also-admitted side).
                return (
                    ["time", "groupId", "ruleId", "protocol", "ports", "peer", "risks", "actor", "inForceTo",
                        "exposed", "exposedScanner", "exposedSources", "exposedScannerSources", "exposedFleets", "exposedInstances", "firstExposed", "lastExposed",
                        "alsoAdmitted", "alsoAdmittedScanner", "alsoAdmittedSources", "eventId"],
                    [false, false, false, false, false, false, false, false, false, true, true, true, true, false, false, false, false, true, true, true, false],
                    [.. result.Exposures.Select(x => new string?[]
                    {
                        T(x.Time), x.GroupId, x.RuleId, x.Protocol, Ports(x.FromPort, x.ToPort), x.Cidr ?? x.ReferencedGroupId ?? x.PrefixListId, Join(x.Risks), x.Actor,
                        x.InForceTo is { } to ? T(to) : null,
                        N(x.Exposed.Records), N(x.Exposed.ScannerRecords), N(x.Exposed.Sources), N(x.Exposed.ScannerSources), Join(x.Exposed.Fleets), Join(x.Exposed.Instances),
                        x.Exposed.FirstAdmitted is { } f ? T(f) : null, x.Exposed.LastAdmitted is { } l ? T(l) : null,
                        N(x.AlsoAdmitted.Records), N(x.AlsoAdmitted.ScannerRecords), N(x.AlsoAdmitted.Sources), x.EventId,
                    })]);
            default:
                return (
                    ["groupId", "ruleId", "protocol", "ports", "peer", "status", "hits", "scannerHits", "distinctSources", "firstUsed", "lastUsed"],
                    [false, false, false, false, false, false, true, true, true, false, false],
                    [.. result.RuleUsage.Select(r => new string?[] { r.GroupId, r.RuleId, r.Protocol, Ports(r.FromPort, r.ToPort), r.Cidr ?? r.ReferencedGroupId ?? r.PrefixListId, r.Status.ToWireName(), N(r.Hits), N(r.ScannerHits), N(r.DistinctSources), r.FirstUsed is { } f ? T(f) : null, r.LastUsed is { } l ? T(l) : null })]);
        }
    }

    private static string N(long n) => n.ToString(CultureInfo.InvariantCulture);

    private static string T(DateTimeOffset t) => FindingsJson.FormatTime(t);

    private static string Join(IEnumerable<string> values) => string.Join(' ', values);

    private static string Ports(int? from, int? to) =>
        from is null && to is null ? "all" : from == to ? $"{from}" : $"{from}-{to}";

    /// <summary>Writes the diagnostics of a run inside a JSON object (question keys, then this), with the evidence gaps of the asked questions.</summary>
    public static void WriteDiagnostics(Utf8JsonWriter writer, IngestDiagnostics diagnostics, Index.IndexStatistics? index, IReadOnlyList<EvidenceGap>? gaps = null)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(diagnostics);
        var extra = new List<KeyValuePair<string, long>>();
        if (index is not null)
        {
            extra.Add(new("cloudTrailEvents", index.EventsRead));
            extra.Add(new("cloudTrailEventsUsed", index.Applied));
            extra.Add(new("cloudTrailEventsIgnored", index.Ignored));
            extra.Add(new("cloudTrailEventsFailed", index.Failed));
            extra.Add(new("cloudTrailDuplicates", index.Duplicates));
        }

        DiagnosticsJson.Write(writer, diagnostics, allFiles: false, extra, gaps);
    }
}
