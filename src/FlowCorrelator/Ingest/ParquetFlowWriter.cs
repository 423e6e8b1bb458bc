using System.Globalization;
using Parquet;
using Parquet.Schema;

namespace FlowCorrelator.Ingest;

/// <summary>
/// Writes flow-log rows as Parquet the way AWS delivers them: underscore column names (<c>log_status</c>), INT32 for
/// version, ports, protocol, tcp-flags and traffic-path, INT64 for packets, bytes, start and end, STRING for the rest,
/// every column nullable (null where the text form has <c>-</c>), GZIP page compression.
/// </summary>
/// <threadsafety>Stateless; calls may run concurrently on different streams.</threadsafety>
public static class ParquetFlowWriter
{
    /// <summary>Rows per row group when the caller does not say.</summary>
    public const int DefaultRowGroupSize = 50_000;

    /// <summary>Writes <paramref name="rows"/> (one text value per schema column, <c>-</c> or null when absent).</summary>
    /// <param name="output">Destination; written from its current position and left open. May be non-seekable.</param>
    /// <param name="schema">Column layout; every row has <see cref="FlowLogSchema.Count"/> values.</param>
    /// <param name="rows">Rows in text form, as they would appear in a text flow log.</param>
    /// <param name="rowGroupSize">Rows per row group (memory is one row group).</param>
    /// <exception cref="FormatException">A row has the wrong number of values or a numeric column holds text.</exception>
    public static void Write(Stream output, FlowLogSchema schema, IEnumerable<string?[]> rows, int rowGroupSize = DefaultRowGroupSize)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(schema);
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentOutOfRangeException.ThrowIfLessThan(rowGroupSize, 1);
        if (output.CanSeek)
        {
            WriteAsync(output, schema, rows, rowGroupSize).GetAwaiter().GetResult();
            return;
        }

        // The Parquet writer needs a seekable stream; buffer through a temporary file rather than memory.
        string path = Path.Combine(Path.GetTempPath(), "flowcorrelator-" + Guid.NewGuid().ToString("N") + ".parquet");
        using var temp = new FileStream(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 16, FileOptions.DeleteOnClose);
        WriteAsync(temp, schema, rows, rowGroupSize).GetAwaiter().GetResult();
        temp.Position = 0;
        temp.CopyTo(output);
    }

    /// <summary>The Parquet column name of a schema column (hyphens become underscores).</summary>
    public static string ColumnName(string hyphenName)
    {
        ArgumentNullException.ThrowIfNull(hyphenName);
        return hyphenName.Replace('-', '_');
    }

    /// <summary>The Parquet physical type AWS uses for a field: <c>int</c>, <c>long</c> or <c>string</c>.</summary>
    public static Type ClrTypeOf(FlowField field) => field switch
    {
        FlowField.Packets or FlowField.Bytes or FlowField.Start or FlowField.End => typeof(long),
        _ when FlowFieldNames.KindOf(field) == FlowValueKind.Integer => typeof(int),
        _ => typeof(string),
    };

    private static async Task WriteAsync(Stream output, FlowLogSchema schema, IEnumerable<string?[]> rows, int rowGroupSize)
    {
        var fields = new DataField[schema.Count];
        for (int c = 0; c < fields.Length; c++)
        {
            Type type = ClrTypeOf(schema.Fields[c]);
            fields[c] = new DataField(ColumnName(schema.Names[c]), type, isNullable: true);
        }

        var options = new ParquetOptions { CompressionMethod = CompressionMethod.Gzip };
        var batch = new List<string?[]>(Math.Min(rowGroupSize, 1 << 16));
        await using ParquetWriter writer = await ParquetWriter.CreateAsync(new ParquetSchema(fields), output, options).ConfigureAwait(false);
        long rowNumber = 0;
        foreach (string?[] row in rows)
        {
            rowNumber++;
            if (row is null || row.Length != schema.Count)
            {
                throw new FormatException($"Row {rowNumber} has {row?.Length ?? 0} values; the schema has {schema.Count} columns.");
            }

            batch.Add(row);
            if (batch.Count == rowGroupSize)
            {
                await WriteGroupAsync(writer, fields, batch, rowNumber - batch.Count).ConfigureAwait(false);
                batch.Clear();
            }
        }

        if (batch.Count > 0 || rowNumber == 0)
        {
            await WriteGroupAsync(writer, fields, batch, rowNumber - batch.Count).ConfigureAwait(false);
        }
    }

    private static async Task WriteGroupAsync(ParquetWriter writer, DataField[] fields, List<string?[]> batch, long firstRow)
    {
        using ParquetRowGroupWriter group = writer.CreateRowGroup();
        for (int c = 0; c < fields.Length; c++)
        {
            DataField field = fields[c];
            if (field.ClrType == typeof(int?) || field.ClrType == typeof(int))
            {
                int?[] values = new int?[batch.Count];
                for (int r = 0; r < values.Length; r++)
                {
                    values[r] = Absent(batch[r][c]) ? null : int.Parse(Checked(batch[r][c]!, field, firstRow + r), NumberStyles.None, CultureInfo.InvariantCulture);
                }

                await group.WriteAsync<int>(field, values.AsMemory()).ConfigureAwait(false);
            }
            else if (field.ClrType == typeof(long?) || field.ClrType == typeof(long))
            {
                long?[] values = new long?[batch.Count];
                for (int r = 0; r < values.Length; r++)
                {
                    values[r] = Absent(batch[r][c]) ? null : long.Parse(Checked(batch[r][c]!, field, firstRow + r), NumberStyles.None, CultureInfo.InvariantCulture);
                }

                await group.WriteAsync<long>(field, values.AsMemory()).ConfigureAwait(false);
            }
            else
            {
                string?[] values = new string?[batch.Count];
                for (int r = 0; r < values.Length; r++)
                {
                    values[r] = Absent(batch[r][c]) ? null : batch[r][c];
                }

                await group.WriteAsync(field, values!).ConfigureAwait(false);
            }
        }

        group.CompleteValidate();
    }

    private static bool Absent(string? value) => value is null || value == "-";

    private static string Checked(string value, DataField field, long rowIndex)
    {
        foreach (char ch in value)
        {
            if (!char.IsAsciiDigit(ch))
            {
                throw new FormatException($"Row {rowIndex + 1}: '{value}' is not a number, but column '{field.Name}' is numeric.");
            }
        }

        return value;
    }
}
