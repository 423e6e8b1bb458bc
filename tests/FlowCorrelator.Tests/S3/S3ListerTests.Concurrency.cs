using System.Globalization;
using FlowCorrelator.Aws;
using FlowCorrelator.Ingest;

namespace FlowCorrelator.Tests.S3;

/// <summary>
/// Several listings at once (<see cref="S3SourceOptions.MaxConcurrentListings"/>): the same keys in the same order
/// from the same requests as one at a time, the same error where one subtree fails, cancellation, a bounded
/// look-ahead, and requests that really overlap, never more than the bound.
/// </summary>
public sealed partial class S3ListerTests
{
    private const string OrgBucket = "org";
    private const string OrgTrail = "AWSLogs/o-concurrent1/";
    private const int OrgAccounts = 6;
    private static readonly string[] OrgRegions = ["eu-west-1", "us-east-1", "us-east-2", "us-west-2"];

    /// <summary>One flow-log day, 2024-03-10, CloudTrail up to 2024-03-12.</summary>
    private static readonly SourceFilter OrgDay = new()
    {
        From = new DateTimeOffset(2024, 3, 10, 6, 0, 0, TimeSpan.Zero),
        To = new DateTimeOffset(2024, 3, 11, 0, 0, 0, TimeSpan.Zero),
    };

    /// <summary>Every walk the order-pinning tests make, and an organisation trail of many small subtrees.</summary>
    private static IEnumerable<TestCaseData> Walks() =>
        WalkList().Select(w => new TestCaseData(w.Bucket, w.Prefix, w.Filter).SetArgDisplayNames(w.Name));

    /// <summary>The walks with a flat listing of more than two keys.</summary>
    private static IEnumerable<TestCaseData> PagedWalks() =>
        WalkList().Where(w => w.Name != "account filter").Select(w => new TestCaseData(w.Bucket, w.Prefix, w.Filter).SetArgDisplayNames(w.Name));

    private static IEnumerable<(string Name, string Bucket, string Prefix, SourceFilter Filter)> WalkList()
    {
        var overMonths = new SourceFilter
        {
            From = new DateTimeOffset(2024, 1, 10, 12, 0, 0, TimeSpan.Zero),
            To = new DateTimeOffset(2024, 3, 20, 0, 0, 0, TimeSpan.Zero),
            Regions = ["us-east-1"],
        };
        yield return ("no window", Bucket, string.Empty, SourceFilter.All);
        yield return ("short window", Bucket, string.Empty, ShortWindow);
        yield return ("over months", Bucket, A + "vpcflowlogs/", overMonths);
        yield return ("no end", Bucket, A, new SourceFilter { From = new DateTimeOffset(2024, 2, 15, 12, 0, 0, TimeSpan.Zero) });
        yield return ("no start", Bucket, Flow, new SourceFilter { To = new DateTimeOffset(2024, 1, 10, 12, 0, 0, TimeSpan.Zero) });
        yield return ("account filter", Bucket, string.Empty, new SourceFilter { Accounts = ["777788889999"] });
        yield return ("prefix inside a name", Bucket, "AWSLogs/1111", SourceFilter.All);
        yield return ("strays", StrayBucket, string.Empty, OneDay);
        yield return ("days", DaysBucket, R, overMonths);
        yield return ("organisation trail", OrgBucket, string.Empty, OrgDay);
        yield return ("organisation trail, no window", OrgBucket, string.Empty, SourceFilter.All);
    }

    [OneTimeSetUp]
    public async Task UploadOrganisationBucket()
    {
        await S3Server.CreateBucketAsync(OrgBucket);
        foreach (string key in OrgKeys())
        {
            await S3Server.PutAsync(OrgBucket, key, "x"u8.ToArray());
        }
    }

    /// <summary>An organisation trail and flow logs: accounts × regions × days 9 to 12 of March 2024.</summary>
    private static IEnumerable<string> OrgKeys()
    {
        for (int a = 0; a < OrgAccounts; a++)
        {
            string account = (100000000000L + a).ToString(CultureInfo.InvariantCulture);
            foreach (string region in OrgRegions)
            {
                for (int day = 9; day <= 12; day++)
                {
                    yield return $"{OrgTrail}{account}/CloudTrail/{region}/2024/03/{day:00}/t.json.gz";
                    yield return $"AWSLogs/{account}/vpcflowlogs/{region}/2024/03/{day:00}/f.log.gz";
                }
            }
        }
    }

