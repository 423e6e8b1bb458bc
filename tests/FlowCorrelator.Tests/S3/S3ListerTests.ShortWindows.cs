using System.Globalization;
using FlowCorrelator.Ingest;

namespace FlowCorrelator.Tests.S3;

/// <summary>
/// Short windows: objects and folders that follow no layout, at the region, year and month levels, are listed like
/// everything else that follows no layout (a window used to list day prefixes directly and never saw them), and the
/// number of requests a short window costs per region.
/// </summary>
public sealed partial class S3ListerTests
{
    private const string StrayBucket = "strays";
    private const string DaysBucket = "days";
    private const string R = A + "vpcflowlogs/us-east-1/";
    private const string R2 = A + "vpcflowlogs/us-west-2/";
    private const string H = HiveAccount + "aws-service=vpcflowlogs/aws-region=eu-west-1/";
    private const string T = A + "CloudTrail/us-east-1/";
    private const string O = OrgAccount + "CloudTrail/us-east-1/";

    /// <summary>2024-03-10 06:00 to 2024-03-11 06:00: flow-log days 10 and 11, CloudTrail up to day 12.</summary>
    private static readonly SourceFilter OneDay = new()
    {
        From = new DateTimeOffset(2024, 3, 10, 6, 0, 0, TimeSpan.Zero),
        To = new DateTimeOffset(2024, 3, 11, 6, 0, 0, TimeSpan.Zero),
    };

    /// <summary>Date folders with hand-copied or mirrored files beside them at every level ('!' sorts before digits).</summary>
    private static readonly string[] StrayKeys =
    [
        R + "!early.log.gz",
        R + "2024/!early/e.log.gz",
        R + "2024/03/!early/e.log.gz",
        R + "2024/03/09/f.log.gz",
        R + "2024/03/10.log.gz", // sorts between "10" and "10/": inside a listing that starts at day 10
        R + "2024/03/10/07/h.log.gz",
        R + "2024/03/10/f.log.gz",
        R + "2024/03/11/f.log.gz",
        R + "2024/03/12/f.log.gz",
        R + "2024/03/odd/o.log.gz",
        R + "2024/03/x.log.gz",
        R + "2024/04/01/f.log.gz",
        R + "2024/odd/o.log.gz",
        R + "2024/x.log.gz",
        R + "2025/01/01/f.log.gz",
        R + "misc/m.log.gz",
        R + "stray.log.gz",
        R2 + "2024/03/09/f.log.gz",
        R2 + "2024/03/10-x/e.log.gz", // a folder that sorts between "10" and "10/"
        R2 + "2024/03/10.log.gz",
        R2 + "2024/03/10/f.log.gz",
        R2 + "2024/03/11/f.log.gz",
        R2 + "2024/03/12/f.log.gz",
        H + "2024/03/10/f.log.gz", // the plain layout copied under a Hive region
        H + "stray.log.gz",
        H + "year=2024/extra/e.log.gz",
        H + "year=2024/month=03/day=09/hour=23/h.log.gz",
        H + "year=2024/month=03/day=10/hour=00/h.log.gz",
        H + "year=2024/month=03/day=12/hour=00/h.log.gz",
        H + "year=2024/month=03/notes.txt",
        H + "year=2024/month=04/day=01/hour=00/h.log.gz",
        H + "year=2025/month=01/day=01/hour=00/h.log.gz",
        T + "2024/02/20/t.json.gz",
        T + "2024/03/10/t.json.gz",
        T + "2024/03/12/t.json.gz",
        T + "2024/03/13/t.json.gz",
        T + "2024/03/misc/t.json.gz",
        T + "2024/04/01/t.json.gz",
        T + "2024/stray.json.gz",
        O + "2024/03/11/t.json.gz",
        O + "2024/03/20/t.json.gz",
        O + "2024/03/x.json.gz",
    ];

    private static readonly DateOnly DaysFirst = new(2024, 1, 1);
    private static readonly DateOnly DaysLast = new(2024, 4, 30);

    [OneTimeSetUp]
    public async Task UploadShortWindowBuckets()
    {
        await S3Server.CreateBucketAsync(StrayBucket);
        foreach (string key in StrayKeys)
        {
            await S3Server.PutAsync(StrayBucket, key, "x"u8.ToArray());
        }

        await S3Server.CreateBucketAsync(DaysBucket);
        for (DateOnly d = DaysFirst; d <= DaysLast; d = d.AddDays(1))
        {
            await S3Server.PutAsync(DaysBucket, R + d.ToString("yyyy'/'MM'/'dd", CultureInfo.InvariantCulture) + "/f.log.gz", "x"u8.ToArray());
        }
    }

    [Test]
    public void List_ShortWindow_KeepsObjectsAndOddFoldersOfRegionYearAndMonth()
    {
        var (listings, keys) = List(StrayBucket, R, OneDay);

        Assert.That(listings, Is.EqualTo(new[]
        {
            Tree(R), // 2025 is outside the window
            Tree(R + "2024/"), // 04 is outside the window
            Flat(R + "2024/!early/"),
            Tree(R + "2024/03/"),
            Flat(R + "2024/03/!early/"),
            Flat(R + "2024/03/", R + "2024/03/10"), // 10 and 11 are neighbours; the first key of 12 ends it
            Flat(R + "2024/03/odd/"), // not beside the kept days: 12 sorts between
            Flat(R + "2024/odd/"),
            Flat(R + "misc/"),
        }));
        Assert.That(keys, Is.EqualTo(new[]
        {
            R + "!early.log.gz", R + "stray.log.gz",
            R + "2024/x.log.gz",
            R + "2024/!early/e.log.gz",
            R + "2024/03/10.log.gz", R + "2024/03/x.log.gz",
            R + "2024/03/!early/e.log.gz",
            R + "2024/03/10/07/h.log.gz", R + "2024/03/10/f.log.gz", R + "2024/03/11/f.log.gz",
            R + "2024/03/odd/o.log.gz",
            R + "2024/odd/o.log.gz",
            R + "misc/m.log.gz",
        }));
    }

