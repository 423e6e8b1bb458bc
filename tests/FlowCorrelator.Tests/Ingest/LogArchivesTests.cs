using System.Formats.Tar;
using System.IO.Compression;
using FlowCorrelator.Ingest;
using FlowCorrelator.Queries;
using FlowCorrelator.Tests.TruthChecks;

namespace FlowCorrelator.Tests.Ingest;

public sealed class LogArchivesTests
{
    private string _dir = null!;

    [SetUp]
    public void SetUp()
    {
        _dir = Path.Combine(Path.GetTempPath(), "fc-archive-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_dir);
    }

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, recursive: true);

    [TestCase("demo.zip")]
    [TestCase("demo.tar.gz")]
    [TestCase("demo.tar")]
    public void Investigate_DemoPackedInAnArchive_GivesTheSameAnswersAsTheFolder(string archiveName)
    {
        string demo = Path.Combine(TruthCheckTests.RepositoryRoot(), "samples", "demo");
        string archive = Path.Combine(_dir, archiveName);
        Pack(demo, archive);
        var query = new AccessQuery { TagKey = "Name", TagValue = "payment", Port = 22 };

        Workspace packed = Workspace.Load([archive]);
        InvestigationResult fromArchive = packed.Investigate(InvestigationOptions.Default with { Access = query });
        InvestigationResult fromFolder = Workspace.Load([demo]).Investigate(InvestigationOptions.Default with { Access = query });

        Assert.That(packed.Inputs.FlowLogs, Has.Count.EqualTo(288));
        Assert.That(packed.Inputs.FlowLogs[0].Name, Does.StartWith(archive + "!/AWSLogs/"));
        Assert.That(packed.Diagnostics.HasProblems, Is.False);
        TruthCheckTests.AssertEqual(fromArchive, fromFolder);
    }

    [Test]
    public void Expand_TarEntryEscapingTheFolder_IsRefused()
    {
        string archive = Path.Combine(_dir, "evil.tar");
        using (FileStream file = File.Create(archive))
        using (var writer = new TarWriter(file))
        {
            var entry = new PaxTarEntry(TarEntryType.RegularFile, "../../escaped.log") { DataStream = new MemoryStream([50, 10]) };
            writer.WriteEntry(entry);
        }

        Assert.That(() => LogSources.Expand([archive]), Throws.TypeOf<SourceException>().With.Message.Contains("outside"));
    }

    private static void Pack(string folder, string archive)
    {
        if (archive.EndsWith(".zip", StringComparison.Ordinal))
        {
            ZipFile.CreateFromDirectory(folder, archive);
            return;
        }

        using FileStream file = File.Create(archive);
        using Stream stream = archive.EndsWith(".gz", StringComparison.Ordinal) ? new GZipStream(file, CompressionLevel.Fastest) : file;
        TarFile.CreateFromDirectory(folder, stream, includeBaseDirectory: false);
    }
}

public sealed class UnrecognisedFileTests
{
    [Test]
    public void Load_BinaryFileBesideTheLogs_IsReportedAsSkippedNotReadAsFlowLines()
    {
        string dir = Path.Combine(Path.GetTempPath(), "fc-unknown-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            File.WriteAllBytes(Path.Combine(dir, "picture.png"), [0x89, (byte)'P', (byte)'N', (byte)'G', 0, 0, 0, 13, 0, 1, 2, 3]);
            File.WriteAllText(Path.Combine(dir, "a.log"), "2 123456789010 eni-0a 10.0.0.1 10.0.0.2 1 22 6 1 40 1418530010 1418530070 ACCEPT OK\n");
            Workspace ws = Workspace.Load([dir]);
            ws.Investigate();

            Assert.That(ws.Inputs.Unknown.Select(i => Path.GetFileName(i.Name)), Is.EqualTo(new[] { "picture.png" }));
            FileReport png = ws.Diagnostics.Files.Single(f => f.Path.EndsWith("picture.png", StringComparison.Ordinal));
            Assert.That(png.FatalError!.Reason, Is.EqualTo(ProblemReason.UnsupportedFormat));
            Assert.That(ws.Diagnostics.HasProblems, Is.True, "the user is told a file was not read");
            Assert.That(ws.Diagnostics.Files.Single(f => f.Path.EndsWith("a.log", StringComparison.Ordinal)).Records, Is.EqualTo(1));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
