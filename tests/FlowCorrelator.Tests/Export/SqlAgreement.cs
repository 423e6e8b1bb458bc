using System.Globalization;
using System.IO.Compression;
using System.Text;
using DuckDB.NET.Data;
using FlowCorrelator.Export;
using FlowCorrelator.Index;
using FlowCorrelator.Ingest;
using FlowCorrelator.Queries;

namespace FlowCorrelator.Tests.Export;

/// <summary>One flow-log line in a test world (times are Unix seconds).</summary>
internal sealed record TestFlow(string Eni, string Src, string Dst, int DstPort, long Start, string Action = "ACCEPT", int Protocol = 6, string? Direction = null, string Status = "OK");

/// <summary>
/// Runs the five questions twice, with the local engine over .log.gz files and with the DuckDB SQL over the same files
/// plus the exported index, and renders both answers as comparable text rows.
/// </summary>
internal sealed class SqlAgreement : IDisposable
{
    private const string V2Header = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status";
    private const string V5Extra = " vpc-id subnet-id instance-id tcp-flags type pkt-srcaddr pkt-dstaddr region az-id sublocation-type sublocation-id pkt-src-aws-service pkt-dst-aws-service flow-direction traffic-path";

    private readonly List<string> _files = [];
    private int _fileCount;

    public SqlAgreement()
    {
        Root = Path.Combine(Path.GetTempPath(), "fc-export-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path.Combine(Root, "flows"));
    }

    public string Root { get; }

    /// <summary>Writes a gzip flow-log file with a header line, in the v2 default format or in v5 with <c>flow-direction</c>.</summary>
    public void WriteFlows(IEnumerable<TestFlow> flows, bool v5)
    {
        string path = Path.Combine(Root, "flows", $"111122223333_vpcflowlogs_us-east-1_fl-1_{++_fileCount:D4}.log.gz");
        using (var gz = new GZipStream(File.Create(path), CompressionLevel.Fastest))
        using (var w = new StreamWriter(gz, new UTF8Encoding(false)))
        {
            w.NewLine = "\n";
            w.WriteLine(v5 ? V2Header + V5Extra : V2Header);
            foreach (TestFlow f in flows)
            {
                bool ok = f.Status == "OK";
                string core = ok
                    ? $"{(v5 ? 5 : 2)} 111122223333 {f.Eni} {f.Src} {f.Dst} 40000 {f.DstPort} {f.Protocol} 3 180 {f.Start} {f.Start + 30} {f.Action} OK"
                    : $"{(v5 ? 5 : 2)} 111122223333 {f.Eni} - - - - - - - {f.Start} {f.Start + 60} - {f.Status}";
                w.WriteLine(v5 ? core + $" vpc-1 subnet-1 - - IPv4 - - us-east-1 use1-az1 - - - - {f.Direction ?? "-"} -" : core);
            }
        }

        _files.Add(path);
    }

    /// <summary>Adds existing flow-log files (e.g. a generated scenario's) to the world, copied under the flows folder.</summary>
    public void AddFlowFiles(IEnumerable<string> paths)
    {
        foreach (string path in paths)
        {
            string copy = Path.Combine(Root, "flows", $"{++_fileCount:D5}_{Path.GetFileName(path)}");
            File.Copy(path, copy);
            _files.Add(copy);
        }
    }

    /// <summary>The engine's answers, rendered.</summary>
    public Answers Local(EnvironmentIndex index, InvestigationOptions options)
    {
        var diagnostics = new IngestDiagnostics();
        InvestigationResult r = Investigations.Run(index, _files.Select(LogInput.FromFile), options, diagnostics);
        return new Answers(
            [.. r.AccessAttempts.Select(a => Row(a.InstanceId, a.InterfaceId, string.Join(',', a.SecurityGroups), a.SrcAddr, a.Accepted, a.Rejected, a.Packets, a.Bytes, a.FirstSeen, a.LastSeen, a.Scanner, a.InstanceFrom.ToWireName(), a.TagFrom.ToWireName()))],
            [.. r.RuleChanges.Select(c => Row(c.Time, c.EventId, c.EventName, c.Change.ToWireName(), c.GroupId, c.RuleId, c.Direction, c.Protocol, c.FromPort, c.ToPort, c.Cidr, c.ReferencedGroupId, c.PrefixListId, c.Actor, c.SourceIp, c.OpensToWorld, string.Join(',', c.Risks), c.GroupName, c.GroupUnresolved))],
            [.. r.GroupAttachments.Select(g => Row(g.Time, g.EventId, g.EventName, g.InterfaceId, g.InstanceId, string.Join(',', g.GroupsBefore), string.Join(',', g.GroupsAfter), string.Join(',', g.Added), string.Join(',', g.Removed), g.Actor, g.GroupsBeforeUnknown))],
            [.. r.UnusedGroups.Select(g => Row(g.GroupId, g.GroupName, g.Status.ToWireName(), string.Join(',', g.IngressRuleIds)))],
            [.. r.RuleUsage.Select(u => Row(u.RuleId, u.GroupId, u.Protocol, u.FromPort, u.ToPort, u.Cidr, u.ReferencedGroupId, u.Status.ToWireName(), u.Hits, u.ScannerHits, u.DistinctSources, u.FirstUsed, u.LastUsed))]);
    }

    /// <summary>Exports the index, generates the DuckDB SQL and runs it.</summary>
    public Answers Sql(EnvironmentIndex index, InvestigationOptions options)
    {
        string indexDir = Path.Combine(Root, "index");
        IndexExporter.Export(index, options.Scanners, indexDir);
        SqlScript script = InvestigationSql.Generate(new SqlOptions
        {
            Dialect = SqlDialect.DuckDb,
            FlowLocation = Path.Combine(Root, "flows", "*.log.gz"),
            IndexLocation = indexDir,
            Access = options.Access,
            From = options.From,
            To = options.To,
        });
        using var connection = new DuckDBConnection("Data Source=:memory:");
        connection.Open();
        foreach (string ddl in script.Ddl)
        {
            using DuckDBCommand command = connection.CreateCommand();
            command.CommandText = ddl;
            command.ExecuteNonQuery();
        }

        var results = script.Queries.ToDictionary(q => q.Key, q => Query(connection, q.Value));
        return new Answers(
            results.GetValueOrDefault("accessAttempts", []),
            results["ruleChanges"],
            results["groupAttachments"],
            results["unusedGroups"],
            results["ruleUsage"]);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp folder is harmless; never fail a test on cleanup.
        }
    }

