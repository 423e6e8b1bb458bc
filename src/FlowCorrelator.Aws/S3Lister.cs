using System.Globalization;
using Amazon.S3;
using Amazon.S3.Model;
using FlowCorrelator.Ingest;
using Listing = FlowCorrelator.Aws.WalkListing<FlowCorrelator.Aws.S3ObjectInfo>;
using Node = FlowCorrelator.Aws.WalkNode<FlowCorrelator.Aws.S3ObjectInfo>;

namespace FlowCorrelator.Aws;

/// <summary>
/// Lists the objects under an <c>s3://</c> location that can hold data for a <see cref="SourceFilter"/>, walking the
/// AWS log layouts (plain, Hive-compatible, organisation trails) with delimiter listings and listing only the date
/// prefixes that can matter. Anything that does not follow a layout is listed fully, so pruning never hides data.
/// </summary>
/// <remarks>
/// Layouts (docs/formats.md A.6, B.1):
/// <c>…/AWSLogs/[o-id/]&lt;account&gt;/{vpcflowlogs|CloudTrail}/&lt;region&gt;/YYYY/MM/DD/[HH/]</c> and
/// <c>…/AWSLogs/aws-account-id=&lt;a&gt;/aws-service=vpcflowlogs/aws-region=&lt;r&gt;/year=YYYY/month=MM/day=DD/[hour=HH/]</c>.
/// Date folders are delivery times, so flow logs are padded for late delivery and CloudTrail keeps everything up to
/// the day after the window (state is built from all earlier events).
/// <para>
/// Requests per wanted region when the window has both ends: one for the region folder, one for each year folder the
/// window starts or ends in (a year inside it is listed whole, in one), one for each month wholly inside the window,
/// two for each month it cuts (its folders, then its kept days in one listing), and one for each odd folder met on the
/// way (none when it sits beside the kept days of a month). So a one-day window inside a month costs 4 requests, a
/// 30-day window across two months 6.
/// </para>
/// <para>
/// Folders that do not depend on each other are listed concurrently, up to <see cref="S3SourceOptions.MaxConcurrentListings"/>
/// requests at once (<see cref="OrderedWalk"/>): the requests and the objects, in order, are those of a one-at-a-time
/// walk, and a failure surfaces where that walk would have stopped.
/// </para>
/// </remarks>
internal sealed class S3Lister(IAmazonS3 client, S3SourceOptions options, string endpoint)
{
    /// <summary>How many levels of unknown folders above <c>AWSLogs/</c> are walked before a folder is listed flat.</summary>
    private const int MaxRootDepth = 3;

    /// <summary>
    /// Listings the walk may hold ahead of the consumer, per concurrent listing. Region subtrees are chains of about
    /// four listings, and the ones after the consumer's hold their finished listings until it gets there: simulated on
    /// an organisation trail of 50 accounts × 17 regions with 50 ms a listing and 16 at once, 2 per slot reached 30 %
    /// of the ideal speed-up, 4 reached 79 %, 8 reached 94 %, as much as no bound. A flat listing is held one page
    /// (1,000 keys) at a time, so at the default at most 128 pages and folder listings are held ahead, however large
    /// the bucket.
    /// </summary>
    internal const int LookAheadPerListing = 8;

    private enum Service
    {
        FlowLogs,
        CloudTrail,
    }

    /// <summary>What a ranged listing does with a key: return it, pass over it, or end before it.</summary>
    private enum KeyAction
    {
        Keep,
        Skip,
        Stop,
    }

    public IEnumerable<S3ObjectInfo> List(S3Location location, SourceFilter filter, CancellationToken cancellationToken)
    {
        var walk = new Walk(location.Bucket, location.Prefix, filter);
        int concurrency = options.MaxConcurrentListings;
        return OrderedWalk.Run(Root(walk, string.Empty, 0), concurrency, concurrency * LookAheadPerListing, cancellationToken);
    }

    private sealed record Walk(string Bucket, string UserPrefix, SourceFilter Filter);

    /// <summary>
    /// One folder level, the shape every layout level shares: the objects directly in it, then, for each sub-folder in
    /// listing order, what <paramref name="below"/> makes of it (given the folder's name and prefix): a deeper level, a
    /// flat listing, or nothing (null). Nothing is listed until the walk runs the node.
    /// </summary>
    private Node Level(Walk w, string prefix, Func<string, string, Node?> below) =>
        new(async ct =>
        {
            var (folders, objects) = await ChildrenAsync(w, prefix, ct).ConfigureAwait(false);
            var nodes = new List<Node>(folders.Count);
            foreach (string folder in folders)
            {
                if (below(folder, prefix + folder + "/") is { } node)
                {
                    nodes.Add(node);
                }
            }

            return new Listing(objects, nodes);
        });

