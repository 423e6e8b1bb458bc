using FlowCorrelator.Aws;
using FlowCorrelator.Ingest;

namespace FlowCorrelator.Tests.S3;

/// <summary>
/// Pins how an S3 location is walked, against a real S3-compatible server (see <see cref="S3Server"/>): for every
/// layout (plain, Hive-compatible, organisation trails, unknown folders above <c>AWSLogs/</c>, hourly partitions,
/// folders that follow no layout) and every pruning rule, the exact ListObjectsV2 requests in order and the exact keys
/// in order. The expectations are written out from the rules in docs/formats.md A.6/B.1 and the S3Lister remarks.
/// These walks make one request at a time (<see cref="S3SourceOptions.MaxConcurrentListings"/> = 1), so the requests
/// arrive in walk order; S3ListerTests.Concurrency.cs shows that more at once changes neither the keys, nor their
/// order, nor the requests made.
/// </summary>
public sealed partial class S3ListerTests
{
    private const string Bucket = "layouts";
    private const string A = "AWSLogs/111122223333/";
    private const string Flow = A + "vpcflowlogs/us-east-1/";
    private const string FlowEu = A + "vpcflowlogs/eu-west-1/";
    private const string Trail = A + "CloudTrail/us-east-1/";
    private const string Insight = A + "CloudTrail-Insight/us-east-1/";
    private const string HiveAccount = "AWSLogs/aws-account-id=444455556666/";
    private const string Hive = HiveAccount + "aws-service=vpcflowlogs/aws-region=eu-west-1/";
    private const string OrgFolder = "AWSLogs/o-abc123defg/";
    private const string OrgAccount = OrgFolder + "777788889999/";
    private const string Org = OrgAccount + "CloudTrail/us-east-1/";
    private const string Nested2 = "p1/p2/AWSLogs/111122223333/vpcflowlogs/";
    private const string Nested1 = "prefix1/AWSLogs/111122223333/vpcflowlogs/";

    /// <summary>A window of three flow-log days across a month end: 2024-02-28..2024-03-02 with the 15-minute delivery padding.</summary>
    private static readonly SourceFilter ShortWindow = new()
    {
        From = new DateTimeOffset(2024, 2, 29, 0, 10, 0, TimeSpan.Zero),
        To = new DateTimeOffset(2024, 3, 2, 12, 0, 0, TimeSpan.Zero),
    };

    /// <summary>Every key in the bucket, in S3 order.</summary>
    private static readonly string[] Keys =
    [
        "AWSLogs/readme.txt",
        "AWSLogs/notes/n.txt",
        A + "x.txt",
        A + "CloudTrail-Digest/us-east-1/2024/02/15/d.json.gz",
        Insight + "2024/03/02/i.json.gz",
        Trail + "2024/01/31/t.json.gz",
        Trail + "2024/02/15/t.json.gz",
        Trail + "2024/03/02/t.json.gz",
        Trail + "2024/03/03/t.json.gz",
        Trail + "2024/05/20/t.json.gz",
        A + "elasticloadbalancing/us-east-1/2024/02/15/e.log.gz",
        FlowEu + "2024/03/01/f.log.gz",
        Flow + "2023/12/31/f.log.gz",
        Flow + "2024/01/09/f.log.gz",
        Flow + "2024/01/10/f.log.gz",
        Flow + "2024/01/31/f.log.gz",
        Flow + "2024/02/01/f.log.gz",
        Flow + "2024/02/15/07/h.log.gz",
        Flow + "2024/02/15/f.log.gz",
        Flow + "2024/02/29/f.log.gz",
        Flow + "2024/02/odd/o.txt",
        Flow + "2024/03/01/f.log.gz",
        Flow + "2024/03/02/23/h.log.gz",
        Flow + "2024/03/02/f.log.gz",
        Flow + "2024/03/03/f.log.gz",
        Flow + "2024/05/20/f.log.gz",
        Flow + "2024/odd/o.txt",
        Flow + "2025/01/01/f.log.gz",
        Flow + "misc/m.txt",
        Flow + "stray.txt",
        Hive + "year=2024/month=02/day=15/hour=07/h.log.gz",
        Hive + "year=2024/month=02/day=29/hour=07/h.log.gz",
        Hive + "year=2024/month=03/day=01/hour=00/h.log.gz",
        Hive + "year=2024/month=03/day=03/hour=23/h.log.gz",
        Org + "2024/02/15/t.json.gz",
        Org + "2024/03/03/t.json.gz",
        OrgFolder + "not-an-account/z.txt",
        Nested2 + "us-east-1/2024/03/01/f.log.gz",
        Nested2 + "us-east-1/2024/05/20/f.log.gz",
        "p1/p2/p3/AWSLogs/111122223333/vpcflowlogs/us-east-1/2024/05/20/f.log.gz",
        Nested1 + "us-east-1/2024/03/01/f.log.gz",
        Nested1 + "us-east-1/2024/05/20/f.log.gz",
        "top.txt",
    ];

