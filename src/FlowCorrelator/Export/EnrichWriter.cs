using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using FlowCorrelator.Index;
using FlowCorrelator.Ingest;
using FlowCorrelator.Queries;
using FlowCorrelator.Queries.AdHoc;
using Parquet;
using Parquet.Schema;

namespace FlowCorrelator.Export;

/// <summary>Files <see cref="EnrichWriter"/> writes.</summary>
public enum EnrichFormat
{
    /// <summary>Parquet, typed columns, GZIP pages.</summary>
    Parquet,

    /// <summary>RFC 4180 CSV with a header row.</summary>
    Csv,

    /// <summary>One JSON object per line.</summary>
    JsonLines,
}

/// <summary>What <see cref="EnrichWriter.Write"/> wrote.</summary>
/// <param name="Files">Each file written (full path) and its rows, by day.</param>
/// <param name="Records">Records written in all.</param>
public sealed record EnrichSummary(IReadOnlyDictionary<string, long> Files, long Records);

/// <summary>
/// Writes enriched flow records (<see cref="EnrichedFlow"/>: every flow-log field, typed, plus the attribution as of
/// each record's start) so any SQL engine can ask attributed questions: one file per UTC day of the records' start,
/// in one parallel pass. Parquet by default, with row groups of <see cref="DefaultRowGroupSize"/> rows (DuckDB's own
/// row-group size; each thread's rows of a day go out as they fill a group). docs/query.md has the columns and a
/// DuckDB example.
/// </summary>
public static class EnrichWriter
{
    /// <summary>Rows per Parquet row group (122,880: DuckDB's row-group size; a few MB compressed, fine for Athena too).</summary>
    public const int DefaultRowGroupSize = 122_880;

    /// <summary>The columns in file order, with their types.</summary>
    public static IReadOnlyList<(string Name, Type Type)> Columns { get; } = [.. EnrichColumns.All.Select(c => (c.Name, c.Type))];

    /// <summary>Enriches every record of <paramref name="flowInputs"/> that <paramref name="where"/> keeps and writes it into <paramref name="directory"/>.</summary>
    /// <param name="index">The index.</param>
    /// <param name="flowInputs">Flow-log files.</param>
    /// <param name="directory">Output folder (created if missing); files are named <c>flows-YYYY-MM-DD.EXT</c>.</param>
    /// <param name="format">File format.</param>
    /// <param name="where">A query whose filter selects the records (its grouping and aggregates are not used); null for all.</param>
    /// <param name="options">Window, scanners and reader options.</param>
    /// <param name="diagnostics">Receives one report per file.</param>
    /// <param name="rowGroupSize">Rows per Parquet row group (and per write for the text formats).</param>
    /// <param name="progress">Per-file progress.</param>
    /// <param name="cancellationToken">Cancels the pass.</param>
    public static EnrichSummary Write(
        EnvironmentIndex index,
        IEnumerable<LogInput> flowInputs,
        string directory,
        EnrichFormat format,
        FlowQuery? where,
        InvestigationOptions options,
        IngestDiagnostics diagnostics,
        int rowGroupSize = DefaultRowGroupSize,
        IProgress<FileReport>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(index);
        ArgumentNullException.ThrowIfNull(flowInputs);
        ArgumentNullException.ThrowIfNull(directory);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(diagnostics);
        ArgumentOutOfRangeException.ThrowIfLessThan(rowGroupSize, 1);
        Directory.CreateDirectory(directory);
        using var files = new DayFiles(directory, format);
        new FlowLogReader(options.Reader).ReadAll(
            flowInputs,
            () => new EnrichSink(index, options, where?.Filter, files, rowGroupSize),
            sink => sink.FlushAll(),
            diagnostics,
            progress,
            cancellationToken);
        return files.Close();
    }

