using FlowCorrelator.Index;
using FlowCorrelator.Ingest;
using FlowCorrelator.Queries;
using FlowCorrelator.Reporting;
using FlowCorrelator.Scenarios;

namespace FlowCorrelator.Tests.TruthChecks;

/// <summary>
/// Every investigation, over generated worlds, equals the generator's expected answers exactly. The generator
/// computes its answers from its own model (never from the files, never with engine code), so these tests compare
/// two independent implementations of docs/semantics.md.
/// </summary>
[Parallelizable(ParallelScope.None)]
public sealed class TruthCheckTests
{
    private static IEnumerable<TestCaseData> Worlds()
    {
        foreach (int seed in new[] { 1, 2, 3 })
        {
            foreach (ScenarioFormat format in new[] { ScenarioFormat.V2, ScenarioFormat.V5 })
            {
                yield return new TestCaseData(seed, format, 1, 3).SetName($"Investigate_Seed{seed}_{format}_EqualsExpected");
            }
        }

        yield return new TestCaseData(4, ScenarioFormat.V11, 2, 4).SetName("Investigate_Seed4_V11_TwoDaysFourFleets_EqualsExpected");
        yield return new TestCaseData(5, ScenarioFormat.Parquet, 1, 3).SetName("Investigate_Seed5_Parquet_EqualsExpected");
    }

    [TestCaseSource(nameof(Worlds))]
    public void Investigate_GeneratedWorld_EqualsExpected(int seed, ScenarioFormat format, int days, int fleets)
    {
        string dir = Path.Combine(Path.GetTempPath(), $"fc-truth-{seed}-{format}-{Environment.ProcessId}");
        try
        {
            var options = ScenarioOptions.Default with { Seed = seed, Format = format, FlowLines = 15_000, Days = days, Fleets = fleets };
            ScenarioSummary summary = ScenarioGenerator.Write(dir, options);

            Workspace workspace = Workspace.Load([dir]);
            InvestigationResult expected = FindingsJson.Deserialize(File.ReadAllText(Path.Combine(dir, "expected.json")));
            InvestigationResult actual = workspace.Investigate(InvestigationOptions.Default with
            {
                Access = new AccessQuery
                {
                    TagKey = options.AccessTagKey, TagValue = options.AccessTagValue, Port = options.AccessPort, Protocol = options.AccessProtocol,
                    TagFields = expected.Query!.TagFields,
                },
            });

            Assert.That(workspace.Diagnostics.HasProblems, Is.False, "generated input reads cleanly");
            Assert.That(workspace.Diagnostics.Sum(LogFileKind.FlowLog, f => f.Records - f.NoData - f.SkipData), Is.EqualTo(summary.OkRecords));
            AssertEqual(actual, expected);
            Assert.That(workspace.Diagnostics.Attribution, Is.EqualTo(summary.Attribution), "diagnostics.attribution: how the records were attributed");
            TestContext.Out.WriteLine($"attribution: {summary.Attribution}");
            Assert.That(expected.AccessAttempts, Is.Not.Empty, "the world exercises question 1");
            Assert.That(expected.RuleUsage.Select(r => r.Status.ToWireName()).Distinct(), Is.SupersetOf(new[] { "used", "unused", "revoked" }));
            Assert.That(expected.Exposures.Where(x => x.Exposed.Records > 0), Is.Not.Empty, "the world exercises question 6");
        }
        finally
        {
            if (Directory.Exists(dir))
            {
                Directory.Delete(dir, recursive: true);
            }
        }
    }

