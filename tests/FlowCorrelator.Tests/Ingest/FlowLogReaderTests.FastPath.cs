using System.Text;
using FlowCorrelator.Ingest;

namespace FlowCorrelator.Tests.Ingest;

/// <summary>
/// The default-v2 block scanner and its field readers (eight digits at a time, branch-free IPv4, vector interface
/// ids) against the general line parser, on lines built to sit on every edge those readers have: digit counts around
/// 8 and 16, characters just outside '0'..'9' and the hex ranges, octets with leading zeros or above 255, wrong dot
/// counts, odd spacing, carriage returns, and lines starting at every offset of the 32-byte blocks.
/// </summary>
public sealed partial class FlowLogReaderTests
{
    private static readonly string[] s_addressOctets = ["", "0", "00", "01", "9", "10", "99", "100", "199", "200", "249", "255", "256", "300", "999", "1000", "x", "1/", "1:"];
    private static readonly string[] s_words = ["ACCEPT", "REJECT", "ACCEPt", "REJECTED", "ACCEP", "-", "OK", "NODATA", "SKIPDATA", "OKAY", "O", "unknown", "2001:db8::1", "::ffff:10.0.0.1"];

    /// <param name="seed">Generator seed.</param>
    /// <param name="chunk">Read size of the underlying stream; 0 for random sizes from 1 byte to 70 KB.</param>
    /// <param name="gzipMembers">0 for plain text, else the text cut at random bytes (mid-line) into that many gzip members.</param>
    /// <param name="maxLine">The line-length limit (small limits make ordinary lines "too long").</param>
    [TestCase(1, 1, 0, 1 << 20)]
    [TestCase(2, 7, 0, 1 << 20)]
    [TestCase(3, 4093, 0, 1 << 20)]
    [TestCase(4, 65537, 0, 1 << 20)]
    [TestCase(5, 0, 3, 1 << 20)]
    [TestCase(6, 4093, 1, 110)]
    public void Read_RandomLines_BlockScannerEqualsLineByLineParser(int seed, int chunk, int gzipMembers, int maxLine)
    {
        var random = new Random(seed);
        var lines = new List<string> { Line(0) }; // the first line always goes line by line (header, byte order mark)
        for (int i = 1; i < 6000; i++)
        {
            lines.Add(RandomLine(random, i));
        }

        byte[] bytes = Encoding.UTF8.GetBytes(string.Join('\n', lines) + "\n");
        if (gzipMembers > 0)
        {
            int[] cuts = [0, .. Enumerable.Range(0, gzipMembers - 1).Select(_ => random.Next(1, bytes.Length)).Order(), bytes.Length];
            bytes = [.. cuts.Zip(cuts.Skip(1)).SelectMany(c => Gzip(bytes[c.First..c.Second]))];
        }

        int[] chunks = chunk > 0 ? [chunk] : [.. Enumerable.Range(0, 500).Select(_ => random.Next(1, 70_000))];
        var (sink, report) = ReadInput(
            new LogInput(gzipMembers > 0 ? "r.log.gz" : "r.log", _ => new ChunkedStream(bytes, chunks)),
            ReaderOptions.Default with { MaxSamplesPerFile = 10_000, MaxLineLength = maxLine });

        var expectedRecords = new List<FlowRecord>();
        var expectedTexts = new List<string?[]>();
        var expectedLines = new List<long>();
        var expectedProblems = new List<(long Line, ProblemReason Reason)>();
        FlowField[] columns = FlowLineParser.DefaultV2Columns;
        for (int i = 0; i < lines.Count; i++)
        {
            byte[] line = Encoding.UTF8.GetBytes(lines[i]);
            if (line.Length > maxLine)
            {
                expectedProblems.Add((i + 1, ProblemReason.LineTooLong));
                continue;
            }

            var fields = new Range[FlowLogSchema.MaxColumns];
            LineParseResult result = FlowLineParser.Parse(line, columns, fields, out FlowRecord record);
            if (result.Outcome == LineOutcome.Record)
            {
                expectedRecords.Add(record);
                expectedTexts.Add([.. fields.Take(result.FieldCount).Select(r => Encoding.UTF8.GetString(line[r])).Select(t => t == "-" ? null : t)]);
                expectedLines.Add(i + 1);
            }
            else if (result.Outcome == LineOutcome.Malformed)
            {
                expectedProblems.Add((i + 1, result.Reason));
            }
        }

        Assert.Multiple(() =>
        {
            Assert.That(expectedRecords, Has.Count.GreaterThan(maxLine < 1000 ? 100 : 1500), "the generator must keep most lines valid");
            Assert.That(expectedProblems, Has.Count.GreaterThan(500), "and break many");
            Assert.That(sink.Records, Is.EqualTo(expectedRecords));
            Assert.That(sink.Texts, Is.EqualTo(expectedTexts));
            Assert.That(sink.LineNumbers, Is.EqualTo(expectedLines));
            Assert.That(report.Samples.Select(p => (p.Line, p.Reason)), Is.EqualTo(expectedProblems));
            Assert.That(report.Lines, Is.EqualTo(lines.Count));
        });
    }

