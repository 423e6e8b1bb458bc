using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;
using System.Text;
using DuckDB.NET.Data;
using FlowCorrelator.Ingest;
using FlowCorrelator.Queries;
using FlowCorrelator.Queries.AdHoc;
using FlowCorrelator.Reporting;
using FlowCorrelator.Scenarios;

namespace FlowCorrelator.Throughput;

/// <summary>
/// The measured work, one mode per child process so each gets its own peak-memory reading (VmHWM is per process).
/// Each mode prints one <c>RESULT key=value …</c> line that the parent parses.
/// </summary>
internal static class ChildModes
{
    /// <summary>Decompressed chunk size of the floor: the engine's initial line buffer, so both read alike.</summary>
    private const int InflateChunk = 1 << 16;

    public static int Run(string mode, string dir, long startedAt)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        switch (mode)
        {
            case "floor":
                Floor(dir, result);
                break;
            case "floor-native":
                NativeFloor(dir, result);
                break;
            case "investigate":
                Investigate(dir, result, startedAt, Inflater.Native);
                break;
            case "investigate-managed":
                Investigate(dir, result, startedAt, Inflater.Managed);
                break;
            case "duckdb":
                DuckDb(dir, result);
                break;
            case "query":
                Query(dir, result, startedAt);
                break;
            default:
                throw new ArgumentException($"unknown child mode '{mode}'");
        }

        if (!result.ContainsKey("wall"))
        {
            StopClock(result, startedAt);
        }

