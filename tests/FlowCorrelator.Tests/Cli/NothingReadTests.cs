using System.IO.Compression;
using System.Text;
using System.Text.Json;
using FlowCorrelator.Cli;
using FlowCorrelator.Ingest;
using FlowCorrelator.Tests.Hostile;
using FlowCorrelator.Tests.TruthChecks;

namespace FlowCorrelator.Tests.Cli;

/// <summary>
/// Issue 16: "All input was read" only when something was. Empty sources stop the run (exit 3) before any answer;
/// questions without their evidence say so (exit 1); stray files are named once, not parsed line by line.
/// </summary>
public sealed class NothingReadTests
{
    internal const string FlowHeader = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status";
    internal const string FlowLine = "2 111122223333 eni-0a1b 198.51.100.9 10.0.0.5 50000 22 6 3 180 1772409600 1772409660 ACCEPT OK";

    internal const string Trail = """
        {"Records":[{"eventVersion":"1.08","eventTime":"2026-03-02T00:00:00Z","eventSource":"ec2.amazonaws.com","eventName":"CreateSecurityGroup","awsRegion":"us-east-1","eventID":"ev-1","eventType":"AwsApiCall","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::111122223333:user/a"},"requestParameters":{"groupName":"web","groupDescription":"d","vpcId":"vpc-1"},"responseElements":{"_return":true,"groupId":"sg-0web"}}]}
        """;

    private static string Demo => Path.Combine(TruthCheckTests.RepositoryRoot(), "samples", "demo");

    [TestCase("investigate")]
    [TestCase("rule-changes")]
    [TestCase("flows")]
    [TestCase("timeline")]
    public async Task EmptyFolder_IsExit3NamingItBeforeAnyAnswer(string command)
    {
        using var dir = new CorpusTests.TempDir();
        string[] extra = command == "timeline" ? ["--group", "sg-1"] : [];
        (int exit, string stdout, string stderr) = await CorpusTests.RunAsync([command, dir.Path, .. extra]);

        Assert.That(exit, Is.EqualTo(ExitCodes.Failure), stderr);
        Assert.That(stdout, Is.Empty, "no answer is printed");
        Assert.That(stderr, Does.StartWith("error: a source holds no flow-log, CloudTrail or snapshot file:"));
        Assert.That(stderr, Does.Contain(dir.Path + ": the folder holds no files"));
        Assert.That(stderr, Does.Contain("looked for: VPC flow-log files"));
        Assert.That(stderr, Does.Contain("--allow-empty"));
        Assert.That(stderr, Does.Not.Contain("All input was read"));
    }

    [Test]
    public async Task SeveralSources_EachEmptyOneIsNamed_AndAllowEmptyRunsAnyway()
    {
        using var good = new CorpusTests.TempDir();
        good.Write("flows.log", FlowHeader + "\n" + FlowLine + "\n");
        good.Write("trail.json", Trail);
        using var docs = new CorpusTests.TempDir();
        docs.Write("README.md", "# notes\n");
        docs.Write("notes.txt", "this folder is the wrong one\nsee the wiki\n");
        using var empty = new CorpusTests.TempDir();

        (int exit, string stdout, string stderr) = await CorpusTests.RunAsync(["investigate", good.Path, docs.Path, empty.Path]);

        Assert.That(exit, Is.EqualTo(ExitCodes.Failure), stderr);
        Assert.That(stdout, Is.Empty);
        Assert.That(stderr, Does.StartWith("error: 2 sources hold no flow-log, CloudTrail or snapshot file:"));
        Assert.That(stderr, Does.Contain(docs.Path + ": no flow-log, CloudTrail or snapshot file among 2 files (1 of unknown format, 1 documentation/side file skipped by name)"));
        Assert.That(stderr, Does.Contain(empty.Path + ": the folder holds no files"));
        Assert.That(stderr, Does.Not.Contain(good.Path + ":"), "the source with logs is not named");

        (exit, stdout, stderr) = await CorpusTests.RunAsync(["investigate", good.Path, docs.Path, empty.Path, "--allow-empty", "--format", "json"]);

        Assert.That(exit, Is.EqualTo(ExitCodes.InputProblems), "notes.txt is an unknown file, a problem; the empty sources are allowed");
        using JsonDocument doc = JsonDocument.Parse(stdout);
        JsonElement diagnostics = doc.RootElement.GetProperty("diagnostics");
        JsonElement[] sources = [.. diagnostics.GetProperty("sources").EnumerateArray()];
        Assert.That(sources.Select(s => s.GetProperty("empty").GetBoolean()), Is.EqualTo(new[] { false, true, true }));
        Assert.That(sources[1].GetProperty("unknownFiles").GetInt32(), Is.EqualTo(1));
        Assert.That(sources[1].GetProperty("sideFilesSkipped").GetInt32(), Is.EqualTo(1));
        Assert.That(sources[2].GetProperty("message").GetString(), Does.EndWith("the folder holds no files"));
        Assert.That(diagnostics.GetProperty("unknownFiles").GetInt32(), Is.EqualTo(1));
        Assert.That(diagnostics.GetProperty("sideFilesSkipped").GetInt32(), Is.EqualTo(1));
        Assert.That(diagnostics.GetProperty("gaps").GetArrayLength(), Is.Zero);

        (_, stdout, _) = await CorpusTests.RunAsync(["investigate", good.Path, empty.Path, "--allow-empty"]);
        Assert.That(stdout, Does.Contain("Empty source (--allow-empty): " + empty.Path + ": the folder holds no files"));
    }

