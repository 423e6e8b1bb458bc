using System.Globalization;
using System.Text;
using FlowCorrelator.Index;
using FlowCorrelator.Ingest;
using FlowCorrelator.Queries;

namespace FlowCorrelator.Reporting;

/// <summary>The report's top: whether all input was read, the key figures, the riskiest changes, and the chart.</summary>
public static partial class HtmlReport
{
    /// <summary>Rule changes listed by name in the summary; the rest are in question 2's table.</summary>
    private const int RiskiestShown = 5;

    private static void WriteSummary(StringBuilder page, HtmlReportInput input)
    {
        InvestigationResult r = input.Result;
        page.Append("<section id=\"summary\"><h2>Summary</h2>\n");
        WriteInputStatus(page, input);
        page.Append("<div class=\"cards\">");
        if (input.Questions.Contains(Question.AccessAttempts) && r.Query is not null)
        {
            long gotIn = r.AccessAttempts.Where(a => a.Accepted > 0).Select(a => a.SrcAddr).Distinct(StringComparer.Ordinal).LongCount();
            long tried = r.AccessAttempts.Select(a => a.SrcAddr).Distinct(StringComparer.Ordinal).LongCount();
            Card(page, gotIn, gotIn == 1 ? "source got in (ACCEPT) on the fleet's port" : "sources got in (ACCEPT) on the fleet's port", gotIn > 0);
            Card(page, tried, "sources tried in all");
            Card(page, r.AccessAttempts.Sum(a => a.Accepted), "accepted records");
            Card(page, r.AccessAttempts.Sum(a => a.Rejected), "rejected records");
            Card(page, r.AccessAttempts.Where(a => a.Scanner).Select(a => a.SrcAddr).Distinct(StringComparer.Ordinal).LongCount(), "of the sources are known scanners");
        }

        if (input.Questions.Contains(Question.RuleChanges))
        {
            long risky = Riskiest(r).Count;
            Card(page, risky, risky == 1 ? "risky rule change (world, all protocols or admin port)" : "risky rule changes (world, all protocols or admin port)", risky > 0);
            Card(page, r.RuleChanges.Length, "rule changes in all");
        }

        if (input.Questions.Contains(Question.GroupAttachments))
        {
            Card(page, r.GroupAttachments.Length, "group sets replaced after launch");
        }

        if (input.Questions.Contains(Question.UnusedGroups))
        {
            Card(page, r.UnusedGroups.Length, "groups with rules never attached");
        }

        if (input.Questions.Contains(Question.RuleUsage))
        {
            Card(page, r.RuleUsage.Count(u => u.Status == RuleUsageStatus.Unused), "ingress rules of attached groups never used");
        }

        if (input.Questions.Contains(Question.Exposures))
        {
            long exposed = r.Exposures.Where(x => x.Exposed.Records + x.Exposed.ScannerRecords > 0).Select(x => (x.GroupId, x.RuleId, x.EventId)).Distinct().LongCount();
            Card(page, exposed, exposed == 1 ? "risky rule let in traffic no other rule would have" : "risky rules let in traffic no other rule would have", exposed > 0);
        }

        page.Append("</div>\n");
        if (input.Questions.Contains(Question.RuleChanges))
        {
            WriteRiskiest(page, input);
        }

        page.Append("</section>\n");
    }

    private static void Card(StringBuilder page, long n, string label, bool risk = false) =>
        page.Append(risk ? "<div class=\"card risk\">" : "<div class=\"card\">").Append("<span class=\"n\">").Append(N(n)).Append("</span><span class=\"l\">").Append(HtmlText.Escape(label)).Append("</span></div>");