        result["peak"] = PeakResidentBytes().ToString(CultureInfo.InvariantCulture);
        Console.WriteLine("RESULT " + string.Join(' ', result.Select(kv => kv.Key + "=" + kv.Value)));
        return 0;
    }

    /// <summary>Records wall and CPU time so far (the answer check after it is not part of the measurement).</summary>
    private static void StopClock(Dictionary<string, string> result, long startedAt)
    {
        result["wall"] = Stopwatch.GetElapsedTime(startedAt).TotalSeconds.ToString("R", CultureInfo.InvariantCulture);
        using Process self = Process.GetCurrentProcess();
        result["cpu"] = self.TotalProcessorTime.TotalSeconds.ToString("R", CultureInfo.InvariantCulture);
    }

    /// <summary>The flow-log files of a scenario folder, biggest first (the engine's order).</summary>
    public static string[] FlowFiles(string dir) =>
        [.. Directory.EnumerateFiles(dir, "*.log.gz", SearchOption.AllDirectories)
            .Where(f => f.Contains("vpcflowlogs", StringComparison.Ordinal))
            .OrderByDescending(f => new FileInfo(f).Length)
            .ThenBy(f => f, StringComparer.Ordinal)];

    /// <summary>VmHWM of this process: the peak resident set, which is what the memory target is about.</summary>
    private static long PeakResidentBytes()
    {
        foreach (string line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
            {
                string kb = line["VmHWM:".Length..].Trim().Split(' ')[0];
                return long.Parse(kb, CultureInfo.InvariantCulture) * 1024;
            }
        }

        return -1;
    }

    /// <summary>
    /// The floor: inflate every flow file and count '\n', on as many threads as the engine uses, biggest file first.
    /// Nothing is parsed, so no engine can beat this with the same inflater.
    /// </summary>
    private static void Floor(string dir, Dictionary<string, string> result)
    {
        string[] files = FlowFiles(dir);
        long lines = 0;
        long bytes = 0;
        Parallel.ForEach(
            Partitioner.Create(files, EnumerablePartitionerOptions.NoBuffering),
            new ParallelOptions { MaxDegreeOfParallelism = ReaderOptions.Default.MaxParallelism },
            () => new byte[InflateChunk],
            (file, _, buffer) =>
            {
                using var raw = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
                using var gzip = new GZipStream(raw, CompressionMode.Decompress);
                long count = 0;
                long total = 0;
                int n;
                while ((n = gzip.Read(buffer, 0, buffer.Length)) > 0)
                {
                    count += buffer.AsSpan(0, n).Count((byte)'\n');
                    total += n;
                }

                Interlocked.Add(ref lines, count);
                Interlocked.Add(ref bytes, total);
                return buffer;
            },
            _ => { });
        result["lines"] = lines.ToString(CultureInfo.InvariantCulture);
        result["inflated"] = bytes.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// The native floor: read every flow file whole and inflate it with libdeflate (as the engine's native path does),
    /// then count '\n'; same threads and order as the managed floor.
    /// </summary>
    private static void NativeFloor(string dir, Dictionary<string, string> result)
    {
        Libdeflate native = Libdeflate.Shared ?? throw new InvalidOperationException("libdeflate is not installed (apt-get install libdeflate0)");
        string[] files = FlowFiles(dir);
        long lines = 0;
        long bytes = 0;
        Parallel.ForEach(
            Partitioner.Create(files, EnumerablePartitionerOptions.NoBuffering),
            new ParallelOptions { MaxDegreeOfParallelism = ReaderOptions.Default.MaxParallelism },
            () => 0,
            (file, _, none) =>
            {
                byte[] gz = File.ReadAllBytes(file);
                long hint = System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(gz.AsSpan(gz.Length - 4));
                if (!native.TryInflate(gz, hint, InputDecoder.NativeMaxOutput, out byte[] output, out int length))
                {
                    throw new InvalidDataException($"libdeflate could not inflate {file}");
                }

                Interlocked.Add(ref lines, output.AsSpan(0, length).Count((byte)'\n'));
                Interlocked.Add(ref bytes, length);
                System.Buffers.ArrayPool<byte>.Shared.Return(output);
                return none;
            },
            _ => { });
        result["lines"] = lines.ToString(CultureInfo.InvariantCulture);
        result["inflated"] = bytes.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>The engine through its public entry point: load (CloudTrail → index), then all five questions.</summary>
    private static void Investigate(string dir, Dictionary<string, string> result, long startedAt, Inflater inflater)
    {
        ReaderOptions reader = ReaderOptions.Default with { Inflater = inflater };
        Workspace workspace = Workspace.Load([dir], new WorkspaceOptions { Reader = reader });
        InvestigationResult answer = workspace.Investigate(InvestigationOptions.Default with { Access = ScenarioQuery(), Reader = reader });
        StopClock(result, startedAt);
        long records = workspace.Diagnostics.Sum(LogFileKind.FlowLog, f => f.Records);
        InvestigationResult expected = FindingsJson.Deserialize(File.ReadAllText(Path.Combine(dir, "expected.json")));
        bool same = FindingsJson.Serialize(answer.Canonical()) == FindingsJson.Serialize(expected.Canonical());
        result["records"] = records.ToString(CultureInfo.InvariantCulture);
        result["q1rows"] = answer.AccessAttempts.Length.ToString(CultureInfo.InvariantCulture);
        result["expected"] = same ? "yes" : "NO";
        result["problems"] = workspace.Diagnostics.HasProblems ? "yes" : "no";
        result["inflater"] = DiagnosticsJson.InflaterSummary(workspace.Diagnostics.Files);
    }

    /// <summary>
    /// <c>flowcorrelator query</c> for a question-1-like filter: the same records and grouping as question 1, as a
    /// compiled expression over enriched records (compiling is inside the timed span). Its row count must equal
    /// question 1's.
    /// </summary>
    private static void Query(string dir, Dictionary<string, string> result, long startedAt)
    {
        AccessQuery q = ScenarioQuery();
        FlowQuery query = FlowQuery.Compile(
            $"direction == \"inbound\" && dstport == {q.Port} && protocol == {q.Protocol} && instanceId != null && instanceRunning && tag(\"{q.TagKey}\") == \"{q.TagValue}\"",
            groupBy: "instanceId, interfaceId, groups, srcaddr",
            select: "count, sum(bytes), first, last");
        Workspace workspace = Workspace.Load([dir]);
        FlowQueryResult answer = workspace.Query(query);
        StopClock(result, startedAt);
        result["records"] = workspace.Diagnostics.Sum(LogFileKind.FlowLog, f => f.Records).ToString(CultureInfo.InvariantCulture);
        result["q1rows"] = answer.Rows.Length.ToString(CultureInfo.InvariantCulture);
        result["matched"] = answer.RecordsMatched.ToString(CultureInfo.InvariantCulture);
        result["problems"] = workspace.Diagnostics.HasProblems ? "yes" : "no";
    }

    /// <summary>Question 1 of the generated scenario (the generator's defaults: Name=payment on tcp/22).</summary>
    private static AccessQuery ScenarioQuery() => new()
    {
        TagKey = ScenarioOptions.Default.AccessTagKey,
        TagValue = ScenarioOptions.Default.AccessTagValue,
        Port = ScenarioOptions.Default.AccessPort,
        Protocol = ScenarioOptions.Default.AccessProtocol,
    };

    /// <summary>
    /// DuckDB answering question 1 alone from the .gz files. Setup (index from CloudTrail, the interface interval table)
    /// is timed separately as <c>setup</c>; <c>query</c> is the scan, join and grouping.
    /// </summary>
    private static void DuckDb(string dir, Dictionary<string, string> result)
    {
        long setupStart = Stopwatch.GetTimestamp();
        Workspace workspace = Workspace.Load([dir]);
        AccessQuery q = ScenarioQuery();
        using var connection = new DuckDBConnection("Data Source=:memory:");
        connection.Open();
        Execute(connection, $"SET threads = {ReaderOptions.Default.MaxParallelism}");
        Execute(connection, "CREATE TABLE eni_map (eni VARCHAR, addr VARCHAR, valid_from BIGINT, valid_to BIGINT, instance_id VARCHAR, running BOOLEAN, tag VARCHAR, groups VARCHAR)");
        var insert = new StringBuilder();
        int rows = 0;
        foreach ((EniId eni, ReadOnlyMemory<long> times, IReadOnlyList<Index.InterfaceState> states) in workspace.Index.InterfaceHistories())
        {
            for (int i = 0; i < states.Count; i++)
            {
                Index.InterfaceState s = states[i];
                if (!s.Exists || s.InstanceId is null)
                {
                    continue; // question 1 needs an attached instance; these rows could never join
                }

                long from = times.Span[i];
                long to = i + 1 < times.Length ? times.Span[i + 1] : long.MaxValue;
                string tag = s.InstanceTags.TryGetValue(q.TagKey, out string? v) ? v : string.Empty;
                foreach (IpAddr addr in s.Addresses)
                {
                    insert.Append(rows++ == 0 ? "INSERT INTO eni_map VALUES " : ", ")
                        .Append(CultureInfo.InvariantCulture, $"({Sql(eni.ToString())}, {Sql(addr.ToString())}, {from}, {to}, {Sql(s.InstanceId)}, {(s.InstanceRunning ? "true" : "false")}, {Sql(tag)}, {Sql(s.GroupsKey)})");
                }
            }
        }

        if (rows > 0)
        {
            Execute(connection, insert.ToString());
        }

        result["setup"] = Stopwatch.GetElapsedTime(setupStart).TotalSeconds.ToString("R", CultureInfo.InvariantCulture);

        string glob = Path.Combine(Path.GetFullPath(dir), "AWSLogs", "*", "vpcflowlogs", "*", "*", "*", "*", "*.log.gz");
        string sql = $"""
            SELECT count(*) FROM (
              SELECT m.instance_id, m.eni, m.groups, f.srcaddr,
                     count(*) FILTER (WHERE f.action = 'ACCEPT') AS accepted,
                     count(*) FILTER (WHERE f.action = 'REJECT') AS rejected,
                     sum(coalesce(f.packets, 0)) AS packets, sum(coalesce(f.bytes, 0)) AS bytes,
                     min(f.start) AS first_seen, max(f.start) AS last_seen
              FROM read_csv({Sql(glob)}, delim = ' ', header = true, nullstr = '-', auto_detect = false,
                     columns = {"{"}'version': 'INTEGER', 'account_id': 'VARCHAR', 'interface_id': 'VARCHAR', 'srcaddr': 'VARCHAR',
                                'dstaddr': 'VARCHAR', 'srcport': 'INTEGER', 'dstport': 'INTEGER', 'protocol': 'INTEGER',
                                'packets': 'BIGINT', 'bytes': 'BIGINT', 'start': 'BIGINT', 'end': 'BIGINT',
                                'action': 'VARCHAR', 'log_status': 'VARCHAR'{"}"}) f
              JOIN eni_map m ON f.interface_id = m.eni AND f.dstaddr = m.addr
                            AND f.start >= m.valid_from AND f.start < m.valid_to
              WHERE f.log_status = 'OK' AND f.dstport = {q.Port} AND f.protocol = {q.Protocol}
                AND m.running AND m.tag = {Sql(q.TagValue)}
              GROUP BY m.instance_id, m.eni, m.groups, f.srcaddr)
            """;
        long queryStart = Stopwatch.GetTimestamp();
        using DuckDBCommand command = connection.CreateCommand();
        command.CommandText = sql;
        long count = Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture);
        result["query"] = Stopwatch.GetElapsedTime(queryStart).TotalSeconds.ToString("R", CultureInfo.InvariantCulture);
        result["q1rows"] = count.ToString(CultureInfo.InvariantCulture);
    }

    private static void Execute(DuckDBConnection connection, string sql)
    {
        using DuckDBCommand command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static string Sql(string text) => "'" + text.Replace("'", "''", StringComparison.Ordinal) + "'";
}