    [TestCaseSource(nameof(Walks))]
    public void List_SeveralAtOnce_SameKeysInOrderFromTheSameRequests(string bucket, string prefix, SourceFilter filter)
    {
        var (oneListings, oneKeys) = List(bucket, prefix, filter, concurrency: 1);
        Assert.That(oneKeys, Is.Not.Empty);

        foreach (int concurrency in (int[])[2, 16])
        {
            var (listings, keys) = List(bucket, prefix, filter, concurrency);

            Assert.That(keys, Is.EqualTo(oneKeys), $"keys with {concurrency} at once");
            Assert.That(listings, Is.EquivalentTo(oneListings), $"requests with {concurrency} at once");
        }
    }

    /// <summary>
    /// Pages of two keys, so that flat listings go on page by page, each page a step of the walk of its own. s3rver does
    /// not check SigV4 signatures, so the page size can be set on the wire. (The test server never truncates delimiter
    /// listings, see server/server.js: levels of several pages are not covered.)
    /// </summary>
    [TestCaseSource(nameof(PagedWalks))]
    public void List_SmallPagesSeveralAtOnce_SameKeysInOrderFromTheSameRequests(string bucket, string prefix, SourceFilter filter)
    {
        var (oneListings, oneKeys) = List(bucket, prefix, filter, concurrency: 1, SmallPages());
        Assert.That(oneListings, Has.Some.StartsWith("flat ").And.EndsWith(" next page"));

        var (listings, keys) = List(bucket, prefix, filter, concurrency: 16, SmallPages());

        Assert.That(keys, Is.EqualTo(oneKeys));
        Assert.That(listings, Is.EquivalentTo(oneListings));
        // Nothing lost page by page. s3rver walks a flat prefix folder by folder, not in key order ("10/" before
        // "10-x/"), and continues after the last key of a page, so it can return a key on two pages: compare sets.
        var (_, wholePageKeys) = List(bucket, prefix, filter, concurrency: 1);
        Assert.That(oneKeys.Distinct(), Is.EquivalentTo(wholePageKeys));

        static CountingHttpClientFactory SmallPages() => new()
        {
            Intercept = (request, _, _) =>
            {
                request.RequestUri = new Uri(request.RequestUri + "&max-keys=2");
                return Task.CompletedTask;
            },
        };
    }

    [Test]
    public void List_OneAtATime_NeverOverlaps()
    {
        var recorder = new CountingHttpClientFactory { Latency = TimeSpan.FromMilliseconds(5) };
        List(OrgBucket, string.Empty, OrgDay, concurrency: 1, recorder);

        Assert.That(recorder.MaxInFlight, Is.EqualTo(1));
    }

    /// <summary>
    /// The throughput check without a clock: with a little latency on every request (as from a laptop to S3), the
    /// organisation's account and region subtrees are listed side by side, never more than the bound at once.
    /// </summary>
    [TestCase(4)]
    [TestCase(16)]
    public void List_SeveralAtOnce_RequestsOverlapUpToTheBound(int concurrency)
    {
        var sequential = new CountingHttpClientFactory { Latency = TimeSpan.FromMilliseconds(20) };
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var (oneListings, oneKeys) = List(OrgBucket, string.Empty, OrgDay, concurrency: 1, sequential);
        TimeSpan oneTime = clock.Elapsed;
        var recorder = new CountingHttpClientFactory { Latency = TimeSpan.FromMilliseconds(20) };
        clock.Restart();
        var (listings, keys) = List(OrgBucket, string.Empty, OrgDay, concurrency, recorder);
        TimeSpan time = clock.Elapsed;

        TestContext.Out.WriteLine($"{listings.Length} requests, 20 ms added to each: one at a time {oneTime.TotalMilliseconds:F0} ms; " +
            $"{concurrency} at once {time.TotalMilliseconds:F0} ms, at most {recorder.MaxInFlight} in flight");
        Assert.That(keys, Is.EqualTo(oneKeys));
        Assert.That(listings, Is.EquivalentTo(oneListings));
        Assert.That(recorder.MaxInFlight, Is.GreaterThan(1).And.LessThanOrEqualTo(concurrency));
        Assert.That(recorder.InFlight, Is.Zero);
    }

