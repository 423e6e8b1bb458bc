using System.Globalization;
using System.IO.Compression;
using System.Text.Json;
using FlowCorrelator.Ingest;
using FlowCorrelator.Queries;
using FlowCorrelator.Scenarios;

namespace FlowCorrelator.Tests.Scenarios;

/// <summary>
/// The flow-record-as-evidence traps (docs/semantics.md, "The flow record as evidence"): each is present in the
/// written files (the trail lacks the call, the flow records carry the instance or its tag), and expected.json and the
/// summary's attribution counts answer it as the contract says, per format. The logs are read back only to prove a trap
/// is exercised and that the generator's counts agree with what it wrote; the engine's agreement is TruthCheckTests'.
/// </summary>
public sealed class FlowEvidenceTrapTests
{
    private readonly Dictionary<ScenarioFormat, World> _worlds = [];

    private sealed record Rec(string Eni, string InstanceId, string InstanceTag, string Direction, int DstPort, int Protocol, long Start);

    private sealed record World(string Dir, ScenarioSummary Summary, List<Rec> Records, List<JsonElement> Trail)
    {
        public FlowEvidenceLandmarks Traps => Summary.Landmarks.FlowEvidence!;

        public IEnumerable<AccessAttempt> Rows(string instanceId) => Summary.Expected.AccessAttempts.Where(a => a.InstanceId == instanceId);

        /// <summary>Inbound SSH records on the interface (tcp, ingress, port 22).</summary>
        public int SshTo(string eni) => Records.Count(r => r.Eni == eni && r.Direction == "ingress" && r.DstPort == 22 && r.Protocol == 6);
    }

    [OneTimeSetUp]
    public void Generate()
    {
        foreach (ScenarioFormat format in new[] { ScenarioFormat.V2, ScenarioFormat.V5, ScenarioFormat.V11 })
        {
            string dir = Path.Combine(Path.GetTempPath(), $"fc-flow-evidence-{format}-{Environment.ProcessId}");
            ScenarioSummary summary = ScenarioGenerator.Write(dir, ScenarioOptions.Default with { Seed = 11, FlowLines = 20_000, Format = format });
            _worlds[format] = new World(dir, summary, ReadRecords(dir, summary), ReadTrail(dir, summary));
        }
    }

    [OneTimeTearDown]
    public void CleanUp()
    {
        foreach (World w in _worlds.Values.Where(w => Directory.Exists(w.Dir)))
        {
            Directory.Delete(w.Dir, recursive: true);
        }
    }

    [Test]
    public void UnlinkedKarpenterNode_OnlyCreateFleetInTheTrail()
    {
        World w = _worlds[ScenarioFormat.V5];
        string node = w.Traps.UnlinkedNode;
        Assert.That(w.Trail.Where(r => Name(r) == "RunInstances").Select(r => r.GetRawText()), Has.None.Contains(node), "the node's RunInstances is not in the trail");
        JsonElement fleet = w.Trail.Single(r => r.GetProperty("eventID").GetString() == w.Traps.UnlinkedNodeFleetEventId);
        Assert.That(Name(fleet), Is.EqualTo("CreateFleet"));
        Assert.That(fleet.GetProperty("responseElements").GetRawText(), Does.Contain(node), "CreateFleet's response lists the node");
        Assert.That(fleet.GetProperty("requestParameters").GetRawText(), Does.Contain("\"payment\""), "the Name tag is the fleet request's");
        Assert.That(w.Trail.SelectMany(r => new[] { r.GetRawText() }).Where(t => t.Contains(w.Traps.UnlinkedNodeEni, StringComparison.Ordinal)), Is.Empty,
            "no event names the node's interface");
        Assert.That(w.Trail.Where(r => Name(r) == "BidEvictedEvent").Select(r => r.GetRawText()), Has.Some.Contains(node), "the node is evicted, as the trail says");
    }