    [Test]
    public void List_ShortWindow_FolderNamedLikeADayAndMore_ListedWithTheDays()
    {
        var (listings, keys) = List(StrayBucket, R2, OneDay);

        // In key order "10-x/" comes before "10/" ('-' before '/'), so the listing starts after "10-x"; the month's own
        // object "10.log.gz" sorts inside that listing and is not returned twice.
        Assert.That(listings, Is.EqualTo(new[] { Tree(R2), Tree(R2 + "2024/"), Tree(R2 + "2024/03/"), Flat(R2 + "2024/03/", R2 + "2024/03/10-x") }));
        // s3rver lists a flat prefix by walking its folders ("10/" before "10-x/"), not in key order as S3 does: the
        // same keys, in another order.
        Assert.That(keys, Is.EquivalentTo(new[]
        {
            R2 + "2024/03/10.log.gz", R2 + "2024/03/10-x/e.log.gz", R2 + "2024/03/10/f.log.gz", R2 + "2024/03/11/f.log.gz",
        }));
    }

    [Test]
    public void List_ShortWindowHive_KeepsObjectsAndOddFoldersOfRegionYearAndMonth()
    {
        var (listings, keys) = List(StrayBucket, H, OneDay);

        Assert.That(listings, Is.EqualTo(new[]
        {
            Tree(H),
            Flat(H + "2024/"), // not a Hive year folder
            Tree(H + "year=2024/"),
            Flat(H + "year=2024/extra/"),
            Tree(H + "year=2024/month=03/"),
            Flat(H + "year=2024/month=03/day=10/"), // day 11 has no folder
        }));
        Assert.That(keys, Is.EqualTo(new[]
        {
            H + "stray.log.gz",
            H + "2024/03/10/f.log.gz",
            H + "year=2024/extra/e.log.gz",
            H + "year=2024/month=03/notes.txt",
            H + "year=2024/month=03/day=10/hour=00/h.log.gz",
        }));
    }

    [Test]
    public void List_ShortWindowCloudTrail_KeepsObjectsAndOddFoldersOfTheLastMonth()
    {
        var (listings, keys) = List(StrayBucket, T, OneDay);

        Assert.That(listings, Is.EqualTo(new[]
        {
            Tree(T), Tree(T + "2024/"),
            Flat(T + "2024/02/"), // before the window: state
            Tree(T + "2024/03/"),
            Flat(T + "2024/03/", T + "2024/03/10"), // up to To + 1 day; the first key of 13 ends it
            Flat(T + "2024/03/misc/"),
        }));
        Assert.That(keys, Is.EqualTo(new[]
        {
            T + "2024/stray.json.gz",
            T + "2024/02/20/t.json.gz",
            T + "2024/03/10/t.json.gz", T + "2024/03/12/t.json.gz",
            T + "2024/03/misc/t.json.gz",
        }));

        (listings, keys) = List(StrayBucket, OrgFolder, OneDay);

        Assert.That(listings, Is.EqualTo(new[]
        {
            Tree(OrgFolder), Tree(OrgAccount), Tree(OrgAccount + "CloudTrail/"), Tree(O), Tree(O + "2024/"), Tree(O + "2024/03/"), Flat(O + "2024/03/11/"),
        }));
        Assert.That(keys, Is.EqualTo(new[] { O + "2024/03/x.json.gz", O + "2024/03/11/t.json.gz" }));
    }

    /// <summary>
    /// A clean region with one folder a day from 2024-01-01 to 2024-04-30: a short window costs the region, the year,
    /// and per month one listing when the window holds it whole, else two (its folders, then its kept days).
    /// </summary>
    [TestCase("2024-03-10T06:00:00Z", "2024-03-11T06:00:00Z", 4, 2, TestName = "{m}(one day inside a month)")]
    [TestCase("2024-03-01T00:00:00Z", "2024-03-02T00:00:00Z", 6, 3, TestName = "{m}(one day padded back into the month before)")]
    [TestCase("2024-03-10T06:00:00Z", "2024-04-09T06:00:00Z", 6, 31, TestName = "{m}(30 days across two months)")]
    [TestCase("2024-03-01T06:00:00Z", "2024-03-31T18:00:00Z", 3, 31, TestName = "{m}(a whole month)")]
    [TestCase("2024-01-10T06:00:00Z", "2024-03-20T06:00:00Z", 7, 71, TestName = "{m}(70 days)")]
    public void List_ShortWindow_FewRequestsPerRegion(string from, string to, int requests, int days)
    {
        var filter = new SourceFilter
        {
            From = DateTimeOffset.Parse(from, CultureInfo.InvariantCulture),
            To = DateTimeOffset.Parse(to, CultureInfo.InvariantCulture),
        };

        var (listings, keys) = List(DaysBucket, R, filter);

        Assert.That(keys, Has.Length.EqualTo(days));
        Assert.That(listings, Has.Length.EqualTo(requests), string.Join(" | ", listings));
    }
}
