using System.Collections.Immutable;
using System.Linq.Expressions;
using System.Reflection;
using System.Text.RegularExpressions;
using FlowCorrelator.Index;
using FlowCorrelator.Ingest;

namespace FlowCorrelator.Queries.AdHoc;

/// <summary>
/// An ad-hoc question over <see cref="EnrichedFlow"/> records: a filter (<c>--where</c>), grouping keys
/// (<c>--group-by</c>), aggregates (<c>--select</c>: <c>count</c>, <c>sum(x)</c>, <c>min(x)</c>, <c>max(x)</c>,
/// <c>countDistinct(x)</c>, <c>first</c>, <c>last</c>), an order and a limit. Every expression is parsed, checked
/// against the allow-list and compiled to a delegate once, here, before any file is read (docs/query.md).
/// </summary>
/// <example>
/// <code>
/// FlowQuery q = FlowQuery.Compile("dstport == 22 &amp;&amp; direction == \"inbound\" &amp;&amp; tag(\"Name\") == \"payment\"", groupBy: "srcaddr");
/// FlowQueryResult r = workspace.Query(q);
/// </code>
/// </example>
/// <threadsafety>Immutable after <see cref="Compile"/>; the compiled delegates may run on many threads at once.</threadsafety>
public sealed partial class FlowQuery
{
    private static readonly MethodInfo ToUnixSeconds = typeof(DateTimeOffset).GetMethod(nameof(DateTimeOffset.ToUnixTimeSeconds))!;

    private FlowQuery(
        string? where,
        Func<EnrichedFlow, bool>? filter,
        ImmutableArray<QueryKey> keys,
        ImmutableArray<QueryAggregate> aggregates,
        ImmutableArray<(int Column, bool Descending)> order,
        int limit,
        ImmutableArray<FlowField> textFields)
    {
        Where = where;
        Filter = filter;
        Keys = keys;
        Aggregates = aggregates;
        Order = order;
        Limit = limit;
        TextFields = textFields;
        Columns = [.. keys.Select(k => new QueryColumn(k.Name, k.Kind)), .. aggregates.Select(a => new QueryColumn(a.Name, a.Kind))];
    }

    /// <summary>The filter as given (null: every record).</summary>
    public string? Where { get; }

    /// <summary>The result's columns: the keys, then the aggregates.</summary>
    public ImmutableArray<QueryColumn> Columns { get; }

    /// <summary>Rows kept after ordering (0: all).</summary>
    public int Limit { get; }

    /// <summary>The text columns the expressions read (copied out of each line; the others never are).</summary>
    public ImmutableArray<FlowField> TextFields { get; }

    internal Func<EnrichedFlow, bool>? Filter { get; }

    internal ImmutableArray<QueryKey> Keys { get; }

    internal ImmutableArray<QueryAggregate> Aggregates { get; }

    internal ImmutableArray<(int Column, bool Descending)> Order { get; }

    /// <summary>Parses, checks and compiles a query.</summary>
    /// <param name="where">Filter expression; null or empty for every record.</param>
    /// <param name="groupBy">Comma-separated key expressions, each optionally <c>EXPR as NAME</c>.</param>
    /// <param name="select">Comma-separated aggregates; with none, <c>count</c>.</param>
    /// <param name="orderBy">Comma-separated result column names, each optionally followed by <c>asc</c> or <c>desc</c>; by default the first aggregate, descending, then the keys.</param>
    /// <param name="limit">Rows to keep after ordering (0: all).</param>
    /// <exception cref="QueryException">Any expression is wrong; the message names the option, the identifier and what was expected.</exception>
    public static FlowQuery Compile(string? where, string? groupBy = null, string? select = null, string? orderBy = null, int limit = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        var textFields = new HashSet<FlowField>();
        Func<EnrichedFlow, bool>? filter = null;
        if (!string.IsNullOrWhiteSpace(where))
        {
            filter = (Func<EnrichedFlow, bool>)QueryCompiler.Compile(where, typeof(bool), "--where", textFields).Compile();
        }

        var keys = ImmutableArray.CreateBuilder<QueryKey>();
        foreach (string item in Split(groupBy))
        {
            (string expression, string? alias) = Alias(item);
            string name = alias ?? expression;
            LambdaExpression lambda = QueryCompiler.Compile(expression, null, "--group-by", textFields);
            keys.Add(new QueryKey(name, KindOf(lambda.Body.Type), Boxed(lambda)));
        }

        var aggregates = ImmutableArray.CreateBuilder<QueryAggregate>();
        foreach (string item in Split(string.IsNullOrWhiteSpace(select) ? "count" : select))
        {
            aggregates.Add(ParseAggregate(item, textFields));
        }

        var columns = keys.Select(k => k.Name).Concat(aggregates.Select(a => a.Name)).ToList();
        var duplicate = columns.GroupBy(c => c, StringComparer.OrdinalIgnoreCase).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new QueryException("--select", select ?? groupBy ?? string.Empty, -1, duplicate.Key, $"two result columns are named '{duplicate.Key}': give one a name with 'as NAME'");
        }