    [Test]
    public void List_SubtreeRefused_SameSourceExceptionAfterTheSameKeys()
    {
        string refused = Tree(Flow + "2024/");
        var (oneKeys, oneError, _) = ListUntilFailure(1, Refuse(refused));
        var (keys, error, listings) = ListUntilFailure(16, Refuse(refused));

        Assert.That(oneError.Message, Does.StartWith($"s3://{Bucket}/{Flow}2024/: access denied").And.Contain("InvalidAccessKeyId"));
        Assert.That(error.Message, Is.EqualTo(oneError.Message));
        Assert.That(keys, Is.EqualTo(oneKeys), "the keys before the failure, in order");
        Assert.That(keys, Does.Contain(Flow + "stray.txt").And.Not.Contain(Flow + "2024/odd/o.txt"));
        Assert.That(listings, Has.Exactly(1).EqualTo(refused), "an access error is not retried");
    }

    /// <summary>
    /// Two subtrees are refused; the one later in walk order fails first in time (the earlier one is held back). The
    /// error is the earlier one's, as when listing one at a time, where the later one is never reached.
    /// </summary>
    [Test]
    public void List_TwoSubtreesRefused_TheFirstInWalkOrderSurfaces()
    {
        string first = Tree(FlowEu);
        string second = Tree(Flow);
        Func<HttpRequestMessage, string, int, Task> refuseBoth = async (request, listing, sentBefore) =>
        {
            if (listing == first)
            {
                await Task.Delay(TimeSpan.FromSeconds(1));
            }

            await Refuse(first, second)(request, listing, sentBefore);
        };

        var (oneKeys, oneError, oneListings) = ListUntilFailure(1, refuseBoth);
        var (keys, error, listings) = ListUntilFailure(16, refuseBoth);

        Assert.That(oneListings, Does.Contain(first).And.Not.Contain(second));
        Assert.That(listings, Does.Contain(first).And.Contain(second), "both were listed at once");
        Assert.That(oneError.Message, Does.StartWith($"s3://{Bucket}/{FlowEu}: access denied"));
        Assert.That(error.Message, Is.EqualTo(oneError.Message));
        Assert.That(keys, Is.EqualTo(oneKeys));
    }

    /// <summary>A dropped connection is retried by the SDK, in whichever subtree it happens: the walk completes unchanged.</summary>
    [Test]
    public void List_ConnectionDroppedOnce_RetriedAndSameKeys()
    {
        string[] dropped = [Tree(Flow + "2024/"), Flat(Flow + "2024/03/", Flow + "2024/03/01"), Tree(OrgAccount)];
        var recorder = new CountingHttpClientFactory
        {
            Intercept = (_, listing, sentBefore) => sentBefore == 0 && dropped.Contains(listing)
                ? throw new HttpRequestException("dropped by the test", new IOException("connection reset by the test"))
                : Task.CompletedTask,
        };
        var (_, oneKeys) = List(Bucket, string.Empty, ShortWindow, concurrency: 1);

        var (listings, keys) = List(Bucket, string.Empty, ShortWindow, concurrency: 16, recorder);

        Assert.That(keys, Is.EqualTo(oneKeys));
        foreach (string listing in dropped)
        {
            Assert.That(listings, Has.Exactly(2).EqualTo(listing), "sent, dropped, sent again");
        }
    }

    /// <summary>A connection that stays down in one subtree: after the SDK's retries, the same error as one at a time.</summary>
    [Test]
    public void List_ConnectionAlwaysDropped_SameSourceExceptionNamingThePrefix()
    {
        string broken = Tree(Flow + "2024/");
        Func<HttpRequestMessage, string, int, Task> drop = (_, listing, _) => listing == broken
            ? throw new HttpRequestException("dropped by the test", new IOException("connection reset by the test"))
            : Task.CompletedTask;

        var (oneKeys, oneError, oneListings) = ListUntilFailure(1, drop);
        var (keys, error, listings) = ListUntilFailure(16, drop);

        Assert.That(oneError.Message, Does.StartWith($"s3://{Bucket}/{Flow}2024/: "));
        Assert.That(oneListings.Count(l => l == broken), Is.GreaterThan(1), "retried before giving up");
        Assert.That(error.Message, Is.EqualTo(oneError.Message));
        Assert.That(keys, Is.EqualTo(oneKeys));
        Assert.That(listings.Count(l => l == broken), Is.EqualTo(oneListings.Count(l => l == broken)));
    }

