using System.Text;
using FlowCorrelator.Ingest;

namespace FlowCorrelator.Tests.Ingest;

/// <summary>Versions 2–11, field order, header-less files, sidecar formats, '-' values, addresses, times and Parquet.</summary>
public sealed partial class FlowLogReaderTests
{
    private const string UnknownFieldName = "future-field";

    /// <summary>One value per known field; text fields get <c>x-&lt;name&gt;</c>.</summary>
    private static readonly Dictionary<FlowField, string> s_allValues = BuildAllValues();

    [Test]
    public void Read_EveryFieldOfVersions2To11InShuffledOrder_TypesEveryMember()
    {
        (FlowLogSchema schema, string line) = AllFieldsLine(seed: 7);
        var (sink, report) = ReadInput(LogInput.FromBytes("all.log", Encoding.UTF8.GetBytes(schema.Text + "\n" + line + "\n")));

        Assert.That(report.Malformed, Is.Zero, () => string.Join("; ", report.Samples));
        Assert.That(schema.Version, Is.EqualTo(11));
        Assert.That(sink.Records, Has.Count.EqualTo(1));
        AssertAllFields(sink.Records[0], sink.Texts[0], schema);
    }

    [TestCase(1)]
    [TestCase(2)]
    [TestCase(3)]
    public void Read_EveryFieldThroughParquet_MatchesText(int seed)
    {
        (FlowLogSchema schema, string line) = AllFieldsLine(seed);
        byte[] parquet = ToParquet(schema, [line]);
        var (sink, report) = ReadInput(LogInput.FromBytes("all.parquet", parquet));

        Assert.That(report.Format, Is.EqualTo("parquet v11"));
        Assert.That(report.Malformed, Is.Zero, () => string.Join("; ", report.Samples));
        Assert.That(sink.Records, Has.Count.EqualTo(1));
        AssertAllFields(sink.Records[0], sink.Texts[0], schema);
    }

    [Test]
    public void Read_HeaderlessDefaultFormat_UsesVersion2Layout()
    {
        var (records, report) = ReadAll(Encoding.UTF8.GetBytes(Line(3) + "\n" + Line(4) + "\n"), "cw.log");

        Assert.That(records, Has.Count.EqualTo(2));
        Assert.That(report.Headers, Is.Zero);
        Assert.That(report.Malformed, Is.Zero);
        Assert.That(records[0].DstPort, Is.EqualTo(443));
    }

    [Test]
    public void Read_HeaderlessWithFlowFormatOption_UsesThatLayout()
    {
        var options = ReaderOptions.Default with { FlowFormat = FlowLogSchema.Parse("${srcaddr} ${dstaddr} ${bytes} ${interface-id}") };
        var (records, report) = ReadAll(Encoding.UTF8.GetBytes("10.0.0.1 10.0.0.2 99 eni-0abc\n"), "fh.log", options);

        Assert.That(report.Malformed, Is.Zero);
        Assert.That(records.Single().Bytes, Is.EqualTo(99));
        Assert.That(records.Single().DstAddr, Is.EqualTo(IpAddr.Parse("10.0.0.2")));
        Assert.That(records.Single().Version, Is.EqualTo(-1), "a format without version leaves it absent");
    }

    [Test]
    public void Read_HeaderOverridesFlowFormatOption()
    {
        var options = ReaderOptions.Default with { FlowFormat = FlowLogSchema.Parse("srcaddr dstaddr") };
        var (records, report) = ReadAll(Encoding.UTF8.GetBytes(V2Header + "\n" + Line(1) + "\n"), "h.log", options);

        Assert.That(report.Malformed, Is.Zero);
        Assert.That(records, Has.Count.EqualTo(1));
    }