    [Test]
    public async Task FolderOfOnlyFlowLogs_SaysNoCloudTrailWasRead_Exit1()
    {
        using var dir = new CorpusTests.TempDir();
        dir.Write("flows.log", FlowHeader + "\n" + FlowLine + "\n");

        (int exit, string stdout, string stderr) = await CorpusTests.RunAsync(["investigate", dir.Path]);

        Assert.That(exit, Is.EqualTo(ExitCodes.InputProblems), stderr);
        Assert.That(stdout, Does.Contain("WARNING: no CloudTrail events were read: questions 1–6 cannot attribute any record."));
        Assert.That(stdout, Does.Not.Contain("All input was read"));

        (exit, stdout, _) = await CorpusTests.RunAsync(["investigate", dir.Path, "--format", "json"]);
        Assert.That(exit, Is.EqualTo(ExitCodes.InputProblems));
        using JsonDocument doc = JsonDocument.Parse(stdout);
        JsonElement diagnostics = doc.RootElement.GetProperty("diagnostics");
        Assert.That(diagnostics.GetProperty("complete").GetBoolean(), Is.False);
        JsonElement gap = diagnostics.GetProperty("gaps").EnumerateArray().Single();
        Assert.That(gap.GetProperty("missing").GetString(), Is.EqualTo("cloudtrail"));
        Assert.That(gap.GetProperty("questions").EnumerateArray().Select(q => q.GetString()), Is.EqualTo(new[] { "accessAttempts", "ruleChanges", "groupAttachments", "unusedGroups", "ruleUsage", "exposures" }));
        Assert.That(diagnostics.GetProperty("filesWithProblems").GetInt32(), Is.Zero, "the file itself was read completely");

        (exit, stdout, _) = await CorpusTests.RunAsync(["timeline", dir.Path, "--eni", "eni-0a1b"]);
        Assert.That(exit, Is.EqualTo(ExitCodes.InputProblems));
        Assert.That(stdout, Does.Contain("WARNING: no CloudTrail events were read: the timeline cannot show any change."));

        (exit, stdout, _) = await CorpusTests.RunAsync(["attachments", dir.Path]);
        Assert.That(exit, Is.EqualTo(ExitCodes.InputProblems));
        Assert.That(stdout, Does.Contain("WARNING: no CloudTrail events were read: question 3 cannot attribute any record."));
    }

