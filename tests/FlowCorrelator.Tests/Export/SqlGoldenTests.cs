using System.Runtime.CompilerServices;
using FlowCorrelator.Export;
using FlowCorrelator.Ingest;
using FlowCorrelator.Queries;

namespace FlowCorrelator.Tests.Export;

/// <summary>
/// The Athena and Trino SQL text is pinned by golden files (Golden/*.sql): these engines cannot run here, so a change
/// to the text must be a reviewed diff. Set UPDATE_GOLDEN=1 to rewrite the files from the generator.
/// </summary>
public sealed class SqlGoldenTests
{
    private static SqlOptions Options(SqlDialect dialect, FlowLogSchema fields) => new()
    {
        Dialect = dialect,
        FlowLocation = "s3://example-flow-logs/vpc",
        IndexLocation = "s3://example-analysis/flowcorrelator-index",
        FlowFields = fields,
        Accounts = ["111122223333"],
        Regions = ["us-east-1", "eu-west-1"],
        Access = new AccessQuery { TagKey = "Name", TagValue = "payment", Port = 22 },
        From = new DateTimeOffset(2026, 3, 1, 0, 0, 0, TimeSpan.Zero),
        To = new DateTimeOffset(2026, 3, 8, 0, 0, 0, TimeSpan.Zero),
    };

    private static readonly FlowLogSchema V5 = FlowLogSchema.Parse(
        "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status vpc-id subnet-id instance-id tcp-flags type pkt-srcaddr pkt-dstaddr region az-id sublocation-type sublocation-id pkt-src-aws-service pkt-dst-aws-service flow-direction traffic-path");

    [TestCase("athena", "v2")]
    [TestCase("athena", "v5")]
    [TestCase("trino", "v2")]
    [TestCase("trino", "v5")]
    public void GeneratedSql_MatchesGoldenFile(string dialect, string format)
    {
        string sql = InvestigationSql.Generate(Options(SqlDialect.Parse(dialect), format == "v5" ? V5 : FlowLogSchema.DefaultV2)).Render();
        string path = Path.Combine(GoldenDirectory(), $"{dialect}-{format}.sql");
        if (Environment.GetEnvironmentVariable("UPDATE_GOLDEN") == "1")
        {
            File.WriteAllText(path, sql);
            Assert.Pass($"rewrote {path}");
        }

        Assert.That(File.Exists(path), Is.True, $"{path} is missing; run with UPDATE_GOLDEN=1");
        Assert.That(sql, Is.EqualTo(File.ReadAllText(path).ReplaceLineEndings("\n")));
    }

    [Test]
    public void AthenaWithoutAccounts_IsRejected()
    {
        SqlOptions options = Options(SqlDialect.Athena, FlowLogSchema.DefaultV2) with { Accounts = [] };
        Assert.That(() => InvestigationSql.Generate(options), Throws.ArgumentException);
    }

    private static string GoldenDirectory([CallerFilePath] string source = "") => Path.Combine(Path.GetDirectoryName(source)!, "Golden");
}
