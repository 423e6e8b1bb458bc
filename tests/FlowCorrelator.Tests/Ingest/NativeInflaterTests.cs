using System.IO.Compression;
using System.Text;
using FlowCorrelator.Ingest;

namespace FlowCorrelator.Tests.Ingest;

/// <summary>
/// The native inflater (libdeflate): used when present, a clear error when asked for and absent, and on every damaged,
/// cut or oversized gzip file the same records and the same problems as the managed inflater (it hands such files to
/// the managed path, which says what is wrong).
/// </summary>
public sealed class NativeInflaterTests
{
    private const string V2Header = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status";

    [Test]
    public void Auto_UsesLibdeflateWhenInstalled_AndManagedWhenAsked()
    {
        if (TestInflaters.ManagedForced)
        {
            Assert.Ignore("this run forces the managed inflater");
        }

        if (!ReaderOptions.NativeInflaterAvailable)
        {
            Assert.That(TestInflaters.NativeRequired, Is.False, "libdeflate is required here (FLOWCORRELATOR_REQUIRE_LIBDEFLATE=1) and was not found");
            Assert.That(Read(Gzip(Text(50)), Inflater.Auto).Report.Inflater, Is.EqualTo(Inflater.Managed), "auto without libdeflate");
            return;
        }

        Assert.That(Libdeflate.Shared!.Name, Does.StartWith("libdeflate").Or.EqualTo("deflate.dll"));
        FileReport auto = Read(Gzip(Text(50)), Inflater.Auto).Report;
        FileReport native = Read(Gzip(Text(50)), Inflater.Native).Report;
        FileReport managed = Read(Gzip(Text(50)), Inflater.Managed).Report;
        Assert.That((auto.Inflater, native.Inflater, managed.Inflater), Is.EqualTo(((Inflater?)Inflater.Native, (Inflater?)Inflater.Native, (Inflater?)Inflater.Managed)));
        Assert.That(auto.NativeInflaterFellBack || native.NativeInflaterFellBack || managed.NativeInflaterFellBack, Is.False);
        Assert.That(Read(Encoding.UTF8.GetBytes(Text(5)), Inflater.Native).Report.Inflater, Is.Null, "plain text is not inflated");
    }

    [Test]
    public void Native_WithoutTheLibrary_FailsBeforeReadingAndSaysWhatToDo()
    {
        Assert.That(Libdeflate.TryLoad(["libdeflate-not-here.so.99"]), Is.Null);
        var options = ReaderOptions.Default with { Inflater = Inflater.Native };

        var ex = Assert.Throws<NotSupportedException>(() => _ = new FlowLogReader(options, library: null));
        Assert.That(ex!.Message, Does.Contain("libdeflate was not found").And.Contain("libdeflate.so.0").And.Contain("--inflater auto or managed"));

        // Auto and managed never need it.
        Assert.That(() => new FlowLogReader(options with { Inflater = Inflater.Auto }, library: null), Throws.Nothing);
        Assert.That(new FlowLogReader(options with { Inflater = Inflater.Auto }, library: null).Read(LogInput.FromBytes("a.log.gz", Gzip(Text(3))), new FlowLogReaderTests.ListSink()).Inflater, Is.EqualTo(Inflater.Managed));
    }