    /// <summary>Unknown folders above <c>AWSLogs/</c> (a trail's or flow log's own prefix), a few levels deep.</summary>
    private Node Root(Walk w, string prefix, int depth) =>
        Level(w, prefix, (folder, folderPrefix) =>
            folder == "AWSLogs" ? AwsLogs(w, folderPrefix)
            : depth + 1 < MaxRootDepth ? Root(w, folderPrefix, depth + 1)
            : Flat(w, folderPrefix));

    /// <summary>Below <c>AWSLogs/</c>: organisation folders (<c>o-…/</c>, holding accounts) and accounts.</summary>
    private Node AwsLogs(Walk w, string prefix) =>
        Level(w, prefix, (folder, folderPrefix) =>
            folder.StartsWith("o-", StringComparison.Ordinal)
                ? Level(w, folderPrefix, (account, accountPrefix) => AccountFolder(w, account, accountPrefix))
                : AccountFolder(w, folder, folderPrefix));

    /// <summary>An account folder (<c>123456789012/</c> or <c>aws-account-id=…/</c>): its services, when the account is wanted.</summary>
    private Node? AccountFolder(Walk w, string folder, string prefix) =>
        AccountId(folder) is not { } account ? Flat(w, prefix)
        : Wanted(w.Filter.Accounts, account) ? Level(w, prefix, (service, servicePrefix) => ServiceFolder(w, service, servicePrefix))
        : null;

    /// <summary>A service folder of an account: the log layouts known here by region, any other service listed whole.</summary>
    private Node? ServiceFolder(Walk w, string folder, string prefix) => folder switch
    {
        "vpcflowlogs" => Regions(w, prefix, Service.FlowLogs, hive: false),
        "aws-service=vpcflowlogs" => Regions(w, prefix, Service.FlowLogs, hive: true),
        // Insight files share CloudTrail's layout and delivery-time folders.
        "CloudTrail" or "CloudTrail-Insight" => Regions(w, prefix, Service.CloudTrail, hive: false),
        // Digests are integrity records, not events (docs/formats.md B.1): not listed at all.
        "CloudTrail-Digest" => null,
        _ => Flat(w, prefix),
    };

    /// <summary>Region folders (<c>us-east-1/</c> or <c>aws-region=us-east-1/</c>): the date folders of the wanted ones.</summary>
    private Node Regions(Walk w, string prefix, Service service, bool hive) =>
        Level(w, prefix, (folder, regionPrefix) =>
        {
            string region = hive && folder.StartsWith("aws-region=", StringComparison.Ordinal) ? folder["aws-region=".Length..] : folder;
            return Wanted(w.Filter.Regions, region) ? Dates(w, regionPrefix, service, hive) : null;
        });

    /// <summary>
    /// The date folders under one region that can hold the window. However short the window, the region, its years and
    /// the months it cuts are listed one level at a time rather than naming the day prefixes directly: that costs a
    /// few requests per region but is the only way to see objects and odd folders beside the date folders.
    /// </summary>
    private Node? Dates(Walk w, string regionPrefix, Service service, bool hive)
    {
        SourceFilter f = w.Filter;
        DateOnly? first;
        DateOnly? last;
        if (service == Service.FlowLogs)
        {
            if (f.From is null && f.To is null)
            {
                return Flat(w, regionPrefix);
            }

            first = f.From is { } from ? DateOnly.FromDateTime((from - options.FlowLogDeliveryPadding).UtcDateTime) : null;
            last = f.To is { } to ? DateOnly.FromDateTime((to + options.FlowLogDeliveryPadding).UtcDateTime) : null;
        }
        else
        {
            if (f.To is null)
            {
                return Flat(w, regionPrefix);
            }

            // Everything before the window builds state; a file delivered just after midnight sits in the next day.
            first = null;
            last = DateOnly.FromDateTime(f.To.Value.UtcDateTime.AddTicks(-1)).AddDays(1);
        }

        return Years(w, regionPrefix, new DateLayout(hive), first ?? DateOnly.MinValue, last ?? DateOnly.MaxValue);
    }

    /// <summary>Year folders: outside the window skipped, strictly inside it listed whole, its first and last year month by month.</summary>
    private Node Years(Walk w, string regionPrefix, DateLayout layout, DateOnly first, DateOnly last) =>
        Level(w, regionPrefix, (folder, yearPrefix) =>
            layout.ParseYear(folder) is not int year ? Flat(w, yearPrefix)
            : year < first.Year || year > last.Year ? null
            : year > first.Year && year < last.Year ? Flat(w, yearPrefix)
            : Months(w, yearPrefix, layout, year, first, last));

