namespace FlowCorrelator.Index;

/// <summary>
/// A value that changes at known instants: sorted start times with the value in force from each until the next.
/// Lookups are binary searches (the half-open <c>[from, to)</c> convention: a change at T applies to T itself).
/// </summary>
internal sealed class Timeline<T>
    where T : class
{
    private readonly long[] _times;
    private readonly T[] _values;

    public Timeline(List<(long Time, T Value)> entries)
    {
        _times = new long[entries.Count];
        _values = new T[entries.Count];
        for (int i = 0; i < entries.Count; i++)
        {
            _times[i] = entries[i].Time;
            _values[i] = entries[i].Value;
        }
    }

    public int Count => _times.Length;

    public ReadOnlySpan<long> Times => _times;

    public ReadOnlySpan<T> Values => _values;

    /// <summary>
    /// The value in force at <paramref name="time"/> and its validity [<paramref name="from"/>, <paramref name="to"/>),
    /// or null before the first change (then the range is empty); lets a caller cache the answer for later times.
    /// </summary>
    public T? At(long time, out long from, out long to)
    {
        long[] times = _times;
        int i = TimeSearch.LastAtOrBefore(times, time);
        if (i < 0)
        {
            from = to = 0;
            return null;
        }

        from = times[i];
        to = i + 1 < times.Length ? times[i + 1] : long.MaxValue;
        return _values[i];
    }

    /// <summary>The value in force at <paramref name="time"/>, or null before the first change.</summary>
    public T? At(long time)
    {
        long[] times = _times;
        if (times.Length == 1)
        {
            // Most interfaces never change after the evidence starts: skip the search.
            return time >= times[0] ? _values[0] : null;
        }

        int found = TimeSearch.LastAtOrBefore(times, time);
        return found < 0 ? null : _values[found];
    }
}

/// <summary>The one search every time-indexed structure does.</summary>
internal static class TimeSearch
{
    /// <summary>
    /// The last index whose time is at or before <paramref name="time"/> in distinct, ascending
    /// <paramref name="times"/>, or -1. A plain loop: <see cref="Array.BinarySearch{T}(T[], T)"/> goes through a generic
    /// comparer helper, which showed in the per-record profile.
    /// </summary>
    public static int LastAtOrBefore(long[] times, long time)
    {
        int lo = 0;
        int hi = times.Length - 1;
        int found = -1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            if (times[mid] <= time)
            {
                found = mid;
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }

        return found;
    }
}

/// <summary>One line of a resource's history, for the <c>timeline</c> view.</summary>
/// <param name="Time">When.</param>
/// <param name="EventId">CloudTrail event id (or snapshot id).</param>
/// <param name="EventName">Event name.</param>
/// <param name="Actor">Who.</param>
/// <param name="ResourceId">The resource the line is about.</param>
/// <param name="Change">What changed, in words.</param>
public sealed record TimelineEntry(DateTimeOffset Time, string EventId, string EventName, string? Actor, string ResourceId, string Change);
