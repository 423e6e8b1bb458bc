using System.Globalization;
using System.Text;
using FlowCorrelator.Queries;

namespace FlowCorrelator.Reporting;

/// <summary>Question 6 in the report: the in-force interval chart and what each risky change let in.</summary>
public static partial class HtmlReport
{
    /// <summary>
    /// The interval chart of question 6: one bar per row, in the table's first order (bar #n is row n before any
    /// sorting), the admitted span of the records only that rule let in drawn darker inside it.
    /// </summary>
    private static void WriteExposureChart(StringBuilder page, HtmlReportInput input)
    {
        IReadOnlyList<Exposure> rows = input.Result.Exposures;
        if (rows.Count == 0)
        {
            return;
        }

        List<IntervalRow> bars = [.. rows.Select((x, i) => new IntervalRow(
            x.InForceFrom,
            x.InForceTo,
            x.Exposed.FirstAdmitted,
            x.Exposed.LastAdmitted,
            x.Exposed.Records + x.Exposed.ScannerRecords,
            $"#{i + 1} · {x.GroupId}{(input.GroupNames.TryGetValue(x.GroupId, out string? name) ? $" ({name})" : string.Empty)} rule {x.RuleId}: {RuleText(x.Protocol, x.FromPort, x.ToPort, x.Cidr ?? x.ReferencedGroupId ?? x.PrefixListId)} · {x.Change.ToWireName()} {Time(x.Time)} by {x.Actor ?? "?"} · in force to {(x.InForceTo is { } to ? Time(to) : "the end of the evidence")} · {ExposedText(x.Exposed)}"))];
        page.Append("<div class=\"chart-box\">").Append(HtmlChart.Intervals(bars, ChartEnd(input)))
            .Append("<div class=\"legend\"><span><span class=\"sw inforce\"></span>in force</span>")
            .Append("<span><span class=\"sw admitted\"></span>first to last record only this rule admitted</span></div></div>\n");
    }

    /// <summary>Where open intervals end on the chart: the latest time the evidence shows.</summary>
    private static DateTimeOffset ChartEnd(HtmlReportInput input)
    {
        IEnumerable<DateTimeOffset> times = input.Result.Exposures.SelectMany(x => new[]
        {
            x.InForceFrom.AddHours(1), x.InForceTo ?? x.InForceFrom, x.Exposed.LastAdmitted ?? x.InForceFrom, x.AlsoAdmitted.LastAdmitted ?? x.InForceFrom,
        });
        if (input.Trail?.LastEvent is { } lastEvent)
        {
            times = times.Append(lastEvent);
        }

        if (input.Result.FleetActivity is { Buckets.IsEmpty: false } activity)
        {
            times = times.Append(activity.Buckets[^1].Start.AddMinutes(1));
        }

        return times.Max();
    }

    /// <summary>"let in N records from M sources, plus K from J known scanners, that no other rule would have admitted".</summary>
    private static string ExposedText(ExposureFigures f)
    {
        string scanners = $"{Plural(f.ScannerRecords, "record", "records")} from {Plural(f.ScannerSources, "known scanner", "known scanners")}";
        return (f.Records, f.ScannerRecords) switch
        {
            (0, 0) => "let in nothing that no other rule would have admitted",
            (0, _) => $"let in only {scanners} that no other rule would have admitted",
            (_, 0) => $"let in {Plural(f.Records, "record", "records")} from {Plural(f.Sources, "source", "sources")} that no other rule would have admitted",
            _ => $"let in {Plural(f.Records, "record", "records")} from {Plural(f.Sources, "source", "sources")}, plus {scanners}, that no other rule would have admitted",
        };
    }

    /// <summary>The sentence under a riskiest change: what that change's definition let in (question 6).</summary>
    private static void WriteExposureSentence(StringBuilder page, HtmlReportInput input, RuleChange change)
    {
        if (!input.Questions.Contains(Question.Exposures) ||
            input.Result.Exposures.FirstOrDefault(x => x.EventId == change.EventId && x.RuleId == change.RuleId && x.GroupId == change.GroupId) is not { } x)
        {
            return;
        }

        page.Append(" While in force (to ").Append(x.InForceTo is { } to ? Time(to) : "the end of the evidence").Append(") it ")
            .Append(HtmlText.Escape(ExposedText(x.Exposed)));
        if (x.Exposed.Fleets.Length > 0)
        {
            page.Append(", reaching ").Append(HtmlText.Escape(Plural(x.Exposed.Instances.Length, "instance", "instances"))).Append(" of ")
                .Append(HtmlText.Escape(string.Join(", ", x.Exposed.Fleets)));
        }

        long also = x.AlsoAdmitted.Records + x.AlsoAdmitted.ScannerRecords;
        page.Append(also == 0
            ? " (question 6)."
            : string.Create(CultureInfo.InvariantCulture, $"; another rule admitted the other {Plural(also, "record", "records")} it matched from {Plural(x.AlsoAdmitted.Sources + x.AlsoAdmitted.ScannerSources, "source", "sources")} anyway (question 6)."));
    }
}
