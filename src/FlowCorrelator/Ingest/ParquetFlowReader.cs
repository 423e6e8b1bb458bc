using System.Globalization;
using System.Text;
using Parquet;
using Parquet.Schema;

namespace FlowCorrelator.Ingest;

/// <summary>
/// Reads flow logs delivered as Parquet (S3 "Parquet" file format). Each row is turned into the same
/// <see cref="FlowRecord"/> the text parser gives: the typed cells of the fields the record holds are written as UTF-8
/// into one row buffer and parsed by <see cref="FlowLineParser.ParseFields"/>, so '-', ranges, millisecond times and
/// enumerations follow exactly the text rules, and string columns holding numbers or '-' are accepted.
/// </summary>
/// <remarks>
/// Memory is one row group at a time. Parquet needs random access (the footer is at the end), so a non-seekable
/// input is first copied to a temporary file that is deleted when reading ends.
/// </remarks>
internal static class ParquetFlowReader
{
    private static readonly ParquetOptions s_options = new() { TreatByteArrayAsString = true };

    public static void Read(Stream stream, FileReport report, IFlowRecordSink sink, ReaderOptions options, CancellationToken cancellationToken)
    {
        FileStream? temp = null;
        try
        {
            Stream seekable = stream;
            if (!stream.CanSeek)
            {
                temp = CopyToTempFile(stream, cancellationToken);
                seekable = temp;
            }

            report.BytesRead = seekable.Length;
            ReadSeekableAsync(seekable, report, sink, options, cancellationToken).GetAwaiter().GetResult();
        }
        finally
        {
            temp?.Dispose(); // DeleteOnClose removes the file
        }
    }

