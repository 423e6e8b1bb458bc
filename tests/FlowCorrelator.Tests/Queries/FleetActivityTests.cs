using FlowCorrelator.Queries;
using FlowCorrelator.Reporting;
using FlowCorrelator.Tests.TruthChecks;

namespace FlowCorrelator.Tests.Queries;

/// <summary>Question 1's records per minute (the HTML chart's data), against the generator's answers and by hand.</summary>
public sealed class FleetActivityTests
{
    private static readonly AccessQuery Payment = new() { TagKey = "Name", TagValue = "payment", Port = 22 };

    [Test]
    public void Investigate_Demo_MinuteCountsAddUpToTheGeneratorsQuestionOne()
    {
        string demo = Path.Combine(TruthCheckTests.RepositoryRoot(), "samples", "demo");
        InvestigationResult expected = FindingsJson.Deserialize(File.ReadAllText(Path.Combine(demo, "expected.json")));
        Workspace ws = Workspace.Load([demo]);

        InvestigationResult actual = ws.Investigate(InvestigationOptions.Default with { Access = Payment, FleetActivity = true });
        FleetActivity activity = actual.FleetActivity!;

        Assert.That(activity.TotalAccepted, Is.EqualTo(expected.AccessAttempts.Sum(a => a.Accepted)));
        Assert.That(activity.TotalRejected, Is.EqualTo(expected.AccessAttempts.Sum(a => a.Rejected)));
        Assert.That(activity.Buckets.Sum(b => b.ScannerAccepted + b.ScannerRejected), Is.EqualTo(expected.AccessAttempts.Where(a => a.Scanner).Sum(a => a.Accepted + a.Rejected)), "scanners apart");
        Assert.That(activity.Buckets.Select(b => b.Start), Is.Ordered.And.Unique);
        Assert.That(activity.Buckets.All(b => b.Start.ToUnixTimeSeconds() % 60 == 0), Is.True);
        Assert.That(activity.Buckets[0].Start, Is.LessThanOrEqualTo(expected.AccessAttempts.Min(a => a.FirstSeen)));
        Assert.That(activity.Buckets[^1].Start, Is.GreaterThan(expected.AccessAttempts.Max(a => a.LastSeen).AddMinutes(-1)));
        // The minute of the world-open SSH rule's first admissions: accepted non-scanner records appear from 06:00 on.
        Assert.That(activity.Buckets.Where(b => b.Start.Hour is >= 6 and < 13 && b.Start.Day == 2).Sum(b => b.Accepted), Is.GreaterThan(activity.Buckets.Where(b => b.Start.Hour < 6 && b.Start.Day == 2).Sum(b => b.Accepted)));
    }

    [Test]
    public void Investigate_FleetActivityOff_LeavesItNull()
    {
        string demo = Path.Combine(TruthCheckTests.RepositoryRoot(), "samples", "demo");
        Workspace ws = Workspace.Load([demo]);

        Assert.That(ws.Investigate(InvestigationOptions.Default with { Access = Payment }).FleetActivity, Is.Null);
        Assert.That(ws.Investigate(InvestigationOptions.Default with { FleetActivity = true }).FleetActivity, Is.Null, "no question 1, nothing to count");
    }

    [Test]
    public void Counter_RecordsAcrossMinutesAndThreads_AreCountedByMinuteFloor()
    {
        var a = new FleetActivityCounter();
        var b = new FleetActivityCounter();
        a.Add(120, FlowAction.Accept, scanner: false);
        a.Add(179, FlowAction.Reject, scanner: false);
        a.Add(180, FlowAction.Accept, scanner: true);
        a.Add(180, FlowAction.None, scanner: false); // no action: not an attempt either way
        b.Add(-1, FlowAction.Reject, scanner: true); // floor, not truncation: -1 s is in the minute starting at -60
        b.Add(150, FlowAction.Reject, scanner: true);
        a.Merge(b);

        FleetActivity activity = a.ToActivity();

        Assert.That(activity.Buckets, Is.EqualTo(new[]
        {
            new FleetActivityBucket(DateTimeOffset.FromUnixTimeSeconds(-60), 0, 0, 0, 1),
            new FleetActivityBucket(DateTimeOffset.FromUnixTimeSeconds(120), 1, 1, 0, 1),
            new FleetActivityBucket(DateTimeOffset.FromUnixTimeSeconds(180), 0, 0, 1, 0),
        }));
    }

    [TestCase(60, 1)]
    [TestCase(160, 1)]
    [TestCase(161, 2)]
    [TestCase(24 * 60, 10)]
    [TestCase(7 * 24 * 60, 120)]
    public void BinWidth_Span_GivesAtMost160Bins(int spanMinutes, int expected) =>
        Assert.That(HtmlChart.BinWidthMinutes(TimeSpan.FromMinutes(spanMinutes)), Is.EqualTo(expected));

    [Test]
    public void Rebin_MinutesIntoTenMinuteBins_SumsEachBin()
    {
        var activity = new FleetActivity
        {
            Buckets =
            [
                new(DateTimeOffset.FromUnixTimeSeconds(0), 1, 2, 3, 4),
                new(DateTimeOffset.FromUnixTimeSeconds(540), 10, 20, 30, 40),
                new(DateTimeOffset.FromUnixTimeSeconds(600), 5, 0, 0, 0),
            ],
        };

        List<FleetActivityBucket> bins = HtmlChart.Rebin(activity, 10);

        Assert.That(bins, Is.EqualTo(new[]
        {
            new FleetActivityBucket(DateTimeOffset.FromUnixTimeSeconds(0), 11, 22, 33, 44),
            new FleetActivityBucket(DateTimeOffset.FromUnixTimeSeconds(600), 5, 0, 0, 0),
        }));
    }
}
