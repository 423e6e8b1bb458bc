using System.Collections.Immutable;

namespace FlowCorrelator.Ingest;

/// <summary>
/// The column layout of one flow-log file: which field each space-separated column holds.
/// </summary>
/// <remarks>
/// AWS writes the layout as the first line of every S3 text object (hyphenated names, e.g.
/// <c>version account-id interface-id …</c>); Parquet objects name columns with underscores; CloudWatch Logs and
/// Firehose exports have no header, so the layout is the flow log's <c>LogFormat</c> (<c>${version} ${account-id} …</c>).
/// The <c>version</c> written in records is the highest version among the format's fields and never decides the layout.
/// </remarks>
public sealed class FlowLogSchema
{
    /// <summary>Most columns a schema may have (all known fields plus room for unknown ones).</summary>
    public const int MaxColumns = 96;

    private readonly int[] _indexByField;

    private FlowLogSchema(ImmutableArray<string> names)
    {
        Names = names;
        Fields = names.Select(FlowFieldNames.FromName).ToImmutableArray();
        _indexByField = Enumerable.Repeat(-1, Enum.GetValues<FlowField>().Length).ToArray();
        for (int i = 0; i < Fields.Length; i++)
        {
            if (Fields[i] != FlowField.Unknown && _indexByField[(int)Fields[i]] < 0)
            {
                _indexByField[(int)Fields[i]] = i;
            }
        }

        Version = Fields.Select(FlowFieldNames.VersionOf).DefaultIfEmpty(2).Max();
        Text = string.Join(' ', names);
    }

    /// <summary>The default (version 2) format: the 14 fields AWS writes when no custom format is set.</summary>
    public static FlowLogSchema DefaultV2 { get; } = Parse("version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status");

    /// <summary>Column names, hyphenated (unknown names kept as written, normalised).</summary>
    public ImmutableArray<string> Names { get; }

    /// <summary>Column fields; <see cref="FlowField.Unknown"/> for extra columns.</summary>
    public ImmutableArray<FlowField> Fields { get; }

    /// <summary>Number of columns.</summary>
    public int Count => Names.Length;

    /// <summary>Highest version among the fields.</summary>
    public int Version { get; }

    /// <summary>The layout as a header line.</summary>
    public string Text { get; }

    /// <summary>Whether the schema has the field.</summary>
    public bool Has(FlowField field) => _indexByField[(int)field] >= 0;

    /// <summary>Column of a field, or -1.</summary>
    public int IndexOf(FlowField field) => _indexByField[(int)field];

    /// <summary>
    /// Parses a header line, a <c>${field} ${field}</c> format string, or a list of Parquet column names.
    /// </summary>
    /// <exception cref="FormatException">No column, too many columns, or a repeated column.</exception>
    public static FlowLogSchema Parse(string format)
    {
        ArgumentNullException.ThrowIfNull(format);
        string[] tokens = format.Split([' ', '\t', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return FromNames(tokens);
    }

    /// <summary>Builds a schema from column names in any spelling.</summary>
    /// <exception cref="FormatException">No column, too many columns, or a repeated column.</exception>
    public static FlowLogSchema FromNames(IEnumerable<string> names)
    {
        ImmutableArray<string> normalized = names.Select(FlowFieldNames.Normalize).ToImmutableArray();
        if (normalized.IsEmpty)
        {
            throw new FormatException("A flow-log format needs at least one field.");
        }

        if (normalized.Length > MaxColumns)
        {
            throw new FormatException($"A flow-log format may have at most {MaxColumns} fields; this one has {normalized.Length}.");
        }

        string? repeated = normalized.GroupBy(n => n, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1)?.Key;
        if (repeated is not null)
        {
            throw new FormatException($"The flow-log format names '{repeated}' twice.");
        }

        return new FlowLogSchema(normalized);
    }

    /// <summary>
    /// Whether a first line is a header: it has at least one known field name, and every token is a name
    /// (letters, digits, '-', '_', '$', braces) that starts with a letter.
    /// </summary>
    internal static bool LooksLikeHeader(ReadOnlySpan<byte> line)
    {
        int known = 0;
        int tokens = 0;
        foreach (Range r in line.Split((byte)' '))
        {
            ReadOnlySpan<byte> t = line[r];
            if (t.IsEmpty)
            {
                continue;
            }

            tokens++;
            if (t.Length > 64)
            {
                return false;
            }

            int startIndex = t[0] == '$' && t.Length > 2 && t[1] == '{' ? 2 : 0;
            if (!char.IsAsciiLetter((char)t[startIndex]))
            {
                return false;
            }

            foreach (byte b in t)
            {
                if (!(char.IsAsciiLetterOrDigit((char)b) || b is (byte)'-' or (byte)'_' or (byte)'$' or (byte)'{' or (byte)'}'))
                {
                    return false;
                }
            }

            if (FlowFieldNames.FromName(System.Text.Encoding.ASCII.GetString(t)) != FlowField.Unknown)
            {
                known++;
            }
        }

        return tokens > 0 && known > 0 && tokens <= MaxColumns;
    }

    /// <inheritdoc/>
    public override string ToString() => Text;
}
