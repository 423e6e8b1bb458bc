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
