using System.Globalization;
using FlowCorrelator.Queries;
using FlowCorrelator.Reporting;
using FlowCorrelator.Tests.Hostile;
using FlowCorrelator.Tests.Reporting;
using FlowCorrelator.Tests.TruthChecks;
using Microsoft.Playwright;

namespace FlowCorrelator.Tests.Browser;

/// <summary>
/// The demo's HTML report opened from disk in real headless Chromium with the network cut: it renders without
/// console errors, every section is there with every row, tables sort, filter and page, the chart has its markers,
/// and log text never runs. A screenshot goes to the test output (and, with FLOWCORRELATOR_SCREENSHOT=PATH, to PATH:
/// that is how docs/demo-report.png is made).
/// </summary>
[NonParallelizable]
public sealed class HtmlReportBrowserTests
{
    private const string Access = "#q-accessAttempts";
    private ChromiumSession _browser = null!;
    private string _work = null!;
    private string _report = null!;
    private InvestigationResult _expected = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        ChromiumSession.RequireChromium();
        _work = Path.Combine(TestContext.CurrentContext.WorkDirectory, "browser");
        Directory.CreateDirectory(_work);
        _report = Path.Combine(_work, "demo-report.html");
        (int exit, _, string stderr) = await CorpusTests.RunAsync(["demo", "--report", _report]);
        Assert.That(exit, Is.Zero, stderr);
        _expected = FindingsJson.Deserialize(File.ReadAllText(Path.Combine(TruthCheckTests.RepositoryRoot(), "samples", "demo", "expected.json")));
        _browser = await ChromiumSession.StartAsync(1400, 1500);
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        if (_browser is not null)
        {
            await _browser.DisposeAsync();
        }
    }

    [SetUp]
    public async Task OpenAsync()
    {
        _browser.ConsoleErrors.Clear();
        _browser.BlockedRequests.Clear();
        await _browser.OpenAsync(_report);
    }

    [Test]
    public async Task DemoReport_Opened_RendersEverySectionWithoutConsoleErrorsOrRequests()
    {
        foreach (string id in new[] { "summary", "fleet-chart", "q-accessAttempts", "q-ruleChanges", "q-groupAttachments", "q-unusedGroups", "q-ruleUsage", "q-exposures", "diagnostics" })
        {
            Assert.That(await _browser.Page.Locator("#" + id).IsVisibleAsync(), Is.True, id);
        }

        Assert.That(await _browser.Page.Locator("#summary .status.ok").InnerTextAsync(), Does.StartWith("All input was read."));
        string path = Path.Combine(_work, "demo-report.png");
        await _browser.Page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        TestContext.AddTestAttachment(path, "the demo's report, whole page");
        if (Environment.GetEnvironmentVariable("FLOWCORRELATOR_SCREENSHOT") is { Length: > 0 } readme)
        {
            // The README's picture: the top of the page (summary and chart) at the viewport's size.
            await _browser.Page.ScreenshotAsync(new PageScreenshotOptions { Path = readme });
        }

        Assert.That(new FileInfo(path).Length, Is.GreaterThan(50_000), "a real picture");
        Assert.That(_browser.ConsoleErrors, Is.Empty, "no console errors (CSP violations included)");
        Assert.That(_browser.BlockedRequests, Is.Empty, "the page asks for nothing off the disk");
    }

    [Test]
    public async Task DemoReport_EveryTable_HoldsEveryRow()
    {
        Assert.That(await RowCount("#q-accessAttempts"), Is.EqualTo(_expected.AccessAttempts.Length));
        Assert.That(await RowCount("#q-ruleChanges"), Is.EqualTo(_expected.RuleChanges.Length));
        Assert.That(await RowCount("#q-groupAttachments"), Is.EqualTo(_expected.GroupAttachments.Length));
        Assert.That(await RowCount("#q-unusedGroups"), Is.EqualTo(_expected.UnusedGroups.Length));
        Assert.That(await RowCount("#q-ruleUsage"), Is.EqualTo(_expected.RuleUsage.Length));
        Assert.That(await RowCount("#q-exposures"), Is.EqualTo(_expected.Exposures.Length));
        Assert.That(await _browser.Page.Locator("#q-unusedGroups .pager").IsVisibleAsync(), Is.False, "one page: no pager");
        Assert.That(await _browser.Page.Locator("#q-unusedGroups input.filter").IsVisibleAsync(), Is.True, "the script shows the filter");
    }

    [Test]
    public async Task AccessTable_ClickOnAccepted_SortsDescendingThenAscending()
    {
        ILocator header = _browser.Page.Locator($"{Access} th", new PageLocatorOptions { HasText = "accepted" }).Locator("button");

        await header.ClickAsync();
        long[] descending = await VisibleNumbers(Access, 4);
        Assert.That(await _browser.Page.Locator($"{Access} th.num").First.GetAttributeAsync("aria-sort"), Is.EqualTo("descending"));
        Assert.That(descending, Is.Ordered.Descending);
        Assert.That(descending[0], Is.EqualTo(_expected.AccessAttempts.Max(a => a.Accepted)));

        await header.ClickAsync();
        long[] ascending = await VisibleNumbers(Access, 4);
        Assert.That(ascending, Is.Ordered.Ascending);
        Assert.That(ascending[0], Is.EqualTo(_expected.AccessAttempts.Min(a => a.Accepted)));
        Assert.That(_browser.ConsoleErrors, Is.Empty);
    }

    [Test]
    public async Task AccessTable_LargerThanAPage_IsPagedNotCut()
    {
        int total = _expected.AccessAttempts.Length;
        Assume.That(total, Is.GreaterThan(200), "the demo has more than two pages of sources");
        ILocator pager = _browser.Page.Locator($"{Access} .pager");

        Assert.That(await pager.IsVisibleAsync(), Is.True);
        Assert.That(await pager.Locator(".where").InnerTextAsync(), Is.EqualTo($"rows 1\u2013100 of {total}"));
        Assert.That(await VisibleRows(Access), Is.EqualTo(100));
        await pager.Locator("button.next").ClickAsync();
        Assert.That(await pager.Locator(".where").InnerTextAsync(), Is.EqualTo($"rows 101\u2013200 of {total}"));
        Assert.That(await VisibleRows(Access), Is.EqualTo(100));
    }

    [Test]
    public async Task AccessTable_Filter_ShowsOnlyMatchingRows()
    {
        string source = _expected.AccessAttempts.First(a => a.Accepted > 0).SrcAddr;
        int matching = _expected.AccessAttempts.Count(a => a.SrcAddr.Contains(source, StringComparison.Ordinal));

        await _browser.Page.Locator($"{Access} input.filter").FillAsync(source);

        Assert.That(await VisibleRows(Access), Is.EqualTo(Math.Min(matching, 100)));
        Assert.That(await _browser.Page.Locator($"{Access} .shown").InnerTextAsync(), Is.EqualTo($"{matching} of {_expected.AccessAttempts.Length} rows match"));
        string[] cells = await _browser.Page.EvalOnSelectorAsync<string[]>($"{Access} tbody", "b => Array.from(b.rows).filter(r => !r.hidden).map(r => r.textContent)");
        Assert.That(cells, Has.All.Contain(source));
    }

    [Test]
    public async Task Chart_HasBarsAndItsMarkers()
    {
        ILocator markers = _browser.Page.Locator("#fleet-chart svg.chart g.marker");
        int expectedMarkers = HtmlReport.Markers(new HtmlReportInput { Result = _expected }).Count;

        int drawn = await markers.CountAsync();
        Assert.That(drawn, Is.GreaterThan(0).And.LessThanOrEqualTo(expectedMarkers));
        ILocator worldSsh = _browser.Page.Locator("#fleet-chart g.marker.rule-change.risky[data-time='2026-03-02T06:00:30Z']");
        Assert.That(await worldSsh.CountAsync(), Is.EqualTo(1), "the world-open SSH rule of 06:00");
        Assert.That(await worldSsh.Locator("title").TextContentAsync(), Does.Contain("0.0.0.0/0").And.Contain("tcp/22").And.Contain("dev-intern"));
        Assert.That(await _browser.Page.Locator("#fleet-chart g.marker.rule-change[data-time='2026-03-02T13:12:30Z']").CountAsync(), Is.EqualTo(1), "its revoke");
        Assert.That(await _browser.Page.Locator("#fleet-chart g.marker.attachment").CountAsync(), Is.GreaterThan(0));

        // Drawn inside the plot: the marker's box lies within the chart's box, and the bars are there.
        LocatorBoundingBoxResult chart = (await _browser.Page.Locator("#fleet-chart svg.chart").BoundingBoxAsync())!;
        LocatorBoundingBoxResult line = (await worldSsh.Locator("line").BoundingBoxAsync())!;
        Assert.That(line.X, Is.InRange(chart.X, chart.X + chart.Width));
        Assert.That(line.Height, Is.GreaterThan(chart.Height / 2));
        Assert.That(await _browser.Page.Locator("#fleet-chart svg.chart svg path, #fleet-chart svg.chart svg rect").CountAsync(), Is.GreaterThan(20));
    }

    [Test]
    public async Task ExposureSection_HasOneIntervalPerRow_AndTheWorldSshRulesAdmittedSpan()
    {
        ILocator section = _browser.Page.Locator("#q-exposures");
        ILocator intervals = section.Locator("svg.chart.intervals g.interval");
        Assert.That(await intervals.CountAsync(), Is.EqualTo(_expected.Exposures.Length), "one bar per row");

        // The story's world-open SSH rule: bar #n is row n of the table in its first order.
        int index = _expected.Exposures.IndexOf(_expected.Exposures.Single(x => x.Cidr == "0.0.0.0/0" && x.FromPort == 22 && x.Time == new DateTimeOffset(2026, 3, 2, 6, 0, 30, TimeSpan.Zero)));
        Exposure ssh = _expected.Exposures[index];
        ILocator bar = section.Locator($"g.interval[data-row='{index + 1}']");
        Assert.That(await bar.GetAttributeAsync("data-records"), Is.EqualTo((ssh.Exposed.Records + ssh.Exposed.ScannerRecords).ToString(CultureInfo.InvariantCulture)));
        string title = (await bar.Locator("title").TextContentAsync())!;
        Assert.That(title, Does.Contain("tcp/22 from 0.0.0.0/0").And.Contain("dev-intern").And.Contain("2026-03-02 13:12:30 UTC")
            .And.Contain($"let in {ssh.Exposed.Records:N0} records from {ssh.Exposed.Sources:N0} sources"));
        string cells = await section.Locator("table.data tbody tr").Nth(index).InnerTextAsync();
        Assert.That(cells, Does.Contain(ssh.RuleId).And.Contain(ssh.Exposed.Records.ToString(CultureInfo.InvariantCulture)));
        Assert.That(await section.Locator("table.data tbody tr").Nth(index).GetAttributeAsync("class"), Is.EqualTo("hl"), "it let something in");

        // Drawn inside the chart, and the summary says what the change let in.
        LocatorBoundingBoxResult chart = (await section.Locator("svg.chart.intervals").BoundingBoxAsync())!;
        LocatorBoundingBoxResult box = (await bar.Locator("rect").BoundingBoxAsync())!;
        Assert.That(box.X, Is.InRange(chart.X, chart.X + chart.Width));
        Assert.That(box.Y, Is.InRange(chart.Y, chart.Y + chart.Height));
        Assert.That(box.Width, Is.GreaterThan(10), "seven hours of a day's chart");
        Assert.That(await _browser.Page.Locator("#summary ul.findings").InnerTextAsync(), Does.Contain($"let in {ssh.Exposed.Records:N0} records from {ssh.Exposed.Sources:N0} sources"));
        Assert.That(_browser.ConsoleErrors, Is.Empty);
        await section.ScreenshotAsync(new LocatorScreenshotOptions { Path = Path.Combine(_work, "demo-exposures.png") });
    }

    [Test]
    public async Task HostileReport_Opened_NoLogTextRunsOrBecomesMarkup()
    {
        using var dir = new CorpusTests.TempDir();
        SafeOutputTests.WriteWorld(dir);
        HostileHtmlWorld.Write(dir);
        string path = Path.Combine(_work, "hostile-report.html");
        (_, _, string stderr) = await CorpusTests.RunAsync(["investigate", dir.Path, "--tag", "Name=web", "--port", "22", "--report", path]);
        Assert.That(File.Exists(path), Is.True, stderr);

        await _browser.OpenAsync(path);
        await _browser.Page.HoverAsync("#q-ruleChanges table.data tbody tr");

        Assert.That(await _browser.Page.EvaluateAsync<bool>("() => window.__pwned === undefined"), Is.True, "no injected script or handler ran");
        Assert.That(await _browser.Page.EvaluateAsync<int>("() => document.scripts.length"), Is.EqualTo(1));
        Assert.That(await _browser.Page.EvaluateAsync<int>("() => document.querySelectorAll('img, iframe, b, object, embed').length"), Is.Zero);
        string text = await _browser.Page.Locator("#q-ruleChanges").InnerTextAsync();
        Assert.That(text, Does.Contain(HostileHtmlWorld.Script), "the attacker's text is shown as text");
        Assert.That(_browser.ConsoleErrors, Is.Empty, "nothing was even tried (a CSP violation would be logged)");
        await _browser.Page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(_work, "hostile-report.png"), FullPage = true });
    }

    private Task<int> RowCount(string section) =>
        _browser.Page.Locator($"{section} table.data tbody tr").CountAsync();

    private Task<int> VisibleRows(string section) =>
        _browser.Page.EvalOnSelectorAsync<int>($"{section} tbody", "b => Array.from(b.rows).filter(r => !r.hidden).length");

    private async Task<long[]> VisibleNumbers(string section, int column)
    {
        string[] cells = await _browser.Page.EvalOnSelectorAsync<string[]>($"{section} tbody", $"b => Array.from(b.rows).filter(r => !r.hidden).map(r => r.cells[{column}].textContent)");
        return [.. cells.Select(c => long.Parse(c, CultureInfo.InvariantCulture))];
    }
}