    /// <summary>Month folders of one year: outside the window skipped, inside it listed whole, cut by it listed over the window's days only.</summary>
    private Node Months(Walk w, string yearPrefix, DateLayout layout, int year, DateOnly first, DateOnly last) =>
        Level(w, yearPrefix, (folder, monthPrefix) =>
        {
            if (layout.ParseMonth(folder) is not int month)
            {
                return Flat(w, monthPrefix);
            }

            var monthFirst = new DateOnly(year, month, 1);
            var monthLast = new DateOnly(year, month, DateTime.DaysInMonth(year, month)); // AddMonths(1) throws for 9999-12
            if (monthLast < first || monthFirst > last)
            {
                return null;
            }

            if (monthFirst >= first && monthLast <= last)
            {
                return Flat(w, monthPrefix);
            }

            return Days(w, monthPrefix, layout, monthFirst > first ? monthFirst.Day : first.Day, monthLast < last ? monthLast.Day : last.Day);
        });

    /// <summary>
    /// Days <paramref name="from"/>..<paramref name="to"/> of a month the window cuts. The month is listed one level first,
    /// so objects and odd folders in it are kept wherever they sort; then each run of kept folders that are neighbours in
    /// key order (normally the window's days, plus any odd folder beside them) is listed in one request.
    /// </summary>
    private Node Days(Walk w, string monthPrefix, DateLayout layout, int from, int to) =>
        new(async ct =>
        {
            var (folders, objects) = await ChildrenAsync(w, monthPrefix, ct).ConfigureAwait(false);
            var index = new Dictionary<string, int>(folders.Count, StringComparer.Ordinal);
            for (int i = 0; i < folders.Count; i++)
            {
                index[folders[i]] = i;
            }

            var runs = new List<Node>();
            int next = 0;
            while (next < folders.Count)
            {
                if (!Kept(folders[next]))
                {
                    next++;
                    continue;
                }

                int runFirst = next;
                while (next < folders.Count && Kept(folders[next]))
                {
                    next++;
                }

                int runLast = next - 1;
                Node? run = runFirst == runLast
                    ? Flat(w, monthPrefix + folders[runFirst] + "/")
                    : Flat(w, monthPrefix, monthPrefix + folders[runFirst], key => Triage(key, runFirst, runLast));
                if (run is not null)
                {
                    runs.Add(run);
                }
            }

            return new Listing(objects, runs);

            bool Kept(string folder) => layout.ParseDay(folder) is not int day || (day >= from && day <= to);

            // Folders come in key order, so the first key of a folder after the run ends it. Objects of the month itself
            // ("10.log.gz" sorts between "10" and "10/") were returned above and are passed over, as is a folder that
            // appeared after the month was listed.
            KeyAction Triage(string key, int runFirst, int runLast)
            {
                int slash = key.IndexOf('/', monthPrefix.Length);
                if (slash < 0 || !index.TryGetValue(key[monthPrefix.Length..slash], out int i))
                {
                    return KeyAction.Skip;
                }

                return i > runLast ? KeyAction.Stop : i >= runFirst ? KeyAction.Keep : KeyAction.Skip;
            }
        });

    /// <summary>Every object under a prefix (narrowed to the user's prefix), digests excepted; null when the user's prefix excludes it.</summary>
    private Node? Flat(Walk w, string prefix, string? startAfter = null, Func<string, KeyAction>? triage = null)
    {
        string? effective = prefix.StartsWith(w.UserPrefix, StringComparison.Ordinal) ? prefix
            : w.UserPrefix.StartsWith(prefix, StringComparison.Ordinal) ? w.UserPrefix
            : null;
        return effective is null ? null : FlatPage(w, effective, startAfter, null, triage);
    }