    private static readonly string[] s_shapes =
    [
        "2 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 20641 22 6 20 4249 1418530010 1418530070 ACCEPT OK",
        "2 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 20641 22 6 20 4249 1418530010 1418530070 REJECT OK\r",
        "2 123456789010 eni-1235b8ca123456789 - - - - - - - 1431280876 1431280934 - NODATA",
        "2 123456789010 eni-1235b8ca123456789 - - - - - - - 1431280876 1431280934 - SKIPDATA",
        "2 unknown eni-1235b8ca123456789 2001:db8::1 2001:db8::2 443 51000 6 1 40 1700000000123 1700000060123 ACCEPT OK",
        "2 123456789010  eni-1235b8ca123456789 10.0.0.1   10.0.0.2 443 51000 6 1 40 1700000000 1700000060 ACCEPT OK",
        " 2 123456789010 eni-1235b8ca123456789 10.0.0.1 10.0.0.2 443 51000 6 1 40 1700000000 1700000060 ACCEPT OK ",
        "2 123456789010 eni-1235b8ca123456789 10.0.0.1 10.0.0.2 99999 22 6 1 40 1700000000 1700000060 ACCEPT OK",
        "2 123456789010 eni-1235b8ca123456789 10.0.0.1 10.0.0.256 1 22 6 1 40 1700000000 1700000060 ACCEPT OK",
        "2 123456789010 eni-1235b8ca123456789 10.0.0.1 10.0.0.2 1 22 6 1 40 1700000000 1700000060 MAYBE OK",
        "2 123456789010 eni-1235b8ca123456789 10.0.0.1 10.0.0.2 1 22 6 1 40 1700000000 1700000060 ACCEPT",
        "2 123456789010 eni-1235b8ca123456789 10.0.0.1 10.0.0.2 1 22 6 1 40 1700000000 1700000060 ACCEPT OK extra",
        "2 123456789010 eni-x 10.0.0.1 10.0.0.2 1 22 6 x 40 1700000000 1700000060 ACCEPT OK",
        "2 1 e 1.2.3.4 5.6.7.8 1 2 3 4 5 6 7 ACCEPT OK",
        "",
        "   ",
        "\r",
    ];

    /// <summary>
    /// Every shape of line, placed after lines of every length so it starts at every offset of the scanner's blocks and
    /// sometimes ends near the end of a read: the reader gives per line exactly what the general parser gives.
    /// </summary>
    [Test]
    public void Read_EveryLineShapeAtEveryBlockOffset_EqualsGeneralParser()
    {
        var lines = new List<string> { Line(0) };
        for (int pad = 1; pad <= 70; pad++)
        {
            // Padding the account id moves every separator relative to the blocks, up to 18 digits.
            lines.Add($"2 {new string('1', Math.Min(pad, 18))} eni-0a{new string('b', pad % 20)} 10.0.0.1 10.0.0.2 443 22 6 1 40 1700000000 1700000060 ACCEPT OK");
            lines.Add(new string('#', pad)); // a malformed line of each length shifts the next line's start by one byte
            lines.AddRange(s_shapes);
        }

        byte[] bytes = Encoding.UTF8.GetBytes(string.Join('\n', lines) + "\n");
        foreach (int chunk in new[] { 977, 4093, 1 << 20 })
        {
            var (sink, report) = ReadInput(
                new LogInput("shapes.log", _ => new ChunkedStream(bytes, chunk)),
                ReaderOptions.Default with { MaxSamplesPerFile = 100_000 });

            var expectedRecords = new List<FlowRecord>();
            var expectedProblems = new List<(long Line, ProblemReason Reason)>();
            long blank = 0;
            for (int i = 0; i < lines.Count; i++)
            {
                LineParseResult result = FlowLineParser.Parse(Encoding.UTF8.GetBytes(lines[i]), FlowLineParser.DefaultV2Columns, new Range[FlowLogSchema.MaxColumns], out FlowRecord record);
                if (result.Outcome == LineOutcome.Record)
                {
                    expectedRecords.Add(record);
                }
                else if (result.Outcome == LineOutcome.Malformed)
                {
                    expectedProblems.Add((i + 1, result.Reason));
                }
                else
                {
                    blank++;
                }
            }

            Assert.Multiple(() =>
            {
                Assert.That(sink.Records, Is.EqualTo(expectedRecords), $"read size {chunk}");
                Assert.That(report.Samples.Select(p => (p.Line, p.Reason)), Is.EqualTo(expectedProblems), $"read size {chunk}");
                Assert.That(report.Blank, Is.EqualTo(blank), $"read size {chunk}");
                Assert.That(expectedRecords, Has.Count.GreaterThan(70 * 8), "most shapes are records");
            });
        }
    }

