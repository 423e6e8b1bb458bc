using System.Text.RegularExpressions;
using System.Xml.Linq;
using FlowCorrelator.Queries;
using FlowCorrelator.Reporting;

namespace FlowCorrelator.Tests.Reporting;

/// <summary>The report's SVG charts: well-formed, markers where their times are, log text only escaped in tooltips.</summary>
public sealed class HtmlChartTests
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 2, 0, 0, 0, TimeSpan.Zero);

    [Test]
    public void FleetAttempts_MarkersInRange_AreDrawnInTimeOrderOnTheAxis()
    {
        var activity = new FleetActivity { Buckets = [.. Enumerable.Range(0, 600).Select(m => new FleetActivityBucket(T0.AddMinutes(m), m % 3, 5, m % 2, 1))] };
        ChartMarker[] markers =
        [
            new(T0.AddHours(6), ChartMarkerKind.RuleChange, "world <script>alert(1)</script>", Risky: true),
            new(T0.AddHours(2), ChartMarkerKind.Attachment, "attach \u202Eevil", Risky: false),
            new(T0.AddDays(-1), ChartMarkerKind.RuleChange, "before the data", Risky: false),
        ];

        (string svg, int bin, int drawn) = HtmlChart.FleetAttempts(activity, markers);

        Assert.That(bin, Is.EqualTo(5), "600 minutes in at most 160 bins");
        Assert.That(drawn, Is.EqualTo(2), "the marker before the data is left out");
        XElement root = XElement.Parse(svg);
        XNamespace ns = "http://www.w3.org/2000/svg";
        var groups = root.Descendants(ns + "g").Where(g => ((string?)g.Attribute("class"))?.StartsWith("marker ", StringComparison.Ordinal) == true).ToList();
        Assert.That(groups.Select(g => (string?)g.Attribute("data-time")), Is.EqualTo(new[] { "2026-03-02T02:00:00Z", "2026-03-02T06:00:00Z" }));
        double x2 = double.Parse((string)groups[0].Element(ns + "line")!.Attribute("x1")!, System.Globalization.CultureInfo.InvariantCulture);
        double x6 = double.Parse((string)groups[1].Element(ns + "line")!.Attribute("x1")!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.That(x6, Is.GreaterThan(x2), "later is further right");
        Assert.That(groups[1].Attribute("class")!.Value, Does.Contain("risky"));
        Assert.That(groups[1].Element(ns + "title")!.Value, Is.EqualTo("world <script>alert(1)</script>"), "the tooltip is text (escaped in the markup)");
        Assert.That(svg, Does.Not.Contain("<script"));
        Assert.That(groups[0].Element(ns + "title")!.Value, Is.EqualTo("attach \\u202eevil"));
    }

    [Test]
    public void Intervals_OpenAndClosedRows_OneTooltipGroupEach()
    {
        IntervalRow[] rows =
        [
            new(T0.AddHours(6), T0.AddHours(13), T0.AddHours(6.1), T0.AddHours(12.9), 1171, "sgr-1 <b>world</b>"),
            new(T0.AddHours(20), null, null, null, 0, "sgr-2"),
        ];

        string svg = HtmlChart.Intervals(rows, T0.AddDays(1));

        XElement root = XElement.Parse(svg);
        XNamespace ns = "http://www.w3.org/2000/svg";
        var tips = root.Descendants(ns + "g").Where(g => (string?)g.Attribute("class") == "interval").ToList();
        Assert.That(tips.Select(g => (string?)g.Attribute("data-records")), Is.EqualTo(new[] { "1171", "0" }));
        Assert.That(tips[0].Element(ns + "title")!.Value, Is.EqualTo("sgr-1 <b>world</b>"));
        Assert.That(svg, Does.Not.Contain("<b>"));
        Assert.That(tips[0].Element(ns + "text")!.Value, Is.EqualTo("1,171 admitted"));
        Assert.That(Regex.Count(svg, "#1|#2"), Is.GreaterThanOrEqualTo(2), "rows named by number on the axis");
    }

    [Test]
    public void Intervals_DrawnTwice_SameBytesAndOwnClipIds()
    {
        IntervalRow[] rows = [new(T0.AddHours(6), T0.AddHours(13), T0.AddHours(7), T0.AddHours(8), 3, "sgr-1")];

        string first = HtmlChart.Intervals(rows, T0.AddDays(1));
        string second = HtmlChart.Intervals(rows, T0.AddDays(1));

        Assert.That(second, Is.EqualTo(first), "the canvas's clip-path counter runs on between renders: ids are renumbered");
        Assert.That(first, Does.Contain("id=\"iv-clip-0\"").And.Contain("url(#iv-clip-0)"));
        Assert.That(first, Does.Not.Contain("cl_"));
    }

    [Test]
    public void FleetAttempts_DrawnTwice_SameBytesAndOwnClipIds()
    {
        var activity = new FleetActivity { Buckets = [.. Enumerable.Range(0, 120).Select(m => new FleetActivityBucket(T0.AddMinutes(m), 1, 2, 0, 0))] };

        string first = HtmlChart.FleetAttempts(activity, []).Svg;
        string second = HtmlChart.FleetAttempts(activity, []).Svg;

        Assert.That(second, Is.EqualTo(first), "the canvas's clip-path counter runs on between renders: ids are renumbered");
        Assert.That(first, Does.Contain("id=\"fleet-clip-0\""));
        Assert.That(first, Does.Not.Contain("cl_"));
    }
}
