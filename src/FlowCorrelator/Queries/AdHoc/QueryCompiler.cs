using System.ComponentModel;
using System.Globalization;
using System.Linq.Dynamic.Core;
using System.Linq.Dynamic.Core.CustomTypeProviders;
using System.Linq.Dynamic.Core.Exceptions;
using System.Linq.Expressions;
using System.Reflection;
using FlowCorrelator.Ingest;

namespace FlowCorrelator.Queries.AdHoc;

/// <summary>
/// Parses one expression over <see cref="EnrichedFlow"/> with System.Linq.Dynamic.Core into an expression tree, checks
/// every node against the allow-list (<see cref="AllowList"/>), rewrites <c>inCidr</c> to a pre-parsed block, and
/// notes which text columns the expression reads (so the pass copies only those out of each line).
/// </summary>
internal static partial class QueryCompiler
{
    private static readonly ParsingConfig Config = new()
    {
        IsCaseSensitive = false,
        CustomTypeProvider = new OnlyEnrichedFlow(),
        DisallowNewKeyword = true,
        AllowNewToEvaluateAnyType = false,
        ResolveTypesBySimpleName = false,
        SupportCastingToFullyQualifiedTypeAsString = false,
        AllowEqualsAndToStringMethodsOnObject = false,
        LoadAdditionalAssembliesFromCurrentDomainBaseDirectory = false,
        TypeConverters = new Dictionary<Type, TypeConverter>
        {
            [typeof(IpAddr)] = new TextConverter<IpAddr>(t => IpAddr.TryParse(t, out IpAddr a) ? a : throw new FormatException($"'{t}' is not an IP address")),
            [typeof(EniId)] = new TextConverter<EniId>(t => EniId.Parse(t) is { HasValue: true } e ? e : throw new FormatException($"'{t}' is not an interface id")),
        },
    };

    /// <summary>Every field a query may name, by its lower-case name (properties of <see cref="EnrichedFlow"/>).</summary>
    internal static readonly IReadOnlyDictionary<string, PropertyInfo> Fields = typeof(EnrichedFlow)
        .GetProperties(BindingFlags.Public | BindingFlags.Instance)
        .Where(p => p.Name is not (nameof(EnrichedFlow.Record) or nameof(EnrichedFlow.Interface)))
        .ToDictionary(p => p.Name.ToLowerInvariant(), p => p, StringComparer.OrdinalIgnoreCase);

