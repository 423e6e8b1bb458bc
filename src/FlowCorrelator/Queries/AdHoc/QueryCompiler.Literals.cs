using System.Globalization;
using System.Reflection;
using System.Text.RegularExpressions;

namespace FlowCorrelator.Queries.AdHoc;

// Naming the field behind a literal of the wrong type: the parser reports the conversion, not the comparison.
internal static partial class QueryCompiler
{
    /// <summary>
    /// Finds the comparison (<c>FIELD op LITERAL</c> or <c>LITERAL op FIELD</c>) whose literal does not fit its
    /// field, and says which field and what was expected; null when none is found.
    /// </summary>
    private static QueryException? MismatchedLiteral(string argument, string text)
    {
        foreach (Match m in ComparisonPattern().Matches(text))
        {
            string name = m.Groups["f1"].Success ? m.Groups["f1"].Value : m.Groups["f2"].Value;
            string literal = m.Groups["l1"].Success ? m.Groups["l1"].Value : m.Groups["l2"].Value;
            if (!Fields.TryGetValue(name, out PropertyInfo? field))
            {
                continue;
            }

            if (Expected(field.PropertyType, literal) is { } expected)
            {
                string shown = EnrichedFlow.FieldName(field.Name);
                return new QueryException(argument, text, m.Index, shown, $"'{shown}' cannot be compared with {literal}: expected {expected}");
            }
        }

        return null;
    }

    /// <summary>What a literal compared with a field of <paramref name="type"/> must look like, or null when it fits.</summary>
    private static string? Expected(Type type, string literal)
    {
        bool quoted = literal.StartsWith('"');
        string value = quoted ? literal[1..^1] : literal;
        Type t = Nullable.GetUnderlyingType(type) ?? type;
        if (t == typeof(int) || t == typeof(long))
        {
            return !quoted && long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _) ? null : "a whole number without quotes, e.g. 22";
        }

        if (t == typeof(string))
        {
            return quoted ? null : "text in double quotes, e.g. \"ACCEPT\"";
        }

        if (t == typeof(bool))
        {
            return !quoted && value is "true" or "false" ? null : "true or false (or the field alone)";
        }

        if (t == typeof(IpAddr))
        {
            return quoted && IpAddr.TryParse(value, out _) ? null : "an IP address in double quotes, e.g. \"198.51.100.7\" (inCidr(field, \"198.51.100.0/24\") for a block)";
        }

        if (t == typeof(EniId))
        {
            return quoted && EniId.Parse(value).HasValue ? null : "an interface id in double quotes, e.g. \"eni-0123456789abcdef0\"";
        }

        if (t == typeof(DateTimeOffset))
        {
            return quoted && DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out _) ? null : "an ISO 8601 time in double quotes, e.g. \"2026-03-02T10:00:00Z\"";
        }

        return null;
    }

    [GeneratedRegex(@"(?<![\w.""])(?<f1>[A-Za-z_]\w*)\s*(?:==|!=|<>|<=|>=|<|>|=)\s*(?<l1>""(?:[^""\\]|\\.)*""|-?\d[\w.:]*|true|false)|(?<l2>""(?:[^""\\]|\\.)*""|-?\d[\w.:]*)\s*(?:==|!=|<>|<=|>=|<|>|=)\s*(?<f2>[A-Za-z_]\w*)(?![\w(])")]
    private static partial Regex ComparisonPattern();
}