    [OneTimeSetUp]
    public async Task Upload()
    {
        await S3Server.CreateBucketAsync(Bucket);
        foreach (string key in Keys)
        {
            await S3Server.PutAsync(Bucket, key, "x"u8.ToArray());
        }
    }

    [Test]
    public async Task List_OnlyAStartAndAFolderForDecember9999_ListsItInsteadOfFailing()
    {
        // A window with no end reaches the last representable month; the month's last day must not be computed by
        // adding a month (that threw ArgumentOutOfRangeException and aborted the whole listing).
        const string bucket = "far-future";
        await S3Server.CreateBucketAsync(bucket);
        string[] keys = [Flow + "2024/03/01/f.log.gz", Flow + "9999/12/31/f.log.gz"];
        foreach (string key in keys)
        {
            await S3Server.PutAsync(bucket, key, "x"u8.ToArray());
        }

        var (_, listed) = List(bucket, string.Empty, new SourceFilter { From = new DateTimeOffset(2024, 3, 1, 12, 0, 0, TimeSpan.Zero) });

        Assert.That(listed, Is.EqualTo(keys));
    }

    private static (string[] Listings, string[] Keys) List(string prefix, SourceFilter filter) => List(Bucket, prefix, filter);

    private static (string[] Listings, string[] Keys) List(string bucket, string prefix, SourceFilter filter) => List(bucket, prefix, filter, concurrency: 1);

    /// <summary>The listings in the order they were sent (with one at a time, the walk order) and the keys in the order returned.</summary>
    private static (string[] Listings, string[] Keys) List(string bucket, string prefix, SourceFilter filter, int concurrency, CountingHttpClientFactory? recorder = null)
    {
        recorder ??= new CountingHttpClientFactory();
        using var s3 = new S3LogSource(S3Server.Client(recorder), S3SourceOptions.Default with { MaxConcurrentListings = concurrency });
        string root = $"s3://{bucket}/";
        string[] keys = [.. s3.Enumerate(root + prefix, filter, default).Select(i => i.Name[root.Length..])];
        return ([.. recorder.Listings], keys);
    }

    private static string Tree(string prefix) => "tree " + prefix;

    private static string Flat(string prefix, string? after = null) => "flat " + prefix + (after is null ? string.Empty : " after " + after);