    /// <summary>"All input was read" or what was not, in plain words, from the diagnostics.</summary>
    private static void WriteInputStatus(StringBuilder page, HtmlReportInput input)
    {
        if (input.Diagnostics is not { } d)
        {
            page.Append("<div class=\"status problem\">No read diagnostics were given to this report: it cannot say whether all input was read.</div>\n");
            return;
        }

        IReadOnlyList<FileReport> files = d.Files;
        List<FileReport> bad = [.. files.Where(f => f.HasProblems)];
        var read = new StringBuilder();
        read.Append(CultureInfo.InvariantCulture, $"{Plural(files.Count(f => f.Kind == LogFileKind.FlowLog), "flow-log file", "flow-log files")} ({Plural(files.Where(f => f.Kind == LogFileKind.FlowLog).Sum(f => f.Records), "record", "records")}) and {Plural(files.Count(f => f.Kind == LogFileKind.CloudTrail), "CloudTrail file", "CloudTrail files")}");
        if (input.Trail is { } t)
        {
            read.Append(CultureInfo.InvariantCulture, $" ({Plural(t.EventsRead, "event", "events")}: {N(t.Applied)} used, {N(t.Failed)} failed calls, {N(t.Ignored)} other, {N(t.Duplicates)} duplicates)");
        }

        int snapshots = files.Count(f => f.Kind == LogFileKind.Snapshot);
        if (snapshots > 0)
        {
            read.Append(CultureInfo.InvariantCulture, $" and {Plural(snapshots, "snapshot", "snapshots")}");
        }

        int config = files.Count(f => f.Kind == LogFileKind.AwsConfig);
        if (config > 0)
        {
            read.Append(CultureInfo.InvariantCulture, $" and {Plural(config, "AWS Config file", "AWS Config files")} ({Plural(files.Where(f => f.Kind == LogFileKind.AwsConfig).Sum(f => f.Records), "item", "items")})");
        }

        foreach (EvidenceGap gap in input.Gaps)
        {
            page.Append("<div class=\"status problem\"><strong>Missing evidence:</strong> ").Append(HtmlText.Escape(gap.Message)).Append("</div>\n");
        }

        if (bad.Count == 0 && input.Gaps.Count == 0)
        {
            page.Append("<div class=\"status ok\"><strong>All input was read.</strong> ").Append(read).Append(".</div>\n");
        }
        else if (bad.Count == 0)
        {
            page.Append("<div class=\"status problem\">Every file given was read, but the evidence above is missing. Read ").Append(read).Append(".</div>\n");
        }
        else
        {
            page.Append("<div class=\"status problem\"><strong>Not all input could be read:</strong> ")
                .Append(Plural(bad.Count, "file", "files")).Append(" had problems (").Append(Plural(bad.Sum(f => f.Malformed), "malformed line or record", "malformed lines or records"))
                .Append(bad.Any(f => f.FatalError is not null) ? $", {Plural(bad.Count(f => f.FatalError is not null), "file", "files")} stopped early" : string.Empty)
                .Append("); the answers cover the rest. Read ").Append(read).Append(". See <a href=\"#diagnostics\">Diagnostics</a>.</div>\n");
        }

        if (d.RecordsOnUnknownInterfaces > 0 || d.RecordsOutsideWindow > 0)
        {
            page.Append("<p class=\"lead\">Not linked by the evidence: ").Append(Plural(d.RecordsOnUnknownInterfaces, "record", "records"))
                .Append(" on interfaces the CloudTrail/snapshot evidence does not know at their time (only their own <code>instance-id</code> can attribute them); ").Append(Plural(d.RecordsOutsideWindow, "record", "records")).Append(" outside the time window.</p>\n");
        }

        AttributionCounts a = d.Attribution;
        if (a.ByInstanceId > 0 || a.ByTagField > 0)
        {
            page.Append("<p class=\"lead\">Attributed by the flow records themselves: ").Append(Plural(a.ByInstanceId, "record", "records"))
                .Append(" by their <code>instance-id</code> (no attachment known), ").Append(Plural(a.ByTagField, "record", "records"))
                .Append(" by a tag field (no tag of the instance known).</p>\n");
        }

        if (a.InstanceIdConflicts > 0 || a.TagFieldConflicts > 0)
        {
            page.Append("<div class=\"status problem\">The flow records and the CloudTrail/snapshot evidence disagree on ")
                .Append(Plural(a.InstanceIdConflicts, "record's instance", "records' instance")).Append(" and ")
                .Append(Plural(a.TagFieldConflicts, "record's tags", "records' tags")).Append("; the evidence was kept. See <a href=\"#diagnostics\">Diagnostics</a>.</div>\n");
        }
    }

    /// <summary>
    /// Ingress rules that a change made risky, riskiest first: world-open admin ports, then world-open, then by the
    /// number of risk labels, then by the records the rule matched over its life (question 5; a rule of a group never
    /// attached matched none), then by time.
    /// </summary>
    internal static List<RuleChange> Riskiest(InvestigationResult result) =>
        [.. result.RuleChanges
            .Where(c => c.Direction == "ingress" && c.Change != RuleChangeKind.Removed && c.Risks.Length > 0)
            .OrderByDescending(c => (c.OpensToWorld ? 4 : 0) + (c.Risks.Any(IsAdminPort) ? 2 : 0) + (c.Risks.Contains("all-protocols") ? 2 : 0))
            .ThenByDescending(c => c.Risks.Length)
            .ThenByDescending(c => Usage(result, c) is { } u ? u.Hits + u.ScannerHits : -1)
            .ThenBy(c => c.Time)
            .ThenBy(c => c.EventId, StringComparer.Ordinal)];

    private static RuleUsage? Usage(InvestigationResult result, RuleChange change) =>
        result.RuleUsage.FirstOrDefault(u => u.RuleId == change.RuleId && u.GroupId == change.GroupId);

