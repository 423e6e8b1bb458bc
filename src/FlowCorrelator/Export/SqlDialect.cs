using System.Globalization;
using System.Text;
using FlowCorrelator.Ingest;

namespace FlowCorrelator.Export;

/// <summary>
/// Everything that differs between the SQL engines the questions run on, and nothing else: the investigation queries
/// themselves (<see cref="InvestigationSql"/>) are written once in the SQL common to all three.
/// </summary>
/// <remarks>
/// The differences:
/// <list type="bullet">
/// <item>Epoch seconds to a UTC timestamp: Trino/Athena <c>from_unixtime(x, 'UTC')</c> returns a zoned value, cast
/// to a plain timestamp so it compares with the Parquet columns whatever the session zone; DuckDB builds a plain
/// TIMESTAMP from microseconds (<c>make_timestamp</c>), since <c>to_timestamp</c> would give a TIMESTAMPTZ.</item>
/// <item>A sorted, comma-joined list of strings: Trino/Athena <c>array_join(array_sort(array_agg(x)), ',')</c>,
/// DuckDB <c>string_agg(x, ',' ORDER BY x)</c>.</item>
/// <item>Table definitions: Athena's Hive DDL with partition projection in <c>TBLPROPERTIES</c>; Trino's Hive
/// connector <c>CREATE TABLE … WITH (partition_projection_…)</c>; DuckDB views over <c>read_csv</c> and
/// <c>read_parquet</c>. Type names and identifier quoting in DDL differ accordingly.</item>
/// </list>
/// IPv4 text to a number is the same everywhere (<c>split_part</c> and <c>TRY_CAST</c> exist in all three).
/// </remarks>
public abstract class SqlDialect
{
    private protected SqlDialect()
    {
    }

    /// <summary>Amazon Athena (engine version 3).</summary>
    public static SqlDialect Athena { get; } = new AthenaDialect();

    /// <summary>Trino with the Hive connector (partition projection enabled).</summary>
    public static SqlDialect Trino { get; } = new TrinoDialect();

    /// <summary>DuckDB, reading local .log.gz files and Parquet.</summary>
    public static SqlDialect DuckDb { get; } = new DuckDbDialect();

    /// <summary>The dialect's name as the CLI spells it.</summary>
    public abstract string Name { get; }

    /// <summary>The dialect for a CLI name (<c>athena</c>, <c>trino</c>, <c>duckdb</c>).</summary>
    /// <exception cref="ArgumentException">Unknown name.</exception>
    public static SqlDialect Parse(string name) => name?.ToUpperInvariant() switch
    {
        "ATHENA" => Athena,
        "TRINO" => Trino,
        "DUCKDB" => DuckDb,
        _ => throw new ArgumentException($"Unknown SQL dialect '{name}' (athena, trino or duckdb).", nameof(name)),
    };

    /// <summary>A plain (zone-less, UTC) timestamp from an expression of Unix seconds.</summary>
    public abstract string TimestampFromEpochSeconds(string expression);

    /// <summary>An aggregate: the group's values sorted ordinally and joined with commas.</summary>
    public abstract string SortedJoin(string expression);

    /// <summary>The statement that makes the raw flow logs queryable as table <c>flow_logs</c>.</summary>
    public abstract string FlowTable(SqlOptions options);

    /// <summary>The statement that makes an exported Parquet table queryable under its own name.</summary>
    public abstract string IndexTable(ExportTable table, string indexLocation);

    /// <summary>Whether <c>flow_logs</c> has a <c>flow_direction</c> column under these options.</summary>
    public abstract bool HasFlowDirection(SqlOptions options);

    /// <summary>
    /// Whether <c>flow_logs</c> has <c>instance_id</c>, so question 1 can attribute records by their own instance id
    /// when the index knows no attachment: Athena and Trino when the format has it; DuckDB always (NULL for v2 files).
    /// </summary>
    public virtual bool HasInstanceId(SqlOptions options) => HasFlowField(options, FlowField.InstanceId);