    [Test]
    public void List_Cancelled_StopsTheWalkWithNothingLeftInFlight()
    {
        using var cancel = new CancellationTokenSource();
        int sent = 0;
        var recorder = new CountingHttpClientFactory
        {
            Latency = TimeSpan.FromMilliseconds(5),
            Intercept = (_, _, _) =>
            {
                if (Interlocked.Increment(ref sent) == 10)
                {
                    cancel.Cancel();
                }

                return Task.CompletedTask;
            },
        };
        using var s3 = new S3LogSource(S3Server.Client(recorder), S3SourceOptions.Default with { MaxConcurrentListings = 4 });
        var keys = new List<string>();

        Assert.That(() =>
        {
            foreach (LogInput input in s3.Enumerate($"s3://{OrgBucket}/", OrgDay, cancel.Token))
            {
                keys.Add(input.Name);
            }
        }, Throws.InstanceOf<OperationCanceledException>());

        int listed = recorder.Listings.Count;
        Assert.That(recorder.InFlight, Is.Zero, "the walk waits for what it cancelled");
        Thread.Sleep(200);
        Assert.That(recorder.Listings, Has.Count.EqualTo(listed), "nothing is sent after the walk stopped");
        Assert.That(listed, Is.LessThanOrEqualTo(10 + 4), "at most those already started when it was cancelled");
        Assert.That(keys, Has.Count.LessThan(OrgKeys().Count()));
    }

    /// <summary>A consumer that stops reading holds the walk to its look-ahead, and one that stops early ends it.</summary>
    [Test]
    public void List_ConsumerStops_LookAheadIsBoundedAndNothingStaysInFlight()
    {
        const int concurrency = 2;
        var recorder = new CountingHttpClientFactory();
        using var s3 = new S3LogSource(S3Server.Client(recorder), S3SourceOptions.Default with { MaxConcurrentListings = concurrency });
        var (all, _) = List(OrgBucket, string.Empty, SourceFilter.All, concurrency: 1);

        using (IEnumerator<LogInput> walk = s3.Enumerate($"s3://{OrgBucket}/", SourceFilter.All, default).GetEnumerator())
        {
            Assert.That(walk.MoveNext(), Is.True);
            Thread.Sleep(500);

            // Handed out: the listings up to the first key ("", AWSLogs/, the first account, its vpcflowlogs/, its
            // first region). Ahead: at most the look-ahead, plus the next one needed.
            int bound = 5 + (concurrency * S3Lister.LookAheadPerListing) + 1;
            TestContext.Out.WriteLine($"{recorder.Listings.Count} of {all.Length} listings made while the consumer waited (bound {bound})");
            Assert.That(recorder.Listings, Has.Count.LessThanOrEqualTo(bound));
            Assert.That(all, Has.Length.GreaterThan(bound));
        }

        int listed = recorder.Listings.Count;
        Assert.That(recorder.InFlight, Is.Zero);
        Thread.Sleep(200);
        Assert.That(recorder.Listings, Has.Count.EqualTo(listed));
    }

    /// <summary>Walks the layouts bucket with a short window until it fails, one request at a time or several.</summary>
    private static (string[] Keys, SourceException Error, string[] Listings) ListUntilFailure(int concurrency, Func<HttpRequestMessage, string, int, Task> intercept)
    {
        var recorder = new CountingHttpClientFactory { Intercept = intercept };
        using var s3 = new S3LogSource(S3Server.Client(recorder), S3SourceOptions.Default with { MaxConcurrentListings = concurrency });
        string root = $"s3://{Bucket}/";
        var keys = new List<string>();

        // Throws<SourceException>: exactly that type, not an AggregateException around it.
        SourceException error = Assert.Throws<SourceException>(() =>
        {
            foreach (LogInput input in s3.Enumerate(root, ShortWindow, default))
            {
                keys.Add(input.Name[root.Length..]);
            }
        });
        return ([.. keys], error!, [.. recorder.Listings]);
    }

    /// <summary>Sends the given listings under an access key the server does not know: it answers 403 InvalidAccessKeyId.</summary>
    private static Func<HttpRequestMessage, string, int, Task> Refuse(params string[] listings) => (request, listing, _) =>
    {
        if (listings.Contains(listing) && request.Headers.TryGetValues("Authorization", out IEnumerable<string>? values))
        {
            string authorization = values.Single().Replace("Credential=" + S3Server.AccessKey + "/", "Credential=UNKNOWNKEY/", StringComparison.Ordinal);
            request.Headers.Remove("Authorization");
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
        }

        return Task.CompletedTask;
    };
}
