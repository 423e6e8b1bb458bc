using System.Collections.Immutable;
using System.Globalization;

namespace FlowCorrelator.Queries.AdHoc;

/// <summary>
/// What a <see cref="FlowQuery"/> found: one row per group (one row without <c>--group-by</c>), ordered and limited
/// as asked. Values are <see cref="long"/>, <see cref="string"/>, <see cref="bool"/>, <see cref="DateTimeOffset"/>,
/// <see cref="IpAddr"/>, <see cref="EniId"/> or null; <see cref="Format"/> writes any of them as text.
/// </summary>
/// <param name="Columns">The columns: keys, then aggregates.</param>
/// <param name="Rows">The rows.</param>
/// <param name="RecordsOffered">Records in the window that the filter saw.</param>
/// <param name="RecordsMatched">Records the filter kept.</param>
public sealed record FlowQueryResult(ImmutableArray<QueryColumn> Columns, ImmutableArray<ImmutableArray<object?>> Rows, long RecordsOffered, long RecordsMatched)
{
    /// <summary>A value as text: times ISO 8601 UTC, numbers invariant, booleans <c>true</c>/<c>false</c>, absent as null.</summary>
    public static string? Format(object? value) => value switch
    {
        null => null,
        string s => s,
        DateTimeOffset t => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
        bool b => b ? "true" : "false",
        IpAddr a => a.HasValue ? a.ToString() : null,
        EniId e => e.HasValue ? e.ToString() : null,
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString(),
    };

    /// <summary>Orders two values of one column (nulls first; addresses and ids by their own order; text ordinally).</summary>
    public static int CompareValues(object? x, object? y) => (x, y) switch
    {
        (null, null) => 0,
        (null, _) => -1,
        (_, null) => 1,
        (IpAddr a, IpAddr b) => a.CompareTo(b),
        (EniId a, EniId b) => a.CompareTo(b),
        (string a, string b) => string.CompareOrdinal(a, b),
        (IComparable a, _) when x.GetType() == y.GetType() => a.CompareTo(y),
        _ => string.CompareOrdinal(Format(x), Format(y)),
    };
}