    /// <summary>One thread's rows, by day, until a row group is full.</summary>
    private sealed class EnrichSink(EnvironmentIndex index, InvestigationOptions options, Func<EnrichedFlow, bool>? filter, DayFiles files, int rowGroupSize) : IFlowRecordSink
    {
        private readonly FlowEnricher _enricher = new(index, options.Scanners);
        private readonly long _from = options.From?.ToUnixTimeSeconds() ?? long.MinValue;
        private readonly long _to = options.To?.ToUnixTimeSeconds() ?? long.MaxValue;
        private readonly Dictionary<long, List<object?[]>> _days = [];

        public void OnRecord(in FlowRecord record, in FlowLine line)
        {
            if (record.Start < _from || record.Start >= _to)
            {
                return;
            }

            EnrichedFlow flow = _enricher.Enrich(record, line);
            if (filter is not null && !filter(flow))
            {
                return;
            }

            long day = Math.DivRem(record.Start, 86_400, out long rem) - (rem < 0 ? 1 : 0);
            if (!_days.TryGetValue(day, out List<object?[]>? rows))
            {
                _days[day] = rows = [];
            }

            rows.Add(EnrichColumns.Row(flow));
            if (rows.Count >= rowGroupSize)
            {
                files.Append(day, rows);
                rows.Clear();
            }
        }

        public void FlushAll()
        {
            foreach ((long day, List<object?[]> rows) in _days)
            {
                if (rows.Count > 0)
                {
                    files.Append(day, rows);
                }
            }

            _days.Clear();
        }
    }

    /// <summary>The open file of each day; appends are serialised per file.</summary>
    private sealed class DayFiles(string directory, EnrichFormat format) : IDisposable
    {
        private readonly ConcurrentDictionary<long, DayFile> _files = new();

        public void Append(long day, List<object?[]> rows)
        {
            DayFile file = _files.GetOrAdd(day, d => new DayFile(Path.Combine(directory, FileName(d)), format));
            file.Append(rows);
        }

        public EnrichSummary Close()
        {
            var written = new SortedDictionary<string, long>(StringComparer.Ordinal);
            foreach (DayFile f in _files.Values)
            {
                f.Dispose();
                written[f.Path] = f.Rows;
            }

            _files.Clear();
            return new EnrichSummary(written, written.Values.Sum());
        }

        public void Dispose()
        {
            foreach (DayFile f in _files.Values)
            {
                f.Dispose();
            }
        }

        private string FileName(long day)
        {
            string date = DateTime.UnixEpoch.AddDays(day).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
            return "flows-" + date + format switch { EnrichFormat.Csv => ".csv", EnrichFormat.JsonLines => ".jsonl", _ => ".parquet" };
        }
    }

    private sealed class DayFile : IDisposable
    {
        private readonly Lock _lock = new();
        private readonly FileStream _stream;
        private readonly EnrichFormat _format;
        private readonly ParquetWriter? _parquet;
        private readonly StreamWriter? _text;
        private readonly CsvHelper.CsvWriter? _csv;
        private bool _disposed;

        public DayFile(string path, EnrichFormat format)
        {
            Path = path;
            _format = format;
            _stream = new FileStream(path, FileMode.Create, FileAccess.ReadWrite, FileShare.Read, 1 << 16);
            switch (format)
            {
                case EnrichFormat.Parquet:
                    _parquet = ParquetWriter.CreateAsync(EnrichColumns.Schema, _stream, new ParquetOptions { CompressionMethod = CompressionMethod.Gzip }).GetAwaiter().GetResult();
                    break;
                default:
                    _text = new StreamWriter(_stream, new UTF8Encoding(false), 1 << 16);
                    if (format == EnrichFormat.Csv)
                    {
                        // Data for SQL engines, written exactly (quoted where needed); not a display format, so no
                        // spreadsheet-formula neutralising as in Reporting's CSV.
                        _csv = CsvHelper.CsvWriter.Create(_text, new CsvHelper.CsvWriterOptions { NewLine = "\n" }, true);
                        foreach ((string name, Type _, Func<EnrichedFlow, object?> _) in EnrichColumns.All)
                        {
                            _csv.WriteField(name);
                        }

                        _csv.EndRecord();
                    }

                    break;
            }
        }