    private static FileStream CopyToTempFile(Stream stream, CancellationToken cancellationToken)
    {
        string path = Path.Combine(Path.GetTempPath(), "flowcorrelator-" + Guid.NewGuid().ToString("N") + ".parquet");
        var file = new FileStream(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 16, FileOptions.DeleteOnClose);
        try
        {
            byte[] buffer = new byte[1 << 16];
            int n;
            while ((n = stream.Read(buffer, 0, buffer.Length)) > 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
                file.Write(buffer, 0, n);
            }

            file.Position = 0;
            return file;
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    private static async Task ReadSeekableAsync(Stream stream, FileReport report, IFlowRecordSink sink, ReaderOptions options, CancellationToken cancellationToken)
    {
        ParquetReader reader;
        try
        {
            reader = await ParquetReader.CreateAsync(stream, s_options, leaveStreamOpen: true, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Fail(report, options, ProblemReason.UnsupportedFormat, "not a readable Parquet file: " + ex.Message);
            return;
        }

        await using (reader.ConfigureAwait(false))
        {
            DataField[] dataFields = reader.Schema.GetDataFields();
            Column[]? columns = OpenColumns(dataFields, report, options, out FlowLogSchema? schema);
            if (columns is null || schema is null)
            {
                return;
            }

            report.Format = $"parquet v{schema.Version}";
            sink.OnFileStart(report.Path, schema);
            FlowField[] fields = [.. schema.Fields];
            var row = new RowBuffer(columns);
            var values = new RowValues(columns);
            long rowNumber = 0;
            for (int g = 0; g < reader.RowGroupCount; g++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                int rowCount;
                try
                {
                    using ParquetRowGroupReader group = reader.OpenRowGroupReader(g);
                    rowCount = checked((int)group.RowCount);
                    foreach (Column column in columns)
                    {
                        await column.ReadAsync(group, rowCount, cancellationToken).ConfigureAwait(false);
                    }
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    Fail(report, options, ProblemReason.CorruptCompression, $"row group {g} could not be read: {ex.Message}");
                    return;
                }

                for (int r = 0; r < rowCount; r++)
                {
                    rowNumber++;
                    row.Fill(r);
                    LineParseResult result = FlowLineParser.ParseFields(row.Text, fields, row.Fields, out FlowRecord record);
                    if (result.Outcome == LineOutcome.Record)
                    {
                        report.Records++;
                        if (record.LogStatus == FlowLogStatus.NoData)
                        {
                            report.NoData++;
                        }
                        else if (record.LogStatus == FlowLogStatus.SkipData)
                        {
                            report.SkipData++;
                        }

                        values.Row = r;
                        sink.OnRecord(record, new FlowLine(schema, values, rowNumber));
                    }
                    else
                    {
                        values.Row = r;
                        Malformed(report, options, schema, values, rowNumber, g, result.Reason, result.BadColumn);
                    }
                }
            }

            report.Lines = rowNumber;
        }
    }

    private static Column[]? OpenColumns(DataField[] dataFields, FileReport report, ReaderOptions options, out FlowLogSchema? schema)
    {
        schema = null;
        var columns = new Column[dataFields.Length];
        for (int i = 0; i < dataFields.Length; i++)
        {
            DataField f = dataFields[i];
            Type type = Nullable.GetUnderlyingType(f.ClrType) ?? f.ClrType;
            ColumnKind kind = type == typeof(int) ? ColumnKind.Int32
                : type == typeof(long) ? ColumnKind.Int64
                : type == typeof(string) || type == typeof(ReadOnlyMemory<char>) || type == typeof(ReadOnlyMemory<byte>) || type == typeof(byte[]) ? ColumnKind.Text
                : ColumnKind.Unsupported;
            if (kind == ColumnKind.Unsupported || f.IsArray)
            {
                Fail(report, options, ProblemReason.UnsupportedFormat, $"Parquet column '{f.Name}' has type {(f.IsArray ? "array of " : string.Empty)}{type.Name}; flow logs use INT32, INT64 and STRING");
                return null;
            }

            columns[i] = new Column(f, kind, FlowFieldNames.FromName(f.Name));
        }

        try
        {
            schema = FlowLogSchema.FromNames(dataFields.Select(f => f.Name));
        }
        catch (FormatException ex)
        {
            Fail(report, options, ProblemReason.UnsupportedFormat, "Parquet columns are not a flow-log format: " + ex.Message);
            return null;
        }

        if (schema.Fields.All(f => f == FlowField.Unknown))
        {
            Fail(report, options, ProblemReason.UnsupportedFormat, "no Parquet column is a flow-log field (" + schema.Text + ")");
            schema = null;
            return null;
        }

        return columns;
    }

    private static void Malformed(FileReport report, ReaderOptions options, FlowLogSchema schema, RowValues values, long rowNumber, int group, ProblemReason reason, int badColumn)
    {
        var excerpt = new StringBuilder();
        for (int c = 0; c < values.Count; c++)
        {
            excerpt.Append(c == 0 ? string.Empty : " ").Append(values[c] ?? "-");
        }

        string message = badColumn >= 0
            ? $"invalid {schema.Names[badColumn]} '{values[badColumn] ?? "-"}' (row group {group})"
            : $"{reason} (row group {group})";
        new ProblemSink(report, options).Add(rowNumber, 0, reason, message, Encoding.UTF8.GetBytes(excerpt.ToString()));
    }

    private static void Fail(FileReport report, ReaderOptions options, ProblemReason reason, string message) =>
        new ProblemSink(report, options).Fail(0, reason, message);

    private enum ColumnKind
    {
        Unsupported,
        Int32,
        Int64,
        Text,
    }

    /// <summary>One column's values for the current row group; arrays are reused across row groups.</summary>
    private sealed class Column(DataField field, ColumnKind kind, FlowField flowField)
    {
        private int?[] _ints = [];
        private long?[] _longs = [];
        private string?[] _texts = [];

        public FlowField FlowField { get; } = flowField;

        /// <summary>Whether <see cref="FlowLineParser"/> reads this column; other columns are only shown, never parsed.</summary>
        public bool Parsed { get; } = FlowLineParser.IsParsed(flowField);

        public async ValueTask ReadAsync(ParquetRowGroupReader group, int rowCount, CancellationToken cancellationToken)
        {
            switch (kind)
            {
                case ColumnKind.Int32:
                    Ensure(ref _ints, rowCount);
                    if (field.IsNullable)
                    {
                        await group.ReadAsync<int>(field, _ints.AsMemory(0, rowCount), null, cancellationToken).ConfigureAwait(false);
                    }
                    else
                    {
                        int[] plain = new int[rowCount];
                        await group.ReadAsync<int>(field, plain.AsMemory(), null, cancellationToken).ConfigureAwait(false);
                        for (int i = 0; i < rowCount; i++)
                        {
                            _ints[i] = plain[i];
                        }
                    }

                    break;
                case ColumnKind.Int64:
                    Ensure(ref _longs, rowCount);
                    if (field.IsNullable)
                    {
                        await group.ReadAsync<long>(field, _longs.AsMemory(0, rowCount), null, cancellationToken).ConfigureAwait(false);
                    }
                    else
                    {
                        long[] plain = new long[rowCount];
                        await group.ReadAsync<long>(field, plain.AsMemory(), null, cancellationToken).ConfigureAwait(false);
                        for (int i = 0; i < rowCount; i++)
                        {
                            _longs[i] = plain[i];
                        }
                    }

                    break;
                default:
                    Ensure(ref _texts, rowCount);
                    await group.ReadAsync(field, _texts.AsMemory(0, rowCount)!, null, cancellationToken).ConfigureAwait(false);
                    break;
            }
        }

        /// <summary>Writes the cell as the text parser would see it ('-' when absent); returns the byte count.</summary>
        public int WriteUtf8(int row, Span<byte> destination)
        {
            switch (kind)
            {
                case ColumnKind.Int32:
                    return _ints[row] is int i && i.TryFormat(destination, out int wi, default, CultureInfo.InvariantCulture) ? wi : Dash(destination);
                case ColumnKind.Int64:
                    return _longs[row] is long l && l.TryFormat(destination, out int wl, default, CultureInfo.InvariantCulture) ? wl : Dash(destination);
                default:
                    string? s = _texts[row];
                    return string.IsNullOrEmpty(s) ? Dash(destination) : Encoding.UTF8.GetBytes(s, destination);
            }
        }

        public int MaxUtf8Length(int row) => kind == ColumnKind.Text && _texts[row] is string s ? Encoding.UTF8.GetMaxByteCount(s.Length) : 24;

        public string? GetText(int row) => kind switch
        {
            ColumnKind.Int32 => _ints[row]?.ToString(CultureInfo.InvariantCulture),
            ColumnKind.Int64 => _longs[row]?.ToString(CultureInfo.InvariantCulture),
            _ => _texts[row] is { Length: > 0 } s && s != "-" ? s : null,
        };

        private static int Dash(Span<byte> destination)
        {
            destination[0] = (byte)'-';
            return 1;
        }

        private static void Ensure<T>(ref T[] array, int length)
        {
            if (array.Length < length)
            {
                array = new T[length];
            }
            else
            {
                Array.Clear(array, 0, length);
            }
        }
    }

    /// <summary>One row as UTF-8 with a range per column, reused for every row.</summary>
    private sealed class RowBuffer(Column[] columns)
    {
        private readonly Range[] _fields = new Range[columns.Length];
        private byte[] _text = new byte[1024];
        private int _length;

        public ReadOnlySpan<byte> Text => _text.AsSpan(0, _length);

        public ReadOnlySpan<Range> Fields => _fields;

        public void Fill(int row)
        {
            int pos = 0;
            for (int c = 0; c < columns.Length; c++)
            {
                Column column = columns[c];
                if (!column.Parsed)
                {
                    // Never read by the parser: a placeholder keeps the ranges valid without converting the value.
                    EnsureCapacity(pos + 1);
                    _text[pos] = (byte)'-';
                    _fields[c] = new Range(pos, pos + 1);
                    pos++;
                    continue;
                }

                EnsureCapacity(pos + column.MaxUtf8Length(row));
                int n = column.WriteUtf8(row, _text.AsSpan(pos));
                _fields[c] = new Range(pos, pos + n);
                pos += n;
            }

            _length = pos;
        }

        private void EnsureCapacity(int length)
        {
            if (_text.Length < length)
            {
                Array.Resize(ref _text, Math.Max(length, _text.Length * 2));
            }
        }
    }

    /// <summary>The current row's cells as text for <see cref="FlowLine"/>, converted only when a sink asks.</summary>
    private sealed class RowValues(Column[] columns) : IReadOnlyList<string?>
    {
        public int Row { get; set; }

        public int Count => columns.Length;

        public string? this[int index] => columns[index].GetText(Row);

        public IEnumerator<string?> GetEnumerator()
        {
            for (int i = 0; i < columns.Length; i++)
            {
                yield return this[i];
            }
        }

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