    [Test]
    public void List_NoWindow_WalksEveryLayoutAndListsEachRegionFlat()
    {
        var (listings, keys) = List(string.Empty, SourceFilter.All);

        Assert.That(listings, Is.EqualTo(new[]
        {
            Tree(string.Empty),
            Tree("AWSLogs/"),
            Tree(A),
            // CloudTrail-Digest sorts first ('-' before '/') and is never listed.
            Tree(A + "CloudTrail-Insight/"), Flat(Insight),
            Tree(A + "CloudTrail/"), Flat(Trail),
            Flat(A + "elasticloadbalancing/"), // a service without a known layout
            Tree(A + "vpcflowlogs/"), Flat(FlowEu), Flat(Flow),
            Tree(HiveAccount), Tree(HiveAccount + "aws-service=vpcflowlogs/"), Flat(Hive),
            Flat("AWSLogs/notes/"), // neither an account nor an organisation
            Tree(OrgFolder), Tree(OrgAccount), Tree(OrgAccount + "CloudTrail/"), Flat(Org),
            Flat(OrgFolder + "not-an-account/"),
            // Unknown folders above AWSLogs/ are walked two levels deep; a third is listed flat.
            Tree("p1/"), Tree("p1/p2/"), Tree("p1/p2/AWSLogs/"), Tree("p1/p2/AWSLogs/111122223333/"), Tree(Nested2), Flat(Nested2 + "us-east-1/"),
            Flat("p1/p2/p3/"),
            Tree("prefix1/"), Tree("prefix1/AWSLogs/"), Tree("prefix1/AWSLogs/111122223333/"), Tree(Nested1), Flat(Nested1 + "us-east-1/"),
        }));
        Assert.That(keys, Is.EqualTo(new[]
        {
            "top.txt",
            "AWSLogs/readme.txt",
            A + "x.txt",
            Insight + "2024/03/02/i.json.gz",
            Trail + "2024/01/31/t.json.gz", Trail + "2024/02/15/t.json.gz", Trail + "2024/03/02/t.json.gz", Trail + "2024/03/03/t.json.gz", Trail + "2024/05/20/t.json.gz",
            A + "elasticloadbalancing/us-east-1/2024/02/15/e.log.gz",
            FlowEu + "2024/03/01/f.log.gz",
            Flow + "2023/12/31/f.log.gz", Flow + "2024/01/09/f.log.gz", Flow + "2024/01/10/f.log.gz", Flow + "2024/01/31/f.log.gz", Flow + "2024/02/01/f.log.gz",
            Flow + "2024/02/15/07/h.log.gz", Flow + "2024/02/15/f.log.gz", Flow + "2024/02/29/f.log.gz", Flow + "2024/02/odd/o.txt", Flow + "2024/03/01/f.log.gz",
            Flow + "2024/03/02/23/h.log.gz", Flow + "2024/03/02/f.log.gz", Flow + "2024/03/03/f.log.gz", Flow + "2024/05/20/f.log.gz", Flow + "2024/odd/o.txt",
            Flow + "2025/01/01/f.log.gz", Flow + "misc/m.txt", Flow + "stray.txt",
            Hive + "year=2024/month=02/day=15/hour=07/h.log.gz", Hive + "year=2024/month=02/day=29/hour=07/h.log.gz",
            Hive + "year=2024/month=03/day=01/hour=00/h.log.gz", Hive + "year=2024/month=03/day=03/hour=23/h.log.gz",
            "AWSLogs/notes/n.txt",
            Org + "2024/02/15/t.json.gz", Org + "2024/03/03/t.json.gz",
            OrgFolder + "not-an-account/z.txt",
            Nested2 + "us-east-1/2024/03/01/f.log.gz", Nested2 + "us-east-1/2024/05/20/f.log.gz",
            "p1/p2/p3/AWSLogs/111122223333/vpcflowlogs/us-east-1/2024/05/20/f.log.gz",
            Nested1 + "us-east-1/2024/03/01/f.log.gz", Nested1 + "us-east-1/2024/05/20/f.log.gz",
        }));
    }

