using System.Text;

namespace FlowCorrelator.Ingest;

/// <summary>
/// The raw fields behind a <see cref="FlowRecord"/>: every column of the file's format, as text, for output of fields
/// the record struct does not type (vpc-id, instance-id, ECS fields, unknown columns). Valid only during the callback.
/// </summary>
public readonly ref struct FlowLine
{
    private readonly ReadOnlySpan<byte> _text;
    private readonly ReadOnlySpan<Range> _fields;
    private readonly ReadOnlySpan<int> _spaces;
    private readonly int _lineStart;
    private readonly IReadOnlyList<string?>? _values;

    internal FlowLine(FlowLogSchema schema, ReadOnlySpan<byte> text, ReadOnlySpan<Range> fields, long lineNumber)
    {
        Schema = schema;
        _text = text;
        _fields = fields;
        LineNumber = lineNumber;
    }

    /// <summary>
    /// A line split by the block scanner: <paramref name="spaces"/>[i] is the position of the space that ends column i,
    /// counted in the read buffer where the line starts at <paramref name="lineStart"/>; the last column ends at the
    /// line end.
    /// </summary>
    internal FlowLine(FlowLogSchema schema, ReadOnlySpan<byte> text, ReadOnlySpan<int> spaces, int lineStart, long lineNumber)
    {
        // Every field assigned: the block scanner builds one per record, and a partly assigned struct is zeroed and
        // copied first.
        Schema = schema;
        _text = text;
        _fields = default;
        _spaces = spaces;
        _lineStart = lineStart;
        _values = null;
        LineNumber = lineNumber;
    }

    internal FlowLine(FlowLogSchema schema, IReadOnlyList<string?> values, long rowNumber)
    {
        Schema = schema;
        _values = values;
        LineNumber = rowNumber;
    }

    /// <summary>The file's layout.</summary>
    public FlowLogSchema Schema { get; }

    /// <summary>1-based line number (text) or row number (Parquet).</summary>
    public long LineNumber { get; }

    /// <summary>The raw UTF-8 of a column (empty for Parquet rows).</summary>
    public ReadOnlySpan<byte> RawField(int column) => _values is null ? Field(column) : default;

    /// <summary>A column as text; <c>null</c> for <c>-</c> or a missing value.</summary>
    public string? GetText(int column)
    {
        if (_values is not null)
        {
            return _values[column];
        }

        ReadOnlySpan<byte> f = Field(column);
        return f.Length == 1 && f[0] == '-' ? null : Encoding.UTF8.GetString(f);
    }

    private ReadOnlySpan<byte> Field(int column)
    {
        if (_spaces.IsEmpty)
        {
            return _text[_fields[column]];
        }

        int start = column == 0 ? 0 : _spaces[column - 1] + 1 - _lineStart;
        int end = column == _spaces.Length ? _text.Length : _spaces[column] - _lineStart;
        return _text[start..end];
    }
}

/// <summary>Receives parsed flow records. One instance is used by one thread at a time.</summary>
public interface IFlowRecordSink
{
    /// <summary>Called for every record, including NODATA and SKIPDATA rows (see <see cref="FlowRecord.LogStatus"/>).</summary>
    void OnRecord(in FlowRecord record, in FlowLine line);

    /// <summary>Called when a file starts, before its first record.</summary>
    void OnFileStart(string path, FlowLogSchema schema)
    {
    }
}
