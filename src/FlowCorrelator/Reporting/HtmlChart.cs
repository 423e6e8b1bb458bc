using System.Globalization;
using System.Text;
using FlowCorrelator.Queries;
using ScottPlot;

namespace FlowCorrelator.Reporting;

/// <summary>What a chart marker stands for.</summary>
internal enum ChartMarkerKind
{
    /// <summary>A rule of one of the fleet's groups was added, removed or modified.</summary>
    RuleChange,

    /// <summary>Groups of a fleet interface were replaced, or a fleet group was attached elsewhere.</summary>
    Attachment,
}

/// <summary>A vertical marker on the fleet chart.</summary>
/// <param name="Time">When.</param>
/// <param name="Kind">What.</param>
/// <param name="Label">Plain text shown as the marker's tooltip (escaped when written).</param>
/// <param name="Risky">Whether the change made the rule risky (drawn in red).</param>
internal readonly record struct ChartMarker(DateTimeOffset Time, ChartMarkerKind Kind, string Label, bool Risky);

/// <summary>
/// The fleet's attempts over time as inline SVG: ScottPlot draws the stacked bars and the axes (it renders SVG
/// through SkiaSharp's SVG canvas, headless, no display or GPU needed); the markers are drawn over it here, as SVG
/// groups with a class, a <c>data-time</c> and a <c>&lt;title&gt;</c> tooltip, so that the browser shows what each
/// one is and a test can find them. Only fixed labels go into ScottPlot; log text goes only into the escaped tooltips.
/// </summary>
internal static partial class HtmlChart
{
    /// <summary>Series colours; the page's legend uses the same.</summary>
    internal const string AcceptedColor = "#c8323c";
    internal const string RejectedColor = "#7d8ca3";
    internal const string ScannerAcceptedColor = "#f0a530";
    internal const string ScannerRejectedColor = "#cfd6df";

    /// <summary>The legend's swatches in the page's style sheet, from the same constants as the bars.</summary>
    internal static string LegendCss =>
        $".legend .sw.acc{{background:{AcceptedColor}}}.legend .sw.sacc{{background:{ScannerAcceptedColor}}}.legend .sw.rej{{background:{RejectedColor}}}.legend .sw.srej{{background:{ScannerRejectedColor}}}\n";

    private const int Width = 1160;
    private const int Height = 340;

    /// <summary>Bin widths tried, in minutes: the first that gives at most <see cref="MaxBins"/> bins is used.</summary>
    private static readonly int[] BinMinutes = [1, 2, 5, 10, 15, 30, 60, 120, 180, 360, 720, 1440, 2880, 10080];
    private const int MaxBins = 160;

    /// <summary>Picks the bin width (minutes) for a time span.</summary>
    internal static int BinWidthMinutes(TimeSpan span)
    {
        foreach (int m in BinMinutes)
        {
            if (span.TotalMinutes / m <= MaxBins)
            {
                return m;
            }
        }

        return BinMinutes[^1];
    }

    /// <summary>The activity re-binned to <paramref name="binMinutes"/>-minute bins aligned on the epoch.</summary>
    internal static List<FleetActivityBucket> Rebin(FleetActivity activity, int binMinutes)
    {
        long width = binMinutes * 60L;
        var bins = new List<FleetActivityBucket>();
        foreach (FleetActivityBucket b in activity.Buckets)
        {
            long s = b.Start.ToUnixTimeSeconds();
            long start = s - (((s % width) + width) % width);
            if (bins.Count > 0 && bins[^1].Start.ToUnixTimeSeconds() == start)
            {
                FleetActivityBucket last = bins[^1];
                bins[^1] = last with
                {
                    Accepted = last.Accepted + b.Accepted,
                    Rejected = last.Rejected + b.Rejected,
                    ScannerAccepted = last.ScannerAccepted + b.ScannerAccepted,
                    ScannerRejected = last.ScannerRejected + b.ScannerRejected,
                };
            }
            else
            {
                bins.Add(b with { Start = DateTimeOffset.FromUnixTimeSeconds(start) });
            }
        }

        return bins;
    }

