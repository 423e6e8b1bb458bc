using System.IO.Compression;
using System.Text;
using FlowCorrelator.Ingest;
using Parquet;
using Parquet.Schema;

namespace FlowCorrelator.Scenarios.Traffic;

/// <summary>Writes the records of one 5-minute batch as a gzip text object or a Parquet object.</summary>
internal static class FlowFileWriter
{
    private const int BufferSize = 1 << 20;

    /// <summary>Draws <paramref name="count"/> records, evaluates each, and writes them as text with a header line.</summary>
    public static void WriteText(string path, FlowLogSchema schema, byte[] vpc, int count, Func<FlowRec> next)
    {
        using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
        using var gzip = new GZipStream(file, CompressionLevel.Fastest);
        byte[] header = Encoding.ASCII.GetBytes(schema.Text + "\n");
        gzip.Write(header);
        FlowField[] fields = [.. schema.Fields];
        int version = schema.Version;
        var sink = new TextSink(new byte[BufferSize]);
        for (int i = 0; i < count; i++)
        {
            FlowRec r = next();
            for (int c = 0; c < fields.Length; c++)
            {
                if (c > 0)
                {
                    sink.Byte((byte)' ');
                }

                FlowValues.Write(ref sink, fields[c], r, version, vpc);
            }

            sink.Byte((byte)'\n');
            if (sink.Length > BufferSize - 8192)
            {
                gzip.Write(sink.Buffer, 0, sink.Length);
                sink.Length = 0;
            }
        }

        gzip.Write(sink.Buffer, 0, sink.Length);
    }

    /// <summary>The same records as Parquet: underscore column names, INT32/INT64/STRING columns, nulls for '-'.</summary>
    public static void WriteParquet(string path, FlowLogSchema schema, byte[] vpc, int count, Func<FlowRec> next)
    {
        FlowField[] fields = [.. schema.Fields];
        var columns = new object[fields.Length];
        var dataFields = new DataField[fields.Length];
        for (int c = 0; c < fields.Length; c++)
        {
            string name = schema.Names[c].Replace('-', '_');
            (columns[c], dataFields[c]) = ColumnType(fields[c]) switch
            {
                ColumnKind.Int32 => ((object)new int?[count], (DataField)new DataField<int?>(name)),
                ColumnKind.Int64 => (new long?[count], new DataField<long?>(name)),
                _ => (new string?[count], new DataField<string>(name, true)),
            };
        }

        var sink = new ParquetSink { Columns = columns };
        for (int row = 0; row < count; row++)
        {
            FlowRec r = next();
            sink.Row = row;
            for (int c = 0; c < fields.Length; c++)
            {
                sink.Column = c;
                FlowValues.Write(ref sink, fields[c], r, schema.Version, vpc);
            }
        }

        WriteParquetAsync(path, dataFields, columns).GetAwaiter().GetResult();
    }

    private static async Task WriteParquetAsync(string path, DataField[] dataFields, object[] columns)
    {
        await using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
        var options = new ParquetOptions { CompressionMethod = CompressionMethod.Gzip };
        await using ParquetWriter writer = await ParquetWriter.CreateAsync(new ParquetSchema(dataFields), file, options);
        using ParquetRowGroupWriter group = writer.CreateRowGroup();
        for (int c = 0; c < dataFields.Length; c++)
        {
            switch (columns[c])
            {
                case int?[] ints:
                    await group.WriteAsync<int>(dataFields[c], ints.AsMemory());
                    break;
                case long?[] longs:
                    await group.WriteAsync<long>(dataFields[c], longs.AsMemory());
                    break;
                default:
                    await group.WriteAsync(dataFields[c], (string?[])columns[c]);
                    break;
            }
        }
    }

    private enum ColumnKind
    {
        Int32,
        Int64,
        Text,
    }

    /// <summary>AWS Parquet types (docs/formats.md A.3): packets, bytes, start, end are INT64; other numbers INT32; the rest STRING.</summary>
    private static ColumnKind ColumnType(FlowField field) => field switch
    {
        FlowField.Packets or FlowField.Bytes or FlowField.Start or FlowField.End => ColumnKind.Int64,
        _ when FlowFieldNames.KindOf(field) == FlowValueKind.Integer => ColumnKind.Int32,
        _ => ColumnKind.Text,
    };

    private struct ParquetSink : IFieldSink
    {
        public object[] Columns;
        public int Column;
        public int Row;

        public readonly void Number(long value)
        {
            switch (Columns[Column])
            {
                case int?[] ints: ints[Row] = (int)value; break;
                case long?[] longs: longs[Row] = value; break;
                default: ((string?[])Columns[Column])[Row] = value.ToString(System.Globalization.CultureInfo.InvariantCulture); break;
            }
        }

        public readonly void Text(ReadOnlySpan<byte> utf8) => ((string?[])Columns[Column])[Row] = Encoding.UTF8.GetString(utf8);

        public readonly void Address(uint v4) => ((string?[])Columns[Column])[Row] = IpAddr.FromV4(v4).ToString();

        public readonly void Missing()
        {
            // Arrays start as nulls.
        }
    }
}