    [TestCase("x.log", "x.format.txt")]
    [TestCase("x.log.gz", "x.format.txt")]
    [TestCase("x.txt", "x.format.txt")]
    public void Read_SidecarFormatFile_GivesLayoutOfHeaderlessFile(string fileName, string sidecarName)
    {
        string dir = Directory.CreateTempSubdirectory("flowcorrelator-test-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(dir, sidecarName), "interface-id srcaddr dstaddr packets\n");
            byte[] content = Encoding.UTF8.GetBytes("eni-0abc 10.0.0.1 10.0.0.2 5\neni-0abc 10.0.0.2 10.0.0.1 7\n");
            string path = Path.Combine(dir, fileName);
            File.WriteAllBytes(path, fileName.EndsWith(".gz", StringComparison.Ordinal) ? Gzip(content) : content);

            var (sink, report) = ReadInput(LogInput.FromFile(path));

            Assert.That(report.Malformed, Is.Zero, () => string.Join("; ", report.Samples));
            Assert.That(report.Format, Does.Contain("format file"));
            Assert.That(sink.Records.Select(r => r.Packets), Is.EqualTo(new long[] { 5, 7 }));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Test]
    public void Read_SidecarAndHeader_HeaderWins()
    {
        string dir = Directory.CreateTempSubdirectory("flowcorrelator-test-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(dir, "x.format.txt"), "srcaddr dstaddr");
            string path = Path.Combine(dir, "x.log");
            File.WriteAllText(path, V2Header + "\n" + Line(1) + "\n");

            var (sink, report) = ReadInput(LogInput.FromFile(path));

            Assert.That(report.Malformed, Is.Zero);
            Assert.That(report.Headers, Is.EqualTo(1));
            Assert.That(sink.Records, Has.Count.EqualTo(1));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [TestCase("s3://bucket/x.log", null)]
    [TestCase("/d/x.format.txt", null)]
    [TestCase("/d/x.log.parquet", null)]
    [TestCase("/d/x.log", "/d/x.format.txt")]
    [TestCase("/d/x.txt.gz", "/d/x.format.txt")]
    public void SidecarPath_Name_IsBesideTheLog(string name, string? expected) =>
        Assert.That(FlowLogReader.SidecarPath(name), Is.EqualTo(expected));

    [Test]
    public void Read_UnknownFieldNames_AreKeptAsExtraColumns()
    {
        string text = "version srcaddr some-new-field dstaddr another_one\n2 10.0.0.1 hello 10.0.0.2 -\n";
        var (sink, report) = ReadInput(LogInput.FromBytes("u.log", Encoding.UTF8.GetBytes(text)));

        Assert.That(report.Malformed, Is.Zero);
        FlowLogSchema schema = sink.Schemas.Last();
        Assert.That(schema.Names, Is.EqualTo(new[] { "version", "srcaddr", "some-new-field", "dstaddr", "another-one" }));
        Assert.That(schema.Fields[2], Is.EqualTo(FlowField.Unknown));
        Assert.That(sink.Texts[0][2], Is.EqualTo("hello"));
        Assert.That(sink.Texts[0][4], Is.Null);
        Assert.That(sink.Records[0].DstAddr, Is.EqualTo(IpAddr.Parse("10.0.0.2")));
    }

    [Test]
    public void Read_DashInEveryField_GivesAbsentValues()
    {
        FlowField[] all = [.. FlowFieldNames.All];
        string header = string.Join(' ', all.Select(FlowFieldNames.NameOf));
        string line = string.Join(' ', all.Select(f => f == FlowField.LogStatus ? "OK" : "-"));
        var (sink, report) = ReadInput(LogInput.FromBytes("d.log", Encoding.UTF8.GetBytes(header + "\n" + line + "\n")));

        Assert.That(report.Malformed, Is.Zero, () => string.Join("; ", report.Samples));
        FlowRecord r = sink.Records.Single();
        Assert.Multiple(() =>
        {
            Assert.That(r.Version, Is.EqualTo(-1));
            Assert.That(r.AccountId, Is.EqualTo(-1));
            Assert.That(r.InterfaceId, Is.EqualTo(EniId.None));
            Assert.That(r.SrcAddr, Is.EqualTo(IpAddr.None));
            Assert.That(r.DstAddr, Is.EqualTo(IpAddr.None));
            Assert.That(r.SrcPort, Is.EqualTo(-1));
            Assert.That(r.DstPort, Is.EqualTo(-1));
            Assert.That(r.Protocol, Is.EqualTo(-1));
            Assert.That(r.Packets, Is.EqualTo(-1));
            Assert.That(r.Bytes, Is.EqualTo(-1));
            Assert.That(r.Start, Is.EqualTo(-1));
            Assert.That(r.End, Is.EqualTo(-1));
            Assert.That(r.Action, Is.EqualTo(FlowAction.None));
            Assert.That(r.Direction, Is.EqualTo(FlowDirection.Unknown));
            Assert.That(r.TcpFlags, Is.EqualTo(-1));
            Assert.That(r.TrafficPath, Is.EqualTo(-1));
            Assert.That(r.PktSrcAddr, Is.EqualTo(IpAddr.None));
            Assert.That(r.PktDstAddr, Is.EqualTo(IpAddr.None));
            Assert.That(r.InstanceId, Is.EqualTo(InstanceKey.None));
            Assert.That(r.InstanceTag, Is.EqualTo(FlowTagValue.None));
            Assert.That(r.InstanceTag2.HasValue || r.AsgTag.HasValue || r.AsgTag2.HasValue, Is.False);
            Assert.That(sink.Texts[0].Where((_, i) => all[i] != FlowField.LogStatus), Is.All.Null);
        });
    }

    [Test]
    public void Read_NoDataAndSkipData_AreCountedRecordsNotMalformed()
    {
        string text = V2Header + "\n" +
            "2 123456789010 eni-1235b8ca123456789 - - - - - - - 1431280876 1431280934 - NODATA\n" +
            "2 123456789010 eni-11111111aaaaaaaaa - - - - - - - 1431280876 1431280934 - SKIPDATA\n" +
            Line(1) + "\n";
        var (records, report) = ReadAll(Encoding.UTF8.GetBytes(text), "n.log");

        Assert.That(report.Malformed, Is.Zero);
        Assert.That(report.Records, Is.EqualTo(3));
        Assert.That(report.NoData, Is.EqualTo(1));
        Assert.That(report.SkipData, Is.EqualTo(1));
        Assert.That(records[0].LogStatus, Is.EqualTo(FlowLogStatus.NoData));
        Assert.That(records[1].LogStatus, Is.EqualTo(FlowLogStatus.SkipData));
        Assert.That(records[0].Start, Is.EqualTo(1431280876));
        Assert.That(records[0].SrcAddr.HasValue, Is.False);
    }

    [TestCase("10.0.0.5")]
    [TestCase("0.0.0.0")]
    [TestCase("255.255.255.255")]
    [TestCase("2001:db8:1234:a100:8d6e:3477:df66:f105")]
    [TestCase("2001:db8::1")]
    [TestCase("::1")]
    [TestCase("fe80::1ff:fe23:4567:890a")]
    public void Read_Address_RoundTripsThroughIpAddr(string address)
    {
        string text = $"version srcaddr dstaddr\n2 {address} 10.0.0.1\n";
        var (records, report) = ReadAll(Encoding.UTF8.GetBytes(text), "a.log");

        Assert.That(report.Malformed, Is.Zero);
        IpAddr parsed = records.Single().SrcAddr;
        Assert.That(parsed, Is.EqualTo(IpAddr.Parse(address)));
        Assert.That(parsed.ToString(), Is.EqualTo(System.Net.IPAddress.Parse(address).ToString()));
        Assert.That(parsed.IsV4, Is.EqualTo(!address.Contains(':', StringComparison.Ordinal)));
    }

    [TestCase("10.0.0.0/16", "10.0.255.255", true)]
    [TestCase("10.0.0.0/16", "10.1.0.0", false)]
    [TestCase("0.0.0.0/0", "2001:db8::1", false)]
    [TestCase("2001:db8:1234:a100::/56", "2001:db8:1234:a100:8d6e:3477:df66:f105", true)]
    [TestCase("2001:db8:1234:a100::/56", "2001:db8:1234:a200::1", false)]
    [TestCase("::/0", "10.0.0.1", false)]
    public void IpNetwork_ParsedFlowAddress_ContainsAsCidrSays(string cidr, string address, bool contains)
    {
        var (records, _) = ReadAll(Encoding.UTF8.GetBytes($"srcaddr\n{address}\n"), "a.log");

        Assert.That(IpNetwork.Parse(cidr).Contains(records.Single().SrcAddr), Is.EqualTo(contains));
    }

    [Test]
    public void Read_StartAndEndInMilliseconds_AreScaledToSeconds()
    {
        string text = "start end srcaddr\n1700000000123 1700000060999 10.0.0.1\n1700000000 1700000060 10.0.0.1\n";
        var (records, report) = ReadAll(Encoding.UTF8.GetBytes(text), "ms.log");

        Assert.That(report.Malformed, Is.Zero);
        Assert.That(records[0].Start, Is.EqualTo(1700000000));
        Assert.That(records[0].End, Is.EqualTo(1700000060));
        Assert.That(records[1].Start, Is.EqualTo(1700000000));
    }

    [Test]
    public void Read_ParquetFromTextRoundTrip_GivesEqualRecordsAndTexts()
    {
        string[] lines =
        [
            .. Enumerable.Range(0, 250).Select(Line),
            "2 123456789010 eni-1235b8ca123456789 - - - - - - - 1431280876 1431280934 - NODATA",
            "2 unknown eni-1235b8ca123456789 2001:db8::1 2001:db8::2 443 51000 6 1 40 1700000000123 1700000060123 ACCEPT OK",
        ];
        byte[] textBytes = Encoding.UTF8.GetBytes(V2Header + "\n" + string.Join('\n', lines) + "\n");
        var (textSink, textReport) = ReadInput(LogInput.FromBytes("t.log", textBytes));
        byte[] parquet = ToParquet(FlowLogSchema.DefaultV2, lines, rowGroupSize: 100);
        var (parquetSink, parquetReport) = ReadInput(LogInput.FromBytes("t.log.parquet", parquet));

        Assert.That(parquetReport.Malformed, Is.Zero, () => string.Join("; ", parquetReport.Samples));
        Assert.That(parquetSink.Records, Is.EqualTo(textSink.Records));
        Assert.That(parquetSink.Texts, Is.EqualTo(textSink.Texts));
        Assert.That(parquetSink.LineNumbers, Is.EqualTo(Enumerable.Range(1, lines.Length).Select(i => (long)i)));
        Assert.That(parquetReport.Records, Is.EqualTo(textReport.Records));
        Assert.That(parquetReport.NoData, Is.EqualTo(1));
    }

    [Test]
    public void Read_ParquetFromNonSeekableStream_SpoolsAndReads()
    {
        byte[] parquet = ToParquet(FlowLogSchema.DefaultV2, [Line(1), Line(2)]);
        string before = string.Join(',', Directory.GetFiles(Path.GetTempPath(), "flowcorrelator-*.parquet"));
        var input = new LogInput("s3://bucket/x.log.parquet", _ => ChunkedStream.SplitAt(parquet, 3));
        var (sink, report) = ReadInput(input);

        Assert.That(report.Malformed, Is.Zero);
        Assert.That(report.FatalError, Is.Null);
        Assert.That(sink.Records, Has.Count.EqualTo(2));
        Assert.That(string.Join(',', Directory.GetFiles(Path.GetTempPath(), "flowcorrelator-*.parquet")), Is.EqualTo(before), "the temporary copy is deleted");
    }

    [Test]
    public void Read_ParquetWithStringColumnsHoldingNumbersAndDashes_ParsesLikeText()
    {
        // Some exporters write every column as STRING; '-' then stands for absent as in text files.
        var schema = new Parquet.Schema.ParquetSchema(
            new Parquet.Schema.DataField<string>("srcaddr", true),
            new Parquet.Schema.DataField<string>("srcport", true),
            new Parquet.Schema.DataField<string>("bytes", true),
            new Parquet.Schema.DataField<string>("log_status", true));
        byte[] bytes = WriteRawParquet(schema, new string?[] { "10.0.0.1", "10.0.0.2" }, new string?[] { "443", "-" }, new string?[] { "1000", null }, new string?[] { "OK", "NODATA" });
        var (sink, report) = ReadInput(LogInput.FromBytes("s.parquet", bytes));

        Assert.That(report.Malformed, Is.Zero, () => string.Join("; ", report.Samples));
        Assert.That(sink.Records[0].SrcPort, Is.EqualTo(443));
        Assert.That(sink.Records[0].Bytes, Is.EqualTo(1000));
        Assert.That(sink.Records[1].SrcPort, Is.EqualTo(-1));
        Assert.That(sink.Records[1].Bytes, Is.EqualTo(-1));
        Assert.That(report.NoData, Is.EqualTo(1));
        Assert.That(sink.Texts[1][1], Is.Null);
    }

    [Test]
    public void Read_ParquetWithBadValue_CountsMalformedRowWithRowNumber()
    {
        var schema = new Parquet.Schema.ParquetSchema(
            new Parquet.Schema.DataField<string>("srcaddr", true),
            new Parquet.Schema.DataField<int?>("dstport"));
        byte[] bytes = WriteRawParquet(schema, new string?[] { "10.0.0.1", "nope", "10.0.0.3" }, new int?[] { 1, 2, 70000 });
        var (sink, report) = ReadInput(LogInput.FromBytes("b.parquet", bytes));

        Assert.That(sink.Records, Has.Count.EqualTo(1));
        Assert.That(report.Malformed, Is.EqualTo(2));
        Assert.That(report.Samples.Select(s => (s.Line, s.Reason)), Is.EqualTo(new[] { (2L, ProblemReason.InvalidAddress), (3L, ProblemReason.OutOfRange) }));
        Assert.That(report.Samples[0].Message, Does.Contain("srcaddr").And.Contain("nope"));
    }

    [Test]
    public void Read_ParquetInStrictMode_ThrowsWithRowNumber()
    {
        var schema = new Parquet.Schema.ParquetSchema(new Parquet.Schema.DataField<string>("srcaddr", true));
        byte[] bytes = WriteRawParquet(schema, new string?[] { "10.0.0.1", "bad" });

        var ex = Assert.Throws<LogFormatException>(() => ReadInput(LogInput.FromBytes("b.parquet", bytes), ReaderOptions.Default with { Strict = true }));
        Assert.That(ex!.LineNumber, Is.EqualTo(2));
    }

    [Test]
    public void Read_TruncatedParquet_ReportsFatalError()
    {
        byte[] parquet = ToParquet(FlowLogSchema.DefaultV2, [Line(1)]);
        var (sink, report) = ReadInput(LogInput.FromBytes("t.parquet", parquet[..(parquet.Length / 2)]));

        Assert.That(sink.Records, Is.Empty);
        Assert.That(report.FatalError, Is.Not.Null);
        Assert.That(report.HasProblems, Is.True);
    }

    [Test]
    public async Task ParquetFlowWriter_AwsColumnTypes_AreIntLongAndString()
    {
        FlowLogSchema schema = FlowLogSchema.Parse("version log-status bytes start tcp-flags");
        using var ms = new MemoryStream(ToParquet(schema, ["5 OK 10 1700000000 2"]));
        await using var reader = await Parquet.ParquetReader.CreateAsync(ms);
        var fields = reader.Schema.GetDataFields();

        Assert.That(fields.Select(f => f.Name), Is.EqualTo(new[] { "version", "log_status", "bytes", "start", "tcp_flags" }));
        // Parquet.Net 6 surfaces STRING columns as ReadOnlyMemory<char>.
        Assert.That(
            fields.Select(f => Nullable.GetUnderlyingType(f.ClrType) ?? f.ClrType).Select(t => t == typeof(ReadOnlyMemory<char>) ? typeof(string) : t),
            Is.EqualTo(new[] { typeof(int), typeof(string), typeof(long), typeof(long), typeof(int) }));
    }

    [Test]
    public void Read_RealAwsDocumentationSamples_HaveNoMalformedLines()
    {
        string dir = RealDataFolder("awsdocs-examples/vpc-flow-logs");
        IReadOnlyList<LogInput> inputs = LogSources.Expand([dir]);
        Assert.That(inputs, Is.Not.Empty);
        var diagnostics = new IngestDiagnostics();
        long records = 0;
        foreach (LogInput input in inputs)
        {
            var (sink, report) = ReadInput(input);
            diagnostics.Add(report);
            records += sink.Records.Count;
            Assert.That(report.Malformed, Is.Zero, () => input.Name + ": " + string.Join("; ", report.Samples));
            Assert.That(report.FatalError, Is.Null, input.Name);
            Assert.That(sink.Records, Is.Not.Empty, input.Name);
        }

        Assert.That(inputs.Select(i => Path.GetFileName(i.Name)), Has.None.EndsWith(".format.txt"));
        Assert.That(diagnostics.Sum(LogFileKind.FlowLog, f => f.NoData), Is.EqualTo(1));
        Assert.That(diagnostics.Sum(LogFileKind.FlowLog, f => f.SkipData), Is.EqualTo(1));
        Assert.That(records, Is.EqualTo(27));
    }

    [Test]
    public void Read_RealTgwExample_IsVersion3With17Columns()
    {
        string dir = RealDataFolder("awsdocs-examples/vpc-flow-logs");
        var (sink, report) = ReadInput(LogInput.FromFile(Path.Combine(dir, "flow-log-example-tgw.log")));

        Assert.That(report.Malformed, Is.Zero);
        Assert.That(sink.Schemas.Last().Count, Is.EqualTo(17));
        Assert.That(sink.Records[2].PktSrcAddr, Is.EqualTo(IpAddr.Parse("10.20.33.164")));
        Assert.That(sink.Records[2].SrcAddr, Is.EqualTo(IpAddr.Parse("10.40.1.175")));
        Assert.That(sink.Records[1].TcpFlags, Is.EqualTo(19));
        Assert.That(sink.Texts[2][sink.Schemas.Last().IndexOf(FlowField.InstanceId)], Is.Null);
    }

    /// <summary>Locates <c>shared/realdata/&lt;relative&gt;</c> above the test folder, or ignores the test.</summary>
    internal static string RealDataFolder(string relative)
    {
        for (DirectoryInfo? d = new(TestContext.CurrentContext.TestDirectory); d is not null; d = d.Parent)
        {
            string candidate = Path.Combine(d.FullName, "shared", "realdata", relative);
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        Assert.Ignore($"shared/realdata/{relative} was not found above {TestContext.CurrentContext.TestDirectory}; the real samples are not checked out here.");
        return string.Empty;
    }

    private static (FlowLogSchema Schema, string Line) AllFieldsLine(int seed)
    {
        var random = new Random(seed);
        List<string> names = [.. FlowFieldNames.All.Select(FlowFieldNames.NameOf), UnknownFieldName];
        random.Shuffle(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(names));
        FlowLogSchema schema = FlowLogSchema.FromNames(names);
        string line = string.Join(' ', schema.Fields.Select((f, i) => f == FlowField.Unknown ? "future-value" : s_allValues[f]));
        return (schema, line);
    }

    private static void AssertAllFields(FlowRecord r, string?[] texts, FlowLogSchema schema)
    {
        Assert.Multiple(() =>
        {
            Assert.That(r.Version, Is.EqualTo(11));
            Assert.That(r.AccountId, Is.EqualTo(123456789012));
            Assert.That(r.InterfaceId.ToString(), Is.EqualTo("eni-0123456789abcdef0"));
            Assert.That(r.SrcAddr, Is.EqualTo(IpAddr.Parse("10.0.0.5")));
            Assert.That(r.DstAddr, Is.EqualTo(IpAddr.Parse("2001:db8::1")));
            Assert.That(r.SrcPort, Is.EqualTo(443));
            Assert.That(r.DstPort, Is.EqualTo(51000));
            Assert.That(r.Protocol, Is.EqualTo(6));
            Assert.That(r.Packets, Is.EqualTo(10));
            Assert.That(r.Bytes, Is.EqualTo(840));
            Assert.That(r.Start, Is.EqualTo(1700000000));
            Assert.That(r.End, Is.EqualTo(1700000060));
            Assert.That(r.Action, Is.EqualTo(FlowAction.Reject));
            Assert.That(r.LogStatus, Is.EqualTo(FlowLogStatus.Ok));
            Assert.That(r.Direction, Is.EqualTo(FlowDirection.Egress));
            Assert.That(r.TcpFlags, Is.EqualTo(19));
            Assert.That(r.TrafficPath, Is.EqualTo(8));
            Assert.That(r.PktSrcAddr, Is.EqualTo(IpAddr.Parse("203.0.113.5")));
            Assert.That(r.PktDstAddr, Is.EqualTo(IpAddr.Parse("10.0.0.7")));
            Assert.That(r.InstanceId.ToString(), Is.EqualTo("i-0fedcba9876543210"));
            Assert.That(r.InstanceId, Is.EqualTo(InstanceKey.Parse("i-0FEDCBA9876543210")), "hex case is folded, as for interfaces");
            Assert.That(r.InstanceTag.ToString(), Is.EqualTo("payment"));
            Assert.That(r.InstanceTag2, Is.EqualTo(FlowTagValue.Of("x-instance-tag-2")));
            Assert.That(r.AsgTag.ToString(), Is.EqualTo("payment-asg"));
            Assert.That(r.AsgTag2.ToString(), Is.EqualTo("x-asg-tag-2"));
            for (int i = 0; i < schema.Count; i++)
            {
                FlowField f = schema.Fields[i];
                string expected = f == FlowField.Unknown ? "future-value" : s_allValues[f];
                Assert.That(texts[i], Is.EqualTo(expected), schema.Names[i]);
            }
        });
    }

    private static Dictionary<FlowField, string> BuildAllValues()
    {
        var values = FlowFieldNames.All.ToDictionary(f => f, f => "x-" + FlowFieldNames.NameOf(f));
        values[FlowField.Version] = "11";
        values[FlowField.AccountId] = "123456789012";
        values[FlowField.InterfaceId] = "eni-0123456789abcdef0";
        values[FlowField.SrcAddr] = "10.0.0.5";
        values[FlowField.DstAddr] = "2001:db8::1";
        values[FlowField.SrcPort] = "443";
        values[FlowField.DstPort] = "51000";
        values[FlowField.Protocol] = "6";
        values[FlowField.Packets] = "10";
        values[FlowField.Bytes] = "840";
        values[FlowField.Start] = "1700000000";
        values[FlowField.End] = "1700000060";
        values[FlowField.Action] = "REJECT";
        values[FlowField.LogStatus] = "OK";
        values[FlowField.FlowDirection] = "egress";
        values[FlowField.TcpFlags] = "19";
        values[FlowField.TrafficPath] = "8";
        values[FlowField.PktSrcAddr] = "203.0.113.5";
        values[FlowField.PktDstAddr] = "10.0.0.7";
        values[FlowField.InstanceId] = "i-0fedcba9876543210";
        values[FlowField.InstanceTag] = "payment";
        values[FlowField.AsgTag] = "payment-asg";
        return values;
    }

    internal static byte[] ToParquet(FlowLogSchema schema, IEnumerable<string> lines, int rowGroupSize = ParquetFlowWriter.DefaultRowGroupSize)
    {
        using var ms = new MemoryStream();
        ParquetFlowWriter.Write(ms, schema, lines.Select(l => (string?[])l.Split(' ', StringSplitOptions.RemoveEmptyEntries)), rowGroupSize);
        return ms.ToArray();
    }

    /// <summary>Writes one row group with the given columns (string?[] or int?[]), for shapes the flow writer never makes.</summary>
    private static byte[] WriteRawParquet(Parquet.Schema.ParquetSchema schema, params Array[] columns)
    {
        using var ms = new MemoryStream();
        var writer = Parquet.ParquetWriter.CreateAsync(schema, ms).GetAwaiter().GetResult();
        try
        {
            using var group = writer.CreateRowGroup();
            var fields = schema.GetDataFields();
            for (int c = 0; c < fields.Length; c++)
            {
                switch (columns[c])
                {
                    case string?[] s:
                        group.WriteAsync(fields[c], s!).GetAwaiter().GetResult();
                        break;
                    case int?[] i:
                        group.WriteAsync<int>(fields[c], i.AsMemory()).GetAwaiter().GetResult();
                        break;
                }
            }

            group.CompleteValidate();
        }
        finally
        {
            writer.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }

        return ms.ToArray();
    }
}
