using System.Text;
using FlowCorrelator.Ingest;

namespace FlowCorrelator.Tests.Ingest;

/// <summary>The specialised default-v2 parser must give exactly what the general parser gives, for every shape of line.</summary>
public sealed class FlowLineParserTests
{
    private static readonly string[] s_lines =
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

    [Test]
    public void ParseDefaultV2_AnyLine_EqualsGeneralParser()
    {
        FlowField[] columns = [.. FlowLogSchema.DefaultV2.Fields];
        foreach (string text in s_lines)
        {
            byte[] line = Encoding.UTF8.GetBytes(text);
            var fastFields = new Range[FlowLogSchema.MaxColumns];
            var slowFields = new Range[FlowLogSchema.MaxColumns];
            LineOutcome fast = FlowLineParser.ParseDefaultV2(line, fastFields, out int fastCount, out FlowRecord fastRecord, out ProblemReason fastReason, out int fastColumn);
            LineOutcome slow = FlowLineParser.Parse(line, columns, slowFields, out int slowCount, out FlowRecord slowRecord, out ProblemReason slowReason, out int slowColumn);
            Assert.Multiple(() =>
            {
                Assert.That(fast, Is.EqualTo(slow), text);
                Assert.That(fastRecord, Is.EqualTo(slowRecord), text);
                Assert.That(fastReason, Is.EqualTo(slowReason), text);
                Assert.That(fastColumn, Is.EqualTo(slowColumn), text);
                Assert.That(fastCount, Is.EqualTo(slowCount), text);
                Assert.That(fastFields.AsSpan(0, Math.Min(fastCount, fastFields.Length)).ToArray(), Is.EqualTo(slowFields.AsSpan(0, Math.Min(slowCount, slowFields.Length)).ToArray()), text);
            });
        }
    }

    [Test]
    public void ParseDefaultV2_EveryLineLength_SplitsAcrossVectorEdges()
    {
        // Pad the account id so the separators fall on every position relative to the 32-byte blocks.
        FlowField[] columns = [.. FlowLogSchema.DefaultV2.Fields];
        for (int pad = 1; pad <= 70; pad++)
        {
            string text = $"2 {new string('1', Math.Min(pad, 18))} eni-0a{new string('b', pad % 20)} 10.0.0.1 10.0.0.2 443 22 6 1 40 1700000000 1700000060 ACCEPT OK";
            byte[] line = Encoding.UTF8.GetBytes(text);
            var fields = new Range[FlowLogSchema.MaxColumns];
            LineOutcome fast = FlowLineParser.ParseDefaultV2(line, fields, out _, out FlowRecord fastRecord, out _, out _);
            FlowLineParser.Parse(line, columns, new Range[FlowLogSchema.MaxColumns], out _, out FlowRecord slowRecord, out _, out _);
            Assert.That((fast, fastRecord), Is.EqualTo((LineOutcome.Record, slowRecord)), text);
        }
    }
}