    [Test]
    public void List_ShortWindow_WalksRegionYearAndMonthAndCloudTrailUpToTheDayAfter()
    {
        var (listings, keys) = List(string.Empty, ShortWindow);

        Assert.That(listings, Is.EqualTo(new[]
        {
            Tree(string.Empty),
            Tree("AWSLogs/"),
            Tree(A),
            // CloudTrail keeps every day up to To + 1 (2024-03-03): earlier years and months whole; the last month is
            // listed one level, then its days 1 to 3 (one folder: that folder; several: one listing from the first).
            Tree(A + "CloudTrail-Insight/"), Tree(Insight), Tree(Insight + "2024/"), Tree(Insight + "2024/03/"), Flat(Insight + "2024/03/02/"),
            Tree(A + "CloudTrail/"), Tree(Trail), Tree(Trail + "2024/"), Flat(Trail + "2024/01/"), Flat(Trail + "2024/02/"),
            Tree(Trail + "2024/03/"), Flat(Trail + "2024/03/", Trail + "2024/03/02"),
            Flat(A + "elasticloadbalancing/"),
            // Flow logs, however short the window: the region, its years and the months the window cuts one level at a
            // time (objects and odd folders beside the date folders are kept), then the kept days of each month.
            Tree(A + "vpcflowlogs/"),
            Tree(FlowEu), Tree(FlowEu + "2024/"), Tree(FlowEu + "2024/03/"), Flat(FlowEu + "2024/03/01/"),
            Tree(Flow), Tree(Flow + "2024/"),
            Tree(Flow + "2024/02/"), Flat(Flow + "2024/02/", Flow + "2024/02/29"), // day 29 and the odd folder after it: one run
            Tree(Flow + "2024/03/"), Flat(Flow + "2024/03/", Flow + "2024/03/01"), // days 1 and 2; the listing ends at day 3
            Flat(Flow + "2024/odd/"),
            Flat(Flow + "misc/"),
            Tree(HiveAccount), Tree(HiveAccount + "aws-service=vpcflowlogs/"),
            Tree(Hive), Tree(Hive + "year=2024/"),
            Tree(Hive + "year=2024/month=02/"), Flat(Hive + "year=2024/month=02/day=29/"),
            Tree(Hive + "year=2024/month=03/"), Flat(Hive + "year=2024/month=03/day=01/"),
            Flat("AWSLogs/notes/"),
            Tree(OrgFolder), Tree(OrgAccount), Tree(OrgAccount + "CloudTrail/"), Tree(Org), Tree(Org + "2024/"), Flat(Org + "2024/02/"),
            Tree(Org + "2024/03/"), Flat(Org + "2024/03/03/"),
            Flat(OrgFolder + "not-an-account/"),
            Tree("p1/"), Tree("p1/p2/"), Tree("p1/p2/AWSLogs/"), Tree("p1/p2/AWSLogs/111122223333/"), Tree(Nested2),
            Tree(Nested2 + "us-east-1/"), Tree(Nested2 + "us-east-1/2024/"), Tree(Nested2 + "us-east-1/2024/03/"), Flat(Nested2 + "us-east-1/2024/03/01/"),
            Flat("p1/p2/p3/"), // too deep to recognise: listed whole, window or not
            Tree("prefix1/"), Tree("prefix1/AWSLogs/"), Tree("prefix1/AWSLogs/111122223333/"), Tree(Nested1),
            Tree(Nested1 + "us-east-1/"), Tree(Nested1 + "us-east-1/2024/"), Tree(Nested1 + "us-east-1/2024/03/"), Flat(Nested1 + "us-east-1/2024/03/01/"),
        }));
        Assert.That(keys, Is.EqualTo(new[]
        {
            "top.txt",
            "AWSLogs/readme.txt",
            A + "x.txt",
            Insight + "2024/03/02/i.json.gz",
            Trail + "2024/01/31/t.json.gz", Trail + "2024/02/15/t.json.gz", Trail + "2024/03/02/t.json.gz", Trail + "2024/03/03/t.json.gz",
            A + "elasticloadbalancing/us-east-1/2024/02/15/e.log.gz",
            FlowEu + "2024/03/01/f.log.gz",
            // Objects and odd folders of the region, a year and a month are kept: they follow no layout, so no date prunes them.
            Flow + "stray.txt",
            Flow + "2024/02/29/f.log.gz", Flow + "2024/02/odd/o.txt",
            Flow + "2024/03/01/f.log.gz", Flow + "2024/03/02/23/h.log.gz", Flow + "2024/03/02/f.log.gz",
            Flow + "2024/odd/o.txt",
            Flow + "misc/m.txt",
            Hive + "year=2024/month=02/day=29/hour=07/h.log.gz", Hive + "year=2024/month=03/day=01/hour=00/h.log.gz",
            "AWSLogs/notes/n.txt",
            Org + "2024/02/15/t.json.gz", Org + "2024/03/03/t.json.gz",
            OrgFolder + "not-an-account/z.txt",
            Nested2 + "us-east-1/2024/03/01/f.log.gz",
            "p1/p2/p3/AWSLogs/111122223333/vpcflowlogs/us-east-1/2024/05/20/f.log.gz",
            Nested1 + "us-east-1/2024/03/01/f.log.gz",
        }));
    }