    [Test]
    public async Task Cli_InflaterOption_IsAcceptedAndNamedInTheDiagnostics()
    {
        string dir = Path.Combine(Path.GetTempPath(), "fc-inflater-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            await File.WriteAllBytesAsync(Path.Combine(dir, "a.log.gz"), Gzip(Text(20)));
            Inflater expected = TestInflaters.Resolve(Inflater.Native);
            string name = expected == Inflater.Native ? "native" : "managed";
            (int code, string stdout, string stderr) = await RunCliAsync("flows", dir, "--format", "json", "--inflater", name);
            Assert.That(code, Is.Zero, stderr);
            Assert.That(stdout, Does.Contain($"\"inflater\":\"{name}\"").And.Contain("\"nativeInflaterFallbacks\":0"));

            (code, stdout, stderr) = await RunCliAsync("flows", dir, "--inflater", name);
            Assert.That(code, Is.Zero, stderr);
            Assert.That(stdout, Does.Contain($"Inflater: {name} ("));

            (code, _, stderr) = await RunCliAsync("flows", dir, "--inflater", "fastest");
            Assert.That(code, Is.Not.Zero);
            Assert.That(stderr, Does.Contain("fastest"));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>Damaged, cut and oversized files: what the managed inflater reports, whichever was asked for.</summary>
    [TestCase("cut in a member")]
    [TestCase("cut in the trailer")]
    [TestCase("garbage after the last member")]
    [TestCase("zero bytes after the last member")]
    [TestCase("bad CRC in the second member")]
    [TestCase("bad ISIZE")]
    [TestCase("flipped deflate byte")]
    [TestCase("header CRC")]
    [TestCase("over the inflate limit")]
    [TestCase("second member cut")]
    public void DamagedGzip_NativeGivesTheManagedRecordsAndProblems(string damage)
    {
        byte[] first = Gzip(Text(300));
        byte[] second = Gzip(Text(300, from: 300, header: false));
        byte[] both = [.. first, .. second];
        ReaderOptions options = ReaderOptions.Default;
        byte[] bytes = damage switch
        {
            "cut in a member" => first[..(first.Length / 2)],
            "cut in the trailer" => both[..^3],
            "garbage after the last member" => [.. both, .. "garbage\n"u8],
            "zero bytes after the last member" => [.. both, 0, 0, 0, 0],
            "bad CRC in the second member" => Flip(both, both.Length - 6),
            "bad ISIZE" => Flip(both, both.Length - 2),
            "flipped deflate byte" => Flip(both, first.Length + (second.Length / 2)),
            "header CRC" => WithHeaderCrc(Encoding.UTF8.GetBytes(Text(40)), corrupt: true),
            "second member cut" => both[..(first.Length + (second.Length / 2))],
            _ => both,
        };
        if (damage == "over the inflate limit")
        {
            options = options with { MaxInflatedBytes = 4096 };
        }

        var (expected, expectedReport) = Read(bytes, Inflater.Managed, options);
        Assert.That(expectedReport.HasProblems, Is.True, "the managed reference read must see the damage");
        Inflater tried = TestInflaters.Resolve(Inflater.Native);
        var (sink, report) = Read(bytes, tried, options);

        AssertSameRead(sink, report, expected, expectedReport);
        Assert.That(report.Inflater, Is.EqualTo(Inflater.Managed));
        Assert.That(report.NativeInflaterFellBack, Is.EqualTo(tried == Inflater.Native));
    }

    [Test]
    public void HeaderCrc_Intact_IsReadByTheManagedInflaterWithTheSameRecords()
    {
        byte[] bytes = WithHeaderCrc(Encoding.UTF8.GetBytes(Text(40)), corrupt: false);
        var (expected, expectedReport) = Read(bytes, Inflater.Managed);
        var (sink, report) = Read(bytes, TestInflaters.Resolve(Inflater.Native));

        Assert.That(expectedReport.HasProblems, Is.False);
        AssertSameRead(sink, report, expected, expectedReport);
    }

    /// <summary>
    /// Members of every size, an empty member, and a last member whose ISIZE (the size hint) is far below the whole
    /// output: the output buffer grows, each member lands after the one before.
    /// </summary>
    [Test]
    public void ManyMembers_AndAWrongSizeHint_GiveEveryRecordNatively()
    {
        string text = Text(5000);
        byte[] plain = Encoding.UTF8.GetBytes(text);
        var random = new Random(7);
        int[] cuts = [0, .. Enumerable.Range(0, 40).Select(_ => random.Next(1, plain.Length)).Order(), plain.Length];
        byte[] bytes = [.. cuts.Zip(cuts.Skip(1)).SelectMany(c => Gzip(plain[c.First..c.Second])), .. Gzip([]), .. Gzip("\n"u8.ToArray())];

        var (expected, expectedReport) = Read(bytes, Inflater.Managed);
        Inflater tried = TestInflaters.Resolve(Inflater.Native);
        var (sink, report) = Read(bytes, tried);

        Assert.That(expected.Records, Has.Count.EqualTo(5000));
        AssertSameRead(sink, report, expected, expectedReport);
        Assert.That(report.Inflater, Is.EqualTo(tried));
        Assert.That(report.NativeInflaterFellBack, Is.False);
        Assert.That(report.BytesRead, Is.EqualTo(plain.Length + 1));
    }

    /// <summary>An I/O error part way through the compressed bytes: the same records before it and the same problem.</summary>
    [TestCase(100)]
    [TestCase(5000)]
    public void IoErrorWhileReading_GivesTheManagedRecordsAndProblem(int failAt)
    {
        byte[] bytes = Gzip(Text(2000));
        LogInput Input() => new("e.log.gz", _ => new FailingStream(bytes, failAt));

        var expectedSink = new FlowLogReaderTests.ListSink();
        FileReport expectedReport = new FlowLogReader(ReaderOptions.Default with { Inflater = Inflater.Managed }).Read(Input(), expectedSink);
        var sink = new FlowLogReaderTests.ListSink();
        FileReport report = new FlowLogReader(TestInflaters.With(null, Inflater.Native)).Read(Input(), sink);

        Assert.That(expectedReport.FatalError?.Reason, Is.EqualTo(ProblemReason.CorruptCompression).Or.EqualTo(ProblemReason.IoError));
        AssertSameRead(sink, report, expectedSink, expectedReport);
        Assert.That(report.NativeInflaterFellBack, Is.EqualTo(TestInflaters.Resolve(Inflater.Native) == Inflater.Native));
    }

    internal static void AssertSameRead(FlowLogReaderTests.ListSink sink, FileReport report, FlowLogReaderTests.ListSink expected, FileReport expectedReport)
    {
        Assert.Multiple(() =>
        {
            Assert.That(sink.Records, Is.EqualTo(expected.Records), "records");
            Assert.That(sink.Texts, Is.EqualTo(expected.Texts), "texts");
            Assert.That(sink.LineNumbers, Is.EqualTo(expected.LineNumbers), "line numbers");
            Assert.That(report.Samples, Is.EqualTo(expectedReport.Samples), "problems");
            Assert.That(report.FatalError, Is.EqualTo(expectedReport.FatalError), "fatal error");
            Assert.That((report.Lines, report.Records, report.Malformed, report.Blank, report.Headers, report.BytesRead, report.Format), Is.EqualTo((expectedReport.Lines, expectedReport.Records, expectedReport.Malformed, expectedReport.Blank, expectedReport.Headers, expectedReport.BytesRead, expectedReport.Format)), "counts");
        });
    }

    internal static (FlowLogReaderTests.ListSink Sink, FileReport Report) Read(byte[] bytes, Inflater inflater, ReaderOptions? options = null)
    {
        var sink = new FlowLogReaderTests.ListSink();
        FileReport report = new FlowLogReader((options ?? ReaderOptions.Default) with { Inflater = inflater }).Read(LogInput.FromBytes("t.log.gz", bytes), sink);
        return (sink, report);
    }

    private static string Text(int lines, int from = 0, bool header = true)
    {
        var sb = new StringBuilder(header ? V2Header + "\n" : string.Empty);
        for (int i = from; i < from + lines; i++)
        {
            sb.Append(FlowLogReaderTests.Line(i)).Append('\n');
        }

        return sb.ToString();
    }

    private static byte[] Gzip(string text) => FlowLogReaderTests.Gzip(text);

    private static byte[] Gzip(byte[] bytes) => FlowLogReaderTests.Gzip(bytes);

    private static byte[] Flip(byte[] bytes, int at)
    {
        byte[] copy = [.. bytes];
        copy[at] ^= 0x5A;
        return copy;
    }

    /// <summary>A gzip member with FHCRC set and the header's CRC-16 (corrupted when asked), as RFC 1952 §2.3.1 allows.</summary>
    private static byte[] WithHeaderCrc(byte[] data, bool corrupt)
    {
        byte[] plain = Gzip(data);
        byte[] header = [.. plain[..10]];
        header[3] |= 0x02;
        uint crc = System.IO.Hashing.Crc32.HashToUInt32(header);
        ushort crc16 = (ushort)(crc ^ (corrupt ? 0x1234u : 0u));
        return [.. header, (byte)crc16, (byte)(crc16 >> 8), .. plain[10..]];
    }

    private static async Task<(int Code, string Stdout, string Stderr)> RunCliAsync(params string[] args)
    {
        using var stdout = new StringWriter(System.Globalization.CultureInfo.InvariantCulture);
        using var stderr = new StringWriter(System.Globalization.CultureInfo.InvariantCulture);
        int code = await FlowCorrelator.Cli.CliApp.RunAsync(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    /// <summary>Serves <paramref name="data"/> in 64-byte reads and throws an I/O error at <paramref name="failAt"/>.</summary>
    private sealed class FailingStream(byte[] data, int failAt) : Stream
    {
        private int _position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            if (_position >= failAt)
            {
                throw new IOException("connection reset by the test");
            }

            int n = Math.Min(Math.Min(buffer.Length, 64), Math.Min(failAt, data.Length) - _position);
            data.AsSpan(_position, n).CopyTo(buffer);
            _position += n;
            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
