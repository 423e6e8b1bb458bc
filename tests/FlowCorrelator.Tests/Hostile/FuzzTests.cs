using System.Diagnostics;
using System.Text;
using FlowCorrelator.Ingest;
using FlowCorrelator.Tests.Ingest;
using FsCheck;
using FsCheck.Fluent;

namespace FlowCorrelator.Tests.Hostile;

/// <summary>
/// Property-based fuzzing (FsCheck) of the flow-log and CloudTrail readers with mutated valid input, plain and gzip
/// (whole or cut). Each case is built from a seed so a failure message names a reproducible input.
/// </summary>
public sealed class FuzzTests
{
    private const int FlowCases = 2500;
    private const int CloudTrailCases = 1500;
    private static readonly ReaderOptions Options = ReaderOptions.Default with { MaxSamplesPerFile = 100_000, MaxLineLength = 512, MaxJsonDepth = 16, MaxJsonRecordBytes = 4096 };

    /// <summary>
    /// Every line is counted exactly once: <c>Lines == Records + Malformed + Blank + Headers</c>, where NODATA and
    /// SKIPDATA rows are part of <c>Records</c> (<c>NoData + SkipData ≤ Records</c>) and the sink sees exactly
    /// <c>Records</c> rows. A fatal error (damaged gzip, limit) stops reading between lines, so the identity still
    /// holds; only a header that rejects the whole file (Transit Gateway) leaves that one line outside the buckets.
    /// </summary>
    [TestCase(Inflater.Native)]
    [TestCase(Inflater.Managed)]
    public void FlowLogReader_MutatedInput_NeverThrowsAndAccountsForEveryLine(Inflater inflater)
    {
        var reader = new FlowLogReader(TestInflaters.With(Options, inflater));
        int runs = 0;
        var clock = Stopwatch.StartNew();
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(FlowCases).WithQuietOnSuccess(true), Prop.ForAll(Seeds(), seed =>
        {
            runs++;
            (byte[] bytes, string name) = FlowInput(seed);
            var sink = new CountingSink();
            FileReport r = reader.Read(LogInput.FromBytes(name, bytes), sink);
            long outside = r.Lines - (r.Records + r.Malformed + r.Blank + r.Headers);
            bool ok = r.FatalError is null ? outside == 0 : outside is 0 or 1;
            ok &= r.NoData + r.SkipData <= r.Records && sink.Rows == r.Records;
            ok &= r.Samples.Count == r.Malformed + (r.FatalError is null ? 0 : 1);
            if (!ok)
            {
                Assert.Fail($"seed {seed}: lines {r.Lines} records {r.Records} malformed {r.Malformed} blank {r.Blank} headers {r.Headers} nodata {r.NoData} skipdata {r.SkipData} sink {sink.Rows} fatal {r.FatalError}");
            }
        }));
        TestContext.Out.WriteLine($"FlowLogReader fuzz: {runs} executions in {clock.ElapsedMilliseconds} ms");
    }

    /// <summary>
    /// Gzip files damaged in their compressed bytes (flips, cuts, deleted, duplicated and inserted bytes in headers,
    /// deflate data and trailers, members joined with junk): the native inflater gives exactly the managed one's
    /// records, line numbers, counts and problems (on any failure it hands the file to the managed path).
    /// </summary>
    [Test]
    public void FlowLogReader_MutatedGzip_NativeAndManagedAgree()
    {
        Inflater native = TestInflaters.Resolve(Inflater.Native);
        var managedReader = new FlowLogReader(Options with { Inflater = Inflater.Managed });
        var nativeReader = new FlowLogReader(Options with { Inflater = native });
        int runs = 0;
        int fellBack = 0;
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(1500).WithQuietOnSuccess(true), Prop.ForAll(Seeds(), seed =>
        {
            runs++;
            var rnd = new Random(seed);
            byte[] gz = FlowCorrelator.Tests.Ingest.InputDecoderTests.Gzip(FlowText(rnd));
            if (rnd.Next(3) == 0)
            {
                gz = [.. gz, .. FlowCorrelator.Tests.Ingest.InputDecoderTests.Gzip(FlowText(rnd))];
            }

            byte[] bytes = rnd.Next(6) == 0 ? gz : MutateBinary(gz, rnd);
            var expected = new FlowCorrelator.Tests.Ingest.FlowLogReaderTests.ListSink();
            FileReport expectedReport = managedReader.Read(LogInput.FromBytes("m.log.gz", bytes), expected);
            var sink = new FlowCorrelator.Tests.Ingest.FlowLogReaderTests.ListSink();
            FileReport report = nativeReader.Read(LogInput.FromBytes("m.log.gz", bytes), sink);
            fellBack += report.NativeInflaterFellBack ? 1 : 0;
            bool same = sink.Records.SequenceEqual(expected.Records) && sink.LineNumbers.SequenceEqual(expected.LineNumbers) &&
                report.Samples.SequenceEqual(expectedReport.Samples) && Equals(report.FatalError, expectedReport.FatalError) &&
                (report.Lines, report.Records, report.Malformed, report.BytesRead) == (expectedReport.Lines, expectedReport.Records, expectedReport.Malformed, expectedReport.BytesRead);
            if (!same)
            {
                Assert.Fail($"seed {seed}: native read {report.Records} records, fatal {report.FatalError}; managed {expectedReport.Records}, fatal {expectedReport.FatalError}");
            }
        }));
        TestContext.Out.WriteLine($"native/managed agreement fuzz: {runs} executions, {fellBack} handed to the managed inflater");
        if (native == Inflater.Native)
        {
            Assert.That(fellBack, Is.GreaterThan(runs / 4), "most mutated files must reach the fallback");
            Assert.That(fellBack, Is.LessThan(runs), "unmutated files must be read natively");
        }
    }

    /// <summary>
    /// No exception escapes; the callback sees exactly <c>Records</c> events; every problem is counted once
    /// (<c>Samples == Malformed + (fatal ? 1 : 0)</c> with an uncapped sample list); the unmutated input reads clean.
    /// </summary>
    [Test]
    public void CloudTrailReader_MutatedJson_NeverThrowsAndCountsConsistently()
    {
        var reader = new CloudTrailReader(Options);
        int runs = 0;
        var clock = Stopwatch.StartNew();
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(CloudTrailCases).WithQuietOnSuccess(true), Prop.ForAll(Seeds(), seed =>
        {
            runs++;
            (byte[] bytes, string name, int valid, bool mutated) = CloudTrailInput(seed);
            int events = 0;
            FileReport r = reader.Read(LogInput.FromBytes(name, bytes), _ => events++);
            bool ok = events == r.Records && r.Samples.Count == r.Malformed + (r.FatalError is null ? 0 : 1) && r.Records <= valid + 1;
            ok &= mutated || (r.Records == valid && !r.HasProblems);
            if (!ok)
            {
                Assert.Fail($"seed {seed}: events {events} records {r.Records} malformed {r.Malformed} samples {r.Samples.Count} valid {valid} mutated {mutated} fatal {r.FatalError}");
            }
        }));
        TestContext.Out.WriteLine($"CloudTrailReader fuzz: {runs} executions in {clock.ElapsedMilliseconds} ms");
    }

    /// <summary>
    /// AWS Config files: no exception escapes; every problem is counted once; an item makes at most one event and only
    /// a counted item makes one; the unmutated file reads clean with one event per item.
    /// </summary>
    [Test]
    public void ConfigItemReader_MutatedJson_NeverThrowsAndCountsConsistently()
    {
        var reader = new ConfigItemReader(Options);
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(600).WithQuietOnSuccess(true), Prop.ForAll(Seeds(), seed =>
        {
            var rnd = new Random(seed);
            int n = rnd.Next(0, 6);
            string[] items = [.. Enumerable.Range(0, n).Select(i => rnd.Next(3) switch
            {
                0 => TestData.ConfigItems.NicItem($"eni-0{i}", i, $"10.0.0.{i}", rnd.Next(2) == 0 ? null : "i-0a", "sg-0a"),
                1 => TestData.ConfigItems.Group($"sg-0{i}", "web", "vpc-0a", i, TestData.ConfigItems.Tcp(22, 22, "0.0.0.0/0")),
                _ => TestData.ConfigItems.Vpc($"vpc-0{i}", rnd.Next(2) == 0, i),
            })];
            byte[] bytes = Encoding.UTF8.GetBytes(TestData.ConfigItems.File(items));
            bool mutated = rnd.Next(4) > 0;
            if (mutated)
            {
                bytes = Mutate(bytes, rnd);
            }

            (byte[] packed, string name, bool cut) = Pack(bytes, rnd, "c.json");
            int events = 0;
            FileReport r = reader.Read(LogInput.FromBytes(name, packed), _ => events++);
            bool ok = events <= r.Records && r.Samples.Count == r.Malformed + (r.FatalError is null ? 0 : 1) && r.Records <= n + 1;
            ok &= mutated || cut || (events == n && !r.HasProblems);
            if (!ok)
            {
                Assert.Fail($"seed {seed}: events {events} records {r.Records} malformed {r.Malformed} samples {r.Samples.Count} items {n} mutated {mutated} cut {cut} fatal {r.FatalError}");
            }
        }));
    }

    private static Arbitrary<int> Seeds() => Gen.Choose(0, int.MaxValue).ToArbitrary();

    private static (byte[] Bytes, string Name) FlowInput(int seed)
    {
        var rnd = new Random(seed);
        (byte[] packed, string name, _) = Pack(FlowText(rnd), rnd, "f.log");
        return (packed, name);
    }

    /// <summary>A flow-log text of up to 40 lines, some mutated.</summary>
    private static byte[] FlowText(Random rnd)
    {
        var text = new MemoryStream();
        if (rnd.Next(3) > 0)
        {
            Append(text, rnd.Next(4) == 0 ? "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status flow-direction" : "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status");
            text.WriteByte((byte)'\n');
        }

        int lines = rnd.Next(0, 40);
        for (int i = 0; i < lines; i++)
        {
            string status = rnd.Next(10) switch { 0 => "NODATA", 1 => "SKIPDATA", _ => "OK" };
            string line = status == "OK"
                ? $"2 123456789012 eni-{rnd.Next(1 << 20):x} 10.0.{rnd.Next(256)}.{rnd.Next(256)} 2001:db8::{rnd.Next(65536):x} {rnd.Next(65536)} {rnd.Next(65536)} {rnd.Next(256)} {rnd.Next()} {rnd.NextInt64()} 1700000000 1700000060 {(rnd.Next(2) == 0 ? "ACCEPT" : "REJECT")} OK"
                : $"2 123456789012 eni-{rnd.Next(1 << 20):x} - - - - - - - 1700000000 1700000060 - {status}";
            byte[] bytes = Encoding.ASCII.GetBytes(line);
            if (rnd.Next(3) == 0)
            {
                bytes = Mutate(bytes, rnd);
            }

            text.Write(bytes);
            text.Write(rnd.Next(8) == 0 ? "\r\n"u8 : "\n"u8);
        }

        if (rnd.Next(5) == 0)
        {
            text.Write(Mutate(Encoding.ASCII.GetBytes("2 1 eni-1 10.0.0.1 10.0.0.2 1 2 6 1 1 1 2 ACCEPT OK"), rnd)); // no final newline
        }

        return text.ToArray();
    }

    private static (byte[] Bytes, string Name, int Valid, bool Mutated) CloudTrailInput(int seed)
    {
        var rnd = new Random(seed);
        int n = rnd.Next(0, 12);
        var records = new List<string>();
        for (int i = 0; i < n; i++)
        {
            int kind = rnd.Next(3);
            string request = kind switch
            {
                0 => $$$"""{"groupId":"sg-{{{i}}}","ipPermissions":{"items":[{"ipProtocol":"tcp","fromPort":{{{(rnd.Next(2) == 0 ? "22" : "\"443\"")}}},"toPort":443,"ipRanges":{"items":[{"cidrIp":"0.0.0.0/0"}]}}]}}""",
                1 => $$$"""{"networkInterfaceId":"eni-{{{i}}}","groupSet":{"items":[{"groupId":"sg-1"}]}}""",
                _ => "null",
            };
            string name = kind switch { 0 => "AuthorizeSecurityGroupIngress", 1 => "ModifyNetworkInterfaceAttribute", _ => "CreateKeyPair" };
            records.Add($$"""{"eventVersion":"{{(rnd.Next(5) == 0 ? "9.99" : "1.08")}}","userIdentity":{"arn":"arn:aws:iam::1:user/u{{i}}"},"eventTime":"2024-01-01T00:00:{{i:D2}}Z","eventSource":"ec2.amazonaws.com","eventName":"{{name}}","requestParameters":{{request}},"responseElements":null,"eventID":"e-{{seed}}-{{i}}"}""");
        }

        string json = rnd.Next(4) switch
        {
            0 => "[" + string.Join(",", records) + "]",
            1 => string.Join("\n", records) + "\n",
            _ => "{\"Records\":[" + string.Join(",\n", records) + "]}",
        };
        byte[] bytes = Encoding.UTF8.GetBytes(json);
        bool mutated = rnd.Next(5) > 0;
        if (mutated)
        {
            bytes = Mutate(bytes, rnd);
        }

        (byte[] packed, string fileName, bool cut) = Pack(bytes, rnd, "c.json");
        return (packed, fileName, n, mutated || cut);
    }

    /// <summary>Byte flips, cuts, inserted spaces, deleted and duplicated ranges, random bytes, stray braces and quotes.</summary>
    private static byte[] Mutate(byte[] input, Random rnd)
    {
        var b = new List<byte>(input);
        int edits = rnd.Next(1, 5);
        for (int e = 0; e < edits && b.Count > 0; e++)
        {
            int at = rnd.Next(b.Count);
            switch (rnd.Next(9))
            {
                case 0: b[at] ^= (byte)(1 << rnd.Next(8)); break;
                case 1: b.RemoveRange(at, b.Count - at); break;
                case 2: b.Insert(at, (byte)' '); break;
                case 3: b.RemoveRange(at, Math.Min(rnd.Next(1, 20), b.Count - at)); break;
                case 4: b.InsertRange(at, b.GetRange(at, Math.Min(rnd.Next(1, 40), b.Count - at))); break;
                case 5:
                    byte[] junk = new byte[rnd.Next(1, 16)];
                    rnd.NextBytes(junk);
                    b.InsertRange(at, junk);
                    break;
                case 6: b.Insert(at, (byte)"{}[]\",:"[rnd.Next(7)]); break;
                case 7: b.InsertRange(at, Enumerable.Repeat((byte)'[', rnd.Next(10, 40))); break;
                default: b[at] = (byte)rnd.Next(256); break;
            }
        }

        return [.. b];
    }

    /// <summary>One to three damages to compressed bytes: a bit flip, a cut, a deleted or duplicated range, junk bytes.</summary>
    private static byte[] MutateBinary(byte[] input, Random rnd)
    {
        var b = new List<byte>(input);
        int edits = rnd.Next(1, 4);
        for (int e = 0; e < edits && b.Count > 0; e++)
        {
            // Half the damage lands in the first or last 24 bytes: the headers and trailers.
            int at = rnd.Next(2) == 0 ? rnd.Next(b.Count) : rnd.Next(2) == 0 ? rnd.Next(Math.Min(24, b.Count)) : Math.Max(0, b.Count - 1 - rnd.Next(Math.Min(24, b.Count)));
            switch (rnd.Next(6))
            {
                case 0: b[at] ^= (byte)(1 << rnd.Next(8)); break;
                case 1: b.RemoveRange(at, b.Count - at); break;
                case 2: b.RemoveRange(at, Math.Min(rnd.Next(1, 8), b.Count - at)); break;
                case 3: b.InsertRange(at, b.GetRange(at, Math.Min(rnd.Next(1, 16), b.Count - at))); break;
                case 4:
                    byte[] junk = new byte[rnd.Next(1, 8)];
                    rnd.NextBytes(junk);
                    b.InsertRange(at, junk);
                    break;
                default: b[at] = (byte)rnd.Next(256); break;
            }
        }

        return [.. b];
    }

    /// <summary>Plain, gzip, or gzip cut short (names sometimes lie about the encoding).</summary>
    private static (byte[] Bytes, string Name, bool Cut) Pack(byte[] data, Random rnd, string baseName)
    {
        switch (rnd.Next(4))
        {
            case 0:
                return (FlowCorrelator.Tests.Ingest.InputDecoderTests.Gzip(data), baseName + ".gz", false);
            case 1:
                byte[] gz = FlowCorrelator.Tests.Ingest.InputDecoderTests.Gzip(data);
                return gz.Length < 2 ? (data, baseName, false) : (gz[..rnd.Next(1, gz.Length)], baseName, true); // no data, no member
            default:
                return (data, rnd.Next(4) == 0 ? baseName + ".gz" : baseName, false);
        }
    }

    private static void Append(MemoryStream s, string text) => s.Write(Encoding.ASCII.GetBytes(text));

    private sealed class CountingSink : IFlowRecordSink
    {
        public long Rows { get; private set; }

        public void OnRecord(in FlowRecord record, in FlowLine line) => Rows++;
    }
}