    /// <summary>
    /// Whether <c>flow_logs</c> has the column of a text field the queries read (<c>instance-id</c>, the tag fields):
    /// Athena and Trino when the format has it; DuckDB always (NULL for files without it).
    /// </summary>
    public virtual bool HasFlowField(SqlOptions options, FlowField field)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.FlowFields.Has(field);
    }

    /// <summary>A timestamp literal (the same in all three).</summary>
    public static string TimestampLiteral(DateTimeOffset time) =>
        "TIMESTAMP '" + time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) + "'";

    /// <summary>A string literal (the same in all three).</summary>
    public static string Literal(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return "'" + text.Replace("'", "''", StringComparison.Ordinal) + "'";
    }

    /// <summary>IPv4 text to its number (null for anything else).</summary>
    public static string Ipv4ToNumber(string expression) =>
        $"CASE WHEN strpos({expression}, ':') = 0 THEN " +
        $"TRY_CAST(split_part({expression}, '.', 1) AS bigint) * 16777216 + TRY_CAST(split_part({expression}, '.', 2) AS bigint) * 65536 + " +
        $"TRY_CAST(split_part({expression}, '.', 3) AS bigint) * 256 + TRY_CAST(split_part({expression}, '.', 4) AS bigint) END";

    private protected static string Join(string folder, string name) => folder.TrimEnd('/') + "/" + name;

    private sealed class AthenaDialect : SqlDialect
    {
        public override string Name => "athena";

        public override string TimestampFromEpochSeconds(string expression) => $"CAST(from_unixtime({expression}, 'UTC') AS timestamp)";

        public override string SortedJoin(string expression) => $"array_join(array_sort(array_agg({expression})), ',')";

        public override bool HasFlowDirection(SqlOptions options) => options.FlowFields.Has(FlowField.FlowDirection);

        public override string FlowTable(SqlOptions options)
        {
            var sb = new StringBuilder();
            sb.Append("CREATE EXTERNAL TABLE IF NOT EXISTS flow_logs (\n");
            sb.AppendJoin(",\n", options.FlowFields.Fields.Select((f, i) => $"  `{ParquetFlowWriter.ColumnName(options.FlowFields.Names[i])}` {FlowType(f)}"));
            string root = Join(options.FlowLocation, "AWSLogs");
            sb.Append("\n)\nPARTITIONED BY (`aws_account` string, `aws_region` string, `log_date` string)\n");
            sb.Append("ROW FORMAT DELIMITED FIELDS TERMINATED BY ' '\n");
            sb.Append("LOCATION ").Append(Literal(root + "/")).Append('\n');
            sb.Append("TBLPROPERTIES (\n");
            sb.Append("  'skip.header.line.count' = '1',\n");
            sb.Append("  'projection.enabled' = 'true',\n");
            sb.Append("  'projection.aws_account.type' = 'enum',\n");
            sb.Append("  'projection.aws_account.values' = ").Append(Literal(string.Join(',', options.Accounts))).Append(",\n");
            sb.Append("  'projection.aws_region.type' = 'enum',\n");
            sb.Append("  'projection.aws_region.values' = ").Append(Literal(string.Join(',', options.Regions))).Append(",\n");
            sb.Append("  'projection.log_date.type' = 'date',\n");
            sb.Append("  'projection.log_date.format' = 'yyyy/MM/dd',\n");
            sb.Append("  'projection.log_date.range' = ").Append(Literal(options.ProjectionStart.ToString("yyyy/MM/dd", CultureInfo.InvariantCulture) + ",NOW")).Append(",\n");
            sb.Append("  'projection.log_date.interval' = '1',\n");
            sb.Append("  'projection.log_date.interval.unit' = 'DAYS',\n");
            sb.Append("  'storage.location.template' = ").Append(Literal(root + "/${aws_account}/vpcflowlogs/${aws_region}/${log_date}")).Append('\n');
            sb.Append(')');
            return sb.ToString();
        }

        public override string IndexTable(ExportTable table, string indexLocation)
        {
            var sb = new StringBuilder();
            sb.Append("CREATE EXTERNAL TABLE IF NOT EXISTS ").Append(table.Name).Append(" (\n");
            sb.AppendJoin(",\n", table.Columns.Select(c => $"  `{c.Name}` {ColumnType(c.Type)}"));
            sb.Append("\n)\nSTORED AS PARQUET\nLOCATION ").Append(Literal(Join(indexLocation, table.Name) + "/"));
            return sb.ToString();
        }

        private static string FlowType(FlowField field)
        {
            Type t = ParquetFlowWriter.ClrTypeOf(field);
            return t == typeof(long) ? "bigint" : t == typeof(int) ? "int" : "string";
        }

        private static string ColumnType(ExportColumnType type) => type switch
        {
            ExportColumnType.Int32 => "int",
            ExportColumnType.Int64 => "bigint",
            ExportColumnType.Boolean => "boolean",
            ExportColumnType.Timestamp => "timestamp",
            _ => "string",
        };
    }

    private sealed class TrinoDialect : SqlDialect
    {
        public override string Name => "trino";

        public override string TimestampFromEpochSeconds(string expression) => $"CAST(from_unixtime({expression}, 'UTC') AS timestamp)";

        public override string SortedJoin(string expression) => $"array_join(array_sort(array_agg({expression})), ',')";

        public override bool HasFlowDirection(SqlOptions options) => options.FlowFields.Has(FlowField.FlowDirection);

        public override string FlowTable(SqlOptions options)
        {
            static string Array(IEnumerable<string> values) => "ARRAY[" + string.Join(", ", values.Select(Literal)) + "]";
            var sb = new StringBuilder();
            string root = Join(options.FlowLocation, "AWSLogs");
            sb.Append("CREATE TABLE IF NOT EXISTS flow_logs (\n");
            sb.AppendJoin(",\n", options.FlowFields.Fields.Select((f, i) => $"  \"{ParquetFlowWriter.ColumnName(options.FlowFields.Names[i])}\" {FlowType(f)}"));
            sb.Append(",\n  aws_account varchar WITH (partition_projection_type = 'enum', partition_projection_values = ").Append(Array(options.Accounts)).Append(')');
            sb.Append(",\n  aws_region varchar WITH (partition_projection_type = 'enum', partition_projection_values = ").Append(Array(options.Regions)).Append(')');
            sb.Append(",\n  log_date varchar WITH (partition_projection_type = 'date', partition_projection_format = 'yyyy/MM/dd', partition_projection_range = ")
                .Append(Array([options.ProjectionStart.ToString("yyyy/MM/dd", CultureInfo.InvariantCulture), "NOW"]))
                .Append(", partition_projection_interval = 1, partition_projection_interval_unit = 'DAYS')");
            sb.Append("\n)\nWITH (\n");
            sb.Append("  format = 'TEXTFILE',\n");
            sb.Append("  textfile_field_separator = ' ',\n");
            sb.Append("  skip_header_line_count = 1,\n");
            sb.Append("  external_location = ").Append(Literal(root + "/")).Append(",\n");
            sb.Append("  partitioned_by = ARRAY['aws_account', 'aws_region', 'log_date'],\n");
            sb.Append("  partition_projection_enabled = true,\n");
            sb.Append("  partition_projection_location_template = ").Append(Literal(root + "/${aws_account}/vpcflowlogs/${aws_region}/${log_date}")).Append('\n');
            sb.Append(')');
            return sb.ToString();
        }

        public override string IndexTable(ExportTable table, string indexLocation)
        {
            var sb = new StringBuilder();
            sb.Append("CREATE TABLE IF NOT EXISTS ").Append(table.Name).Append(" (\n");
            sb.AppendJoin(",\n", table.Columns.Select(c => $"  \"{c.Name}\" {ColumnType(c.Type)}"));
            sb.Append("\n)\nWITH (format = 'PARQUET', external_location = ").Append(Literal(Join(indexLocation, table.Name) + "/")).Append(')');
            return sb.ToString();
        }

        private static string FlowType(FlowField field)
        {
            Type t = ParquetFlowWriter.ClrTypeOf(field);
            return t == typeof(long) ? "bigint" : t == typeof(int) ? "integer" : "varchar";
        }

        private static string ColumnType(ExportColumnType type) => type switch
        {
            ExportColumnType.Int32 => "integer",
            ExportColumnType.Int64 => "bigint",
            ExportColumnType.Boolean => "boolean",
            ExportColumnType.Timestamp => "timestamp(3)",
            _ => "varchar",
        };
    }

    private sealed class DuckDbDialect : SqlDialect
    {
        public override string Name => "duckdb";

        public override string TimestampFromEpochSeconds(string expression) => $"make_timestamp(CAST({expression} AS BIGINT) * 1000000)";

        public override string SortedJoin(string expression) => $"string_agg({expression}, ',' ORDER BY {expression})";

        // The view always has the column: files without it (e.g. v2) give NULL, which the queries treat as "no
        // direction", exactly as the engine does per file.
        public override bool HasFlowDirection(SqlOptions options) => true;

        public override bool HasInstanceId(SqlOptions options) => true;

        public override bool HasFlowField(SqlOptions options, FlowField field) => true;

        public override string FlowTable(SqlOptions options)
        {
            // Every file's own header names its columns (union_by_name), so v2 and v5 files can share one glob; the
            // empty UNION ALL BY NAME branch guarantees every column the queries use exists even when no file has it.
            (string Name, string Type)[] columns =
            [
                ("version", "INTEGER"), ("account-id", "VARCHAR"), ("interface-id", "VARCHAR"), ("srcaddr", "VARCHAR"), ("dstaddr", "VARCHAR"),
                ("srcport", "INTEGER"), ("dstport", "INTEGER"), ("protocol", "INTEGER"), ("packets", "BIGINT"), ("bytes", "BIGINT"),
                ("start", "BIGINT"), ("end", "BIGINT"), ("action", "VARCHAR"), ("log-status", "VARCHAR"), ("flow-direction", "VARCHAR"), ("instance-id", "VARCHAR"),
                ("instance-tag", "VARCHAR"), ("instance-tag-2", "VARCHAR"), ("asg-tag", "VARCHAR"), ("asg-tag-2", "VARCHAR"),
            ];
            var sb = new StringBuilder();
            sb.Append("CREATE OR REPLACE VIEW flow_logs AS\nSELECT\n");
            sb.AppendJoin(",\n", columns.Select(c =>
                "  " + (c.Type == "VARCHAR" ? $"\"{c.Name}\"" : $"TRY_CAST(\"{c.Name}\" AS {c.Type})") + $" AS \"{ParquetFlowWriter.ColumnName(c.Name)}\""));
            sb.Append("\nFROM (\n  SELECT * FROM read_csv(").Append(Literal(options.FlowLocation))
                .Append(", delim = ' ', header = true, all_varchar = true, union_by_name = true, compression = 'gzip')\n");
            sb.Append("  UNION ALL BY NAME\n  SELECT ");
            sb.AppendJoin(", ", columns.Select(c => $"CAST(NULL AS VARCHAR) AS \"{c.Name}\""));
            sb.Append(" WHERE false\n)");
            return sb.ToString();
        }

        public override string IndexTable(ExportTable table, string indexLocation) =>
            $"CREATE OR REPLACE VIEW {table.Name} AS SELECT * FROM read_parquet({Literal(Join(Join(indexLocation, table.Name), "*.parquet"))})";
    }
}