    [TestCase(ScenarioFormat.V5)]
    [TestCase(ScenarioFormat.V11)]
    public void UnlinkedKarpenterNode_InstanceFromTheRecord_TagFromTheIndex(ScenarioFormat format)
    {
        World w = _worlds[format];
        Rec[] onNode = [.. w.Records.Where(r => r.Eni == w.Traps.UnlinkedNodeEni)];
        Assert.That(onNode.Select(r => r.InstanceId).Distinct(), Is.EqualTo(new[] { w.Traps.UnlinkedNode }), "the records carry the node's id");
        int ssh = w.SshTo(w.Traps.UnlinkedNodeEni);
        Assert.That(ssh, Is.Positive, "the trap is exercised");

        AccessAttempt[] rows = [.. w.Rows(w.Traps.UnlinkedNode)];
        Assert.That(rows.Sum(a => a.Accepted + a.Rejected), Is.EqualTo(ssh), "every inbound SSH record on the node is an attempt");
        Assert.That(rows.Select(a => (a.InterfaceId, a.InstanceFrom, a.TagFrom, a.SecurityGroups.Length)),
            Has.All.EqualTo((w.Traps.UnlinkedNodeEni, EvidenceSource.FlowRecord, EvidenceSource.Index, 0)), "instance from the record, tags from CreateFleet, groups unknown");
        Assert.That(rows.Sum(a => a.Accepted), Is.Positive, "the office gets in through the template's groups");
    }

    [Test]
    public void UnlinkedAndLegacy_V2_NotInQuestion1AndUnattributed()
    {
        World w = _worlds[ScenarioFormat.V2];
        Assert.That(w.Summary.Expected.Query!.TagFields, Is.Empty);
        Assert.That(w.Rows(w.Traps.UnlinkedNode), Is.Empty, "version 2 has no instance-id: records on an unknown interface");
        Assert.That(w.Rows(w.Traps.LegacyInstance), Is.Empty);
        Assert.That(w.Records.Count(r => (r.Eni == w.Traps.UnlinkedNodeEni || r.Eni == w.Traps.LegacyEni) && r.DstPort == 22), Is.Positive, "the trap is exercised");
        AttributionCounts a = w.Summary.Attribution;
        Assert.That((a.ByInstanceId, a.InstanceIdConflicts, a.ByTagField, a.TagFieldConflicts), Is.EqualTo((0L, 0L, 0L, 0L)));
        Assert.That(a.Unattributed, Is.GreaterThanOrEqualTo(w.Records.Count(r => r.Eni == w.Traps.UnlinkedNodeEni || r.Eni == w.Traps.LegacyEni)));
        Assert.That(a.ByIndex + a.ByInstanceId + a.Unattributed, Is.EqualTo(w.Summary.OkRecords));
    }

    [Test]
    public void LegacyInstance_UnknownToTheTrail_InQuestion1OnlyByItsV11Tag()
    {
        World v5 = _worlds[ScenarioFormat.V5];
        World v11 = _worlds[ScenarioFormat.V11];
        string legacy = v11.Traps.LegacyInstance;
        Assert.That(v11.Trail.Select(r => r.GetRawText()), Has.None.Contains(legacy), "no event names the legacy instance");
        Assert.That(v5.Rows(legacy), Is.Empty, "version 5: the instance-id names it, but no tag of it is known");

        Rec[] onLegacy = [.. v11.Records.Where(r => r.Eni == v11.Traps.LegacyEni)];
        Assert.That(onLegacy.Select(r => (r.InstanceId, r.InstanceTag)).Distinct(), Is.EqualTo(new[] { (legacy, "payment") }));
        int ssh = v11.SshTo(v11.Traps.LegacyEni);
        Assert.That(ssh, Is.Positive, "the trap is exercised");
        AccessAttempt[] rows = [.. v11.Rows(legacy)];
        Assert.That(rows.Sum(a => a.Accepted + a.Rejected), Is.EqualTo(ssh));
        Assert.That(rows.Sum(a => a.Accepted), Is.Zero, "its pre-trail group admits no SSH");
        Assert.That(rows.Select(a => (a.InstanceFrom, a.TagFrom, a.SecurityGroups.Length)), Has.All.EqualTo((EvidenceSource.FlowRecord, EvidenceSource.FlowRecord, 0)));
    }

