using System.Globalization;
using System.Text;
using ScottPlot;

namespace FlowCorrelator.Reporting;

/// <summary>One row of an interval chart: a time a rule was in force and when it admitted records.</summary>
/// <param name="From">Start of the interval.</param>
/// <param name="To">End of the interval; null = to the end of the chart (in force at the end of the evidence).</param>
/// <param name="FirstHit">First admitted record, if any.</param>
/// <param name="LastHit">Last admitted record, if any.</param>
/// <param name="Records">Records admitted (drawn as a label).</param>
/// <param name="Label">Plain tooltip text (escaped when written).</param>
internal readonly record struct IntervalRow(DateTimeOffset From, DateTimeOffset? To, DateTimeOffset? FirstHit, DateTimeOffset? LastHit, long Records, string Label);

/// <summary>The interval chart: one horizontal bar per row, its admitted span drawn darker inside it.</summary>
internal static partial class HtmlChart
{
    internal const string IntervalColor = "#d9dee6";
    internal const string AdmittedColor = "#c8323c";

    /// <summary>
    /// Renders rows as horizontal bars (row 1 on top; the y axis names rows by number, as the table below the chart
    /// does, so that no log text goes through the plotting library). <paramref name="end"/> closes open intervals.
    /// Each bar carries an SVG <c>&lt;title&gt;</c> with its label, in a group of class <c>interval</c>.
    /// </summary>
    internal static string Intervals(IReadOnlyList<IntervalRow> rows, DateTimeOffset end)
    {
        ArgumentOutOfRangeException.ThrowIfZero(rows.Count);
        int height = 70 + (rows.Count * 26);
        var plot = new Plot();
        plot.Font.Set("DejaVu Sans");
        var bars = new List<Bar>(rows.Count * 2);
        var ticks = new List<Tick>(rows.Count);
        DateTimeOffset first = rows.Min(r => r.From);
        DateTimeOffset last = Max(end, rows.Max(r => r.To ?? end));
        for (int i = 0; i < rows.Count; i++)
        {
            IntervalRow r = rows[i];
            double y = rows.Count - i;
            bars.Add(new Bar { Position = y, ValueBase = r.From.UtcDateTime.ToOADate(), Value = (r.To ?? last).UtcDateTime.ToOADate(), Size = 0.7, FillColor = Color.FromHex(IntervalColor), LineWidth = 0, Orientation = Orientation.Horizontal });
            if (r.FirstHit is { } hit && r.LastHit is { } lastHit)
            {
                // At least a visible sliver: a single admitted minute would otherwise vanish at day scale.
                double minWidth = (last - first).TotalDays / 300;
                double from = hit.UtcDateTime.ToOADate();
                bars.Add(new Bar { Position = y, ValueBase = from, Value = Math.Max(lastHit.UtcDateTime.ToOADate(), from + minWidth), Size = 0.7, FillColor = Color.FromHex(AdmittedColor), LineWidth = 0, Orientation = Orientation.Horizontal });
            }

            ticks.Add(new Tick(y, "#" + (i + 1).ToString(CultureInfo.InvariantCulture)));
        }

        plot.Add.Bars(bars);
        if (plot.Axes.DateTimeTicksBottom().TickGenerator is ScottPlot.TickGenerators.DateTimeAutomatic dateTicks)
        {
            dateTicks.LabelFormatter = TickFormat(last - first);
        }

        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericManual([.. ticks]);
        plot.Axes.SetLimitsY(0.4, rows.Count + 0.6);
        plot.Axes.SetLimitsX(first.UtcDateTime.ToOADate(), last.UtcDateTime.ToOADate());
        plot.XLabel("time (UTC)");
        string inner = LocalClipIds(plot.GetSvgXml(Width, height), "iv");

        var svg = new StringBuilder(inner.Length + (rows.Count * 200) + 256);
        svg.Append(CultureInfo.InvariantCulture, $"<svg class=\"chart intervals\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {Width} {height}\" role=\"img\" aria-label=\"In-force intervals and admitted records\">");
        int svgStart = inner.IndexOf("<svg", StringComparison.Ordinal);
        svg.Append(inner, svgStart, inner.Length - svgStart);
        // Invisible hit areas over each row, carrying the tooltip: the bars themselves are ScottPlot's.
        svg.Append("<g class=\"interval-tips\">");
        for (int i = 0; i < rows.Count; i++)
        {
            IntervalRow r = rows[i];
            double y = rows.Count - i;
            Pixel a = plot.GetPixel(new Coordinates(r.From.UtcDateTime.ToOADate(), y + 0.35));
            Pixel b = plot.GetPixel(new Coordinates((r.To ?? last).UtcDateTime.ToOADate(), y - 0.35));
            svg.Append(CultureInfo.InvariantCulture, $"<g class=\"interval\" data-row=\"{i + 1}\" data-records=\"{r.Records}\" tabindex=\"0\"><title>")
                .Append(HtmlText.Escape(r.Label)).Append("</title>")
                .Append(CultureInfo.InvariantCulture, $"<rect x=\"{a.X:0.##}\" y=\"{a.Y:0.##}\" width=\"{Math.Max(2, b.X - a.X):0.##}\" height=\"{Math.Max(2, b.Y - a.Y):0.##}\" fill=\"transparent\"/>")
                .Append(CultureInfo.InvariantCulture, $"<text x=\"{Math.Min(b.X + 6, Width - 90):0.##}\" y=\"{((a.Y + b.Y) / 2) + 4:0.##}\" font-size=\"12\" fill=\"#1d2430\">{r.Records:N0} admitted</text></g>");
        }

        svg.Append("</g></svg>");
        return svg.ToString();
    }

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;

    /// <summary>
    /// The SVG canvas numbers clip paths with a counter that runs on across renders (<c>cl_4</c>, then <c>cl_6</c> for
    /// the same chart drawn again), so the same report would differ byte for byte; renumbers them from 0 under
    /// <paramref name="prefix"/>, which also keeps them apart from the other chart's on the page.
    /// </summary>
    internal static string LocalClipIds(string svg, string prefix)
    {
        var ids = new Dictionary<string, string>(StringComparer.Ordinal);
        return ClipId().Replace(svg, m =>
        {
            if (!ids.TryGetValue(m.Value, out string? local))
            {
                ids[m.Value] = local = prefix + "-clip-" + ids.Count.ToString(CultureInfo.InvariantCulture);
            }

            return local;
        });
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"\bcl_[0-9A-Za-z]+\b")]
    private static partial System.Text.RegularExpressions.Regex ClipId();
}