        public string Path { get; }

        public long Rows { get; private set; }

        public void Append(List<object?[]> rows)
        {
            lock (_lock)
            {
                switch (_format)
                {
                    case EnrichFormat.Parquet:
                        EnrichColumns.WriteRowGroup(_parquet!, rows);
                        break;
                    case EnrichFormat.Csv:
                        foreach (object?[] row in rows)
                        {
                            foreach (object? value in row)
                            {
                                _csv!.WriteField(EnrichColumns.Text(value));
                            }

                            _csv!.EndRecord();
                        }

                        break;
                    default:
                        EnrichColumns.WriteJsonLines(_text!, rows);
                        break;
                }

                Rows += rows.Count;
            }
        }

        public void Dispose()
        {
            lock (_lock)
            {
                if (_disposed)
                {
                    return;
                }

                _disposed = true;
                _parquet?.DisposeAsync().AsTask().GetAwaiter().GetResult();
                _csv?.Flush();
                _text?.Flush();
                _stream.Dispose();
            }
        }
    }
}

/// <summary>The enriched columns: name, CLR type (nullable in the files) and how each is read from the record.</summary>
internal static class EnrichColumns
{
    public static readonly (string Name, Type Type, Func<EnrichedFlow, object?> Get)[] All = Build();

    public static readonly ParquetSchema Schema = new([.. All.Select(c => new DataField(c.Name, c.Type, isNullable: true))]);

    private static readonly DataField[] Fields = [.. Schema.GetDataFields()];

    public static object?[] Row(EnrichedFlow flow)
    {
        var row = new object?[All.Length];
        for (int i = 0; i < row.Length; i++)
        {
            row[i] = All[i].Get(flow);
        }

        return row;
    }

    public static string? Text(object? value) => value switch
    {
        null => null,
        DateTime t => t.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
        bool b => b ? "true" : "false",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString(),
    };

    public static void WriteRowGroup(ParquetWriter writer, List<object?[]> rows)
    {
        using ParquetRowGroupWriter group = writer.CreateRowGroup();
        for (int c = 0; c < All.Length; c++)
        {
            Type t = All[c].Type;
            if (t == typeof(int))
            {
                group.WriteAsync<int>(Fields[c], Column<int>(rows, c).AsMemory()).GetAwaiter().GetResult();
            }
            else if (t == typeof(long))
            {
                group.WriteAsync<long>(Fields[c], Column<long>(rows, c).AsMemory()).GetAwaiter().GetResult();
            }
            else if (t == typeof(bool))
            {
                group.WriteAsync<bool>(Fields[c], Column<bool>(rows, c).AsMemory()).GetAwaiter().GetResult();
            }
            else if (t == typeof(DateTime))
            {
                group.WriteAsync<DateTime>(Fields[c], Column<DateTime>(rows, c).AsMemory()).GetAwaiter().GetResult();
            }
            else
            {
                string?[] values = new string?[rows.Count];
                for (int r = 0; r < values.Length; r++)
                {
                    values[r] = (string?)rows[r][c];
                }

                group.WriteAsync(Fields[c], values!).GetAwaiter().GetResult();
            }
        }

        group.CompleteValidate();
    }

