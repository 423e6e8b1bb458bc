using System.IO.Compression;
using System.Text;
using FlowCorrelator.Ingest;

namespace FlowCorrelator.Tests.Ingest;

public sealed class FlowLogReaderTests
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
        Assert.That(records, Has.Count.EqualTo(2));
        Assert.That(records[0].SrcAddr, Is.EqualTo(IpAddr.Parse("172.31.16.139")));
        Assert.That(records[0].DstPort, Is.EqualTo(22));
        Assert.That(records[0].InterfaceId.ToString(), Is.EqualTo("eni-1235b8ca123456789"));
        Assert.That(records[1].Action, Is.EqualTo(FlowAction.Reject));
        Assert.That(records[1].Bytes, Is.EqualTo(4249));
        Assert.That(records[1].Start, Is.EqualTo(1418530010));
    }

    internal static (List<FlowRecord> Records, FileReport Report) ReadAll(byte[] bytes, string name, ReaderOptions? options = null)
    {
        var sink = new ListSink();
        FileReport report = new FlowLogReader(options).Read(LogInput.FromBytes(name, bytes), sink);
        return (sink.Records, report);
    }

    internal static byte[] Gzip(string text)
    {
        using var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.Fastest, leaveOpen: true))
        {
            gz.Write(Encoding.UTF8.GetBytes(text));
        }

        return ms.ToArray();
    }

    internal sealed class ListSink : IFlowRecordSink
    {
        public List<FlowRecord> Records { get; } = [];

        public void OnRecord(in FlowRecord record, in FlowLine line) => Records.Add(record);
    }
}
