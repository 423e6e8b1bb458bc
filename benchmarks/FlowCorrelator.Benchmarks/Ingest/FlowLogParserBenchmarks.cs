using System.Globalization;
using System.IO.Compression;
using System.Net;
using System.Text;
using BenchmarkDotNet.Attributes;
using FlowCorrelator.Ingest;

namespace FlowCorrelator.Benchmarks.Ingest;

/// <summary>
/// Cost per flow-log line: a naive <c>ReadLine</c> + <c>Split</c> baseline, the span parser alone, and the whole reader
/// over plain text and gzip. Input is deterministic synthetic v2 text held in memory.
/// </summary>
[MemoryDiagnoser]
[BenchmarkCategory("Ingest")]
public class FlowLogParserBenchmarks
{
    private const int Lines = 100_000;
    private const string Header = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status";

    private byte[] _text = [];
    private byte[] _gzip = [];
    private (int Start, int Length)[] _lineRanges = [];
    private readonly FlowField[] _columns = [.. FlowLogSchema.DefaultV2.Fields];
    private readonly Range[] _fields = new Range[FlowLogSchema.MaxColumns];
    private readonly FlowLogReader _reader = new(ReaderOptions.Default with { MaxParallelism = 1 });

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(42);
        var sb = new StringBuilder(Lines * 120);
        sb.Append(Header).Append('\n');
        for (int i = 0; i < Lines; i++)
        {
            bool reject = random.Next(10) == 0;
            long start = 1_700_000_000 + random.Next(86_400);
            sb.Append("2 123456789012 eni-").Append(random.NextInt64(0, 1L << 60).ToString("x17", CultureInfo.InvariantCulture)).Append(' ')
              .Append("10.").Append(random.Next(256)).Append('.').Append(random.Next(256)).Append('.').Append(random.Next(1, 255)).Append(' ')
              .Append(random.Next(1, 224)).Append('.').Append(random.Next(256)).Append('.').Append(random.Next(256)).Append('.').Append(random.Next(1, 255)).Append(' ')
              .Append(random.Next(1024, 65536)).Append(' ').Append(random.Next(4) == 0 ? 443 : random.Next(1, 65536)).Append(' ')
              .Append(random.Next(3) == 0 ? 17 : 6).Append(' ')
              .Append(random.Next(1, 1000)).Append(' ').Append(random.Next(40, 1_000_000)).Append(' ')
              .Append(start).Append(' ').Append(start + random.Next(1, 60)).Append(' ')
              .Append(reject ? "REJECT" : "ACCEPT").Append(" OK\n");
        }

        _text = Encoding.UTF8.GetBytes(sb.ToString());
        using (var ms = new MemoryStream())
        {
            using (var gz = new GZipStream(ms, CompressionLevel.Optimal, leaveOpen: true))
            {
                gz.Write(_text);
            }

            _gzip = ms.ToArray();
        }

        var ranges = new List<(int, int)>(Lines);
        int pos = Array.IndexOf(_text, (byte)'\n') + 1; // skip the header
        while (pos < _text.Length)
        {
            int nl = Array.IndexOf(_text, (byte)'\n', pos);
            ranges.Add((pos, nl - pos));
            pos = nl + 1;
        }

        _lineRanges = [.. ranges];
    }

    /// <summary>What most first attempts look like: a string per line and per field, BCL parsing.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = Lines)]
    public long NaiveReadLineSplit()
    {
        long sum = 0;
        using var reader = new StreamReader(new MemoryStream(_text, writable: false), Encoding.UTF8);
        reader.ReadLine();
        string? line;
        while ((line = reader.ReadLine()) is not null)
        {
            string[] f = line.Split(' ');
            int srcPort = int.Parse(f[5], CultureInfo.InvariantCulture);
            int dstPort = int.Parse(f[6], CultureInfo.InvariantCulture);
            long bytes = long.Parse(f[9], CultureInfo.InvariantCulture);
            long start = long.Parse(f[10], CultureInfo.InvariantCulture);
            IPAddress src = IPAddress.Parse(f[3]);
            IPAddress dst = IPAddress.Parse(f[4]);
            sum += srcPort + dstPort + bytes + start + src.AddressFamily.GetHashCode() + dst.AddressFamily.GetHashCode() + (f[12] == "ACCEPT" ? 1 : 0);
        }

        return sum;
    }

    /// <summary>The span parser alone, one call per line over the in-memory bytes.</summary>
    [Benchmark(OperationsPerInvoke = Lines)]
    public long SpanParser()
    {
        long sum = 0;
        ReadOnlySpan<byte> text = _text;
        FlowField[] columns = _columns;
        Span<Range> fields = _fields;
        foreach ((int start, int length) in _lineRanges)
        {
            if (FlowLineParser.Parse(text.Slice(start, length), columns, fields, out FlowRecord record).Outcome == LineOutcome.Record)
            {
                sum += record.Bytes;
            }
        }

        return sum;
    }

    /// <summary>The whole reader (framing, header, counting, sink call) over plain text.</summary>
    [Benchmark(OperationsPerInvoke = Lines)]
    public long ReaderPlain() => _reader.Read(LogInput.FromBytes("bench.log", _text), NoOpSink.Instance).Records;

    /// <summary>
    /// The whole reader over plain text with a struct sink, as the investigation pass reads: the reader is compiled for
    /// the sink type, so the call per record is direct and the unread raw line is not built.
    /// </summary>
    [Benchmark(OperationsPerInvoke = Lines)]
    public long ReaderPlainStructSink()
    {
        var sink = default(NoOpStructSink);
        return _reader.Read(LogInput.FromBytes("bench.log", _text), ref sink).Records;
    }

    /// <summary>The whole reader over gzip (inflate included).</summary>
    [Benchmark(OperationsPerInvoke = Lines)]
    public long ReaderGzip() => _reader.Read(LogInput.FromBytes("bench.log.gz", _gzip), NoOpSink.Instance).Records;

    private struct NoOpStructSink : IFlowRecordSink
    {
        public readonly void OnRecord(in FlowRecord record, in FlowLine line)
        {
        }

        public readonly void OnFileStart(string path, FlowLogSchema schema)
        {
        }
    }

    private sealed class NoOpSink : IFlowRecordSink
    {
        public static readonly NoOpSink Instance = new();

        public void OnRecord(in FlowRecord record, in FlowLine line)
        {
        }
    }
}
