using System.Text;
using FlowCorrelator.Ingest;

namespace FlowCorrelator.Tests.Ingest;

/// <summary>Framing: buffer splits, the 64 KiB buffer edge, long lines, line ends, spacing, gzip members, repeated headers.</summary>
public sealed partial class FlowLogReaderTests
{
    private static readonly string s_smallFile =
        V2Header + "\r\n" +
        Line(1) + "\r\n" +
        "2 123456789010 eni-1235b8ca123456789 - - - - - - - 1431280876 1431280934 - NODATA\n" +
        "\n" +
        "2 123456789010  eni-1235b8ca123456789 2001:db8::1   2001:db8::2 443 51000 6 1 40 1700000000 1700000060 ACCEPT OK\n" +
        "2 123456789010 eni-1235b8ca123456789 10.0.0.1 10.0.0.2 99999 22 6 1 40 1700000000 1700000060 ACCEPT OK\n" +
        Line(2);

    [Test]
    public void Read_EverySplitPoint_GivesIdenticalRecordsAndProblems()
    {
        byte[] bytes = Encoding.UTF8.GetBytes(s_smallFile);
        var (expected, expectedReport) = ReadInput(LogInput.FromBytes("s.log", bytes));
        Assert.That(expected.Records, Has.Count.EqualTo(4), "the reference read itself must see every record");
        Assert.That(expectedReport.Malformed, Is.EqualTo(1));

        for (int split = 0; split <= bytes.Length; split++)
        {
            int at = split;
            var (sink, report) = ReadInput(new LogInput("s.log", _ => ChunkedStream.SplitAt(bytes, at)));

            Assert.That(sink.Records, Is.EqualTo(expected.Records), $"split at {split}");
            Assert.That(sink.Texts, Is.EqualTo(expected.Texts), $"split at {split}");
            Assert.That(sink.LineNumbers, Is.EqualTo(expected.LineNumbers), $"split at {split}");
            Assert.That(report.Samples, Is.EqualTo(expectedReport.Samples), $"split at {split}");
            Assert.That(report.BytesRead, Is.EqualTo(bytes.Length), $"split at {split}");
        }
    }

    [Test]
    public void Read_EverySplitPointOfGzip_GivesIdenticalRecords()
    {
        byte[] gzip = Gzip(s_smallFile);
        var (expected, _) = ReadInput(LogInput.FromBytes("s.log.gz", gzip));

        for (int split = 0; split <= gzip.Length; split++)
        {
            int at = split;
            var (sink, _) = ReadInput(new LogInput("s.log.gz", _ => ChunkedStream.SplitAt(gzip, at)));

            Assert.That(sink.Records, Is.EqualTo(expected.Records), $"split at {split}");
        }
    }

    [Test]
    public void Read_OneByteAtATime_GivesIdenticalRecords()
    {
        byte[] bytes = Encoding.UTF8.GetBytes(s_smallFile);
        var (expected, _) = ReadInput(LogInput.FromBytes("s.log", bytes));
        var (sink, report) = ReadInput(new LogInput("s.log", _ => ChunkedStream.OneByteAtATime(bytes)));

        Assert.That(sink.Records, Is.EqualTo(expected.Records));
        Assert.That(report.Malformed, Is.EqualTo(1));
    }

    [TestCase(1)]
    [TestCase(4093)]
    [TestCase(65536)]
    [TestCase(int.MaxValue)]
    public void Read_FileLargerThanTheBuffer_ReadsLinesAcrossTheBufferEdge(int chunk)
    {
        // ~400 KB: lines straddle the 64 KiB initial buffer many times, and byte offsets must stay exact after compaction.
        const int Count = 4000;
        var text = new StringBuilder(V2Header).Append('\n');
        var offsets = new List<long>();
        for (int i = 0; i < Count; i++)
        {
            offsets.Add(Encoding.UTF8.GetByteCount(text.ToString()));
            text.Append(i == 2600 ? "2 garbage" : Line(i)).Append(' ', i % 3).Append('\n');
        }

        byte[] bytes = Encoding.UTF8.GetBytes(text.ToString());
        Assert.That(bytes, Has.Length.GreaterThan(1 << 18));
        var (sink, report) = ReadInput(new LogInput("big.log", _ => new ChunkedStream(bytes, chunk)));

        Assert.That(sink.Records, Has.Count.EqualTo(Count - 1));
        Assert.That(report.Malformed, Is.EqualTo(1));
        Assert.That(report.Samples[0].Line, Is.EqualTo(2602));
        Assert.That(report.Samples[0].ByteOffset, Is.EqualTo(offsets[2600]));
        Assert.That(sink.Records[^1].Start, Is.EqualTo(1418530010 + Count - 1));
        Assert.That(sink.LineNumbers[^1], Is.EqualTo(Count + 1));
    }

    [Test]
    public void Read_LineLongerThanMaxLineLength_IsReportedAndReadingContinues()
    {
        var options = ReaderOptions.Default with { MaxLineLength = 200 };
        string longLine = Line(5) + " " + new string('x', 500);
        string text = V2Header + "\n" + Line(1) + "\n" + longLine + "\n" + Line(2) + "\n";
        var (sink, report) = ReadInput(LogInput.FromBytes("l.log", Encoding.UTF8.GetBytes(text)), options);

        Assert.That(sink.Records, Has.Count.EqualTo(2));
        Assert.That(report.Malformed, Is.EqualTo(1));
        Assert.That(report.Samples[0].Reason, Is.EqualTo(ProblemReason.LineTooLong));
        Assert.That(report.Samples[0].Line, Is.EqualTo(3));
        Assert.That(report.Samples[0].ByteOffset, Is.EqualTo(Encoding.UTF8.GetByteCount(V2Header + "\n" + Line(1) + "\n")));
        Assert.That(sink.LineNumbers, Is.EqualTo(new long[] { 2, 4 }));
    }

