using System.Globalization;
using Amazon.S3;
using Amazon.S3.Model;
using FlowCorrelator.Ingest;

namespace FlowCorrelator.Aws;

/// <summary>
/// Lists the objects under an <c>s3://</c> location that can hold data for a <see cref="SourceFilter"/>, walking the
/// AWS log layouts (plain, Hive-compatible, organisation trails) with delimiter listings and listing only the date
/// prefixes that can matter. Anything that does not follow a layout is listed fully, so pruning never hides data.
/// </summary>
/// <remarks>
/// Layouts (FORMATS.md A.6, B.1):
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
/// </remarks>
internal sealed class S3Lister(IAmazonS3 client, S3SourceOptions options, string endpoint)
{
    /// <summary>How many levels of unknown folders above <c>AWSLogs/</c> are walked before a folder is listed flat.</summary>
    private const int MaxRootDepth = 3;

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
        var walk = new Walk(location.Bucket, location.Prefix, filter, cancellationToken);
        return Root(walk, string.Empty, 0);
    }

    private sealed record Walk(string Bucket, string UserPrefix, SourceFilter Filter, CancellationToken Token);

    /// <summary>
    /// One folder level, the shape every layout level shares: the objects directly in it, then, for each sub-folder in
    /// listing order, what <paramref name="below"/> makes of it (given the folder's name and prefix): a deeper level, a
    /// flat listing, or nothing. Lazy like the rest of the walk: the level is listed when enumeration reaches it.
    /// </summary>
    private IEnumerable<S3ObjectInfo> Level(Walk w, string prefix, Func<string, string, IEnumerable<S3ObjectInfo>> below)
    {
        var (folders, objects) = Children(w, prefix);
        foreach (S3ObjectInfo o in objects)
        {
            yield return o;
        }

        foreach (string folder in folders)
        {
            foreach (S3ObjectInfo o in below(folder, prefix + folder + "/"))
            {
                yield return o;
            }
        }
    }

    /// <summary>Unknown folders above <c>AWSLogs/</c> (a trail's or flow log's own prefix), a few levels deep.</summary>
    private IEnumerable<S3ObjectInfo> Root(Walk w, string prefix, int depth) =>
        Level(w, prefix, (folder, folderPrefix) =>
            folder == "AWSLogs" ? AwsLogs(w, folderPrefix)
            : depth + 1 < MaxRootDepth ? Root(w, folderPrefix, depth + 1)
            : Flat(w, folderPrefix));

    /// <summary>Below <c>AWSLogs/</c>: organisation folders (<c>o-…/</c>, holding accounts) and accounts.</summary>
    private IEnumerable<S3ObjectInfo> AwsLogs(Walk w, string prefix) =>
        Level(w, prefix, (folder, folderPrefix) =>
            folder.StartsWith("o-", StringComparison.Ordinal)
                ? Level(w, folderPrefix, (account, accountPrefix) => AccountFolder(w, account, accountPrefix))
                : AccountFolder(w, folder, folderPrefix));

    /// <summary>An account folder (<c>123456789012/</c> or <c>aws-account-id=…/</c>): its services, when the account is wanted.</summary>
    private IEnumerable<S3ObjectInfo> AccountFolder(Walk w, string folder, string prefix) =>
        AccountId(folder) is not { } account ? Flat(w, prefix)
        : Wanted(w.Filter.Accounts, account) ? Level(w, prefix, (service, servicePrefix) => ServiceFolder(w, service, servicePrefix))
        : [];

    /// <summary>A service folder of an account: the log layouts known here by region, any other service listed whole.</summary>
    private IEnumerable<S3ObjectInfo> ServiceFolder(Walk w, string folder, string prefix) => folder switch
    {
        "vpcflowlogs" => Regions(w, prefix, Service.FlowLogs, hive: false),
        "aws-service=vpcflowlogs" => Regions(w, prefix, Service.FlowLogs, hive: true),
        // Insight files share CloudTrail's layout and delivery-time folders.
        "CloudTrail" or "CloudTrail-Insight" => Regions(w, prefix, Service.CloudTrail, hive: false),
        // Digests are integrity records, not events (FORMATS.md B.1): not listed at all.
        "CloudTrail-Digest" => [],
        _ => Flat(w, prefix),
    };

    /// <summary>Region folders (<c>us-east-1/</c> or <c>aws-region=us-east-1/</c>): the date folders of the wanted ones.</summary>
    private IEnumerable<S3ObjectInfo> Regions(Walk w, string prefix, Service service, bool hive) =>
        Level(w, prefix, (folder, regionPrefix) =>
        {
            string region = hive && folder.StartsWith("aws-region=", StringComparison.Ordinal) ? folder["aws-region=".Length..] : folder;
            return Wanted(w.Filter.Regions, region) ? Dates(w, regionPrefix, service, hive) : [];
        });

    /// <summary>
    /// The date folders under one region that can hold the window. However short the window, the region, its years and
    /// the months it cuts are listed one level at a time rather than naming the day prefixes directly: that costs a
    /// few requests per region but is the only way to see objects and odd folders beside the date folders.
    /// </summary>
    private IEnumerable<S3ObjectInfo> Dates(Walk w, string regionPrefix, Service service, bool hive)
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
    private IEnumerable<S3ObjectInfo> Years(Walk w, string regionPrefix, DateLayout layout, DateOnly first, DateOnly last) =>
        Level(w, regionPrefix, (folder, yearPrefix) =>
            layout.ParseYear(folder) is not int year ? Flat(w, yearPrefix)
            : year < first.Year || year > last.Year ? []
            : year > first.Year && year < last.Year ? Flat(w, yearPrefix)
            : Months(w, yearPrefix, layout, year, first, last));

    /// <summary>Month folders of one year: outside the window skipped, inside it listed whole, cut by it listed over the window's days only.</summary>
    private IEnumerable<S3ObjectInfo> Months(Walk w, string yearPrefix, DateLayout layout, int year, DateOnly first, DateOnly last) =>
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
                return [];
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
    private IEnumerable<S3ObjectInfo> Days(Walk w, string monthPrefix, DateLayout layout, int from, int to)
    {
        var (folders, objects) = Children(w, monthPrefix);
        foreach (S3ObjectInfo o in objects)
        {
            yield return o;
        }

        var index = new Dictionary<string, int>(folders.Count, StringComparer.Ordinal);
        for (int i = 0; i < folders.Count; i++)
        {
            index[folders[i]] = i;
        }

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
            IEnumerable<S3ObjectInfo> run = runFirst == runLast
                ? Flat(w, monthPrefix + folders[runFirst] + "/")
                : Flat(w, monthPrefix, monthPrefix + folders[runFirst], key => Triage(key, runFirst, runLast));
            foreach (S3ObjectInfo o in run)
            {
                yield return o;
            }
        }

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
    }

    /// <summary>Every object under a prefix (narrowed to the user's prefix), digests excepted.</summary>
    private IEnumerable<S3ObjectInfo> Flat(Walk w, string prefix, string? startAfter = null, Func<string, KeyAction>? triage = null)
    {
        string? effective = prefix.StartsWith(w.UserPrefix, StringComparison.Ordinal) ? prefix
            : w.UserPrefix.StartsWith(prefix, StringComparison.Ordinal) ? w.UserPrefix
            : null;
        if (effective is null)
        {
            yield break;
        }

        string? token = null;
        do
        {
            ListObjectsV2Response page = ListPage(w, new ListObjectsV2Request { BucketName = w.Bucket, Prefix = effective, ContinuationToken = token, StartAfter = token is null ? startAfter : null });
            foreach (S3Object o in page.S3Objects ?? [])
            {
                KeyAction action = triage?.Invoke(o.Key) ?? KeyAction.Keep;
                if (action == KeyAction.Stop)
                {
                    yield break;
                }

                if (action == KeyAction.Keep && Keep(o))
                {
                    yield return Info(w, o);
                }
            }

            token = page.IsTruncated == true ? page.NextContinuationToken : null;
        }
        while (token is not null);
    }

    /// <summary>
    /// The sub-folders of a level and the objects directly in it. Where the user's prefix already names the next folder
    /// no request is made; where it ends inside a name, the listing is narrowed to that partial name.
    /// </summary>
    private (List<string> Folders, List<S3ObjectInfo> Objects) Children(Walk w, string prefix)
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
            ListObjectsV2Response page = ListPage(w, new ListObjectsV2Request { BucketName = w.Bucket, Prefix = listPrefix, Delimiter = "/", ContinuationToken = token });
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

    private ListObjectsV2Response ListPage(Walk w, ListObjectsV2Request request)
    {
        w.Token.ThrowIfCancellationRequested();
        try
        {
            // Sync-over-async: IRemoteLogSource.Enumerate is synchronous and the SDK only has async calls.
            return client.ListObjectsV2Async(request, w.Token).GetAwaiter().GetResult();
        }
        catch (OperationCanceledException) when (w.Token.IsCancellationRequested)
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
