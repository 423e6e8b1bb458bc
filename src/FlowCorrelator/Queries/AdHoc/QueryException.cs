namespace FlowCorrelator.Queries.AdHoc;

/// <summary>
/// A query expression that cannot run: a syntax error, an unknown field or function, a literal of the wrong type, or
/// a call outside the allow-list. Raised when the query is compiled, before any file is read.
/// </summary>
public sealed class QueryException : FormatException
{
    internal QueryException(string argument, string expression, int position, string? identifier, string reason)
        : base(Format(argument, expression, position, reason))
    {
        Argument = argument;
        Expression = expression;
        Position = position;
        Identifier = identifier;
        Reason = reason;
    }

    /// <summary>The option the expression came from (<c>--where</c>, <c>--group-by</c>, <c>--select</c>, <c>--order-by</c>).</summary>
    public string Argument { get; }

    /// <summary>The expression as given.</summary>
    public string Expression { get; }

    /// <summary>0-based character position of the problem, or -1 when the parser gave none.</summary>
    public int Position { get; }

    /// <summary>The field, function or member at fault, when one is.</summary>
    public string? Identifier { get; }

    /// <summary>What was wrong and what was expected.</summary>
    public string Reason { get; }

    private static string Format(string argument, string expression, int position, string reason) =>
        position >= 0
            ? $"{argument}: {reason} (at character {position + 1} of \"{expression}\")"
            : $"{argument}: {reason} (in \"{expression}\")";
}
