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

    /// <summary>
    /// Both IPv4 field readers (the x86 shuffle, and the octet loads other CPUs such as ARM take) against
    /// <see cref="IpAddr.TryParseV4"/>, on dotted strings with every octet length, leading zeros, values above 255 and
    /// characters next to the digit range, placed after 8 bytes of other text and followed by more.
    /// </summary>
    [TestCase(true)]
    [TestCase(false)]
    public void TryV4InBuffer_EitherPath_AgreesWithTheGeneralIpv4Reader(bool shuffle)
    {
        string[] octets = ["0", "00", "01", "1", "9", "10", "99", "100", "199", "200", "249", "250", "255", "256", "300", "999", "1000", "", "/", ":", "1/", "9:"];
        var random = new Random(shuffle ? 21 : 22);
        int accepted = 0;
        for (int i = 0; i < 20_000; i++)
        {
            int count = random.Next(100) < 80 ? 4 : random.Next(2, 7);
            string text = string.Join('.', Enumerable.Range(0, count).Select(_ => random.Next(3) == 0 ? octets[random.Next(octets.Length)] : random.Next(256).ToString(System.Globalization.CultureInfo.InvariantCulture)));
            byte[] buffer = Encoding.ASCII.GetBytes("2 111 eni " + text + " 10.0.0.1 443 22 6 1 40 1700000000");
            bool general = IpAddr.TryParseV4(Encoding.ASCII.GetBytes(text), out uint expected);
            bool fast = FlowLineParser.TryV4InBuffer(buffer, 10, 10 + text.Length, shuffle, out uint actual);
            Assert.That(fast, Is.EqualTo(general), text);
            if (fast)
            {
                accepted++;
                Assert.That(actual, Is.EqualTo(expected), text);
            }
        }

        Assert.That(accepted, Is.GreaterThan(5_000), "most generated addresses must be valid");
    }

    /// <summary>Both readers of numbers of 9–16 digits (one vector on x86, two 8-digit loads elsewhere), and the 1–8 digit one.</summary>
    [TestCase(true)]
    [TestCase(false)]
    public void SwarDigits_EitherPath_AgreesWithLongParse(bool vector)
    {
        var random = new Random(vector ? 31 : 32);
        for (int i = 0; i < 20_000; i++)
        {
            char[] digits = [.. Enumerable.Range(0, random.Next(1, 19)).Select(_ => (char)('0' + random.Next(10)))];
            if (random.Next(4) == 0)
            {
                digits[random.Next(digits.Length)] = "/:a -"[random.Next(5)];
            }

            string text = new(digits);
            byte[] buffer = Encoding.ASCII.GetBytes("2 111 eni " + text + " 443 22");
            bool general = text.All(char.IsAsciiDigit);
            bool fast = FlowLineParser.SwarDigits(buffer, 10, 10 + text.Length, vector, out ulong actual);
            Assert.That(fast, Is.EqualTo(general), text);
            if (fast)
            {
                Assert.That(actual, Is.EqualTo(ulong.Parse(text, System.Globalization.CultureInfo.InvariantCulture)), text);
            }
        }
    }
}