    public static void WriteJsonLines(TextWriter output, List<object?[]> rows)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            foreach (object?[] row in rows)
            {
                json.WriteStartObject();
                for (int c = 0; c < All.Length; c++)
                {
                    switch (row[c])
                    {
                        case null:
                            json.WriteNull(All[c].Name);
                            break;
                        case int n:
                            json.WriteNumber(All[c].Name, n);
                            break;
                        case long n:
                            json.WriteNumber(All[c].Name, n);
                            break;
                        case bool b:
                            json.WriteBoolean(All[c].Name, b);
                            break;
                        default:
                            json.WriteString(All[c].Name, Text(row[c]));
                            break;
                    }
                }

                json.WriteEndObject();
                json.Flush();
                buffer.WriteByte((byte)'\n');
                json.Reset(buffer); // one document per line: no separator before the next object
            }
        }

        output.Write(Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length));
    }

    private static T?[] Column<T>(List<object?[]> rows, int c)
        where T : struct
    {
        var values = new T?[rows.Count];
        for (int r = 0; r < values.Length; r++)
        {
            values[r] = (T?)rows[r][c];
        }

        return values;
    }

    private static (string, Type, Func<EnrichedFlow, object?>)[] Build()
    {
        static object? Int(int v) => v < 0 ? null : v;
        static object? Long(long v) => v < 0 ? null : v;
        static object? Addr(IpAddr a) => a.HasValue ? a.ToString() : null;
        static object? Empty(string s) => s.Length == 0 ? null : s;
        List<(string, Type, Func<EnrichedFlow, object?>)> columns =
        [
            ("version", typeof(int), f => Int(f.Version)),
            ("accountId", typeof(string), f => f.AccountId),
            ("interfaceId", typeof(string), f => f.InterfaceId.HasValue ? f.InterfaceId.ToString() : null),
            ("srcaddr", typeof(string), f => Addr(f.SrcAddr)),
            ("dstaddr", typeof(string), f => Addr(f.DstAddr)),
            ("srcport", typeof(int), f => Int(f.SrcPort)),
            ("dstport", typeof(int), f => Int(f.DstPort)),
            ("protocol", typeof(int), f => Int(f.Protocol)),
            ("packets", typeof(long), f => Long(f.Packets)),
            ("bytes", typeof(long), f => Long(f.Bytes)),
            ("start", typeof(DateTime), f => f.Record.Start > 0 ? f.Start.UtcDateTime : null),
            ("end", typeof(DateTime), f => f.Record.End > 0 ? f.End.UtcDateTime : null),
            ("action", typeof(string), f => f.Action),
            ("logStatus", typeof(string), f => f.LogStatus),
            ("flowDirection", typeof(string), f => f.FlowDirection),
            ("tcpFlags", typeof(int), f => Int(f.TcpFlags)),
            ("trafficPath", typeof(int), f => Int(f.TrafficPath)),
            ("pktSrcaddr", typeof(string), f => Addr(f.PktSrcaddr)),
            ("pktDstaddr", typeof(string), f => Addr(f.PktDstaddr)),
        ];
        foreach ((string property, FlowField _) in EnrichedFlow.TextColumns.Where(c => c.Field != FlowField.AccountId))
        {
            System.Reflection.PropertyInfo p = typeof(EnrichedFlow).GetProperty(property)!;
            Func<EnrichedFlow, string?> get = p.GetMethod!.CreateDelegate<Func<EnrichedFlow, string?>>();
            columns.Add((EnrichedFlow.FieldName(property), typeof(string), f => get(f)));
        }

        columns.AddRange(
        [
            ("direction", typeof(string), f => f.Direction),
            ("interfaceKnown", typeof(bool), f => f.InterfaceKnown),
            ("instanceId", typeof(string), f => f.InstanceId),
            ("instanceRunning", typeof(bool), f => f.InstanceRunning),
            ("instanceFrom", typeof(string), f => f.InstanceFrom),
            ("tags", typeof(string), f => Empty(f.Tags)),
            ("groups", typeof(string), f => Empty(f.Groups)),
            ("vpcId", typeof(string), f => f.VpcId),
            ("peerAddr", typeof(string), f => Addr(f.PeerAddr)),
            ("peerInterfaceId", typeof(string), f => f.PeerInterfaceId),
            ("peerInstanceId", typeof(string), f => f.PeerInstanceId),
            ("peerGroups", typeof(string), f => Empty(f.PeerGroups)),
            ("peerTags", typeof(string), f => Empty(f.PeerTags)),
            ("scanner", typeof(bool), f => f.Scanner),
            ("rules", typeof(string), f => Empty(f.Rules)),
        ]);
        return [.. columns];
    }
}
