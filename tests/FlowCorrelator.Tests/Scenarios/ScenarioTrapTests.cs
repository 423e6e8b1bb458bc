using System.Globalization;
using System.IO.Compression;
using System.Text.Json;
using FlowCorrelator.Ingest;
using FlowCorrelator.Queries;
using FlowCorrelator.Scenarios;

namespace FlowCorrelator.Tests.Scenarios;

/// <summary>
/// Each trap of the world is both present in the written logs and handled in expected.json the way
/// docs/semantics.md says. The logs are read back here only to prove a trap is exercised, never to compute answers.
/// </summary>
public sealed class ScenarioTrapTests
{
    private string _dir = string.Empty;
    private ScenarioSummary _s = null!;
    private List<Rec> _records = [];
    private Dictionary<string, DateTimeOffset> _eventTimes = [];

    private sealed record Rec(string Eni, string Direction, string Src, string Dst, int DstPort, long Start, string Action, string Status);

    [OneTimeSetUp]
    public void Generate()
    {
        _dir = Path.Combine(Path.GetTempPath(), "fc-scenario-traps-" + Environment.ProcessId);
        _s = ScenarioGenerator.Write(_dir, ScenarioOptions.Default with { Seed = 11, FlowLines = 40_000, Format = ScenarioFormat.V5 });
        foreach (string f in _s.Files.Where(f => f.EndsWith(".log.gz", StringComparison.Ordinal)))
        {
            using var gz = new GZipStream(File.OpenRead(Path.Combine(_dir, f)), CompressionMode.Decompress);
            using var reader = new StreamReader(gz);
            FlowLogSchema schema = FlowLogSchema.Parse(reader.ReadLine()!);
            int Col(FlowField field) => schema.IndexOf(field);
            while (reader.ReadLine() is string line)
            {
                string[] c = line.Split(' ');
                if (c[Col(FlowField.LogStatus)] != "OK")
                {
                    continue;
                }

                _records.Add(new Rec(c[Col(FlowField.InterfaceId)], c[Col(FlowField.FlowDirection)], c[Col(FlowField.SrcAddr)], c[Col(FlowField.DstAddr)],
                    int.Parse(c[Col(FlowField.DstPort)], CultureInfo.InvariantCulture), long.Parse(c[Col(FlowField.Start)], CultureInfo.InvariantCulture), c[Col(FlowField.Action)], "OK"));
            }
        }

        foreach (string f in _s.Files.Where(f => f.EndsWith(".json.gz", StringComparison.Ordinal)))
        {
            using var gz = new GZipStream(File.OpenRead(Path.Combine(_dir, f)), CompressionMode.Decompress);
            using JsonDocument doc = JsonDocument.Parse(gz);
            foreach (JsonElement r in doc.RootElement.GetProperty("Records").EnumerateArray())
            {
                _eventTimes[r.GetProperty("eventID").GetString()!] = DateTimeOffset.Parse(r.GetProperty("eventTime").GetString()!, CultureInfo.InvariantCulture);
            }
        }
    }