    private static bool IsAdminPort(string risk) => risk.StartsWith("admin-port", StringComparison.Ordinal);

    private static void WriteRiskiest(StringBuilder page, HtmlReportInput input)
    {
        InvestigationResult r = input.Result;
        List<RuleChange> risky = Riskiest(r);
        page.Append("<h3>Riskiest changes first</h3>\n");
        if (risky.Count == 0)
        {
            page.Append("<p class=\"lead\">No successful change opened an ingress rule to the world, to all protocols or on an admin port.</p>\n");
            return;
        }

        page.Append("<ul class=\"findings\">\n");
        foreach (RuleChange c in risky.Take(RiskiestShown))
        {
            page.Append("<li><strong>").Append(Time(c.Time)).Append("</strong> — ").Append(HtmlText.Escape(c.Actor ?? "an unknown actor"));
            if (c.SourceIp is { } ip)
            {
                page.Append(" (from ").Append(HtmlText.Escape(ip)).Append(')');
            }

            page.Append(c.Change == RuleChangeKind.Modified ? " changed" : " added").Append(" ingress rule <code>").Append(HtmlText.Escape(c.RuleId ?? "(no id)")).Append("</code> on ")
                .Append(c.GroupId is null ? "a group named <code>" + HtmlText.Escape(c.GroupName ?? "?") + "</code> that the evidence cannot identify" : Group(input, c.GroupId)).Append(": ").Append(HtmlText.Escape(RuleText(c.Protocol, c.FromPort, c.ToPort, c.Cidr ?? c.ReferencedGroupId ?? c.PrefixListId))).Append(' ');
            foreach (string risk in c.Risks)
            {
                page.Append("<span class=\"badge risk\">").Append(HtmlText.Escape(risk)).Append("</span>");
            }

            page.Append(" <span class=\"badge\">").Append(HtmlText.Escape(c.EventName)).Append("</span>. ");
            RuleChange? next = r.RuleChanges.FirstOrDefault(n => n.GroupId == c.GroupId && n.RuleId is not null && n.RuleId == c.RuleId && n.Time > c.Time);
            page.Append(next is null
                ? "No later change of this rule in the evidence."
                : $"Next change: {next.Change.ToWireName()} at {Time(next.Time)} by {HtmlText.Escape(next.Actor ?? "an unknown actor")}.");
            if (Usage(r, c) is { } usage)
            {
                page.Append(CultureInfo.InvariantCulture, $" Over its whole life the rule matched {Plural(usage.Hits, "accepted record", "accepted records")} from {Plural(usage.DistinctSources, "source", "sources")}, plus {N(usage.ScannerHits)} from known scanners (question 5).");
            }

            else if (r.UnusedGroups.Any(g => g.GroupId == c.GroupId))
            {
                page.Append(" Its group was never attached to an interface (question 4).");
            }

            WriteExposureSentence(page, input, c);

            page.Append("</li>\n");
        }

        page.Append("</ul>\n");
        if (risky.Count > RiskiestShown)
        {
            page.Append("<p class=\"lead\">").Append(Plural(risky.Count - RiskiestShown, "more risky change is", "more risky changes are")).Append(" highlighted in <a href=\"#").Append(SectionId(Question.RuleChanges)).Append("\">question 2</a>.</p>\n");
        }
    }

    /// <summary>"sg-… (name)", escaped.</summary>
    private static string Group(HtmlReportInput input, string groupId) =>
        "<code>" + HtmlText.Escape(groupId) + "</code>" + (input.GroupNames.TryGetValue(groupId, out string? name) ? " (" + HtmlText.Escape(name) + ")" : string.Empty);

    private static string RuleText(string protocol, int? from, int? to, string? peer) =>
        (protocol == "-1" ? "all protocols" : from is null ? protocol : from == to ? $"{protocol}/{from}" : $"{protocol}/{from}-{to}") + " from " + (peer ?? "?");

    /// <summary>The fleet's groups, interfaces and instances: everything question 1's rows name.</summary>
    internal static (HashSet<string> Groups, HashSet<string> Interfaces, HashSet<string> Instances) Fleet(InvestigationResult result) =>
        ([.. result.AccessAttempts.SelectMany(a => a.SecurityGroups)],
         [.. result.AccessAttempts.Select(a => a.InterfaceId)],
         [.. result.AccessAttempts.Select(a => a.InstanceId)]);

