using System.Globalization;
using System.IO.Compression;
using System.Text.Json;
using FlowCorrelator.Index;
using FlowCorrelator.Ingest;
using FlowCorrelator.Queries;
using FlowCorrelator.Scenarios;

namespace FlowCorrelator.Tests.Scenarios;

/// <summary>
/// Each trap of the world is both present in the written logs and handled in expected.json the way
/// docs/semantics.md says. The logs are read back here only to prove a trap is exercised, never to compute answers.
/// </summary>
public sealed partial class ScenarioTrapTests
{
    private string _dir = string.Empty;
    private ScenarioSummary _s = null!;
    private List<Rec> _records = [];
    private Dictionary<string, DateTimeOffset> _eventTimes = [];
    private List<List<(string Id, string Name, DateTimeOffset Time)>> _trailFiles = [];
    private Dictionary<string, JsonElement> _requests = [];

    private sealed record Rec(string Eni, string Direction, string Src, string Dst, int DstPort, long Start, string Action, string Status);

    private SameSecondLandmarks Same => _s.Landmarks.SameSecond;

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
            var inFile = new List<(string Id, string Name, DateTimeOffset Time)>();
            foreach (JsonElement r in doc.RootElement.GetProperty("Records").EnumerateArray())
            {
                var time = DateTimeOffset.Parse(r.GetProperty("eventTime").GetString()!, CultureInfo.InvariantCulture);
                _eventTimes[r.GetProperty("eventID").GetString()!] = time;
                inFile.Add((r.GetProperty("eventID").GetString()!, r.GetProperty("eventName").GetString()!, time));
                if (r.TryGetProperty("requestParameters", out JsonElement request) && request.ValueKind == JsonValueKind.Object)
                {
                    _requests[r.GetProperty("eventID").GetString()!] = request.Clone();
                }
            }

