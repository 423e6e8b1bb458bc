using System.IO.Compression;
using System.Text;
using FlowCorrelator.Ingest;

namespace FlowCorrelator.Tests.Ingest;

/// <summary>
/// Happy path and shared helpers; formats, boundaries, malformed input and the CLI are in the other parts. Every test
/// runs under both inflaters (<see cref="TestInflaters"/>): the records and problems must be the same.
/// </summary>
[TestFixture(Inflater.Native)]
[TestFixture(Inflater.Managed)]
public sealed partial class FlowLogReaderTests(Inflater inflater)
{
    private const string V2Header = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status";

    [Test]
    public void Read_GzipWithHeader_ParsesEveryRecord()
    {
        string text = V2Header + "\n" +
            "2 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 20641 22 6 20 4249 1418530010 1418530070 ACCEPT OK\n" +
            "2 123456789010 eni-1235b8ca123456789 172.31.9.69 172.31.9.12 49761 3389 6 20 4249 1418530010 1418530070 REJECT OK\n";
        var (records, report) = ReadAll(Gzip(text), "a.log.gz");

        Assert.That(report.Malformed, Is.Zero);
        Assert.That(report.Headers, Is.EqualTo(1));
        Assert.That(report.Format, Does.StartWith("gzip text"));
        Assert.That(records, Has.Count.EqualTo(2));
        Assert.That(records[0].SrcAddr, Is.EqualTo(IpAddr.Parse("172.31.16.139")));
        Assert.That(records[0].DstPort, Is.EqualTo(22));
        Assert.That(records[0].InterfaceId.ToString(), Is.EqualTo("eni-1235b8ca123456789"));
        Assert.That(records[0].AccountId, Is.EqualTo(123456789010));
        Assert.That(records[1].Action, Is.EqualTo(FlowAction.Reject));
        Assert.That(records[1].Bytes, Is.EqualTo(4249));
        Assert.That(records[1].Start, Is.EqualTo(1418530010));
    }

    [Test]
    public void Read_PlainTextWithHeader_CountsLinesAndBytes()
    {
        string text = V2Header + "\n" + Line(1) + "\n" + Line(2) + "\n";
        var (records, report) = ReadAll(Encoding.UTF8.GetBytes(text), "a.log");

        Assert.That(records, Has.Count.EqualTo(2));
        Assert.That(report.Lines, Is.EqualTo(3));
        Assert.That(report.Records, Is.EqualTo(2));
        Assert.That(report.BytesRead, Is.EqualTo(Encoding.UTF8.GetByteCount(text)));
        Assert.That(report.HasProblems, Is.False);
    }

    [Test]
    public void Read_LastLineWithoutNewline_IsRead()
    {
        var (records, report) = ReadAll(Encoding.UTF8.GetBytes(V2Header + "\n" + Line(1) + "\n" + Line(2)), "a.log");

        Assert.That(records, Has.Count.EqualTo(2));
        Assert.That(report.Malformed, Is.Zero);
    }

    [Test]
    public void Read_EmptyFile_HasNoRecordsAndNoProblems()
    {
        var (records, report) = ReadAll([], "empty.log");

        Assert.That(records, Is.Empty);
        Assert.That(report.HasProblems, Is.False);
    }

    /// <summary>A deterministic default-format line; <paramref name="i"/> varies every field.</summary>
    internal static string Line(int i) =>
        $"2 123456789010 eni-{i % 97:x8}abcdef123 10.{i % 250}.{i / 250 % 250}.{i % 7 + 1} 172.31.{i % 13}.{i % 200 + 1} {1024 + (i % 60000)} {(i % 3 == 0 ? 443 : 22)} {(i % 5 == 0 ? 17 : 6)} {i % 100 + 1} {(i * 37) + 40} {1418530010 + i} {1418530070 + i} {(i % 4 == 0 ? "REJECT" : "ACCEPT")} OK";

    /// <summary>The reader options of this fixture's inflater.</summary>
    internal ReaderOptions Options(ReaderOptions? options = null) => TestInflaters.With(options, inflater);

    internal (List<FlowRecord> Records, FileReport Report) ReadAll(byte[] bytes, string name, ReaderOptions? options = null)
    {
        var sink = new ListSink();
        FileReport report = new FlowLogReader(Options(options)).Read(LogInput.FromBytes(name, bytes), sink);
        AssertInflater(report);
        return (sink.Records, report);
    }

    internal (ListSink Sink, FileReport Report) ReadInput(LogInput input, ReaderOptions? options = null)
    {
        var sink = new ListSink();
        FileReport report = new FlowLogReader(Options(options)).Read(input, sink);
        AssertInflater(report);
        return (sink, report);
    }

    /// <summary>A gzip file was read by this fixture's inflater (or by the managed one after the native one gave up).</summary>
    private void AssertInflater(FileReport report)
    {
        if (report.Inflater is { } used)
        {
            Inflater expected = TestInflaters.Resolve(inflater);
            Assert.That(used == expected || (expected == Inflater.Native && used == Inflater.Managed && report.NativeInflaterFellBack), Is.True, $"{report.Path} read by {used}, expected {expected}");
        }
    }

    internal static byte[] Gzip(string text) => Gzip(Encoding.UTF8.GetBytes(text));

    internal static byte[] Gzip(byte[] bytes)
    {
        using var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.Fastest, leaveOpen: true))
        {
            gz.Write(bytes);
        }

        return ms.ToArray();
    }

    /// <summary>Keeps every record plus the text of every column and the line number, as a sink sees them.</summary>
    internal sealed class ListSink : IFlowRecordSink
    {
        public List<FlowRecord> Records { get; } = [];

        public List<string?[]> Texts { get; } = [];

        public List<long> LineNumbers { get; } = [];

        public List<FlowLogSchema> Schemas { get; } = [];

        public void OnFileStart(string path, FlowLogSchema schema) => Schemas.Add(schema);

        public void OnRecord(in FlowRecord record, in FlowLine line)
        {
            Records.Add(record);
            string?[] texts = new string?[line.Schema.Count];
            for (int i = 0; i < texts.Length; i++)
            {
                texts[i] = line.GetText(i);
            }

            Texts.Add(texts);
            LineNumbers.Add(line.LineNumber);
        }
    }

    /// <summary>A forward-only stream that hands out data in chunks of the given sizes (the last size repeats).</summary>
    internal sealed class ChunkedStream(byte[] data, params int[] chunks) : Stream
    {
        private int _position;
        private int _call;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        /// <summary>Splits once at <paramref name="split"/>: the first read gets the bytes before it, later reads the rest.</summary>
        public static ChunkedStream SplitAt(byte[] data, int split) => new(data, split, int.MaxValue);

        public static ChunkedStream OneByteAtATime(byte[] data) => new(data, 1);

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            int chunk = chunks[Math.Min(_call, chunks.Length - 1)];
            _call++;
            int n = Math.Min(Math.Min(buffer.Length, chunk), data.Length - _position);
            if (n <= 0 && chunk == 0 && _position < data.Length)
            {
                return Read(buffer); // a zero-length first chunk means "split at 0": move on to the next size
            }

            n = Math.Max(n, 0);
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