        return new FlowQuery(where, filter, keys.ToImmutable(), aggregates.ToImmutable(), ParseOrder(orderBy, columns, keys.Count), limit, [.. textFields.Order()]);
    }

    /// <summary>
    /// Reads every flow-log input once, on all cores: each thread enriches its records, filters and aggregates them
    /// into its own totals, and the totals are merged at the end.
    /// </summary>
    /// <param name="index">The index.</param>
    /// <param name="flowInputs">Flow-log files.</param>
    /// <param name="options">Window (<see cref="InvestigationOptions.From"/>, <see cref="InvestigationOptions.To"/>), scanners and reader options; question parameters are not used.</param>
    /// <param name="diagnostics">Receives one report per file.</param>
    /// <param name="progress">Per-file progress.</param>
    /// <param name="cancellationToken">Cancels the pass.</param>
    public FlowQueryResult Run(EnvironmentIndex index, IEnumerable<LogInput> flowInputs, InvestigationOptions options, IngestDiagnostics diagnostics, IProgress<FileReport>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(index);
        ArgumentNullException.ThrowIfNull(flowInputs);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(diagnostics);
        var merged = new QuerySink(this, index, options);
        new FlowLogReader(options.Reader).ReadAll(flowInputs, () => new QuerySink(this, index, options), merged.Merge, diagnostics, progress, cancellationToken);
        return merged.Result();
    }

    /// <summary>The query over records already in memory (no text columns: those read as null).</summary>
    public FlowQueryResult Run(EnvironmentIndex index, IEnumerable<FlowRecord> records, InvestigationOptions options)
    {
        ArgumentNullException.ThrowIfNull(index);
        ArgumentNullException.ThrowIfNull(records);
        ArgumentNullException.ThrowIfNull(options);
        var sink = new QuerySink(this, index, options);
        foreach (FlowRecord r in records)
        {
            sink.Add(r);
        }

        return sink.Result();
    }

    private static QueryAggregate ParseAggregate(string item, HashSet<FlowField> textFields)
    {
        (string expression, string? alias) = Alias(item);
        Match m = AggregatePattern().Match(expression);
        if (!m.Success)
        {
            throw new QueryException("--select", item, -1, expression.Split('(')[0].Trim(),
                $"'{expression.Split('(')[0].Trim()}' is not an aggregate: expected count, sum(x), min(x), max(x), countDistinct(x), first or last, each optionally 'as NAME'");
        }

        string function = m.Groups["f"].Value.ToLowerInvariant();
        string argument = m.Groups["arg"].Value.Trim();
        bool hasArgument = argument.Length > 0;
        string shown = function == "countdistinct" ? "countDistinct" : function;
        string name = alias ?? (hasArgument ? $"{shown}({argument})" : shown);
        switch (function)
        {
            case "count" when !hasArgument:
                return new QueryAggregate(name, AggregateKind.Count, QueryColumnKind.Number, null, null);
            case "first" or "last" when !hasArgument:
                return new QueryAggregate(name, function == "first" ? AggregateKind.Min : AggregateKind.Max, QueryColumnKind.Time, r => r.Record.Start, null);
            case "countdistinct" when hasArgument:
                {
                    LambdaExpression lambda = QueryCompiler.Compile(argument, null, "--select", textFields);
                    return new QueryAggregate(name, AggregateKind.CountDistinct, QueryColumnKind.Number, null, Boxed(lambda));
                }

            case "sum" or "min" or "max" when hasArgument:
                {
                    LambdaExpression lambda = QueryCompiler.Compile(argument, null, "--select", textFields);
                    Type t = Nullable.GetUnderlyingType(lambda.Body.Type) ?? lambda.Body.Type;
                    QueryColumnKind kind = QueryColumnKind.Number;
                    Expression body;
                    if (t == typeof(DateTimeOffset) && function != "sum")
                    {
                        body = Expression.Call(Expression.Convert(lambda.Body, typeof(DateTimeOffset)), ToUnixSeconds);
                        kind = QueryColumnKind.Time;
                    }
                    else if (t == typeof(int) || t == typeof(long) || t == typeof(short) || t == typeof(byte))
                    {
                        body = Expression.Convert(lambda.Body, typeof(long));
                    }
                    else
                    {
                        throw new QueryException("--select", item, -1, argument,
                            $"{function}() needs a number{(function == "sum" ? string.Empty : " or a time")}, but '{argument}' is {Describe(t)}");
                    }

                    var compiled = Expression.Lambda<Func<EnrichedFlow, long>>(body, lambda.Parameters).Compile();
                    AggregateKind k = function switch { "sum" => AggregateKind.Sum, "min" => AggregateKind.Min, _ => AggregateKind.Max };
                    return new QueryAggregate(name, k, kind, compiled, null);
                }

            default:
                throw new QueryException("--select", item, -1, function,
                    hasArgument ? $"{function} takes no argument (first and last are the first and last record start)" : $"{function}() needs an argument, e.g. {function}(bytes)");
        }
    }

    private static string Describe(Type t) =>
        t == typeof(string) ? "text" : t == typeof(bool) ? "a true/false value" : t == typeof(IpAddr) ? "an address" : t.Name;

    private static QueryColumnKind KindOf(Type type)
    {
        Type t = Nullable.GetUnderlyingType(type) ?? type;
        return t == typeof(DateTimeOffset) ? QueryColumnKind.Time
            : t == typeof(int) || t == typeof(long) || t == typeof(double) || t == typeof(decimal) ? QueryColumnKind.Number
            : t == typeof(bool) ? QueryColumnKind.Boolean
            : QueryColumnKind.Text;
    }

    private static Func<EnrichedFlow, object?> Boxed(LambdaExpression lambda) =>
        Expression.Lambda<Func<EnrichedFlow, object?>>(
            lambda.Body.Type == typeof(object) ? lambda.Body : Expression.Convert(lambda.Body, typeof(object)), lambda.Parameters).Compile();

    private static ImmutableArray<(int Column, bool Descending)> ParseOrder(string? orderBy, List<string> columns, int keyCount)
    {
        if (string.IsNullOrWhiteSpace(orderBy))
        {
            // Largest first aggregate first, then the keys: a stable, useful default.
            return [(keyCount, true), .. Enumerable.Range(0, keyCount).Select(i => (i, false))];
        }

        var order = ImmutableArray.CreateBuilder<(int, bool)>();
        foreach (string item in Split(orderBy))
        {
            string[] words = item.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            bool descending = false;
            string name = item.Trim();
            if (words.Length > 1 && words[^1].ToLowerInvariant() is "asc" or "desc")
            {
                descending = words[^1].Equals("desc", StringComparison.OrdinalIgnoreCase);
                name = item.Trim()[..item.Trim().LastIndexOf(' ')].Trim();
            }

            int column = columns.FindIndex(c => string.Equals(c, name, StringComparison.OrdinalIgnoreCase));
            if (column < 0)
            {
                throw new QueryException("--order-by", orderBy, -1, name, $"unknown column '{name}': expected one of the result's columns ({string.Join(", ", columns)}), optionally followed by asc or desc");
            }

            order.Add((column, descending));
        }

        return order.ToImmutable();
    }

    /// <summary>Splits on commas outside quotes and parentheses.</summary>
    internal static IEnumerable<string> Split(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            yield break;
        }

        int depth = 0;
        char quote = '\0';
        int start = 0;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (quote != '\0')
            {
                if (c == '\\')
                {
                    i++;
                }
                else if (c == quote)
                {
                    quote = '\0';
                }
            }
            else if (c is '"' or '\'')
            {
                quote = c;
            }
            else if (c == '(')
            {
                depth++;
            }
            else if (c == ')')
            {
                depth--;
            }
            else if (c == ',' && depth == 0)
            {
                yield return text[start..i].Trim();
                start = i + 1;
            }
        }

        yield return text[start..].Trim();
    }

    /// <summary>Splits <c>EXPR as NAME</c>; without an alias the name is null.</summary>
    private static (string Expression, string? Name) Alias(string item)
    {
        Match m = AliasPattern().Match(item);
        return m.Success ? (m.Groups["e"].Value.Trim(), m.Groups["n"].Value) : (item.Trim(), null);
    }

    [GeneratedRegex(@"^(?<e>.+?)\s+as\s+(?<n>[A-Za-z_][A-Za-z0-9_]*)\s*$", RegexOptions.IgnoreCase | RegexOptions.Singleline)]
    private static partial Regex AliasPattern();

    [GeneratedRegex(@"^(?<f>count|sum|min|max|countDistinct|first|last)\s*(\((?<arg>.*)\))?$", RegexOptions.IgnoreCase | RegexOptions.Singleline)]
    private static partial Regex AggregatePattern();
}

/// <summary>A result column.</summary>
/// <param name="Name">The key's expression or alias, or the aggregate's name.</param>
/// <param name="Kind">How its values are typed.</param>
public sealed record QueryColumn(string Name, QueryColumnKind Kind);

/// <summary>How a result column's values are typed.</summary>
public enum QueryColumnKind
{
    /// <summary>Text (also addresses and ids).</summary>
    Text,

    /// <summary>A whole number.</summary>
    Number,

    /// <summary>A time (written ISO 8601 UTC).</summary>
    Time,

    /// <summary>true or false.</summary>
    Boolean,
}

internal enum AggregateKind
{
    Count,
    Sum,
    Min,
    Max,
    CountDistinct,
}

internal sealed record QueryKey(string Name, QueryColumnKind Kind, Func<EnrichedFlow, object?> Value);

internal sealed record QueryAggregate(string Name, AggregateKind Function, QueryColumnKind Kind, Func<EnrichedFlow, long>? Number, Func<EnrichedFlow, object?>? Value);
