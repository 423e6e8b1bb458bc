using System.Globalization;
using DuckDB.NET.Data;
using FlowCorrelator.Export;
using FlowCorrelator.Ingest;
using FlowCorrelator.Queries;
using FlowCorrelator.Queries.AdHoc;
using FlowCorrelator.Reporting;
using FlowCorrelator.Scenarios;
using FlowCorrelator.Scenarios.Traffic;
using FlowCorrelator.Scenarios.World;

namespace FlowCorrelator.Tests.Queries.AdHoc;

/// <summary>
/// Enriched records and ad-hoc queries on generated scenarios: every field against the generator's own world model,
/// question 1's and question 5's counts as <c>query</c> expressions against the built-in answers (and the
/// generator's expected.json), and the enriched Parquet read back by DuckDB.
/// </summary>
[Parallelizable(ParallelScope.None)]
public sealed class EnrichedScenarioTests
{
    private string _dir = string.Empty;

    [SetUp]
    public void SetUp() => _dir = Path.Combine(Path.GetTempPath(), $"fc-enriched-{TestContext.CurrentContext.Test.ID}-{Environment.ProcessId}");

    [TearDown]
    public void TearDown()
    {
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    private static ScenarioOptions Options(ScenarioFormat format, int seed = 11) =>
        ScenarioOptions.Default with { Seed = seed, Format = format, FlowLines = 12_000, Days = 1, Fleets = 3 };

    [TestCase(ScenarioFormat.V2)]
    [TestCase(ScenarioFormat.V5)]
    [TestCase(ScenarioFormat.V11)]
    [TestCase(ScenarioFormat.Parquet)]
    public void EveryField_EqualsTheFileAndTheWorldModel(ScenarioFormat format)
    {
        ScenarioOptions options = Options(format);
        ScenarioGenerator.Write(_dir, options);
        WorldModel world = WorldBuilder.Build(options);
        Timeline timeline = Timeline.Build(world, options);
        string vpc = ScenarioGenerator.VpcOf(world);
        Workspace workspace = Workspace.Load([_dir]);
        var sink = new WorldCheckSink(new FlowEnricher(workspace.Index, ScannerList.BuiltIn), timeline, vpc);
        var reader = new FlowLogReader(ReaderOptions.Default);
        foreach (LogInput input in workspace.Inputs.FlowLogs)
        {
            Assert.That(reader.Read(input, sink).HasProblems, Is.False);
        }

        Assert.That(sink.Mismatches, Is.Empty, string.Join("\n", sink.Mismatches.Take(20)));
        Assert.That(sink.Records, Is.GreaterThan(10_000));
        Assert.That(sink.Inbound, Is.GreaterThan(0));
        Assert.That(sink.Outbound, Is.GreaterThan(0));
        Assert.That(sink.PeersAttributed, Is.GreaterThan(0), "some peers are interfaces of the world");
        Assert.That(sink.Scanners, Is.GreaterThan(0), "the world has scanner traffic");
        Assert.That(sink.FileColumnsCompared, Is.GreaterThanOrEqualTo(sink.Records * 14));
    }

    [TestCase(ScenarioFormat.V2)]
    [TestCase(ScenarioFormat.V5)]
    public void Question1_AsQueries_EqualsTheBuiltInAnswerAndExpected(ScenarioFormat format)
    {
        ScenarioOptions options = Options(format, seed: 21);
        ScenarioGenerator.Write(_dir, options);
        Workspace workspace = Workspace.Load([_dir]);
        InvestigationResult built = workspace.Investigate(InvestigationOptions.Default with
        {
            Access = new AccessQuery { TagKey = options.AccessTagKey, TagValue = options.AccessTagValue, Port = options.AccessPort, Protocol = options.AccessProtocol },
        });
        InvestigationResult expected = FindingsJson.Deserialize(File.ReadAllText(Path.Combine(_dir, "expected.json")));
        string fleet = $"direction == \"inbound\" && dstport == {options.AccessPort} && protocol == {options.AccessProtocol} && instanceId != null && instanceRunning && tag(\"{options.AccessTagKey}\") == \"{options.AccessTagValue}\"";

        FlowQueryResult accepted = workspace.Query(FlowQuery.Compile(fleet + " && action == \"ACCEPT\"", "instanceId, interfaceId, groups, srcaddr", "count, sum(packets), first, last"));
        FlowQueryResult rejected = workspace.Query(FlowQuery.Compile(fleet + " && action == \"REJECT\"", "instanceId, interfaceId, groups, srcaddr", "count"));
        FlowQueryResult all = workspace.Query(FlowQuery.Compile(fleet, "instanceId, interfaceId, groups, srcaddr, scanner", "count, sum(packets), sum(bytes), first, last"));

        Dictionary<string, long> acceptedBy = accepted.Rows.ToDictionary(r => Key(r), r => (long)r[4]!);
        Dictionary<string, long> rejectedBy = rejected.Rows.ToDictionary(r => Key(r), r => (long)r[4]!);
        Assert.That(built.AccessAttempts, Is.Not.Empty);
        Assert.That(all.Rows, Has.Length.EqualTo(built.AccessAttempts.Length));
        foreach (AccessAttempt a in built.AccessAttempts)
        {
            string key = string.Join('|', a.InstanceId, a.InterfaceId, string.Join(',', a.SecurityGroups), a.SrcAddr);
            Assert.That(acceptedBy.GetValueOrDefault(key), Is.EqualTo(a.Accepted), key);
            Assert.That(rejectedBy.GetValueOrDefault(key), Is.EqualTo(a.Rejected), key);
            var row = all.Rows.Single(r => Key(r) == key);
            Assert.That(row[4], Is.EqualTo(a.Scanner), key);
            Assert.That(row[5], Is.EqualTo(a.Accepted + a.Rejected), key);
            Assert.That(row[6], Is.EqualTo(a.Packets), key);
            Assert.That(row[7], Is.EqualTo(a.Bytes), key);
            Assert.That(row[8], Is.EqualTo(a.FirstSeen), key);
            Assert.That(row[9], Is.EqualTo(a.LastSeen), key);
        }

        Assert.That(all.Rows.Sum(r => (long)r[5]!), Is.EqualTo(expected.AccessAttempts.Sum(a => a.Accepted + a.Rejected)), "total against the generator's model");

        static string Key(System.Collections.Immutable.ImmutableArray<object?> r) => string.Join('|', FlowQueryResult.Format(r[0]), FlowQueryResult.Format(r[1]), FlowQueryResult.Format(r[2]), FlowQueryResult.Format(r[3]));
    }

    [TestCase(ScenarioFormat.V2)]
    [TestCase(ScenarioFormat.V5)]
    public void Question5_AsQueries_EqualsTheBuiltInAnswerAndExpected(ScenarioFormat format)
    {
        ScenarioOptions options = Options(format, seed: 31);
        ScenarioGenerator.Write(_dir, options);
        Workspace workspace = Workspace.Load([_dir]);
        InvestigationResult built = workspace.Investigate();
        InvestigationResult expected = FindingsJson.Deserialize(File.ReadAllText(Path.Combine(_dir, "expected.json")));

        // One pass: the ids of the rules each inbound ACCEPT record used, and whether its source is a scanner.
        FlowQueryResult used = workspace.Query(FlowQuery.Compile("direction == \"inbound\" && action == \"ACCEPT\" && rules != \"\"", "rules, scanner, srcaddr", "count, first, last"));
        var hits = new Dictionary<string, (long Hits, long Scanner, HashSet<string> Sources, DateTimeOffset First, DateTimeOffset Last)>(StringComparer.Ordinal);
        foreach (var row in used.Rows)
        {
            foreach (string rule in ((string)row[0]!).Split(','))
            {
                var h = hits.GetValueOrDefault(rule, (0, 0, new HashSet<string>(StringComparer.Ordinal), DateTimeOffset.MaxValue, DateTimeOffset.MinValue));
                if ((bool)row[1]!)
                {
                    h.Scanner += (long)row[3]!;
                }
                else
                {
                    h.Hits += (long)row[3]!;
                    h.Sources.Add(FlowQueryResult.Format(row[2])!);
                    h.First = (DateTimeOffset)row[4]! < h.First ? (DateTimeOffset)row[4]! : h.First;
                    h.Last = (DateTimeOffset)row[5]! > h.Last ? (DateTimeOffset)row[5]! : h.Last;
                }

                hits[rule] = h;
            }
        }

        Assert.That(built.RuleUsage.Where(r => r.Hits > 0), Is.Not.Empty);
        foreach (RuleUsage r in built.RuleUsage)
        {
            var h = hits.GetValueOrDefault(r.RuleId, (0, 0, [], default, default));
            Assert.That(h.Hits, Is.EqualTo(r.Hits), r.RuleId);
            Assert.That(h.Scanner, Is.EqualTo(r.ScannerHits), r.RuleId);
            Assert.That(h.Sources.Count, Is.EqualTo(r.DistinctSources), r.RuleId);
            if (r.Hits > 0)
            {
                Assert.That(h.First, Is.EqualTo(r.FirstUsed), r.RuleId);
                Assert.That(h.Last, Is.EqualTo(r.LastUsed), r.RuleId);
            }

            // matchesRule() gives the same count on its own.
            if (r.Hits > 0 && r.RuleId == built.RuleUsage.Where(x => x.Hits > 0).First().RuleId)
            {
                FlowQueryResult single = workspace.Query(FlowQuery.Compile($"direction == \"inbound\" && action == \"ACCEPT\" && !scanner && matchesRule(\"{r.RuleId}\")"));
                Assert.That(single.Rows[0][0], Is.EqualTo(r.Hits));
            }
        }

        Assert.That(built.RuleUsage.Sum(r => r.Hits), Is.EqualTo(expected.RuleUsage.Sum(r => r.Hits)), "total against the generator's model");
    }

    [Test]
    public void EnrichedParquet_ReadByDuckDb_HasEqualCounts()
    {
        ScenarioOptions options = Options(ScenarioFormat.V5, seed: 41) with { Days = 2 };
        ScenarioGenerator.Write(_dir, options);
        Workspace workspace = Workspace.Load([_dir]);
        string output = Path.Combine(_dir, "enriched");
        var diagnostics = new IngestDiagnostics();
        EnrichSummary summary = EnrichWriter.Write(workspace.Index, workspace.Inputs.FlowLogs, output, EnrichFormat.Parquet, null, InvestigationOptions.Default, diagnostics, rowGroupSize: 5_000);
        InvestigationResult built = workspace.Investigate(InvestigationOptions.Default with
        {
            Access = new AccessQuery { TagKey = options.AccessTagKey, TagValue = options.AccessTagValue, Port = options.AccessPort, Protocol = options.AccessProtocol },
        });
        long fleetCount = (long)workspace.Query(FlowQuery.Compile($"direction == \"inbound\" && dstport == 22 && protocol == 6 && instanceRunning && tag(\"Name\") == \"payment\"")).Rows[0][0]!;

        long records = diagnostics.Sum(LogFileKind.FlowLog, f => f.Records);
        Assert.That(records, Is.EqualTo(options.FlowLines));
        Assert.That(summary.Records, Is.EqualTo(records));
        Assert.That(summary.Files.Keys.Select(Path.GetFileName), Has.All.Match(@"^flows-\d{4}-\d\d-\d\d\.parquet$"));
        Assert.That(summary.Files, Has.Count.GreaterThanOrEqualTo(2), "two days of records");

        using var connection = new DuckDBConnection("Data Source=:memory:");
        connection.Open();
        string files = Path.Combine(output, "*.parquet").Replace("'", "''", StringComparison.Ordinal);
        Assert.That(Scalar(connection, $"SELECT count(*) FROM read_parquet('{files}')"), Is.EqualTo(records));
        long fleet = Scalar(connection, $"""
            SELECT count(*) FROM read_parquet('{files}')
            WHERE direction = 'inbound' AND dstport = 22 AND protocol = 6 AND instanceRunning
              AND list_contains(string_split(tags, ';'), 'Name=payment')
            """);
        Assert.That(fleet, Is.EqualTo(fleetCount));
        Assert.That(fleet, Is.EqualTo(built.AccessAttempts.Sum(a => a.Accepted + a.Rejected)));
        Assert.That(Scalar(connection, $"SELECT count(*) FROM read_parquet('{files}') WHERE typeof(start) <> 'TIMESTAMP' OR typeof(dstport) <> 'INTEGER' OR typeof(bytes) <> 'BIGINT' OR typeof(scanner) <> 'BOOLEAN'"), Is.Zero, "typed columns");
        foreach (KeyValuePair<string, long> file in summary.Files)
        {
            string day = Path.GetFileNameWithoutExtension(file.Key)["flows-".Length..];
            Assert.That(Scalar(connection, $"SELECT count(*) FROM read_parquet('{file.Key.Replace("'", "''", StringComparison.Ordinal)}') WHERE CAST(start AS DATE) = DATE '{day}'"), Is.EqualTo(file.Value), "one file per day of record start");
        }
    }

    private static long Scalar(DuckDBConnection connection, string sql)
    {
        using DuckDBCommand command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    /// <summary>Compares each enriched record with the file's own columns and with the world model at the record's start.</summary>
    private sealed class WorldCheckSink(FlowEnricher enricher, Timeline timeline, string vpc) : IFlowRecordSink
    {
        private static readonly Dictionary<string, int> ColumnIndex = EnrichColumns.All.Select((c, i) => (c.Name, i)).ToDictionary(x => x.Name, x => x.i, StringComparer.Ordinal);

        public List<string> Mismatches { get; } = [];

        public long Records { get; private set; }

        public long Inbound { get; private set; }

        public long Outbound { get; private set; }

        public long PeersAttributed { get; private set; }

        public long Scanners { get; private set; }

        public long FileColumnsCompared { get; private set; }

        public void OnRecord(in FlowRecord record, in FlowLine line)
        {
            Records++;
            EnrichedFlow flow = enricher.Enrich(record, line);
            object?[] row = EnrichColumns.Row(flow);
            string where = $"line {line.LineNumber} ({line.Schema.Version})";

            // Every column the file had, as the file wrote it.
            for (int i = 0; i < line.Schema.Count; i++)
            {
                FlowField field = line.Schema.Fields[i];
                string name = field switch
                {
                    FlowField.VpcId => "fileVpcId",
                    FlowField.InstanceId => "fileInstanceId",
                    _ => FlowFieldNames.CamelCase(FlowFieldNames.NameOf(field)),
                };
                string? expected = line.GetText(i);
                object? value = row[ColumnIndex[name]];
                string? actual = value is DateTime t ? new DateTimeOffset(t, TimeSpan.Zero).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture) : EnrichColumns.Text(value);
                FileColumnsCompared++;
                if (expected != actual)
                {
                    Mismatches.Add($"{where}: column {name}: file '{expected}', enriched '{actual}'");
                }
            }

            if (record.LogStatus != FlowLogStatus.Ok)
            {
                Check(where, "direction", "unknown", flow.Direction);
                return;
            }

            Epoch epoch = timeline.At(record.Start);
            // What the evidence (the trail) says at the record's start: an interface the trail never links is unknown.
            EniView? eni = epoch.Eni(record.InterfaceId.ToString(), timeline.EniIndex) is { IndexKnows: true } known ? known : null;
            // Without an attachment in the trail, the record's own instance-id names the instance (docs/semantics.md).
            string? fileInstance = record.InstanceId.HasValue ? record.InstanceId.ToString() : null;
            string? instanceId = eni?.IndexInstanceId ?? fileInstance;
            IndexInstance? instance = instanceId is null ? null : epoch.IndexInstances.GetValueOrDefault(instanceId);
            Check(where, "interfaceKnown", eni is not null, flow.InterfaceKnown);
            Check(where, "instanceId", instanceId, flow.InstanceId);
            Check(where, "instanceFrom", eni?.IndexInstanceId is not null ? "index" : fileInstance is not null ? "flowRecord" : null, flow.InstanceFrom);
            Check(where, "instanceRunning", instance?.Running ?? (eni?.IndexInstanceId is null && fileInstance is not null), flow.InstanceRunning);
            Check(where, "groups", eni?.GroupsKey ?? string.Empty, flow.Groups);
            Check(where, "tags", instance is null ? string.Empty : string.Join(';', instance.Tags.OrderBy(t => t.Key, StringComparer.Ordinal).Select(t => t.Key + "=" + t.Value)), flow.Tags);
            Check(where, "vpcId", eni is null ? null : vpc, flow.VpcId);
            uint src = record.SrcAddr.V4;
            uint dst = record.DstAddr.V4;
            string direction = record.Direction switch
            {
                FlowDirection.Ingress => "inbound",
                FlowDirection.Egress => "outbound",
                // An interface's addresses include its delegated prefix (pod addresses).
                _ => eni is null ? "unknown" : eni.Ip == dst || Array.IndexOf(eni.PodIps, dst) >= 0 ? "inbound" : eni.Ip == src || Array.IndexOf(eni.PodIps, src) >= 0 ? "outbound" : "unknown",
            };
            Check(where, "direction", direction, flow.Direction);
            Inbound += direction == "inbound" ? 1 : 0;
            Outbound += direction == "outbound" ? 1 : 0;
            uint peer = direction == "outbound" ? dst : src;
            EniView? peerEni = epoch.IpOwner.TryGetValue(peer, out int p) ? epoch.Enis[p] : null;
            PeersAttributed += peerEni is null ? 0 : 1;
            Check(where, "peerInterfaceId", peerEni?.Id, flow.PeerInterfaceId);
            Check(where, "peerInstanceId", peerEni?.InstanceId, flow.PeerInstanceId);
            bool scanner = ModelNetworks.IsScanner(peer);
            Scanners += scanner ? 1 : 0;
            Check(where, "scanner", scanner, flow.Scanner);
        }

        private void Check<T>(string where, string field, T expected, T actual)
        {
            if (!EqualityComparer<T>.Default.Equals(expected, actual))
            {
                Mismatches.Add($"{where}: {field}: world '{expected}', enriched '{actual}'");
            }
        }
    }
}