    [TestCase(4093)]
    [TestCase(65536)]
    public void Read_LongLineOfSpacesAmongRecords_IsOneFieldCountProblemAndTheRecordsAroundItStay(int chunk)
    {
        // 300 KB of "1 ": far more separators than fields, across many reads (each read used to rescan the pending line).
        string longLine = string.Concat(Enumerable.Repeat("1 ", 150_000));
        string text = Line(1) + "\n" + Line(2) + "\n" + longLine + "\n" + Line(3) + "\n" + Line(4) + "\n";
        byte[] bytes = Encoding.UTF8.GetBytes(text);
        var (sink, report) = ReadInput(new LogInput("l.log", _ => new ChunkedStream(bytes, chunk)));

        Assert.Multiple(() =>
        {
            Assert.That(sink.LineNumbers, Is.EqualTo(new long[] { 1, 2, 4, 5 }));
            Assert.That(sink.Records[2], Is.EqualTo(ReadAll(Encoding.UTF8.GetBytes(Line(3)), "one.log").Records.Single()));
            Assert.That(report.Samples.Select(p => (p.Line, p.Reason, p.ByteOffset)), Is.EqualTo(new[] { (3L, ProblemReason.FieldCount, (long)(Line(1).Length + Line(2).Length + 2)) }));
        });
    }

    /// <summary>A valid line most of the time; otherwise one or two fields replaced by an edge case, or the spacing broken.</summary>
    private static string RandomLine(Random random, int i)
    {
        string[] f = Line(i).Split(' ');
        f[1] = Digits(random, random.Next(1, 19)); // account ids of every length around the 8- and 16-digit steps
        f[2] = "eni-" + Hex(random, random.Next(100) < 80 ? 17 : random.Next(1, 31));
        f[3] = random.Next(100) < 70 ? Address(random, valid: true) : Address(random, valid: false);
        f[4] = random.Next(100) < 70 ? Address(random, valid: true) : Address(random, valid: false);
        int edits = random.Next(100) < 60 ? 0 : random.Next(1, 3);
        for (int e = 0; e < edits; e++)
        {
            int column = random.Next(f.Length);
            f[column] = random.Next(6) switch
            {
                0 => Digits(random, random.Next(0, 21)),
                1 => Corrupt(random, Digits(random, random.Next(1, 17))),
                2 => s_words[random.Next(s_words.Length)],
                3 => "eni-" + Corrupt(random, Hex(random, 17)),
                4 => Address(random, valid: false),
                _ => string.Empty,
            };
        }

        string line = string.Join(random.Next(100) < 97 ? " " : "  ", f);
        return random.Next(100) switch
        {
            0 => line + "\r",
            1 => " " + line,
            2 => line + " ",
            3 => line + " extra",
            4 => line[..line.LastIndexOf(' ')],
            5 => line.Replace(' ', '\t'),
            6 => string.Empty,
            _ => line,
        };
    }

    private static string Digits(Random random, int count) => new([.. Enumerable.Range(0, count).Select(_ => (char)('0' + random.Next(10)))]);

    private static string Hex(Random random, int count) => new([.. Enumerable.Range(0, count).Select(_ => "0123456789abcdefABCDEF"[random.Next(22)])]);

    /// <summary>One character replaced by a neighbour of the valid ranges ('/' and ':' around digits, '`' 'g' '@' 'G' around hex).</summary>
    private static string Corrupt(Random random, string text)
    {
        char[] chars = text.ToCharArray();
        chars[random.Next(chars.Length)] = "/:`g@G .x"[random.Next(9)];
        return new string(chars);
    }

    private static string Address(Random random, bool valid)
    {
        if (valid)
        {
            return $"{random.Next(256)}.{random.Next(256)}.{random.Next(256)}.{random.Next(256)}";
        }

        int octets = random.Next(3, 6);
        return string.Join('.', Enumerable.Range(0, octets).Select(_ => s_addressOctets[random.Next(s_addressOctets.Length)]));
    }
}