            _trailFiles.Add(inFile);
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
        Assert.That(dbRule.Status.ToWireName(), Is.EqualTo("used"));
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
        Assert.That(Expected.UnusedGroups.Select(g => (g.GroupId, g.Status.ToWireName())), Is.EquivalentTo(new[]
        {
            (_s.Landmarks.Groups["unused"], "never-attached"),
            (_s.Landmarks.Groups["ghost"], "unknown"),
            (_s.Landmarks.ByGroupName.DefaultVpcGroupId, "never-attached"),
            (_s.Landmarks.ByGroupName.NamesakeGroupId, "never-attached"),
        }));
    }

    [Test]
    public void ChangedCidr_OldRangeAfterTheChange_IsRejected()
    {
        RuleChange modified = Expected.RuleChanges.Single(r => r.GroupId == _s.Landmarks.Groups["batch"] && r.Change == RuleChangeKind.Modified);
        Assert.That(modified.Cidr, Is.EqualTo("198.18.1.0/24"));
        long at = Unix(modified.Time);
        Rec[] oldRangeAfter = [.. _records.Where(r => r.Src.StartsWith("198.18.0.", StringComparison.Ordinal) && r.Start >= at)];
        Assert.That(oldRangeAfter, Is.Not.Empty, "the trap is exercised");
        Assert.That(oldRangeAfter.Select(r => r.Action), Has.All.EqualTo("REJECT"));

        RuleUsage usage = Expected.RuleUsage.Single(u => u.RuleId == modified.RuleId);
        Assert.That(usage.Cidr, Is.EqualTo("198.18.1.0/24"));
        Assert.That(usage.Status.ToWireName(), Is.EqualTo("used"));
    }

    [Test]
    public void DeletedGroupRule_IsRevoked_PrefixListRuleNeverMatches()
    {
        Assert.That(Expected.RuleUsage.Where(u => u.GroupId == _s.Landmarks.Groups["debug"]).Select(u => u.Status.ToWireName()), Is.EqualTo(new[] { "revoked" }));
        RuleUsage prefix = Expected.RuleUsage.Single(u => u.GroupId == _s.Landmarks.Groups["db"] && u.ReferencedGroupId is null && u.Cidr is null);
        Assert.That((prefix.Status.ToWireName(), prefix.Hits, prefix.ScannerHits), Is.EqualTo(("unused", 0L, 0L)));
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

    // ---- events that share a second (docs/semantics.md: creations, additions, replacements, removals, deletions)

    private DateTimeOffset[] SharedSeconds =>
    [
        Same.LaunchedAndTagged, Same.TaggedAndRegrouped, Same.AuthorizedAndAttached, Same.ReplacedRule, Same.OpenedAndClosed,
        Same.ModifiedAndRevoked, Same.AddressReused, Same.ReplacedByPermission.Time, Same.UnattachedRuleReplaced.Time, Same.EgressRuleReplaced.Time,
    ];

    [Test]
    public void SharedSeconds_AreOneFileEach_InTheReverseOfTheirCategoryOrder()
    {
        foreach (DateTimeOffset second in SharedSeconds)
        {
            var files = _trailFiles.Where(f => f.Any(e => e.Time == second)).ToList();
            Assert.That(files, Has.Count.EqualTo(1), $"{second:O}: one file");
            string[] names = [.. files[0].Where(e => e.Time == second).Select(e => e.Name)];
            Assert.That(names, Has.Length.EqualTo(2), $"{second:O}");
            Assert.That(names.Select(n => (int)FlowCorrelator.Scenarios.World.TrailEvent.PhaseOf(n)), Is.Ordered.Descending.And.Unique, $"{second:O}: {string.Join(", ", names)}");
        }

        Assert.That(_eventTimes.Values.GroupBy(t => t).Where(g => g.Count() > 1).Select(g => g.Key).Order(), Is.EqualTo(SharedSeconds.Order()),
            "no other second is shared");
    }

    [Test]
    public void SharedSeconds_HaveRecordsStartingOnThemAndOneSecondBefore()
    {
        // The never-attached group and the egress rule admit no traffic whatever the answer.
        DateTimeOffset[] withoutPairs = [Same.LaunchedAndTagged, Same.UnattachedRuleReplaced.Time, Same.EgressRuleReplaced.Time];
        foreach (DateTimeOffset second in SharedSeconds.Except(withoutPairs))
        {
            Assert.That(_records.Count(r => r.Start == Unix(second)), Is.Positive, $"{second:O}");
            Assert.That(_records.Count(r => r.Start == Unix(second) - 1), Is.Positive, $"{second:O} - 1 s");
        }
    }

    private AccessAttempt Access(string src) => Expected.AccessAttempts.Single(a => a.SrcAddr == src);

    private RuleUsage Usage(string ruleId) => Expected.RuleUsage.Single(u => u.RuleId == ruleId);

    [Test]
    public void LaunchAndCreateTags_InOneSecond_AreInTheFleetFromThatSecond()
    {
        AccessAttempt[] c1 = [.. Expected.AccessAttempts.Where(a => a.InstanceId == Same.CanaryInstances[0])];
        Assert.That(c1.Min(a => a.FirstSeen), Is.EqualTo(Same.LaunchedAndTagged), "the record at the launch second counts: the tag applies after the launch");
    }

    [Test]
    public void CreateTagsAndGroupChange_InOneSecond_CountFromThatSecondWithTheNewGroups()
    {
        AccessAttempt[] c2 = [.. Expected.AccessAttempts.Where(a => a.InstanceId == Same.CanaryInstances[1])];
        Assert.That(c2.Min(a => a.FirstSeen), Is.EqualTo(Same.TaggedAndRegrouped));
        Assert.That(c2.Where(a => a.FirstSeen == Same.TaggedAndRegrouped).Select(a => a.SecurityGroups), Has.All.EqualTo(new[] { _s.Landmarks.Groups["payment"] }));
        string c2Eni = c2[0].InterfaceId;
        Assert.That(_records.Count(r => r.Eni == c2Eni && r.Start == Unix(Same.TaggedAndRegrouped) - 1 && r.DstPort == 22), Is.EqualTo(1), "the second before is not access");

        GroupAttachment change = Expected.GroupAttachments.Single(g => g.Time == Same.TaggedAndRegrouped);
        Assert.That((change.EventName, change.InstanceId, change.Removed.Single()), Is.EqualTo(("ModifyInstanceAttribute", Same.CanaryInstances[1], _s.Landmarks.Groups["mgmt"])));
    }

    [Test]
    public void AuthorizeAndGroupChange_InOneSecond_RejectedTheSecondBeforeAndAcceptedFromIt()
    {
        string[] oldGroups = [.. new[] { _s.Landmarks.Groups["mgmt"], _s.Landmarks.Groups["payment"] }.Order(StringComparer.Ordinal)];
        AccessAttempt before = Access("192.0.2.10");
        AccessAttempt at = Access("192.0.2.11");
        Assert.That((before.Accepted, before.Rejected, before.FirstSeen), Is.EqualTo((0L, 1L, Same.AuthorizedAndAttached.AddSeconds(-1))));
        Assert.That(before.SecurityGroups, Is.EqualTo(oldGroups));
        Assert.That((at.Accepted, at.Rejected, at.FirstSeen), Is.EqualTo((1L, 0L, Same.AuthorizedAndAttached)));
        Assert.That(at.SecurityGroups, Is.EquivalentTo(oldGroups.Append(Same.CanaryGroup)));

        RuleUsage first = Usage(Same.FirstRuleId);
        Assert.That((first.FirstUsed, first.LastUsed, first.Status.ToWireName()), Is.EqualTo(((DateTimeOffset?)Same.AuthorizedAndAttached, (DateTimeOffset?)Same.ReplacedRule.AddSeconds(-1), "revoked")));
    }

    [Test]
    public void RevokeByIdAndAuthorizeOfTheSamePermission_InOneSecond_HandOverAtThatSecond()
    {
        RuleUsage second = Usage(Same.SecondRuleId);
        Assert.That((second.FirstUsed, second.LastUsed, second.Hits), Is.EqualTo(((DateTimeOffset?)Same.ReplacedRule, (DateTimeOffset?)Same.ModifiedAndRevoked.AddSeconds(-1), 2L)));
        Assert.That(Expected.RuleChanges.Where(r => r.Time == Same.ReplacedRule).Select(r => (r.RuleId, r.Change.ToWireName())),
            Is.EquivalentTo(new[] { (Same.SecondRuleId, "added"), (Same.FirstRuleId, "removed") }));
    }

    [Test]
    public void AuthorizeAndRevokeByPermission_InOneSecond_LeaveNoRuleInForce()
    {
        RuleUsage flickered = Usage(Same.FlickeredRuleId);
        Assert.That((flickered.Status.ToWireName(), flickered.Hits), Is.EqualTo(("revoked", 0L)), "the office records at that second are the payment rule's");
        Assert.That(Expected.RuleChanges.Where(r => r.Time == Same.OpenedAndClosed).Select(r => (r.RuleId, r.Change.ToWireName())),
            Is.EquivalentTo(new[] { (Same.FlickeredRuleId, "added"), (Same.FlickeredRuleId, "removed") }));
        Assert.That(Expected.AccessAttempts.Where(a => a.InstanceId == Same.CanaryInstances[0] && a.SrcAddr.StartsWith("203.0.113.", StringComparison.Ordinal))
            .Select(a => a.Accepted), Has.All.EqualTo(1));
    }

    [Test]
    public void ModifyAndRevoke_InOneSecond_RemovalCarriesTheNewDefinition()
    {
        RuleChange[] rows = [.. Expected.RuleChanges.Where(r => r.Time == Same.ModifiedAndRevoked)];
        Assert.That(rows.Select(r => (r.RuleId, r.Change.ToWireName(), r.Cidr)), Is.EquivalentTo(new[]
        {
            (Same.SecondRuleId, "modified", "192.0.2.128/25"),
            (Same.SecondRuleId, "removed", "192.0.2.128/25"),
        }));
        Assert.That(Usage(Same.SecondRuleId).Cidr, Is.EqualTo("192.0.2.128/25"));
        Assert.That((Access("192.0.2.200").Accepted, Access("192.0.2.201").Rejected), Is.EqualTo((1L, 1L)), "in force the second before, gone at the second");
    }

    [Test]
    public void TerminateAndRunInstancesReusingTheAddress_InOneSecond_MoveTheAddressAtThatSecond()
    {
        AccessAttempt[] c2 = [.. Expected.AccessAttempts.Where(a => a.InstanceId == Same.CanaryInstances[1])];
        AccessAttempt[] c3 = [.. Expected.AccessAttempts.Where(a => a.InstanceId == Same.CanaryInstances[2])];
        Assert.That(c2.Max(a => a.LastSeen), Is.EqualTo(Same.AddressReused.AddSeconds(-1)));
        Assert.That(c3.Select(a => (a.FirstSeen, a.Accepted, a.Rejected)), Is.EqualTo(new[] { (Same.AddressReused, 0L, 1L) }), "web-sg has no ssh rule");

        Rec[] toDb = [.. _records.Where(r => r.Src == Same.ReusedIp && r.DstPort == 5432)];
        Assert.That(toDb.Select(r => (r.Start - Unix(Same.AddressReused), r.Action)), Is.EquivalentTo(new[] { (-1L, "ACCEPT"), (0L, "REJECT") }),
            "payment-sg's address the second before, web-sg's at the second");
        Assert.That(_records.Where(r => r.Dst == Same.ReusedIp && r.Direction == "ingress").Select(r => r.Eni).Distinct().Count(), Is.EqualTo(2));
    }

    // ---- a rule replaced in one second: revoke by permission, then authorize of the same permission (EC2 refuses a
    // duplicate permission, so the revoke ran first and took the rule that was live before the second)

    private RuleReplacement[] Replacements => [Same.ReplacedByPermission, Same.UnattachedRuleReplaced, Same.EgressRuleReplaced];

    [Test]
    public void RuleReplacements_AreARevokeByPermissionAndAnAuthorize_InOneSecond()
    {
        foreach (RuleReplacement replaced in Replacements)
        {
            var events = _trailFiles.SelectMany(f => f).Where(e => e.Time == replaced.Time).ToList();
            Assert.That(events.Select(e => e.Name.Replace("Egress", "Ingress", StringComparison.Ordinal)),
                Is.EquivalentTo(new[] { "RevokeSecurityGroupIngress", "AuthorizeSecurityGroupIngress" }), $"{replaced.Time:O}");
            foreach ((string id, string _, DateTimeOffset _) in events)
            {
                Assert.That(_requests[id].TryGetProperty("ipPermissions", out _), Is.True, "both name the permission");
                Assert.That(_requests[id].TryGetProperty("securityGroupRuleIds", out _), Is.False, "and no rule id");
                Assert.That(_requests[id].GetProperty("groupId").GetString(), Is.EqualTo(replaced.GroupId));
            }
        }
    }

    [Test]
    public void RevokeByPermissionAndAuthorizeOfALivePermission_InOneSecond_TheNewRuleIsInForceFromThatSecond()
    {
        RuleReplacement replaced = Same.ReplacedByPermission;
        RuleUsage old = Usage(replaced.OldRuleId);
        RuleUsage now = Usage(replaced.NewRuleId);
        Assert.That((old.Status.ToWireName(), old.Hits, old.LastUsed), Is.EqualTo(("revoked", 1L, (DateTimeOffset?)replaced.Time.AddSeconds(-1))));
        Assert.That((now.Status.ToWireName(), now.Hits, now.FirstUsed), Is.EqualTo(("used", 1L, (DateTimeOffset?)replaced.Time)));
        Assert.That((now.Protocol, now.FromPort, now.Cidr), Is.EqualTo((old.Protocol, old.FromPort, old.Cidr)), "the same permission");
        Assert.That((Access("192.0.2.20").Accepted, Access("192.0.2.21").Accepted), Is.EqualTo((1L, 1L)), "admitted on both sides of the second");
        Assert.That(Expected.RuleChanges.Where(r => r.Time == replaced.Time).Select(r => (r.RuleId, r.Change.ToWireName(), r.Direction)),
            Is.EquivalentTo(new[] { (replaced.NewRuleId, "added", "ingress"), (replaced.OldRuleId, "removed", "ingress") }));
    }

    [Test]
    public void RevokeByPermissionAndAuthorizeOnANeverAttachedGroup_InOneSecond_TheGroupKeepsALiveRule()
    {
        RuleReplacement replaced = Same.UnattachedRuleReplaced;
        Assert.That(replaced.GroupId, Is.EqualTo(_s.Landmarks.Groups["unused"]));
        UnusedGroup unused = Expected.UnusedGroups.Single(g => g.GroupId == replaced.GroupId);
        Assert.That((unused.Status.ToWireName(), unused.IngressRuleIds.ToArray()), Is.EqualTo(("never-attached", new[] { replaced.NewRuleId })));
        Assert.That(Expected.RuleChanges.Where(r => r.Time == replaced.Time).Select(r => (r.RuleId, r.Change.ToWireName(), r.OpensToWorld, string.Join(",", r.Risks))),
            Is.EquivalentTo(new[] { (replaced.NewRuleId, "added", true, "open-to-world,admin-port:3389"), (replaced.OldRuleId, "removed", true, "open-to-world,admin-port:3389") }));
    }

    [Test]
    public void RevokeEgressByPermissionAndAuthorizeEgress_InOneSecond_TheNewEgressRuleStays()
    {
        RuleReplacement replaced = Same.EgressRuleReplaced;
        RuleChange[] rows = [.. Expected.RuleChanges.Where(r => r.RuleId == replaced.OldRuleId || r.RuleId == replaced.NewRuleId)];
        Assert.That(rows.Select(r => (r.Time, r.RuleId, r.Change.ToWireName(), r.Direction)), Is.EquivalentTo(new[]
        {
            (rows.Single(r => r.RuleId == replaced.OldRuleId && r.Change == RuleChangeKind.Added).Time, replaced.OldRuleId, "added", "egress"),
            (replaced.Time, replaced.NewRuleId, "added", "egress"),
            (replaced.Time, replaced.OldRuleId, "removed", "egress"),
        }), "the new rule is never removed");
        Assert.That(rows.Select(r => r.Risks.Length), Has.All.Zero, "risks are for ingress rows");
    }

    // ---- rules changed by group name: EC2 accepts a name only for the default VPC, so the calls changed the group created
    // without vpcId, not its namesake in the story's VPC

    [Test]
    public void RulesChangedByGroupName_AreTheDefaultVpcGroups_NotItsNamesakes()
    {
        GroupNamedLandmarks named = _s.Landmarks.ByGroupName;
        foreach (string id in new[] { named.AuthorizeEventId, named.RevokeEventId })
        {
            Assert.That(_requests[id].TryGetProperty("groupId", out _), Is.False, "the trap is exercised: the call names no group id");
            Assert.That(_requests[id].GetProperty("groupName").GetString(), Is.EqualTo(named.Name));
        }

        JsonElement[] creations = [.. _trailFiles.SelectMany(f => f).Where(e => e.Name == "CreateSecurityGroup").Select(e => _requests[e.Id])
            .Where(r => r.GetProperty("groupName").GetString() == named.Name)];
        Assert.That(creations.Select(r => r.TryGetProperty("vpcId", out _)), Is.EquivalentTo(new[] { true, false }), "one in the story's VPC, one in the default VPC");

        string[] rules = [.. named.AuthorizedRuleIds];
        Assert.That(rules, Is.EqualTo(new[] { named.AuthorizeEventId + "#0", named.AuthorizeEventId + "#1" }), "answered without a rule set");
        Assert.That(Expected.RuleChanges.Where(r => r.EventId == named.AuthorizeEventId || r.EventId == named.RevokeEventId).Select(r => (r.GroupId, r.RuleId, r.Change.ToWireName(), r.FromPort)),
            Is.EquivalentTo(new[]
            {
                (named.DefaultVpcGroupId, rules[0], "added", (int?)22),
                (named.DefaultVpcGroupId, rules[1], "added", (int?)8080),
                (named.DefaultVpcGroupId, rules[0], "removed", (int?)22),
            }));
        Assert.That(Expected.UnusedGroups.Where(g => g.GroupName == named.Name).Select(g => (g.GroupId, g.Status.ToWireName(), string.Join(",", g.IngressRuleIds))),
            Is.EquivalentTo(new[] { (named.DefaultVpcGroupId, "never-attached", rules[1]), (named.NamesakeGroupId, "never-attached", named.NamesakeRuleId) }),
            "the namesake keeps its own rule and gets none of the default-VPC group's");
    }
}