    /// <summary>Property-style: many small random worlds (seed, format, days, fleets drawn from a fixed seed).</summary>
    [Test]
    public void Investigate_ManySmallRandomWorlds_AllEqualExpected()
    {
        var random = new Random(20261127);
        ScenarioFormat[] formats = [ScenarioFormat.V2, ScenarioFormat.V5, ScenarioFormat.V11];
        for (int i = 0; i < 16; i++)
        {
            var options = ScenarioOptions.Default with
            {
                Seed = random.Next(1000, 1_000_000),
                Format = formats[random.Next(formats.Length)],
                FlowLines = random.Next(500, 3000),
                Days = random.Next(1, 3),
                Fleets = random.Next(3, 7),
            };
            string dir = Path.Combine(Path.GetTempPath(), $"fc-prop-{options.Seed}-{Environment.ProcessId}");
            try
            {
                ScenarioSummary summary = ScenarioGenerator.Write(dir, options);
                Workspace workspace = Workspace.Load([dir]);
                InvestigationResult actual = workspace.Investigate(InvestigationOptions.Default with
                {
                    Access = new AccessQuery { TagKey = options.AccessTagKey, TagValue = options.AccessTagValue, Port = options.AccessPort, TagFields = summary.Expected.Query!.TagFields },
                });
                TestContext.Out.WriteLine($"world {i}: {options}");
                AssertEqual(actual, summary.Expected);
                Assert.That(workspace.Diagnostics.Attribution, Is.EqualTo(summary.Attribution), $"world {i}: diagnostics.attribution");
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

    [Test]
    public void Investigate_EmbeddedDemo_EqualsItsExpectedAnswers()
    {
        string demo = Path.Combine(RepositoryRoot(), "samples", "demo");
        Workspace workspace = Workspace.Load([demo]);
        InvestigationResult actual = workspace.Investigate(InvestigationOptions.Default with
        {
            Access = new AccessQuery { TagKey = "Name", TagValue = "payment", Port = 22 },
        });

        AssertEqual(actual, FindingsJson.Deserialize(File.ReadAllText(Path.Combine(demo, "expected.json"))));
        Assert.That(actual.RuleChanges.Any(r => r.OpensToWorld && r.Risks.Contains("admin-port:22") && r.Change == RuleChangeKind.Added), Is.True, "the story: port 22 opened to the world");
        Exposure ssh = actual.Exposures.Single(x => x.Cidr == "0.0.0.0/0" && x.FromPort == 22 && x.Time == new DateTimeOffset(2026, 3, 2, 6, 0, 30, TimeSpan.Zero));
        Assert.That(ssh.Exposed.Sources, Is.GreaterThan(100), "the story: the brute force got in through the world rule, not the office rule");
        Assert.That(ssh.AlsoAdmitted.Sources, Is.GreaterThan(0), "the office got in through both");
        Assert.That(ssh.Exposed.Fleets, Is.EqualTo(new[] { "payment" }));
    }

    /// <summary>
    /// The rules the generator replaces in one second (revoke by permission, then authorize of the same permission):
    /// the engine's rows for them, side by side with the model's, so a disagreement names the trap.
    /// </summary>
    [Test]
    public void Investigate_RulesReplacedInOneSecond_EngineKeepsTheNewRulesAsTheModelDoes()
    {
        string dir = Path.Combine(Path.GetTempPath(), $"fc-replaced-{Environment.ProcessId}");
        try
        {
            ScenarioSummary summary = ScenarioGenerator.Write(dir, ScenarioOptions.Default with { Seed = 12, FlowLines = 8_000, Format = ScenarioFormat.V5 });
            InvestigationResult actual = Workspace.Load([dir]).Investigate(InvestigationOptions.Default);
            SameSecondLandmarks same = summary.Landmarks.SameSecond;
            foreach (RuleReplacement replaced in new[] { same.ReplacedByPermission, same.UnattachedRuleReplaced, same.EgressRuleReplaced })
            {
                string[] ids = [replaced.OldRuleId, replaced.NewRuleId];
                AssertEqual(
                    new InvestigationResult
                    {
                        RuleChanges = [.. actual.RuleChanges.Where(r => ids.Contains(r.RuleId))],
                        UnusedGroups = [.. actual.UnusedGroups.Where(g => g.GroupId == replaced.GroupId)],
                        RuleUsage = [.. actual.RuleUsage.Where(u => ids.Contains(u.RuleId))],
                    },
                    new InvestigationResult
                    {
                        RuleChanges = [.. summary.Expected.RuleChanges.Where(r => ids.Contains(r.RuleId))],
                        UnusedGroups = [.. summary.Expected.UnusedGroups.Where(g => g.GroupId == replaced.GroupId)],
                        RuleUsage = [.. summary.Expected.RuleUsage.Where(u => ids.Contains(u.RuleId))],
                    });
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

    [Test]
    public void Investigate_OnePassAndLinqPipelines_AgreeOnAGeneratedWorld()
    {
        string dir = Path.Combine(Path.GetTempPath(), $"fc-linq-{Environment.ProcessId}");
        try
        {
            ScenarioGenerator.Write(dir, ScenarioOptions.Default with { Seed = 11, FlowLines = 8_000, Format = ScenarioFormat.V2 });
            Workspace workspace = Workspace.Load([dir]);
            var query = new AccessQuery { TagKey = "Name", TagValue = "payment", Port = 22 };
            var records = new List<FlowRecord>();
            var sink = new CollectingSink(records);
            foreach (LogInput input in workspace.Inputs.FlowLogs)
            {
                new FlowLogReader().Read(input, sink);
            }

            InvestigationResult pass = workspace.Investigate(InvestigationOptions.Default with { Access = query });
            InvestigationResult linq = new InvestigationResult
            {
                Query = query,
                AccessAttempts = Investigations.FleetAccess(workspace.Index, records, query),
                RuleChanges = Investigations.RuleChanges(workspace.Index),
                GroupAttachments = Investigations.GroupAttachments(workspace.Index),
                UnusedGroups = Investigations.UnusedGroups(workspace.Index),
                RuleUsage = Investigations.RuleUsage(workspace.Index, records),
                Exposures = Investigations.Exposures(workspace.Index, records),
            }.Canonical();

            AssertEqual(pass, linq);
        }
        finally
        {
            if (Directory.Exists(dir))
            {
                Directory.Delete(dir, recursive: true);
            }
        }
    }

    /// <summary>Compares list by list, showing the first differing row as JSON when they differ.</summary>
    internal static void AssertEqual(InvestigationResult actual, InvestigationResult expected)
    {
        actual = actual.Canonical();
        expected = expected.Canonical();
        Assert.Multiple(() =>
        {
            Compare("accessAttempts", actual.AccessAttempts, expected.AccessAttempts);
            Compare("ruleChanges", actual.RuleChanges, expected.RuleChanges);
            Compare("groupAttachments", actual.GroupAttachments, expected.GroupAttachments);
            Compare("unusedGroups", actual.UnusedGroups, expected.UnusedGroups);
            Compare("ruleUsage", actual.RuleUsage, expected.RuleUsage);
            Compare("exposures", actual.Exposures, expected.Exposures);
        });
    }

    private static void Compare<T>(string name, System.Collections.Immutable.ImmutableArray<T> actual, System.Collections.Immutable.ImmutableArray<T> expected)
    {
        string[] a = [.. actual.Select(r => System.Text.Json.JsonSerializer.Serialize(r, FindingsJson.Options))];
        string[] e = [.. expected.Select(r => System.Text.Json.JsonSerializer.Serialize(r, FindingsJson.Options))];
        string? firstExtra = a.Except(e).FirstOrDefault();
        string? firstMissing = e.Except(a).FirstOrDefault();
        Assert.That(a, Is.EqualTo(e), $"{name}: {a.Length} rows vs {e.Length} expected.\nfirst unexpected: {firstExtra}\nfirst missing:    {firstMissing}");
    }

    internal static string RepositoryRoot()
    {
        for (DirectoryInfo? dir = new(TestContext.CurrentContext.TestDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "FlowCorrelator.sln")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException("repository root not found above the test directory");
    }

    private sealed class CollectingSink(List<FlowRecord> records) : IFlowRecordSink
    {
        public void OnRecord(in FlowRecord record, in FlowLine line) => records.Add(record);
    }
}