    [Test]
    public async Task FolderOfOnlyCloudTrail_SaysNoFlowLogsWereRead_ForTheQuestionsThatNeedThem()
    {
        using var dir = new CorpusTests.TempDir();
        dir.Write("trail.json", Trail);

        (int exit, string stdout, string stderr) = await CorpusTests.RunAsync(["investigate", dir.Path]);
        Assert.That(exit, Is.EqualTo(ExitCodes.InputProblems), stderr);
        Assert.That(stdout, Does.Contain("WARNING: no flow-log records were read: questions 1, 5, 6 have no traffic to count."));
        Assert.That(stdout, Does.Not.Contain("no CloudTrail events"));
        Assert.That(stdout, Does.Not.Contain("All input was read"));

        (exit, stdout, stderr) = await CorpusTests.RunAsync(["rule-changes", dir.Path]);
        Assert.That(exit, Is.EqualTo(ExitCodes.Success), stderr + stdout);
        Assert.That(stdout, Does.Contain("All input was read."));
    }

    [Test]
    public async Task SnapshotWithoutCloudTrail_OnlyTheChangeQuestionsLackEvidence()
    {
        using var dir = new CorpusTests.TempDir();
        dir.Write("flows.log", FlowHeader + "\n" + FlowLine + "\n");
        dir.Write("describe-security-groups.json", """{"SecurityGroups":[{"GroupId":"sg-0snap","GroupName":"snap","VpcId":"vpc-1","IpPermissions":[],"IpPermissionsEgress":[]}]}""");

        (int exit, string stdout, string stderr) = await CorpusTests.RunAsync(["investigate", dir.Path]);

        Assert.That(exit, Is.EqualTo(ExitCodes.InputProblems), stderr);
        Assert.That(stdout, Does.Contain("WARNING: no CloudTrail events were read: questions 2, 3, 6 cannot see any change (snapshots give the state, not its changes)."));
    }

    [Test]
    public async Task StrayTextFile_IsNamedOnceAsUnknown_NotParsedLineByLine()
    {
        using var dir = new CorpusTests.TempDir();
        dir.Write("flows.log", FlowHeader + "\n" + FlowLine + "\n");
        dir.Write("trail.json", Trail);
        dir.Write("notes.txt", string.Concat(Enumerable.Repeat("a responder's notes, not a log\n", 50)));
        dir.Write("notes.txt.gz", Gzip("gzipped notes\nstill not a log\n"));

        (int exit, string stdout, string stderr) = await CorpusTests.RunAsync(["investigate", dir.Path, "--format", "json"]);

        Assert.That(exit, Is.EqualTo(ExitCodes.InputProblems), stderr);
        using JsonDocument doc = JsonDocument.Parse(stdout);
        JsonElement diagnostics = doc.RootElement.GetProperty("diagnostics");
        Assert.That(diagnostics.GetProperty("unknownFiles").GetInt32(), Is.EqualTo(2));
        Assert.That(diagnostics.GetProperty("malformed").GetInt64(), Is.Zero, "no line of the notes was parsed");
        Assert.That(diagnostics.GetProperty("flowFiles").GetInt32(), Is.EqualTo(1));
        JsonElement[] files = [.. diagnostics.GetProperty("files").EnumerateArray()];
        Assert.That(files.Select(f => Path.GetFileName(f.GetProperty("path").GetString())), Is.EqualTo(new[] { "notes.txt", "notes.txt.gz" }));
        Assert.That(files.Select(f => f.GetProperty("kind").GetString()), Is.All.EqualTo("unknown"));
        Assert.That(files[0].GetProperty("malformed").GetInt64(), Is.Zero, "named once, by its error, with no line problems");
        Assert.That(files[0].GetProperty("lines").GetInt64(), Is.Zero);
        Assert.That(files[0].GetProperty("error").GetString(), Does.StartWith("UnsupportedFormat: not a flow-log, CloudTrail or snapshot file"));

        (exit, stdout, _) = await CorpusTests.RunAsync(["flows", dir.Path]);
        Assert.That(exit, Is.EqualTo(ExitCodes.InputProblems));
        Assert.That(stdout, Does.Contain("notes.txt").And.Contain("UnsupportedFormat"));
        Assert.That(stdout, Does.Not.Contain("FieldCount"), "flows does not read the notes as header-less flow logs either");
    }