    [Test]
    public void List_WindowOverMonths_ListsMonthsInsideWholeAndCutMonthsByDay()
    {
        // 2024-01-10..2024-03-20 (70 days).
        var filter = new SourceFilter
        {
            From = new DateTimeOffset(2024, 1, 10, 12, 0, 0, TimeSpan.Zero),
            To = new DateTimeOffset(2024, 3, 20, 0, 0, 0, TimeSpan.Zero),
            Regions = ["us-east-1"],
        };

        var (listings, keys) = List(A + "vpcflowlogs/", filter);

        Assert.That(listings, Is.EqualTo(new[]
        {
            Tree(A + "vpcflowlogs/"), // eu-west-1 is not wanted: never listed
            Tree(Flow), // 2023 and 2025 are outside the window; "misc" is no year
            Tree(Flow + "2024/"),
            Tree(Flow + "2024/01/"), Flat(Flow + "2024/01/", Flow + "2024/01/10"), // first month: its folders, then from the first day
            Flat(Flow + "2024/02/"), // whole month
            Tree(Flow + "2024/03/"), Flat(Flow + "2024/03/", Flow + "2024/03/01"), // last month: its folders, then days 1 to 20
            Flat(Flow + "2024/odd/"),
            Flat(Flow + "misc/"),
        }));
        Assert.That(keys, Is.EqualTo(new[]
        {
            Flow + "stray.txt",
            Flow + "2024/01/10/f.log.gz", Flow + "2024/01/31/f.log.gz",
            Flow + "2024/02/01/f.log.gz", Flow + "2024/02/15/07/h.log.gz", Flow + "2024/02/15/f.log.gz", Flow + "2024/02/29/f.log.gz", Flow + "2024/02/odd/o.txt",
            Flow + "2024/03/01/f.log.gz", Flow + "2024/03/02/23/h.log.gz", Flow + "2024/03/02/f.log.gz", Flow + "2024/03/03/f.log.gz",
            Flow + "2024/odd/o.txt",
            Flow + "misc/m.txt",
        }));
    }

    [Test]
    public void List_WindowWithoutEnd_ListsLaterYearsAndMonthsWhole()
    {
        var (listings, keys) = List(A, new SourceFilter { From = new DateTimeOffset(2024, 2, 15, 12, 0, 0, TimeSpan.Zero) });

        Assert.That(listings, Is.EqualTo(new[]
        {
            Tree(A),
            // CloudTrail without an end: everything.
            Tree(A + "CloudTrail-Insight/"), Flat(Insight),
            Tree(A + "CloudTrail/"), Flat(Trail),
            Flat(A + "elasticloadbalancing/"),
            Tree(A + "vpcflowlogs/"),
            Tree(FlowEu), Tree(FlowEu + "2024/"), Flat(FlowEu + "2024/03/"),
            Tree(Flow), Tree(Flow + "2024/"),
            Tree(Flow + "2024/02/"), Flat(Flow + "2024/02/", Flow + "2024/02/15"), Flat(Flow + "2024/03/"), Flat(Flow + "2024/05/"), Flat(Flow + "2024/odd/"),
            Flat(Flow + "2025/"),
            Flat(Flow + "misc/"),
        }));
        Assert.That(keys, Is.EqualTo(new[]
        {
            A + "x.txt",
            Insight + "2024/03/02/i.json.gz",
            Trail + "2024/01/31/t.json.gz", Trail + "2024/02/15/t.json.gz", Trail + "2024/03/02/t.json.gz", Trail + "2024/03/03/t.json.gz", Trail + "2024/05/20/t.json.gz",
            A + "elasticloadbalancing/us-east-1/2024/02/15/e.log.gz",
            FlowEu + "2024/03/01/f.log.gz",
            Flow + "stray.txt",
            Flow + "2024/02/15/07/h.log.gz", Flow + "2024/02/15/f.log.gz", Flow + "2024/02/29/f.log.gz", Flow + "2024/02/odd/o.txt",
            Flow + "2024/03/01/f.log.gz", Flow + "2024/03/02/23/h.log.gz", Flow + "2024/03/02/f.log.gz", Flow + "2024/03/03/f.log.gz",
            Flow + "2024/05/20/f.log.gz",
            Flow + "2024/odd/o.txt",
            Flow + "2025/01/01/f.log.gz",
            Flow + "misc/m.txt",
        }));
    }