    [Test]
    public void RenamedOutsideTheTrail_V11TagDisagrees_QuestionOneFollowsTheIndex()
    {
        World w = _worlds[ScenarioFormat.V11];
        string renamed = w.Traps.RenamedInstance;
        long at = w.Traps.RenamedAt.ToUnixTimeSeconds();
        JsonElement launch = w.Trail.Single(r => Name(r) == "RunInstances" && r.GetRawText().Contains(renamed, StringComparison.Ordinal));
        Assert.That(launch.GetProperty("requestParameters").GetRawText(), Does.Contain("\"web\""), "the trail says Name=web");
        Assert.That(w.Trail.Where(r => Name(r) is "CreateTags" or "DeleteTags").Select(r => r.GetRawText()), Has.None.Contains(renamed), "and never changes it");

        Rec[] after = [.. w.Records.Where(r => r.InstanceId == renamed && r.Start >= at)];
        Assert.That(after.Select(r => r.InstanceTag).Distinct(), Is.EqualTo(new[] { "payment" }), "version 11 says payment after the rename");
        Assert.That(w.Records.Where(r => r.InstanceId == renamed && r.Start < at).Select(r => r.InstanceTag).Distinct(), Is.EqualTo(new[] { "web" }));
        Assert.That(after.Count(r => r.Direction == "ingress" && r.DstPort == 22 && r.Protocol == 6), Is.Positive, "SSH reaches it after the rename: the trap is exercised");
        Assert.That(w.Rows(renamed), Is.Empty, "the index knows Name=web: not a payment instance");

        // The only tag-field conflict of the world is the renamed instance's: one per OK record after the rename.
        Assert.That(w.Summary.Attribution.TagFieldConflicts, Is.EqualTo(after.Length));
    }

    [TestCase(ScenarioFormat.V5)]
    [TestCase(ScenarioFormat.V11)]
    public void RecordStartingBeforeAnAttachment_NamesTheInstanceOfAMomentLater(ScenarioFormat format)
    {
        World w = _worlds[format];
        long start = w.Traps.AttachMomentStart.ToUnixTimeSeconds();
        Rec rec = w.Records.Single(r => r.Eni == w.Traps.AttachMomentEni && r.Start == start);
        Assert.That((rec.InstanceId, rec.Direction, rec.DstPort), Is.EqualTo((w.Traps.AttachMomentInstance, "ingress", 22)), "the record names P4, attached a second later");
        AccessAttempt row = w.Rows(w.Traps.AttachMomentInstance).Single(a => a.InterfaceId == w.Traps.AttachMomentEni && a.InstanceFrom == EvidenceSource.FlowRecord);
        Assert.That((row.FirstSeen.ToUnixTimeSeconds(), row.LastSeen.ToUnixTimeSeconds(), row.Accepted, row.Rejected, row.TagFrom), Is.EqualTo((start, start, 1L, 0L, EvidenceSource.Index)));
        Assert.That(row.SecurityGroups, Is.Not.Empty, "the index knows the interface, so its groups");
        Assert.That(w.Rows(w.Traps.AttachMomentInstance).Where(a => a.InterfaceId == w.Traps.AttachMomentEni && a.InstanceFrom == EvidenceSource.Index).Select(a => a.FirstSeen.ToUnixTimeSeconds()),
            Has.All.GreaterThan(start), "from the attachment on, the index names P4");
    }

    [Test]
    public void RecordStartingBeforeAnAttachment_V2_IsNoAccess()
    {
        World w = _worlds[ScenarioFormat.V2];
        long start = w.Traps.AttachMomentStart.ToUnixTimeSeconds();
        Assert.That(w.Records.Count(r => r.Eni == w.Traps.AttachMomentEni && r.Start == start), Is.EqualTo(1), "the trap is exercised");
        Assert.That(w.Summary.Expected.AccessAttempts.Where(a => a.InterfaceId == w.Traps.AttachMomentEni).Select(a => a.FirstSeen.ToUnixTimeSeconds()), Has.None.EqualTo(start),
            "no attachment at its start and no instance-id: unattributed");
    }

    [Test]
    public void Attribution_V11_AgreesWithWhatTheFilesCarry()
    {
        World w = _worlds[ScenarioFormat.V11];
        AttributionCounts a = w.Summary.Attribution;
        Assert.That(w.Summary.Expected.Query!.TagFields, Is.EqualTo(new[] { new TagFieldMapping("instance-tag", "Name") }));
        string[] unknown = [w.Traps.UnlinkedNodeEni, w.Traps.LegacyEni];
        Assert.That(a.ByInstanceId, Is.EqualTo(w.Records.Count(r => unknown.Contains(r.Eni)) + 1), "the two interfaces no evidence links, and the record before an attachment");
        Assert.That(a.ByTagField, Is.EqualTo(w.Records.Count(r => r.Eni == w.Traps.LegacyEni)), "the only instance with no known tag");
        Assert.That(a.Unattributed, Is.EqualTo(w.Records.Count(r => r.InstanceId == "-")), "detached interfaces");
        Assert.That(a.InstanceIdConflicts, Is.Zero);
        Assert.That(a.ByIndex + a.ByInstanceId + a.Unattributed, Is.EqualTo(w.Summary.OkRecords));
    }