    [Test]
    public async Task FlowFormatOrSidecar_StillForcesAHeaderlessRead()
    {
        // A custom layout whose lines are not default-v2 lines: unknown by its first bytes, unless the layout is given.
        const string Format = "${interface-id} ${srcaddr} ${dstaddr} ${dstport} ${action}";
        using var dir = new CorpusTests.TempDir();
        dir.Write("trail.json", Trail);
        dir.Write("custom.log", "eni-0a1b 198.51.100.9 10.0.0.5 22 ACCEPT\neni-0a1b 198.51.100.9 10.0.0.5 22 REJECT\n");

        (_, string stdout, _) = await CorpusTests.RunAsync(["investigate", dir.Path, "--format", "json"]);
        Assert.That(JsonDiagnostics(stdout).GetProperty("unknownFiles").GetInt32(), Is.EqualTo(1));

        (int exit, stdout, string stderr) = await CorpusTests.RunAsync(["investigate", dir.Path, "--format", "json", "--flow-format", Format]);
        Assert.That(exit, Is.EqualTo(ExitCodes.Success), stderr + stdout);
        Assert.That(JsonDiagnostics(stdout).GetProperty("flowRecords").GetInt64(), Is.EqualTo(2));

        dir.Write("custom.format.txt", Format);
        (exit, stdout, stderr) = await CorpusTests.RunAsync(["investigate", dir.Path, "--format", "json"]);
        Assert.That(exit, Is.EqualTo(ExitCodes.Success), stderr + stdout);
        Assert.That(JsonDiagnostics(stdout).GetProperty("flowRecords").GetInt64(), Is.EqualTo(2));
        Assert.That(JsonDiagnostics(stdout).GetProperty("sideFilesSkipped").GetInt32(), Is.EqualTo(1), "the format file is a side file");
    }

    [Test]
    public async Task Demo_StillReadsEverything_AndCountsItsReadmeAsASideFile()
    {
        (int exit, string stdout, string stderr) = await CorpusTests.RunAsync(["demo"]);
        Assert.That(exit, Is.EqualTo(ExitCodes.Success), stderr);
        Assert.That(stdout, Does.Contain("All input was read."));

        (exit, stdout, _) = await CorpusTests.RunAsync(["rule-changes", Demo, "--format", "json"]);
        Assert.That(exit, Is.EqualTo(ExitCodes.Success));
        JsonElement diagnostics = JsonDiagnostics(stdout);
        Assert.That(diagnostics.GetProperty("unknownFiles").GetInt32(), Is.Zero);
        Assert.That(diagnostics.GetProperty("sideFilesSkipped").GetInt32(), Is.EqualTo(2), "README.md and expected.json");
    }

    [Test]
    public void Library_EmptySource_ThrowsWithTheSource_OrIsListedWhenAllowed()
    {
        using var dir = new CorpusTests.TempDir();
        dir.Write("README.md", "docs only");

        EmptySourceException ex = Assert.Throws<EmptySourceException>(() => Workspace.Load([dir.Path], WorkspaceOptions.Default with { WarmUp = false }))!;
        Assert.That(ex.Sources.Single().Location, Is.EqualTo(dir.Path));
        Assert.That(ex.Sources.Single().SideFiles, Is.EqualTo(1));
        Assert.That(ex, Is.InstanceOf<FlowCorrelator.Ingest.SourceException>(), "hosts that catch SourceException see it too");

        Workspace ws = Workspace.Load([dir.Path], WorkspaceOptions.Default with { WarmUp = false, AllowEmptySources = true });
        Assert.That(ws.Diagnostics.Sources.Single().HasData, Is.False);
        Assert.That(FlowCorrelator.Reporting.EvidenceGaps.Find(ws.Diagnostics, FlowCorrelator.Reporting.FindingsReport.AllQuestions).Select(g => g.Missing),
            Is.EqualTo(new[] { FlowCorrelator.Reporting.MissingEvidence.CloudTrail, FlowCorrelator.Reporting.MissingEvidence.FlowLogs }));
    }

    private static JsonElement JsonDiagnostics(string json)
    {
        using JsonDocument doc = JsonDocument.Parse(json);
        return doc.RootElement.GetProperty("diagnostics").Clone();
    }

    internal static byte[] Gzip(string text)
    {
        using var buffer = new MemoryStream();
        using (var gz = new GZipStream(buffer, CompressionLevel.Fastest))
        {
            gz.Write(Encoding.UTF8.GetBytes(text));
        }

        return buffer.ToArray();
    }
}