    [Test]
    public void List_WindowWithoutStart_ListsEarlierYearsWhole()
    {
        var (listings, keys) = List(Flow, new SourceFilter { To = new DateTimeOffset(2024, 1, 10, 12, 0, 0, TimeSpan.Zero) });

        // The prefix names every folder down to the region: no listing above it.
        Assert.That(listings, Is.EqualTo(new[]
        {
            Tree(Flow),
            Flat(Flow + "2023/"),
            Tree(Flow + "2024/"),
            Tree(Flow + "2024/01/"), Flat(Flow + "2024/01/", Flow + "2024/01/09"), // days 9 and 10, stopping at the first key of day 31
            Flat(Flow + "2024/odd/"),
            Flat(Flow + "misc/"),
        }));
        Assert.That(keys, Is.EqualTo(new[]
        {
            Flow + "stray.txt",
            Flow + "2023/12/31/f.log.gz",
            Flow + "2024/01/09/f.log.gz", Flow + "2024/01/10/f.log.gz",
            Flow + "2024/odd/o.txt",
            Flow + "misc/m.txt",
        }));
    }

    [Test]
    public void List_AccountFilter_SkipsOtherAccountsWithoutListingThem()
    {
        var (listings, keys) = List(string.Empty, new SourceFilter { Accounts = ["777788889999"] });

        Assert.That(listings, Is.EqualTo(new[]
        {
            Tree(string.Empty),
            Tree("AWSLogs/"),
            Flat("AWSLogs/notes/"), // not an account, so not filtered out
            Tree(OrgFolder), Tree(OrgAccount), Tree(OrgAccount + "CloudTrail/"), Flat(Org),
            Flat(OrgFolder + "not-an-account/"),
            Tree("p1/"), Tree("p1/p2/"), Tree("p1/p2/AWSLogs/"),
            Flat("p1/p2/p3/"),
            Tree("prefix1/"), Tree("prefix1/AWSLogs/"),
        }));
        Assert.That(keys, Is.EqualTo(new[]
        {
            "top.txt",
            "AWSLogs/readme.txt",
            "AWSLogs/notes/n.txt",
            Org + "2024/02/15/t.json.gz", Org + "2024/03/03/t.json.gz",
            OrgFolder + "not-an-account/z.txt",
            "p1/p2/p3/AWSLogs/111122223333/vpcflowlogs/us-east-1/2024/05/20/f.log.gz",
        }));
    }

    [Test]
    public void List_PrefixEndingInsideAName_NarrowsThatLevelsListing()
    {
        var (listings, _) = List("AWSLogs/1111", SourceFilter.All);
        Assert.That(listings, Is.EqualTo(new[]
        {
            Tree("AWSLogs/1111"),
            Tree(A),
            Tree(A + "CloudTrail-Insight/"), Flat(Insight),
            Tree(A + "CloudTrail/"), Flat(Trail),
            Flat(A + "elasticloadbalancing/"),
            Tree(A + "vpcflowlogs/"), Flat(FlowEu), Flat(Flow),
        }));

        (listings, string[] keys) = List(A + "vpcflowlogs/us-", ShortWindow);
        Assert.That(listings, Is.EqualTo(new[]
        {
            Tree(A + "vpcflowlogs/us-"), Tree(Flow), Tree(Flow + "2024/"),
            Tree(Flow + "2024/02/"), Flat(Flow + "2024/02/", Flow + "2024/02/29"), Tree(Flow + "2024/03/"), Flat(Flow + "2024/03/", Flow + "2024/03/01"),
            Flat(Flow + "2024/odd/"), Flat(Flow + "misc/"),
        }));
        Assert.That(keys, Is.EqualTo(new[]
        {
            Flow + "stray.txt",
            Flow + "2024/02/29/f.log.gz", Flow + "2024/02/odd/o.txt", Flow + "2024/03/01/f.log.gz", Flow + "2024/03/02/23/h.log.gz", Flow + "2024/03/02/f.log.gz",
            Flow + "2024/odd/o.txt", Flow + "misc/m.txt",
        }));
    }

    [Test]
    public void List_PrefixInsideADayFolder_OneListingOfThatPrefix()
    {
        var (listings, keys) = List(Flow + "2024/02/29/", ShortWindow);

        Assert.That(listings, Is.EqualTo(new[] { Flat(Flow + "2024/02/29/") }));
        Assert.That(keys, Is.EqualTo(new[] { Flow + "2024/02/29/f.log.gz" }));
    }
}