    /// <summary>
    /// The chart's markers: every rule change of a fleet group, and every replacement of group sets on a fleet
    /// interface or instance or that adds or removes a fleet group.
    /// </summary>
    internal static List<ChartMarker> Markers(HtmlReportInput input)
    {
        InvestigationResult r = input.Result;
        (HashSet<string> groups, HashSet<string> interfaces, HashSet<string> instances) = Fleet(r);
        var markers = new List<ChartMarker>();
        foreach (RuleChange c in r.RuleChanges.Where(c => c.GroupId is not null && groups.Contains(c.GroupId)))
        {
            string label = $"{Time(c.Time)} · {c.EventName}: {c.Change.ToWireName()} {c.Direction} rule {c.RuleId ?? "(no id)"} on {c.GroupId}{(input.GroupNames.TryGetValue(c.GroupId!, out string? name) ? $" ({name})" : string.Empty)}: {RuleText(c.Protocol, c.FromPort, c.ToPort, c.Cidr ?? c.ReferencedGroupId ?? c.PrefixListId)}{(c.Risks.IsEmpty ? string.Empty : " · " + string.Join(' ', c.Risks))} · by {c.Actor ?? "?"}{(c.SourceIp is null ? string.Empty : $" from {c.SourceIp}")}";
            markers.Add(new ChartMarker(c.Time, ChartMarkerKind.RuleChange, label, c.Change != RuleChangeKind.Removed && c.Direction == "ingress" && !c.Risks.IsEmpty));
        }

        foreach (GroupAttachment a in r.GroupAttachments.Where(a =>
            (a.InterfaceId is not null && interfaces.Contains(a.InterfaceId)) || (a.InstanceId is not null && instances.Contains(a.InstanceId)) ||
            a.Added.Any(groups.Contains) || a.Removed.Any(groups.Contains)))
        {
            string label = $"{Time(a.Time)} · {a.EventName} on {a.InterfaceId ?? "?"}{(a.InstanceId is null ? string.Empty : $" ({a.InstanceId})")}: groups {(a.GroupsBeforeUnknown ? "(unknown before)" : string.Join(' ', a.GroupsBefore))} → {string.Join(' ', a.GroupsAfter)} · by {a.Actor ?? "?"}";
            markers.Add(new ChartMarker(a.Time, ChartMarkerKind.Attachment, label, Risky: false));
        }

        return [.. markers.OrderBy(m => m.Time)];
    }

    private static void WriteChart(StringBuilder page, HtmlReportInput input)
    {
        if (input.Result.FleetActivity is not { } activity || input.Result.Query is not { } q)
        {
            return;
        }

        page.Append("<section id=\"fleet-chart\" class=\"rows\"><h2>Attempts on the fleet over time</h2>\n");
        if (activity.Buckets.IsEmpty)
        {
            page.Append("<p class=\"empty\">No flow record reached the fleet on this port.</p></section>\n");
            return;
        }

        List<ChartMarker> markers = Markers(input);
        (string svg, int binMinutes, int drawn) = HtmlChart.FleetAttempts(activity, markers);
        page.Append("<p class=\"lead\">Question 1's records (").Append(HtmlText.Escape($"{q.TagKey}={q.TagValue}")).Append(", ")
            .Append(HtmlText.Escape($"{SecurityGroupRuleSpec.ProtocolName(q.Protocol)}/{q.Port}")).Append(") per ").Append(HtmlChart.BinLabel(binMinutes))
            .Append(" by record start, stacked: accepted and rejected, known scanners apart. Markers: rule changes of the fleet's groups (red when the change made an ingress rule risky) and group attachments on the fleet; hover one for what it is. ")
            .Append(Plural(drawn, "marker is", "markers are")).Append(" in the chart's time range")
            .Append(markers.Count > drawn ? $"; {Plural(markers.Count - drawn, "is", "are")} outside it and listed below only" : string.Empty).Append(".</p>\n");
        page.Append("<div class=\"chart-box\">").Append(svg).Append("<div class=\"legend\">")
            .Append(Swatch("acc", "accepted")).Append(Swatch("sacc", "accepted, known scanners"))
            .Append(Swatch("rej", "rejected")).Append(Swatch("srej", "rejected, known scanners"))
            .Append("<span><span class=\"ln risky\"></span>risky rule change</span>")
            .Append("<span><span class=\"ln change\"></span>other rule change</span>")
            .Append("<span><span class=\"ln attachment\"></span>group attachment</span>")
            .Append("</div></div>\n");
        page.Append("<h3>Markers</h3>\n");
        WriteTable(page, "markers", ["time", "kind", "what"], [false, false, false],
            [.. markers.Select(m => new string?[] { FindingsJson.FormatTime(m.Time), m.Kind == ChartMarkerKind.RuleChange ? (m.Risky ? "risky rule change" : "rule change") : "attachment", m.Label })],
            (i, _) => markers[i].Risky ? "hl" : null);
        page.Append("</section>\n");
    }

    private static string Swatch(string series, string label) =>
        $"<span><span class=\"sw {series}\"></span>{HtmlText.Escape(label)}</span>";
}