    private static List<string> Query(DuckDBConnection connection, string sql)
    {
        using DuckDBCommand command = connection.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        var rows = new List<string>();
        while (reader.Read())
        {
            var values = new object?[reader.FieldCount];
            for (int i = 0; i < values.Length; i++)
            {
                values[i] = reader.IsDBNull(i) ? null : reader.GetValue(i);
            }

            rows.Add(Row(values));
        }

        return rows;
    }

    /// <summary>Values as text: null, numbers invariant, times as Unix seconds, empty strings as null (the export writes empty lists as '').</summary>
    private static string Row(params object?[] values) => string.Join(" | ", values.Select(v => v switch
    {
        null => "null",
        "" => "null",
        DateTime t => new DateTimeOffset(DateTime.SpecifyKind(t, DateTimeKind.Utc)).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture),
        DateTimeOffset t => t.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture),
        bool b => b ? "true" : "false",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => v.ToString() ?? "null",
    }));
}

/// <summary>The five answers as text rows.</summary>
internal sealed record Answers(List<string> Access, List<string> RuleChanges, List<string> Attachments, List<string> Unused, List<string> Usage)
{
    /// <summary>Asserts every answer equal as a multiset of rows, naming the question that differs.</summary>
    public void AssertEqual(Answers expected, string scenario)
    {
        Assert.Multiple(() =>
        {
            Assert.That(Sorted(Access), Is.EqualTo(Sorted(expected.Access)), $"{scenario}: question 1");
            Assert.That(Sorted(RuleChanges), Is.EqualTo(Sorted(expected.RuleChanges)), $"{scenario}: question 2");
            Assert.That(Sorted(Attachments), Is.EqualTo(Sorted(expected.Attachments)), $"{scenario}: question 3");
            Assert.That(Sorted(Unused), Is.EqualTo(Sorted(expected.Unused)), $"{scenario}: question 4");
            Assert.That(Sorted(Usage), Is.EqualTo(Sorted(expected.Usage)), $"{scenario}: question 5");
        });
    }

    private static List<string> Sorted(List<string> rows) => [.. rows.Order(StringComparer.Ordinal)];
}
