using System.IO.Compression;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using FlowCorrelator.Ingest;
using FlowCorrelator.Queries;
using FlowCorrelator.Reporting;
using FlowCorrelator.Scenarios;

namespace FlowCorrelator.Tests.Scenarios;

/// <summary>Determinism, layout and file shapes of generated scenarios.</summary>
public sealed partial class ScenarioGeneratorTests
{
    private string _root = string.Empty;

    [SetUp]
    public void SetUp()
    {
        _root = Path.Combine(Path.GetTempPath(), "fc-scenario-" + TestContext.CurrentContext.Test.ID);
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    [TearDown]
    public void TearDown()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    private static ScenarioOptions Small(ScenarioFormat format = ScenarioFormat.V5, int seed = 7) =>
        ScenarioOptions.Default with { Seed = seed, FlowLines = 6000, Format = format };

    private ScenarioSummary Generate(string name, ScenarioOptions options) => ScenarioGenerator.Write(Path.Combine(_root, name), options);

    private static byte[] Read(string dir, string relative) => File.ReadAllBytes(Path.Combine(dir, relative));

    [Test]
    public void Write_SameOptions_WritesIdenticalBytes()
    {
        ScenarioSummary a = Generate("a", Small());
        ScenarioSummary b = Generate("b", Small());

        Assert.That(b.Files, Is.EqualTo(a.Files));
        foreach (string f in a.Files)
        {
            Assert.That(Read(Path.Combine(_root, "b"), f), Is.EqualTo(Read(Path.Combine(_root, "a"), f)), f);
        }
    }

    [Test]
    public void Write_DifferentSeed_WritesDifferentData()
    {
        ScenarioSummary a = Generate("a", Small(seed: 1));
        ScenarioSummary b = Generate("b", Small(seed: 2));

        Assert.That(File.ReadAllText(Path.Combine(_root, "b", "expected.json")), Is.Not.EqualTo(File.ReadAllText(Path.Combine(_root, "a", "expected.json"))));
        Assert.That(b.Landmarks.FloatingEni, Is.Not.EqualTo(a.Landmarks.FloatingEni));
    }

    [GeneratedRegex(@"^AWSLogs/111122223333/vpcflowlogs/us-east-1/(\d{4})/(\d{2})/(\d{2})/111122223333_vpcflowlogs_us-east-1_fl-[0-9a-f]{17}_(\d{8})T(\d{4})Z_[0-9a-f]{8}\.log\.(gz|parquet)$")]
    private static partial Regex FlowName();

    [GeneratedRegex(@"^AWSLogs/111122223333/CloudTrail/us-east-1/(\d{4})/(\d{2})/(\d{2})/111122223333_CloudTrail_us-east-1_(\d{8})T(\d{4})Z_[A-Za-z0-9]{16}\.json\.gz$")]
    private static partial Regex TrailName();

    [Test]
    public void Write_Layout_FollowsTheS3KeysAndFiveMinuteBatches()
    {
        ScenarioSummary s = Generate("a", Small());
        string[] flows = [.. s.Files.Where(f => f.Contains("/vpcflowlogs/", StringComparison.Ordinal))];
        string[] trails = [.. s.Files.Where(f => f.Contains("/CloudTrail/", StringComparison.Ordinal))];

        Assert.That(flows, Has.Length.EqualTo(288));
        Assert.That(s.Files, Does.Contain("expected.json"));
        Assert.That(flows.Length + trails.Length + 1, Is.EqualTo(s.Files.Length));
        foreach (string f in flows)
        {
            Match m = FlowName().Match(f);
            Assert.That(m.Success, Is.True, f);
            Assert.That(m.Groups[4].Value, Is.EqualTo(m.Groups[1].Value + m.Groups[2].Value + m.Groups[3].Value), f);
            Assert.That(int.Parse(m.Groups[5].Value, System.Globalization.CultureInfo.InvariantCulture) % 5, Is.Zero, f);
        }

        foreach (string f in trails)
        {
            Match m = TrailName().Match(f);
            Assert.That(m.Success, Is.True, f);
            Assert.That(m.Groups[4].Value, Is.EqualTo(m.Groups[1].Value + m.Groups[2].Value + m.Groups[3].Value), f);
        }
    }

    [Test]
    public void Write_FlowRecords_EndInsideTheirFilesBatch()
    {
        ScenarioSummary s = Generate("a", Small());
        string dir = Path.Combine(_root, "a");
        foreach (string f in s.Files.Where(f => f.EndsWith(".log.gz", StringComparison.Ordinal)).Take(20))
        {
            Match m = FlowName().Match(f);
            long batch = new DateTimeOffset(DateTime.ParseExact(m.Groups[4].Value + m.Groups[5].Value, "yyyyMMddHHmm", System.Globalization.CultureInfo.InvariantCulture), TimeSpan.Zero).ToUnixTimeSeconds();
            string[] lines = Lines(dir, f);
            FlowLogSchema schema = FlowLogSchema.Parse(lines[0]);
            foreach (string line in lines.Skip(1))
            {
                string[] cells = line.Split(' ');
                long start = long.Parse(cells[schema.IndexOf(FlowField.Start)], System.Globalization.CultureInfo.InvariantCulture);
                long end = long.Parse(cells[schema.IndexOf(FlowField.End)], System.Globalization.CultureInfo.InvariantCulture);
                Assert.That(end, Is.InRange(batch, batch + 299), line);
                Assert.That(end - start, Is.InRange(1, 60), line);
                // The same-second traps' records (on seconds 29 and 30) come after the first 20 files.
                Assert.That(((start % 60) + 60) % 60, Is.Not.InRange(28, 32), "no random record starts within 2 s of an event (events are on second 30)");
            }
        }
    }

    private static string[] Lines(string dir, string relative)
    {
        using var gz = new GZipStream(File.OpenRead(Path.Combine(dir, relative)), CompressionMode.Decompress);
        using var reader = new StreamReader(gz, Encoding.UTF8);
        return reader.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    [TestCase(ScenarioFormat.V2, "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status", "2 ")]
    [TestCase(ScenarioFormat.V5, "version account-id vpc-id subnet-id instance-id interface-id flow-direction srcaddr dstaddr", "5 ")]
    [TestCase(ScenarioFormat.V11, "version account-id vpc-id subnet-id instance-id instance-tag interface-id interface-type flow-direction", "11 ")]
    public void Write_TextFormats_StartWithTheirHeader(ScenarioFormat format, string headerStart, string versionPrefix)
    {
        ScenarioSummary s = Generate("a", Small(format));
        string first = s.Files.First(f => f.EndsWith(".log.gz", StringComparison.Ordinal));
        string[] lines = Lines(Path.Combine(_root, "a"), first);

        Assert.That(lines[0], Does.StartWith(headerStart));
        Assert.That(lines.Skip(1), Has.All.StartWith(versionPrefix));
        FlowLogSchema schema = FlowLogSchema.Parse(lines[0]);
        Assert.That(lines.Skip(1).Select(l => l.Split(' ').Length), Has.All.EqualTo(schema.Count));
    }

    [Test]
    public void Write_TextFormats_HaveNoDataAndSkipDataRows()
    {
        ScenarioSummary s = Generate("a", Small());
        string dir = Path.Combine(_root, "a");
        string[] all = [.. s.Files.Where(f => f.EndsWith(".log.gz", StringComparison.Ordinal)).SelectMany(f => Lines(dir, f).Skip(1))];

        Assert.That(all, Has.Length.EqualTo(6000));
        Assert.That(all.Count(l => l.Contains(" NODATA ", StringComparison.Ordinal)), Is.Positive);
        Assert.That(all.Count(l => l.Contains(" SKIPDATA ", StringComparison.Ordinal)), Is.Positive);
        Assert.That(all.Count(l => l.Contains(" OK ", StringComparison.Ordinal)), Is.EqualTo(s.OkRecords));
    }

    [Test]
    public void Write_Parquet_WritesParquetObjectsWithUnderscoreColumns()
    {
        ScenarioSummary s = Generate("a", Small(ScenarioFormat.Parquet) with { FlowLines = 1000 });
        string first = s.Files.First(f => f.Contains("/vpcflowlogs/", StringComparison.Ordinal));
        byte[] bytes = Read(Path.Combine(_root, "a"), first);

        Assert.That(first, Does.EndWith(".log.parquet"));
        Assert.That(Encoding.ASCII.GetString(bytes, 0, 4), Is.EqualTo("PAR1"));
        Assert.That(Encoding.ASCII.GetString(bytes, bytes.Length - 4, 4), Is.EqualTo("PAR1"));
        string text = Encoding.ASCII.GetString(bytes);
        Assert.That(text, Does.Contain("log_status").And.Contain("flow_direction").And.Contain("interface_id"));
    }

    [Test]
    public void Write_CloudTrail_IsRecordsJsonDeliveredOutOfOrderWithADuplicate()
    {
        ScenarioSummary s = Generate("a", Small());
        string dir = Path.Combine(_root, "a");
        var ids = new List<string>();
        var times = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        bool unsortedFile = false;
        bool lateDayFile = false;
        foreach (string f in s.Files.Where(f => f.EndsWith(".json.gz", StringComparison.Ordinal)))
        {
            using var gz = new GZipStream(File.OpenRead(Path.Combine(dir, f)), CompressionMode.Decompress);
            using JsonDocument doc = JsonDocument.Parse(gz);
            JsonElement records = doc.RootElement.GetProperty("Records");
            Assert.That(records.ValueKind, Is.EqualTo(JsonValueKind.Array), f);
            DateTimeOffset[] eventTimes = [.. records.EnumerateArray().Select(r => DateTimeOffset.Parse(r.GetProperty("eventTime").GetString()!, System.Globalization.CultureInfo.InvariantCulture))];
            unsortedFile |= !eventTimes.SequenceEqual(eventTimes.Order());
            string folderDay = f.Split('/')[4] + f.Split('/')[5] + f.Split('/')[6];
            lateDayFile |= eventTimes.Any(t => string.CompareOrdinal(t.UtcDateTime.ToString("yyyyMMdd", System.Globalization.CultureInfo.InvariantCulture), folderDay) < 0
                && (DateTimeOffset.ParseExact(folderDay, "yyyyMMdd", System.Globalization.CultureInfo.InvariantCulture) - t) > TimeSpan.FromHours(12));
            foreach (JsonElement r in records.EnumerateArray())
            {
                string id = r.GetProperty("eventID").GetString()!;
                ids.Add(id);
                times[id] = DateTimeOffset.Parse(r.GetProperty("eventTime").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
                string name = r.GetProperty("eventName").GetString()!;
                Assert.That(r.GetProperty("eventSource").GetString(), Is.EqualTo(name.Contains("AutoScaling", StringComparison.Ordinal) ? "autoscaling.amazonaws.com" : "ec2.amazonaws.com"), name);
            }
        }

        Assert.That(unsortedFile, Is.True, "some file's records are not in time order");
        Assert.That(lateDayFile, Is.True, "some event is delivered in a later day's folder");
        Assert.That(ids.GroupBy(i => i).Where(g => g.Count() > 1).Select(g => g.Key), Is.EqualTo(new[] { s.Landmarks.OpenToWorldEventId }));
        Assert.That(ids.Distinct().Count(), Is.EqualTo(s.CloudTrailEvents));
        Assert.That(s.Landmarks.LateDeliveredEventIds, Is.SubsetOf(ids));
    }

    [Test]
    public void Write_ExpectedJson_DeserialisesToTheReturnedResult()
    {
        ScenarioSummary s = Generate("a", Small());
        InvestigationResult read = FindingsJson.Deserialize(File.ReadAllText(Path.Combine(_root, "a", "expected.json")));

        Assert.That(FindingsJson.Serialize(read), Is.EqualTo(FindingsJson.Serialize(s.Expected)));
        Assert.That(FindingsJson.Serialize(read.Canonical()), Is.EqualTo(FindingsJson.Serialize(read)), "expected.json is in canonical order");
        Assert.That(read.Query, Is.EqualTo(new AccessQuery { TagKey = "Name", TagValue = "payment", Port = 22 }));
    }

    [Test]
    public void Write_200kLines_CountsAddUp()
    {
        ScenarioSummary s = Generate("a", ScenarioOptions.Default with { Seed = 3, FlowLines = 200_000, Format = ScenarioFormat.V2 });
        string dir = Path.Combine(_root, "a");
        long lines = s.Files.Where(f => f.EndsWith(".log.gz", StringComparison.Ordinal)).Sum(f => Lines(dir, f).Length - 1L);

        Assert.That(s.FlowLines, Is.EqualTo(200_000));
        Assert.That(lines, Is.EqualTo(200_000));
        Assert.That(s.OkRecords, Is.InRange(195_000, 199_999));
        Assert.That(s.Expected.AccessAttempts.Sum(a => a.Accepted + a.Rejected), Is.Positive);
    }

    [Test]
    public void Write_InvalidOptions_Throws()
    {
        Assert.That(() => Generate("a", ScenarioOptions.Default with { Fleets = 2 }), Throws.ArgumentException);
        Assert.That(() => Generate("a", ScenarioOptions.Default with { Days = 0 }), Throws.ArgumentException);
    }
}