    [Test]
    public void Attribution_V5_NoTagFields()
    {
        World w = _worlds[ScenarioFormat.V5];
        AttributionCounts a = w.Summary.Attribution;
        Assert.That(w.Summary.Expected.Query!.TagFields, Is.Empty);
        Assert.That(a.ByInstanceId, Is.EqualTo(w.Records.Count(r => r.Eni == w.Traps.UnlinkedNodeEni || r.Eni == w.Traps.LegacyEni) + 1));
        Assert.That((a.ByTagField, a.TagFieldConflicts, a.InstanceIdConflicts), Is.EqualTo((0L, 0L, 0L)));
        Assert.That(a.ByIndex + a.ByInstanceId + a.Unattributed, Is.EqualTo(w.Summary.OkRecords));
    }

    /// <summary>Small random worlds of every format: the counts partition the OK records, and a format counts only what it carries.</summary>
    [Test]
    public void Attribution_ManySmallWorlds_PartitionsTheOkRecords()
    {
        var random = new Random(20261207);
        ScenarioFormat[] formats = [ScenarioFormat.V2, ScenarioFormat.V5, ScenarioFormat.V11, ScenarioFormat.Parquet];
        for (int i = 0; i < 8; i++)
        {
            var options = ScenarioOptions.Default with
            {
                Seed = random.Next(1000, 1_000_000), Format = formats[i % formats.Length], FlowLines = random.Next(500, 3000), Days = random.Next(1, 3), Fleets = random.Next(3, 7),
            };
            string dir = Path.Combine(Path.GetTempPath(), $"fc-flow-evidence-small-{i}-{Environment.ProcessId}");
            try
            {
                ScenarioSummary s = ScenarioGenerator.Write(dir, options);
                AttributionCounts a = s.Attribution;
                Assert.That(a.ByIndex + a.ByInstanceId + a.Unattributed, Is.EqualTo(s.OkRecords), options.ToString());
                if (options.Format == ScenarioFormat.V2)
                {
                    Assert.That((a.ByInstanceId, a.InstanceIdConflicts), Is.EqualTo((0L, 0L)), options.ToString());
                }

                if (options.Format != ScenarioFormat.V11)
                {
                    Assert.That((a.ByTagField, a.TagFieldConflicts), Is.EqualTo((0L, 0L)), options.ToString());
                    Assert.That(s.Expected.AccessAttempts.Select(r => r.TagFrom), Has.All.EqualTo(EvidenceSource.Index), options.ToString());
                }
            }
            finally
            {
                if (Directory.Exists(dir))
                {
                    Directory.Delete(dir, recursive: true);
                }
            }
        }
    }

    private static string? Name(JsonElement r) => r.GetProperty("eventName").GetString();

    private static List<Rec> ReadRecords(string dir, ScenarioSummary summary)
    {
        var records = new List<Rec>();
        foreach (string f in summary.Files.Where(f => f.EndsWith(".log.gz", StringComparison.Ordinal)))
        {
            using var gz = new GZipStream(File.OpenRead(Path.Combine(dir, f)), CompressionMode.Decompress);
            using var reader = new StreamReader(gz);
            FlowLogSchema schema = FlowLogSchema.Parse(reader.ReadLine()!);
            string Get(string[] c, FlowField field) => schema.IndexOf(field) is int i and >= 0 ? c[i] : "-";
            while (reader.ReadLine() is string line)
            {
                string[] c = line.Split(' ');
                if (Get(c, FlowField.LogStatus) != "OK")
                {
                    continue;
                }

                records.Add(new Rec(Get(c, FlowField.InterfaceId), Get(c, FlowField.InstanceId), Get(c, FlowField.InstanceTag), Get(c, FlowField.FlowDirection),
                    int.Parse(Get(c, FlowField.DstPort), CultureInfo.InvariantCulture), int.Parse(Get(c, FlowField.Protocol), CultureInfo.InvariantCulture),
                    long.Parse(Get(c, FlowField.Start), CultureInfo.InvariantCulture)));
            }
        }

        return records;
    }

    private static List<JsonElement> ReadTrail(string dir, ScenarioSummary summary)
    {
        var trail = new List<JsonElement>();
        foreach (string f in summary.Files.Where(f => f.EndsWith(".json.gz", StringComparison.Ordinal)))
        {
            using var gz = new GZipStream(File.OpenRead(Path.Combine(dir, f)), CompressionMode.Decompress);
            using JsonDocument doc = JsonDocument.Parse(gz);
            trail.AddRange(doc.RootElement.GetProperty("Records").EnumerateArray().Select(r => r.Clone()));
        }

        return trail;
    }
}