    /// <summary>
    /// Renders the chart. Markers outside the data's time range are left out (the page lists every change in its
    /// tables); returns the SVG and how many markers were drawn.
    /// </summary>
    internal static (string Svg, int BinMinutes, int MarkersDrawn) FleetAttempts(FleetActivity activity, IReadOnlyList<ChartMarker> markers)
    {
        if (activity.Buckets.IsEmpty)
        {
            throw new ArgumentException("no activity to draw", nameof(activity));
        }

        DateTimeOffset first = activity.Buckets[0].Start;
        DateTimeOffset last = activity.Buckets[^1].Start.AddSeconds(FleetActivity.BucketSeconds);
        int binMinutes = BinWidthMinutes(last - first);
        List<FleetActivityBucket> bins = Rebin(activity, binMinutes);
        double binDays = binMinutes / 1440.0;

        var plot = new Plot();
        plot.Font.Set("DejaVu Sans");
        var bars = new List<Bar>(bins.Count * 4);
        foreach (FleetActivityBucket b in bins)
        {
            double x = b.Start.UtcDateTime.ToOADate() + (binDays / 2);
            double y = 0;
            Stack(bars, x, binDays, ref y, b.Accepted, AcceptedColor);
            Stack(bars, x, binDays, ref y, b.ScannerAccepted, ScannerAcceptedColor);
            Stack(bars, x, binDays, ref y, b.Rejected, RejectedColor);
            Stack(bars, x, binDays, ref y, b.ScannerRejected, ScannerRejectedColor);
        }

        plot.Add.Bars(bars);
        // ISO-like labels: the default is the machine's culture (03/02/2026 reads differently on each side of the Atlantic).
        if (plot.Axes.DateTimeTicksBottom().TickGenerator is ScottPlot.TickGenerators.DateTimeAutomatic ticks)
        {
            ticks.LabelFormatter = TickFormat(last - first);
        }

        plot.Axes.SetLimitsX(first.UtcDateTime.ToOADate(), last.UtcDateTime.AddMinutes(binMinutes).ToOADate());
        plot.Axes.Margins(bottom: 0);
        plot.YLabel(string.Create(CultureInfo.InvariantCulture, $"records per {BinLabel(binMinutes)}"));
        plot.XLabel("time (UTC)");
        string inner = LocalClipIds(plot.GetSvgXml(Width, Height), "fleet");
        PixelRect area = plot.RenderManager.LastRender.DataRect;

        var svg = new StringBuilder(inner.Length + (markers.Count * 300) + 512);
        svg.Append(CultureInfo.InvariantCulture, $"<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {Width} {Height}\" role=\"img\" aria-label=\"Fleet attempts over time with rule-change and attachment markers\">");
        // ScottPlot writes a whole document: drop the XML declaration and nest its <svg> element as is.
        int svgStart = inner.IndexOf("<svg", StringComparison.Ordinal);
        svg.Append(inner, svgStart, inner.Length - svgStart);
        svg.Append("<g class=\"markers\">");
        int drawn = 0;
        double from = first.UtcDateTime.ToOADate();
        double to = last.UtcDateTime.AddMinutes(binMinutes).ToOADate();
        foreach (ChartMarker m in markers.OrderBy(m => m.Time))
        {
            double t = m.Time.UtcDateTime.ToOADate();
            if (t < from || t > to)
            {
                continue;
            }

            float px = plot.GetPixel(new Coordinates(t, 0)).X;
            string kind = m.Kind == ChartMarkerKind.RuleChange ? "rule-change" : "attachment";
            svg.Append(CultureInfo.InvariantCulture, $"<g class=\"marker {kind}{(m.Risky ? " risky" : string.Empty)}\" data-kind=\"{kind}\" data-time=\"{FindingsJson.FormatTime(m.Time)}\" tabindex=\"0\">");
            svg.Append("<title>").Append(HtmlText.Escape(m.Label)).Append("</title>");
            svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{px:0.##}\" y1=\"{area.Top:0.##}\" x2=\"{px:0.##}\" y2=\"{area.Bottom:0.##}\"/>");
            // A head above the plot area: a triangle for rule changes, a diamond for attachments.
            string head = m.Kind == ChartMarkerKind.RuleChange
                ? string.Create(CultureInfo.InvariantCulture, $"M{px - 6:0.##} {area.Top - 10:0.##}h12l-6 9z")
                : string.Create(CultureInfo.InvariantCulture, $"M{px:0.##} {area.Top - 12:0.##}l6 6-6 6-6-6z");
            svg.Append("<path d=\"").Append(head).Append("\"/></g>");
            drawn++;
        }

        svg.Append("</g></svg>");
        return (svg.ToString(), binMinutes, drawn);
    }

    /// <summary>
    /// Time labels: the date at midnight, else the time, with seconds when the span is under an hour (ticks then
    /// fall within minutes and would all read the same).
    /// </summary>
    internal static Func<DateTime, string> TickFormat(TimeSpan span)
    {
        string time = span < TimeSpan.FromHours(1) ? "HH:mm:ss" : "HH:mm";
        return t => t.ToString(t.TimeOfDay == TimeSpan.Zero ? "yyyy-MM-dd" : time, CultureInfo.InvariantCulture);
    }

    /// <summary>"5 min", "1 h", "1 day".</summary>
    internal static string BinLabel(int minutes) => minutes switch
    {
        < 60 => $"{minutes} min",
        < 1440 => $"{minutes / 60} h",
        1440 => "day",
        _ => $"{minutes / 1440} days",
    };

    private static void Stack(List<Bar> bars, double x, double binDays, ref double y, long value, string color)
    {
        if (value <= 0)
        {
            return;
        }

        bars.Add(new Bar
        {
            Position = x,
            ValueBase = y,
            Value = y + value,
            Size = binDays * 0.9,
            FillColor = Color.FromHex(color),
            LineWidth = 0,
        });
        y += value;
    }
}