    /// <summary>Parses, checks and rewrites <paramref name="text"/> into a lambda over <see cref="EnrichedFlow"/>.</summary>
    /// <param name="text">The expression.</param>
    /// <param name="resultType">Required result type, or null for the expression's own type.</param>
    /// <param name="argument">The option it came from, for messages (<c>--where</c>).</param>
    /// <param name="textFields">Receives the text columns the expression reads.</param>
    /// <exception cref="QueryException">A syntax error, an unknown field or function, a type mismatch, or a call outside the allow-list.</exception>
    public static LambdaExpression Compile(string text, Type? resultType, string argument, ISet<FlowField> textFields)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            throw new QueryException(argument, text ?? string.Empty, 0, null, "an expression is required");
        }

        LambdaExpression lambda;
        try
        {
            lambda = DynamicExpressionParser.ParseLambda(Config, typeof(EnrichedFlow), resultType, text);
        }
        catch (ParseException ex)
        {
            throw MismatchedLiteral(argument, text) ?? Explain(argument, text, ex.Position, ex.Message);
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or InvalidOperationException or NotSupportedException)
        {
            // Mostly a literal that cannot be converted to its field's type (dstport == "x", srcaddr == "not-an-address").
            throw MismatchedLiteral(argument, text)
                ?? new QueryException(argument, text, -1, null, "the expression cannot be compiled: " + (ex.InnerException?.Message ?? ex.Message).Trim());
        }

        var checker = new AllowList(argument, text, lambda.Parameters[0], textFields);
        Expression body = checker.Visit(lambda.Body)!;
        return Expression.Lambda(body, lambda.Parameters);
    }

    private static QueryException Explain(string argument, string text, int position, string message)
    {
        const string NoMember = "No property or field '";
        int at = message.IndexOf(NoMember, StringComparison.Ordinal);
        if (at >= 0)
        {
            int end = message.IndexOf('\'', at + NoMember.Length);
            string name = message[(at + NoMember.Length)..end];
            string? near = Nearest(name);
            return new QueryException(argument, text, position, name,
                $"unknown field '{name}': expected a flow-log or enriched field (srcaddr, dstport, protocol, action, direction, instanceId, instanceRunning, groups, vpcId, scanner, …; docs/query.md lists them all){(near is null ? string.Empty : $"; did you mean '{near}'?")}");
        }

        // "Method 'X' on type 'T' is not accessible." / "No applicable method 'X' exists in type 'T'".
        bool notCallable = (message.StartsWith("Method '", StringComparison.Ordinal) && message.Contains("not accessible", StringComparison.Ordinal))
            || message.StartsWith("No applicable method '", StringComparison.Ordinal);
        int open = message.IndexOf('\'', StringComparison.Ordinal);
        int close = open < 0 ? -1 : message.IndexOf('\'', open + 1);
        if (notCallable && close > open)
        {
            string name = message[(open + 1)..close];
            return new QueryException(argument, text, position, name,
                $"'{name}' cannot be called here: a query may call only tag(\"KEY\"), peerTag(\"KEY\"), hasGroup(\"sg-…\"), matchesRule(\"sgr-…\"), inCidr(ADDRESS, \"CIDR\") and the text tests StartsWith, EndsWith, Contains, ToLower, ToUpper, each with arguments of the right type");
        }

        message = message.Replace("type 'EnrichedFlow'", "the query's fields", StringComparison.Ordinal);
        return new QueryException(argument, text, position, null, message.TrimEnd('.'));
    }

    private static string? Nearest(string name)
    {
        string? best = null;
        int bestDistance = int.MaxValue;
        foreach (string candidate in Fields.Keys)
        {
            int d = Distance(name.ToLowerInvariant(), candidate);
            if (d < bestDistance)
            {
                (best, bestDistance) = (candidate, d);
            }
        }

        return best is not null && bestDistance <= Math.Max(2, name.Length / 3) ? EnrichedFlow.FieldName(Fields[best].Name) : null;
    }

    private static int Distance(string a, string b)
    {
        int[] previous = new int[b.Length + 1];
        int[] current = new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (int i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }

    /// <summary>
    /// The allow-list: a query reads the record's fields, compares, computes and calls a short list of functions; any
    /// other node (another type's member, a constructor, a lambda, a type test, reflection) is refused by name, so no
    /// query string can reach files, processes or reflection whatever the parser would accept.
    /// </summary>
    private sealed class AllowList(string argument, string text, ParameterExpression it, ISet<FlowField> textFields) : ExpressionVisitor
    {
        private static readonly HashSet<Type> ValueTypes =
        [
            typeof(bool), typeof(byte), typeof(sbyte), typeof(short), typeof(ushort), typeof(int), typeof(uint), typeof(long), typeof(ulong),
            typeof(float), typeof(double), typeof(decimal), typeof(char), typeof(string), typeof(DateTimeOffset), typeof(DateTime), typeof(TimeSpan),
            typeof(IpAddr), typeof(EniId), typeof(object),
        ];

        private static readonly MethodInfo InNetwork = typeof(EnrichedFlow).GetMethod(nameof(EnrichedFlow.InNetwork), BindingFlags.NonPublic | BindingFlags.Static)!;

        private static readonly Dictionary<string, FlowField> TextColumns =
            EnrichedFlow.TextColumns.ToDictionary(c => c.Property, c => c.Field, StringComparer.Ordinal);

        public override Expression? Visit(Expression? node)
        {
            if (node is null)
            {
                return null;
            }

            if (!ValueTypes.Contains(Nullable.GetUnderlyingType(node.Type) ?? node.Type) && node != it)
            {
                throw Refuse(node.Type.Name, $"a query computes with numbers, text, times, addresses and booleans, not with {node.Type.Name}");
            }

            switch (node.NodeType)
            {
                case ExpressionType.Parameter:
                    if (node != it)
                    {
                        throw Refuse(((ParameterExpression)node).Name, "only the record's fields can be named");
                    }

                    return node;
                case ExpressionType.Constant:
                case ExpressionType.MemberAccess:
                case ExpressionType.Call:
                case ExpressionType.Conditional:
                case ExpressionType.Not:
                case ExpressionType.Negate:
                case ExpressionType.Convert:
                case ExpressionType.AndAlso:
                case ExpressionType.OrElse:
                case ExpressionType.And:
                case ExpressionType.Or:
                case ExpressionType.ExclusiveOr:
                case ExpressionType.Equal:
                case ExpressionType.NotEqual:
                case ExpressionType.LessThan:
                case ExpressionType.LessThanOrEqual:
                case ExpressionType.GreaterThan:
                case ExpressionType.GreaterThanOrEqual:
                case ExpressionType.Add:
                case ExpressionType.Subtract:
                case ExpressionType.Multiply:
                case ExpressionType.Divide:
                case ExpressionType.Modulo:
                case ExpressionType.Coalesce:
                    return base.Visit(node);
                default:
                    throw Refuse(node.NodeType.ToString(), "this kind of expression is not allowed in a query");
            }
        }

        protected override Expression VisitMember(MemberExpression node)
        {
            if (node.Expression == it && node.Member is PropertyInfo p && Fields.TryGetValue(p.Name, out PropertyInfo? field) && field == p)
            {
                if (TextColumns.TryGetValue(p.Name, out FlowField f))
                {
                    textFields.Add(f);
                }

                return node;
            }

            throw Refuse(node.Member.Name, "only the record's fields can be read");
        }

        protected override Expression VisitMethodCall(MethodCallExpression node)
        {
            MethodInfo m = node.Method;
            if (m.DeclaringType == typeof(EnrichedFlow) && node.Object == it)
            {
                if (m.Name == nameof(EnrichedFlow.InCidr))
                {
                    if (node.Arguments[1] is not ConstantExpression { Value: string cidr })
                    {
                        throw Refuse("inCidr", "its second argument must be a CIDR block in quotes, e.g. inCidr(srcaddr, \"198.51.100.0/24\")");
                    }

                    if (!IpNetwork.TryParse(cidr, out IpNetwork network))
                    {
                        throw Refuse("inCidr", $"'{cidr}' is not a CIDR block (expected e.g. \"198.51.100.0/24\" or \"2001:db8::/32\")");
                    }

                    return Expression.Call(InNetwork, Visit(node.Arguments[0])!, Expression.Constant(network));
                }

                if (m.Name is nameof(EnrichedFlow.Tag) or nameof(EnrichedFlow.PeerTag) or nameof(EnrichedFlow.HasGroup) or nameof(EnrichedFlow.MatchesRule))
                {
                    return node.Update(node.Object, Visit(node.Arguments)!);
                }
            }

            if (m.DeclaringType == typeof(string) && !m.IsStatic && m.Name is "StartsWith" or "EndsWith" or "Contains" or "ToLower" or "ToUpper" or "ToLowerInvariant" or "ToUpperInvariant"
                && m.GetParameters().All(p => p.ParameterType == typeof(string)))
            {
                return node.Update(Visit(node.Object), Visit(node.Arguments)!);
            }

            if (m.DeclaringType == typeof(string) && m.IsStatic && m.Name is "Compare" or "Equals" or "Concat" && m.GetParameters().All(p => p.ParameterType == typeof(string)))
            {
                return node.Update(null, Visit(node.Arguments)!);
            }

            throw Refuse(m.Name, "a query may call only tag, peerTag, hasGroup, matchesRule, inCidr and the text tests StartsWith, EndsWith, Contains, ToLower, ToUpper");
        }

        protected override Expression VisitBinary(BinaryExpression node)
        {
            CheckOperator(node.Method);
            return base.VisitBinary(node);
        }

        protected override Expression VisitUnary(UnaryExpression node)
        {
            CheckOperator(node.Method);
            return base.VisitUnary(node);
        }

        protected override Expression VisitConstant(ConstantExpression node) => node;

        private void CheckOperator(MethodInfo? method)
        {
            // Operators of the value types (DateTimeOffset comparisons, IpAddr equality, string concatenation) only.
            if (method is not null && !(method.IsSpecialName && method.Name.StartsWith("op_", StringComparison.Ordinal) && ValueTypes.Contains(method.DeclaringType!))
                && !(method.DeclaringType == typeof(string) && method.Name is "Concat" or "Compare" or "Equals"))
            {
                throw Refuse(method.Name, "only operators of numbers, text, times and addresses are allowed");
            }
        }

        private QueryException Refuse(string? name, string why) =>
            new(argument, text, -1, name, $"'{name}' is not allowed: {why} (docs/query.md)");
    }

    /// <summary>Makes <see cref="EnrichedFlow"/>'s functions callable and resolves no type by name: <c>System.IO.File</c> is not a type to a query.</summary>
    private sealed class OnlyEnrichedFlow : IDynamicLinqCustomTypeProvider
    {
        private readonly HashSet<Type> _types = [typeof(EnrichedFlow)];

        public HashSet<Type> GetCustomTypes() => _types;

        public Dictionary<Type, List<MethodInfo>> GetExtensionMethods() => [];

        public Type? ResolveType(string typeName) => null;

        public Type? ResolveTypeBySimpleName(string simpleTypeName) => null;
    }

    /// <summary>Converts quoted text in a query to an address or interface id when compared with one.</summary>
    private sealed class TextConverter<T>(Func<string, T> parse) : TypeConverter
    {
        public override bool CanConvertFrom(ITypeDescriptorContext? context, Type sourceType) => sourceType == typeof(string);

        public override object? ConvertFrom(ITypeDescriptorContext? context, CultureInfo? culture, object value) => parse((string)value);
    }
}
