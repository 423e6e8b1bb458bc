using System.Text;
using FlowCorrelator.Ingest;
using FlowCorrelator.Tests.Cli;

namespace FlowCorrelator.Tests.Ingest;

/// <summary>Files are classified by their first bytes before they are read (issue 16): gzip is looked into.</summary>
public sealed class LogSourcesClassifyTests
{
    private const string V2 = NothingReadTests.FlowLine;

    [TestCase(NothingReadTests.FlowHeader + "\n" + V2 + "\n", LogFileKind.FlowLog, TestName = "header then line")]
    [TestCase(V2 + "\n" + V2 + "\n", LogFileKind.FlowLog, TestName = "header-less default v2")]
    [TestCase("2 111122223333 eni-0a1b damaged\n" + V2 + "\n", LogFileKind.FlowLog, TestName = "a damaged first line does not hide the log")]
    [TestCase("\uFEFF\n\n" + V2, LogFileKind.FlowLog, TestName = "BOM, blank lines, no final line feed")]
    [TestCase("2 111122223333 eni-0a1b 198.51.100.9 10.0.0.5 - - - - - 1772409600 1772409660 - NODATA\n", LogFileKind.FlowLog, TestName = "a NODATA line")]
    [TestCase("{\"Records\":[]}", LogFileKind.CloudTrail, TestName = "CloudTrail JSON")]
    [TestCase("{\"SecurityGroups\":[]}", LogFileKind.Snapshot, TestName = "a snapshot")]
    [TestCase("Meeting notes\n- check the VPC\n", LogFileKind.Unknown, TestName = "notes")]
    [TestCase("ts=2026-03-02 level=info msg=started\n", LogFileKind.Unknown, TestName = "another kind of log")]
    [TestCase("a,b,c\n1,2,3\n", LogFileKind.Unknown, TestName = "CSV")]
    public void Classify_FirstBytes_TellTheKind(string text, LogFileKind expected)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(text);
        Assert.That(LogSources.Classify(LogInput.FromBytes("mem/x.txt", bytes)), Is.EqualTo(expected), "plain");
        Assert.That(LogSources.Classify(LogInput.FromBytes("mem/x.txt.gz", NothingReadTests.Gzip(text))), Is.EqualTo(expected), "gzip: the inflated bytes are looked at");
    }

    [Test]
    public void Classify_FlowFormatGiven_ForcesTextToAFlowLog_ButNotJson()
    {
        var forced = ReaderOptions.Default with { FlowFormat = FlowLogSchema.Parse("${interface-id} ${srcaddr}") };
        Assert.That(LogSources.Classify(LogInput.FromBytes("x.log", "eni-1 10.0.0.1\n"u8.ToArray())), Is.EqualTo(LogFileKind.Unknown));
        Assert.That(LogSources.Classify(LogInput.FromBytes("x.log", "eni-1 10.0.0.1\n"u8.ToArray()), forced), Is.EqualTo(LogFileKind.FlowLog));
        Assert.That(LogSources.Classify(LogInput.FromBytes("x.json", "{\"Records\":[]}"u8.ToArray()), forced), Is.EqualTo(LogFileKind.CloudTrail));
    }

    [Test]
    public void IsFlowLogText_CutLastLine_IsNotJudgedUnlessTheFileEnds()
    {
        byte[] head = Encoding.ASCII.GetBytes("not a log line\n" + V2[..40]);
        Assert.That(LogSources.IsFlowLogText(head, wholeFile: false), Is.False);
        byte[] whole = Encoding.ASCII.GetBytes("not a log line\n" + V2);
        Assert.That(LogSources.IsFlowLogText(whole, wholeFile: true), Is.True);
    }

    [Test]
    public void ClassifySources_CountsPerSource_AndAnInputListedTwiceCountsForBoth()
    {
        using var dir = new Hostile.CorpusTests.TempDir();
        string flows = dir.Write("flows.log", NothingReadTests.FlowHeader + "\n" + V2 + "\n");
        dir.Write("README.md", "docs");
        dir.Write("image.bin", [0x89, 0x50, 0x4E, 0x47, 0, 0, 0, 0]);

        IReadOnlyList<ExpandedSource> expanded = LogSources.ExpandSources([dir.Path, flows]);
        ClassifiedInputs classified = LogSources.Classify(expanded);

        Assert.That(classified.FlowLogs, Has.Count.EqualTo(1), "read once");
        Assert.That(classified.Unknown, Has.Count.EqualTo(1));
        Assert.That(classified.Sources, Is.EqualTo(new[]
        {
            new SourceContents(dir.Path, SourceKind.Folder, FlowLogs: 1, CloudTrail: 0, Snapshots: 0, Digests: 0, Unknown: 1, SideFiles: 1),
            new SourceContents(flows, SourceKind.File, FlowLogs: 1, CloudTrail: 0, Snapshots: 0, Digests: 0, Unknown: 0, SideFiles: 0),
        }));
        Assert.That(classified.EmptySources, Is.Empty);
    }
}