    [Test]
    public void Read_LineLongerThanTheBufferAndTheLimit_IsReportedOnceAndReadingContinues()
    {
        // 600 KB in one line against a 300 KB limit: bigger than the initial buffer, so it is dropped while streaming.
        var options = ReaderOptions.Default with { MaxLineLength = 300_000 };
        string text = V2Header + "\n" + new string('7', 600_000) + "\n" + Line(2) + "\n" + new string('8', 400_000);
        var (sink, report) = ReadInput(new LogInput("l.log", _ => new ChunkedStream(Encoding.UTF8.GetBytes(text), 10_000)), options);

        Assert.That(sink.Records, Has.Count.EqualTo(1));
        Assert.That(sink.LineNumbers, Is.EqualTo(new long[] { 3 }));
        Assert.That(report.Samples.Select(s => (s.Line, s.Reason)), Is.EqualTo(new[] { (2L, ProblemReason.LineTooLong), (4L, ProblemReason.LineTooLong) }));
        Assert.That(report.Samples[1].ByteOffset, Is.EqualTo(V2Header.Length + 1 + 600_001 + Line(2).Length + 1));
    }

    [Test]
    public void Read_ValidLineLongerThanTheInitialBuffer_IsRead()
    {
        string big = new('v', 400_000);
        string text = "srcaddr vpc-id\n10.0.0.1 " + big + "\n10.0.0.2 small\n";
        var (sink, report) = ReadInput(new LogInput("v.log", _ => new ChunkedStream(Encoding.UTF8.GetBytes(text), 8192)));

        Assert.That(report.Malformed, Is.Zero);
        Assert.That(sink.Texts[0][1], Is.EqualTo(big));
        Assert.That(sink.Texts[1][1], Is.EqualTo("small"));
    }

    [Test]
    public void Read_CrLfLineEnds_AreAccepted()
    {
        string text = V2Header + "\r\n" + Line(1) + "\r\n" + Line(2) + "\r\n";
        var (sink, report) = ReadInput(LogInput.FromBytes("crlf.log", Encoding.UTF8.GetBytes(text)));

        Assert.That(report.Malformed, Is.Zero);
        Assert.That(report.Headers, Is.EqualTo(1));
        Assert.That(sink.Records.Select(r => r.LogStatus), Is.All.EqualTo(FlowLogStatus.Ok));
        Assert.That(sink.Texts[1][^1], Is.EqualTo("OK"));
    }

    [Test]
    public void Read_RunsOfSpaces_CountAsOneSeparator()
    {
        string text = "  " + Line(1).Replace(" ", "   ", StringComparison.Ordinal) + "  \n";
        var (records, report) = ReadAll(Encoding.UTF8.GetBytes(text), "sp.log");
        var (reference, _) = ReadAll(Encoding.UTF8.GetBytes(Line(1) + "\n"), "ref.log");

        Assert.That(report.Malformed, Is.Zero);
        Assert.That(records, Is.EqualTo(reference));
    }

    [Test]
    public void Read_ByteOrderMarkBeforeHeader_IsSkipped()
    {
        byte[] bytes = [0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes("srcaddr dstaddr\n10.0.0.1 10.0.0.2\n")];
        var (records, report) = ReadAll(bytes, "bom.log");

        Assert.That(report.Malformed, Is.Zero);
        Assert.That(report.Headers, Is.EqualTo(1));
        Assert.That(records.Single().DstAddr, Is.EqualTo(IpAddr.Parse("10.0.0.2")));
    }

    [Test]
    public void Read_ConcatenatedGzipMembers_ReadsEveryMemberWithItsHeader()
    {
        byte[] first = Gzip(V2Header + "\n" + Line(1) + "\n" + Line(2) + "\n");
        byte[] second = Gzip("version srcaddr dstaddr packets\n3 10.9.9.9 10.8.8.8 77\n");
        var (sink, report) = ReadInput(LogInput.FromBytes("cat.log.gz", [.. first, .. second]));

        Assert.That(report.Malformed, Is.Zero);
        Assert.That(report.Headers, Is.EqualTo(2));
        Assert.That(sink.Records, Has.Count.EqualTo(3));
        Assert.That(sink.Records[2].Packets, Is.EqualTo(77));
        Assert.That(sink.Records[2].SrcAddr, Is.EqualTo(IpAddr.Parse("10.9.9.9")));
        Assert.That(sink.Schemas.Last().Count, Is.EqualTo(4));
    }

    [Test]
    public void Read_HeaderRepeatedMidFile_SwitchesLayout()
    {
        string text = V2Header + "\n" + Line(1) + "\n" + V2Header + "\n" + Line(2) + "\n" +
            "interface-id srcaddr dstaddr pkt-srcaddr pkt-dstaddr instance-id\n" +
            "eni-0abc 10.0.1.5 10.0.0.220 10.0.1.5 203.0.113.5 -\n";
        var (sink, report) = ReadInput(LogInput.FromBytes("rep.log", Encoding.UTF8.GetBytes(text)));

        Assert.That(report.Malformed, Is.Zero, () => string.Join("; ", report.Samples));
        Assert.That(report.Headers, Is.EqualTo(3));
        Assert.That(sink.Records, Has.Count.EqualTo(3));
        Assert.That(sink.Records[2].PktDstAddr, Is.EqualTo(IpAddr.Parse("203.0.113.5")));
        Assert.That(sink.LineNumbers, Is.EqualTo(new long[] { 2, 4, 6 }));
    }
}