    [OneTimeTearDown]
    public void CleanUp()
    {
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    private InvestigationResult Expected => _s.Expected;

    private static long Unix(DateTimeOffset t) => t.ToUnixTimeSeconds();

    [Test]
    public void FloatingEni_FlowsBeforeItsFirstAttachment_AreNotAccess()
    {
        long attach = Unix(_s.Landmarks.FloatingEniFirstAttach);
        Assert.That(_records.Count(r => r.Eni == _s.Landmarks.FloatingEni && r.DstPort == 22 && r.Start < attach), Is.Positive, "the trap is exercised");

        AccessAttempt[] rows = [.. Expected.AccessAttempts.Where(a => a.InterfaceId == _s.Landmarks.FloatingEni)];
        Assert.That(rows, Is.Not.Empty);
        Assert.That(rows.Select(a => Unix(a.FirstSeen)), Has.All.GreaterThanOrEqualTo(attach));
        Assert.That(rows.Select(a => a.InstanceId).Distinct(), Is.EquivalentTo(new[] { _s.Landmarks.PaymentInstances[1], _s.Landmarks.PaymentInstances[3] }),
            "attached to P2, then (after P2 terminated) to P4");
    }

    [Test]
    public void FloatingEni_GroupChangeWhileDetached_HasNoInstance()
    {
        Assert.That(Expected.GroupAttachments.Where(g => g.InterfaceId == _s.Landmarks.FloatingEni && g.InstanceId is null), Has.Exactly(1).Items);
    }

    [Test]
    public void VolumeTaggedNamePayment_DoesNotMakeBatchInstancesPaymentMembers()
    {
        Assert.That(Expected.AccessAttempts.Select(a => a.InstanceId), Has.None.AnyOf(_s.Landmarks.BatchInstances.ToArray()));
    }

    [Test]
    public void LateTaggedInstance_CountsOnlyAfterCreateTags()
    {
        long tagged = Unix(_eventTimes[_s.Landmarks.LateTagEventId]);
        AccessAttempt[] rows = [.. Expected.AccessAttempts.Where(a => a.InstanceId == _s.Landmarks.LateTaggedInstance)];
        Assert.That(rows, Is.Not.Empty);
        Assert.That(rows.Select(a => Unix(a.FirstSeen)), Has.All.GreaterThanOrEqualTo(tagged));

        string[] enis = [.. rows.Select(a => a.InterfaceId).Distinct()];
        Assert.That(_records.Count(r => enis.Contains(r.Eni) && r.Direction == "ingress" && r.DstPort == 22 && r.Start < tagged), Is.Positive, "the trap is exercised");
    }

    [Test]
    public void ReusedIp_IsAttributedToTheInterfaceThatOwnsItAtTheTime()
    {
        string[] owners = [.. _records.Where(r => r.Direction == "ingress" && r.Dst == _s.Landmarks.ReusedIp).Select(r => r.Eni).Distinct()];
        Assert.That(owners, Has.Length.EqualTo(2), "P1's interface, then the web instance's");

        Assert.That(Expected.AccessAttempts.Where(a => a.InstanceId == _s.Landmarks.ReusingInstance), Is.Empty);
        AccessAttempt[] p1 = [.. Expected.AccessAttempts.Where(a => a.InstanceId == _s.Landmarks.PaymentInstances[0])];
        Assert.That(p1, Is.Not.Empty);
        Assert.That(p1.Select(a => a.InterfaceId).Distinct(), Has.Some.AnyOf(owners));
    }

    [Test]
    public void ReusedIp_ToDb_IsRejectedAndIsNoHitOfTheReferencedGroupRule()
    {
        RuleUsage dbRule = Expected.RuleUsage.Single(u => u.GroupId == _s.Landmarks.Groups["db"] && u.ReferencedGroupId == _s.Landmarks.Groups["payment"]);
        Assert.That(dbRule.Status, Is.EqualTo("used"));
        Assert.That(_records.Where(r => r.Src == _s.Landmarks.ReusedIp && r.DstPort == 5432 && r.Direction == "ingress").Select(r => r.Action), Has.Some.EqualTo("REJECT"));
    }

    [Test]
    public void EgressToPort22_IsNotAccess()
    {
        Assert.That(_records.Count(r => r.Direction == "egress" && r.DstPort == 22), Is.Positive, "the trap is exercised");
        Assert.That(Expected.AccessAttempts.Select(a => a.SrcAddr), Has.None.StartsWith("10.0."));
    }

    [Test]
    public void OpenToWorld_IsOneRuleChangeDespiteTheDuplicateDelivery()
    {
        RuleChange[] rows = [.. Expected.RuleChanges.Where(r => r.EventId == _s.Landmarks.OpenToWorldEventId)];
        Assert.That(rows, Has.Length.EqualTo(1));
        Assert.That(rows[0].Risks, Is.EqualTo(new[] { "open-to-world", "admin-port:22" }));
        Assert.That(rows[0].OpensToWorld, Is.True);

        long opened = Unix(rows[0].Time);
        AccessAttempt[] outsiders = [.. Expected.AccessAttempts.Where(a => !a.SrcAddr.StartsWith("203.0.113.", StringComparison.Ordinal))];
        Assert.That(outsiders.Where(a => Unix(a.LastSeen) < opened).Sum(a => a.Accepted), Is.Zero, "before the opening, only the office gets in");
        Assert.That(outsiders.Where(a => Unix(a.FirstSeen) >= opened).Sum(a => a.Accepted), Is.Positive, "after it, the brute force does");
    }

    [Test]
    public void FailedAndDryRunCalls_ChangeNothing()
    {
        string[] failed = [.. _s.Landmarks.FailedEventIds];
        Assert.That(Expected.RuleChanges.Select(r => r.EventId), Has.None.AnyOf(failed));
        Assert.That(Expected.GroupAttachments.Select(r => r.EventId), Has.None.AnyOf(failed));
        Assert.That(Expected.UnusedGroups.Select(g => (g.GroupId, g.Status)), Is.EquivalentTo(new[]
        {
            (_s.Landmarks.Groups["unused"], "never-attached"),
            (_s.Landmarks.Groups["ghost"], "unknown"),
        }));
    }

    [Test]
    public void ChangedCidr_OldRangeAfterTheChange_IsRejected()
    {
        RuleChange modified = Expected.RuleChanges.Single(r => r.GroupId == _s.Landmarks.Groups["batch"] && r.Change == "modified");
        Assert.That(modified.Cidr, Is.EqualTo("198.18.1.0/24"));
        long at = Unix(modified.Time);
        Rec[] oldRangeAfter = [.. _records.Where(r => r.Src.StartsWith("198.18.0.", StringComparison.Ordinal) && r.Start >= at)];
        Assert.That(oldRangeAfter, Is.Not.Empty, "the trap is exercised");
        Assert.That(oldRangeAfter.Select(r => r.Action), Has.All.EqualTo("REJECT"));

        RuleUsage usage = Expected.RuleUsage.Single(u => u.RuleId == modified.RuleId);
        Assert.That(usage.Cidr, Is.EqualTo("198.18.1.0/24"));
        Assert.That(usage.Status, Is.EqualTo("used"));
    }

    [Test]
    public void DeletedGroupRule_IsRevoked_PrefixListRuleNeverMatches()
    {
        Assert.That(Expected.RuleUsage.Where(u => u.GroupId == _s.Landmarks.Groups["debug"]).Select(u => u.Status), Is.EqualTo(new[] { "revoked" }));
        RuleUsage prefix = Expected.RuleUsage.Single(u => u.GroupId == _s.Landmarks.Groups["db"] && u.ReferencedGroupId is null && u.Cidr is null);
        Assert.That((prefix.Status, prefix.Hits, prefix.ScannerHits), Is.EqualTo(("unused", 0L, 0L)));
    }

    [Test]
    public void Scanners_AreFlaggedAndCountedApart()
    {
        Assert.That(Expected.AccessAttempts.Where(a => a.Scanner).Select(a => IpAddr.Parse(a.SrcAddr)), Is.Not.Empty.And.All.Matches<IpAddr>(ScannerList.BuiltIn.Contains));
        Assert.That(Expected.RuleUsage.Sum(u => u.ScannerHits), Is.Positive);
    }

    [Test]
    public void SecondaryInterface_WithoutPort22Rule_IsRejectedAccess()
    {
        AccessAttempt[] secondary = [.. Expected.AccessAttempts.Where(a => a.SecurityGroups.SequenceEqual(new[] { _s.Landmarks.Groups["mgmt"] }))];
        Assert.That(secondary, Is.Not.Empty);
        Assert.That(secondary.Sum(a => a.Accepted), Is.Zero);
    }
}
