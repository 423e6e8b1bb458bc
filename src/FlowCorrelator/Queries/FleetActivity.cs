using System.Collections.Immutable;
using System.Runtime.InteropServices;

namespace FlowCorrelator.Queries;

/// <summary>
/// Question 1's records over time: for each minute (by record start) that has any, the ACCEPT and REJECT records of
/// non-scanner sources and of known scanners. The HTML report draws the fleet's attempts from it; it is not part of
/// the JSON contract. Filled only when <see cref="InvestigationOptions.FleetActivity"/> is set and question 1 is asked.
/// </summary>
public sealed record FleetActivity
{
    /// <summary>Width of a bucket, in seconds.</summary>
    public const int BucketSeconds = 60;

    /// <summary>Minutes that have records, in time order.</summary>
    public ImmutableArray<FleetActivityBucket> Buckets { get; init; } = [];

    /// <summary>All ACCEPT records (scanners included); equals the sum of question 1's <c>accepted</c>.</summary>
    public long TotalAccepted => Sum(static b => b.Accepted + b.ScannerAccepted);

    /// <summary>All REJECT records (scanners included); equals the sum of question 1's <c>rejected</c>.</summary>
    public long TotalRejected => Sum(static b => b.Rejected + b.ScannerRejected);

    private long Sum(Func<FleetActivityBucket, long> selector)
    {
        long total = 0;
        foreach (FleetActivityBucket b in Buckets)
        {
            total += selector(b);
        }

        return total;
    }
}

/// <summary>One minute of question 1's records.</summary>
/// <param name="Start">Start of the minute (UTC).</param>
/// <param name="Accepted">ACCEPT records from sources that are not known scanners.</param>
/// <param name="Rejected">REJECT records from sources that are not known scanners.</param>
/// <param name="ScannerAccepted">ACCEPT records from known scanners.</param>
/// <param name="ScannerRejected">REJECT records from known scanners.</param>
public readonly record struct FleetActivityBucket(DateTimeOffset Start, long Accepted, long Rejected, long ScannerAccepted, long ScannerRejected);

/// <summary>
/// Per-thread minute counts of the one pass. A record costs one dictionary probe on a struct value (no allocation
/// after the minute's first record); threads merge at the end.
/// </summary>
internal sealed class FleetActivityCounter
{
    private readonly Dictionary<long, Counts> _minutes = [];

    public void Add(long start, FlowAction action, bool scanner)
    {
        if (action is not (FlowAction.Accept or FlowAction.Reject))
        {
            return;
        }

        // Floor division: record starts before 1970 are impossible in AWS but legal in the format.
        long minute = Math.DivRem(start, FleetActivity.BucketSeconds, out long rem) - (rem < 0 ? 1 : 0);
        ref Counts c = ref CollectionsMarshal.GetValueRefOrAddDefault(_minutes, minute, out _);
        int slot = (scanner ? 2 : 0) + (action == FlowAction.Reject ? 1 : 0);
        switch (slot)
        {
            case 0: c.Accepted++; break;
            case 1: c.Rejected++; break;
            case 2: c.ScannerAccepted++; break;
            default: c.ScannerRejected++; break;
        }
    }

    public void Merge(FleetActivityCounter other)
    {
        foreach (KeyValuePair<long, Counts> kv in other._minutes)
        {
            ref Counts c = ref CollectionsMarshal.GetValueRefOrAddDefault(_minutes, kv.Key, out _);
            c.Accepted += kv.Value.Accepted;
            c.Rejected += kv.Value.Rejected;
            c.ScannerAccepted += kv.Value.ScannerAccepted;
            c.ScannerRejected += kv.Value.ScannerRejected;
        }
    }

    public FleetActivity ToActivity() => new()
    {
        Buckets = [.. _minutes.OrderBy(kv => kv.Key).Select(kv => new FleetActivityBucket(
            DateTimeOffset.FromUnixTimeSeconds(kv.Key * FleetActivity.BucketSeconds), kv.Value.Accepted, kv.Value.Rejected, kv.Value.ScannerAccepted, kv.Value.ScannerRejected))],
    };

    private struct Counts
    {
        public long Accepted;
        public long Rejected;
        public long ScannerAccepted;
        public long ScannerRejected;
    }
}
