using System.Text;
using FlowCorrelator.Ingest;

namespace FlowCorrelator.Tests.Ingest;

/// <summary>Bad lines: counted with file, line, byte offset and reason; samples capped; strict mode throws.</summary>
public sealed partial class FlowLogReaderTests
{
    private static IEnumerable<TestCaseData> MalformedLines()
    {
        const string ok = "2 123456789010 eni-0abc 10.0.0.1 10.0.0.2 443 51000 6 10 840 1700000000 1700000060 ACCEPT OK";
        yield return new TestCaseData(ok.Replace("10.0.0.1", "10.0.0.256", StringComparison.Ordinal), ProblemReason.InvalidAddress, "srcaddr").SetName("bad srcaddr");
        yield return new TestCaseData(ok.Replace("10.0.0.2", "2001:db8::zz", StringComparison.Ordinal), ProblemReason.InvalidAddress, "dstaddr").SetName("bad IPv6 dstaddr");
        yield return new TestCaseData(ok.Replace(" 443 ", " 65536 ", StringComparison.Ordinal), ProblemReason.OutOfRange, "srcport").SetName("port out of range");
        yield return new TestCaseData(ok.Replace(" 6 10 ", " 256 10 ", StringComparison.Ordinal), ProblemReason.OutOfRange, "protocol").SetName("protocol out of range");
        yield return new TestCaseData(ok.Replace(" 840 ", " 8x0 ", StringComparison.Ordinal), ProblemReason.InvalidNumber, "bytes").SetName("bytes not a number");
        yield return new TestCaseData(ok.Replace(" 840 ", " -5 ", StringComparison.Ordinal), ProblemReason.InvalidNumber, "bytes").SetName("negative bytes");
        yield return new TestCaseData(ok.Replace("ACCEPT", "ALLOW", StringComparison.Ordinal), ProblemReason.InvalidValue, "action").SetName("unknown action");
        yield return new TestCaseData(ok.Replace(" OK", " FINE", StringComparison.Ordinal), ProblemReason.InvalidValue, "log-status").SetName("unknown log-status");
        yield return new TestCaseData(ok + " extra", ProblemReason.FieldCount, "15").SetName("too many fields");
        yield return new TestCaseData(ok[..ok.LastIndexOf(' ')], ProblemReason.FieldCount, "13").SetName("too few fields");
        yield return new TestCaseData("2 123\0456 x", ProblemReason.BinaryData, "binary").SetName("binary data");
    }

    [TestCaseSource(nameof(MalformedLines))]
    public void Read_MalformedLine_IsCountedWithFileLineOffsetAndReason(string badLine, ProblemReason reason, string messagePart)
    {
        string prefix = V2Header + "\n" + Line(1) + "\n";
        string text = prefix + badLine + "\n" + Line(2) + "\n";
        var (records, report) = ReadAll(Encoding.UTF8.GetBytes(text), "bad.log");

        Assert.That(records, Has.Count.EqualTo(2));
        Assert.That(report.Malformed, Is.EqualTo(1));
        Assert.That(report.HasProblems, Is.True);
        InputProblem p = report.Samples.Single();
        Assert.That(p.Path, Is.EqualTo("bad.log"));
        Assert.That(p.Line, Is.EqualTo(3));
        Assert.That(p.ByteOffset, Is.EqualTo(Encoding.UTF8.GetByteCount(prefix)));
        Assert.That(p.Reason, Is.EqualTo(reason));
        Assert.That(p.Message, Does.Contain(messagePart));
        Assert.That(p.Excerpt, Does.Not.Contain("\0"));
        Assert.That(p.ToString(), Does.StartWith("bad.log:3 (byte "));
    }

    [Test]
    public void Read_ManyMalformedLines_KeepsOnlyMaxSamplesPerFile()
    {
        var text = new StringBuilder(V2Header).Append('\n');
        for (int i = 0; i < 25; i++)
        {
            text.Append(i % 2 == 0 ? "garbage line " + i : Line(i)).Append('\n');
        }

        var (records, report) = ReadAll(Encoding.UTF8.GetBytes(text.ToString()), "many.log", ReaderOptions.Default with { MaxSamplesPerFile = 3 });

        Assert.That(records, Has.Count.EqualTo(12));
        Assert.That(report.Malformed, Is.EqualTo(13));
        Assert.That(report.Samples.Select(s => s.Line), Is.EqualTo(new long[] { 2, 4, 6 }));
    }

    [Test]
    public void Read_StrictMode_ThrowsWithTheSamePosition()
    {
        string prefix = V2Header + "\n" + Line(1) + "\n";
        byte[] bytes = Encoding.UTF8.GetBytes(prefix + "2 x y\n" + Line(2) + "\n");
        var (_, lenient) = ReadAll(bytes, "strict.log");

        var ex = Assert.Throws<LogFormatException>(() => ReadAll(bytes, "strict.log", ReaderOptions.Default with { Strict = true }));

        Assert.That(ex!.LineNumber, Is.EqualTo(3));
        Assert.That(ex.ByteOffset, Is.EqualTo(Encoding.UTF8.GetByteCount(prefix)));
        Assert.That(ex.FilePath, Is.EqualTo("strict.log"));
        Assert.That(ex.Problem, Is.EqualTo(lenient.Samples.Single()));
    }

    [Test]
    public void Read_CorruptGzip_ReportsFatalError()
    {
        // A gzip header followed by a deflate block of the reserved type 3 (0xFF): the decompressor must reject it.
        byte[] gzip = Gzip(V2Header + "\n" + Line(1) + "\n");
        byte[] corrupt = [.. gzip[..10], .. Enumerable.Repeat((byte)0xFF, 64)];
        var (records, report) = ReadAll(corrupt, "bad.log.gz");

        Assert.That(records, Is.Empty);
        Assert.That(report.FatalError?.Reason, Is.EqualTo(ProblemReason.CorruptCompression));
        Assert.That(report.HasProblems, Is.True);
    }

    [Test]
    public void Read_TransitGatewayFlowLog_IsRejectedAsUnsupported()
    {
        string text = "version resource-type account-id tgw-id tgw-attachment-id\n6 TransitGateway 123456789012 tgw-1 tgw-attach-1\n";
        var (records, report) = ReadAll(Encoding.UTF8.GetBytes(text), "tgw.log");

        Assert.That(records, Is.Empty);
        Assert.That(report.FatalError?.Reason, Is.EqualTo(ProblemReason.UnsupportedFormat));
    }

    [Test]
    public void Read_BadSidecarFormat_IsAFatalError()
    {
        string dir = Directory.CreateTempSubdirectory("flowcorrelator-test-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(dir, "x.format.txt"), "srcaddr srcaddr");
            string path = Path.Combine(dir, "x.log");
            File.WriteAllText(path, "10.0.0.1 10.0.0.2\n");

            var (sink, report) = ReadInput(LogInput.FromFile(path));

            Assert.That(sink.Records, Is.Empty);
            Assert.That(report.FatalError?.Message, Does.Contain("x.format.txt").And.Contain("twice"));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