    /// <summary>
    /// One page of a flat listing; the next page, if any, is its only child. Pages are nodes of their own so that a
    /// huge listing is held one page at a time, as the consumer reaches it, rather than whole.
    /// </summary>
    private Node FlatPage(Walk w, string prefix, string? startAfter, string? token, Func<string, KeyAction>? triage) =>
        new(async ct =>
        {
            ListObjectsV2Response page = await ListPageAsync(w, new ListObjectsV2Request { BucketName = w.Bucket, Prefix = prefix, ContinuationToken = token, StartAfter = token is null ? startAfter : null }, ct).ConfigureAwait(false);
            var objects = new List<S3ObjectInfo>(page.S3Objects?.Count ?? 0);
            foreach (S3Object o in page.S3Objects ?? [])
            {
                KeyAction action = triage?.Invoke(o.Key) ?? KeyAction.Keep;
                if (action == KeyAction.Stop)
                {
                    return new Listing(objects, []);
                }

                if (action == KeyAction.Keep && Keep(o))
                {
                    objects.Add(Info(w, o));
                }
            }

            return page.IsTruncated == true && page.NextContinuationToken is { } next
                ? new Listing(objects, [FlatPage(w, prefix, startAfter, next, triage)])
                : new Listing(objects, []);
        });

    /// <summary>
    /// The sub-folders of a level and the objects directly in it. Where the user's prefix already names the next folder
    /// no request is made; where it ends inside a name, the listing is narrowed to that partial name.
    /// </summary>
    private async Task<(List<string> Folders, List<S3ObjectInfo> Objects)> ChildrenAsync(Walk w, string prefix, CancellationToken cancellationToken)
    {
        var folders = new List<string>();
        var objects = new List<S3ObjectInfo>();
        string listPrefix = prefix;
        if (w.UserPrefix.Length > prefix.Length)
        {
            string rest = w.UserPrefix[prefix.Length..];
            int slash = rest.IndexOf('/', StringComparison.Ordinal);
            if (slash >= 0)
            {
                folders.Add(rest[..slash]);
                return (folders, objects);
            }

            listPrefix = w.UserPrefix;
        }

        string? token = null;
        do
        {
            ListObjectsV2Response page = await ListPageAsync(w, new ListObjectsV2Request { BucketName = w.Bucket, Prefix = listPrefix, Delimiter = "/", ContinuationToken = token }, cancellationToken).ConfigureAwait(false);
            foreach (string common in page.CommonPrefixes ?? [])
            {
                // "a/b/" under "a/" is folder "b"; an empty name ("a//") is a real but odd folder, listed flat by the caller.
                folders.Add(common[prefix.Length..^1]);
            }

            foreach (S3Object o in page.S3Objects ?? [])
            {
                if (Keep(o))
                {
                    objects.Add(Info(w, o));
                }
            }

            token = page.IsTruncated == true ? page.NextContinuationToken : null;
        }
        while (token is not null);
        return (folders, objects);
    }

    private async Task<ListObjectsV2Response> ListPageAsync(Walk w, ListObjectsV2Request request, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        try
        {
            return await client.ListObjectsV2Async(request, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex) when (ex is Amazon.Runtime.AmazonServiceException or Amazon.Runtime.AmazonClientException or HttpRequestException or IOException or OperationCanceledException)
        {
            throw S3Errors.ToSourceException(ex, w.Bucket, request.Prefix ?? string.Empty, endpoint);
        }
    }

    private static bool Keep(S3Object o) =>
        !o.Key.EndsWith('/') && !o.Key.Contains("/CloudTrail-Digest/", StringComparison.Ordinal);

    private static S3ObjectInfo Info(Walk w, S3Object o) => new(w.Bucket, o.Key, o.Size ?? 0, o.ETag);

    private static string? AccountId(string folder)
    {
        string id = folder.StartsWith("aws-account-id=", StringComparison.Ordinal) ? folder["aws-account-id=".Length..] : folder;
        return id.Length > 0 && id.AsSpan().IndexOfAnyExceptInRange('0', '9') < 0 ? id : null;
    }

    private static bool Wanted(IReadOnlyList<string> wanted, string value) =>
        wanted.Count == 0 || wanted.Contains(value, StringComparer.OrdinalIgnoreCase);

    /// <summary>Date folder names: <c>2024/05/07/</c> or <c>year=2024/month=05/day=07/</c>.</summary>
    private readonly struct DateLayout(bool hive)
    {
        public int? ParseYear(string folder) => Parse(folder, "year=", 1, 9999);

        public int? ParseMonth(string folder) => Parse(folder, "month=", 1, 12);

        public int? ParseDay(string folder) => Parse(folder, "day=", 1, 31);

        private int? Parse(string folder, string hivePrefix, int min, int max)
        {
            ReadOnlySpan<char> text = folder;
            if (hive)
            {
                if (!text.StartsWith(hivePrefix, StringComparison.Ordinal))
                {
                    return null;
                }

                text = text[hivePrefix.Length..];
            }

            return text.Length is > 0 and <= 4 && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n >= min && n <= max ? n : null;
        }
    }
}
