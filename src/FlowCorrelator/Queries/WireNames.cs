using System.Collections.Frozen;
using System.Reflection;
using System.Text.Json.Serialization;

namespace FlowCorrelator.Queries;

/// <summary>
/// The names that states (<see cref="Index.RuleChangeKind"/>, <see cref="UnusedGroupStatus"/>, <see cref="RuleUsageStatus"/>)
/// have in every output: JSON, tables, CSV, Markdown, SQL and exported tables. One source: each member's
/// <see cref="JsonStringEnumMemberNameAttribute"/>, which the JSON serializer reads too.
/// </summary>
public static class WireNames
{
    /// <summary>The output name of <paramref name="value"/> (e.g. <c>never-attached</c>).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is not a declared member, or the member has no output name.</exception>
    public static string ToWireName<T>(this T value)
        where T : struct, Enum =>
        Names<T>.ByValue.TryGetValue(value, out string? name)
            ? name
            : throw new ArgumentOutOfRangeException(nameof(value), value, $"{typeof(T).Name} has no output name for this value");

    private static class Names<T>
        where T : struct, Enum
    {
        // Built once per enum type: outputs name states per row, so the attribute is not read per call.
        public static readonly FrozenDictionary<T, string> ByValue = typeof(T)
            .GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.GetCustomAttribute<JsonStringEnumMemberNameAttribute>() is not null)
            .ToFrozenDictionary(f => (T)f.GetValue(null)!, f => f.GetCustomAttribute<JsonStringEnumMemberNameAttribute>()!.Name);
    }
}
