using System.Text;
using FlowCorrelator.Ingest;

namespace FlowCorrelator.Tests.Ingest;

/// <summary>The one problem sink every reader reports into, and the one parallel-read helper they share.</summary>
public sealed class ProblemSinkTests
{
    [Test]
    public void Add_Lenient_CountsAndSamplesWithThePosition()
    {
        var report = new FileReport("a.log", LogFileKind.FlowLog, maxSamples: 1);
        var sink = new ProblemSink(report, strict: false);

        sink.Add(3, 90, ProblemReason.InvalidNumber, "invalid bytes 'x'", "2 x\x01"u8);
        sink.Add(4, 95, ProblemReason.FieldCount, "second", (string?)null);

        Assert.That(report.Malformed, Is.EqualTo(2));
        Assert.That(report.FatalError, Is.Null);
        Assert.That(report.Samples, Is.EqualTo(new[] { new InputProblem("a.log", 3, 90, ProblemReason.InvalidNumber, "invalid bytes 'x'", "2 x\\x01") }));
    }

    [Test]
    public void Add_Strict_ThrowsTheProblemItSampled()
    {
        var report = new FileReport("a.log", LogFileKind.FlowLog, maxSamples: 10);
        var sink = new ProblemSink(report, ReaderOptions.Default with { Strict = true });

        var ex = Assert.Throws<LogFormatException>(() => sink.Add(7, 120, ProblemReason.OutOfRange, "port", "70000"u8));

        Assert.That(ex!.Problem, Is.EqualTo(report.Samples.Single()));
        Assert.That((ex.FilePath, ex.LineNumber, ex.ByteOffset), Is.EqualTo(("a.log", 7L, 120L)));
        Assert.That(ex.Message, Is.EqualTo("a.log:7 (byte 120): OutOfRange: port"));
    }

    [TestCase(false)]
    [TestCase(true)]
    public void Fail_KeepsTheFatalErrorAndThrowsOnlyWhenStrict(bool strict)
    {
        var report = new FileReport("t.json.gz", LogFileKind.CloudTrail, maxSamples: 10);
        var sink = new ProblemSink(report, strict);

        TestDelegate fail = () => sink.Fail(512, ProblemReason.CorruptCompression, "bad block");
        if (strict)
        {
            Assert.That(Assert.Throws<LogFormatException>(fail)!.Problem, Is.SameAs(report.FatalError));
        }
        else
        {
            Assert.That(fail, Throws.Nothing);
        }

        Assert.That(report.FatalError, Is.EqualTo(new InputProblem("t.json.gz", 0, 512, ProblemReason.CorruptCompression, "bad block", null)));
        Assert.That(report.Malformed, Is.Zero, "a fatal error ends the file; it is not a malformed record");
    }

    [Test]
    public void SnapshotReader_Strict_ThrowsOnTheFirstItemProblem()
    {
        byte[] json = Encoding.UTF8.GetBytes("{\"Vpcs\":[{\"IsDefault\":true},{\"VpcId\":\"vpc-1\"}]}");
        var lenient = new SnapshotReader().Read(LogInput.FromBytes("s.json", json), DateTimeOffset.UnixEpoch, _ => { });

        var ex = Assert.Throws<LogFormatException>(() =>
            new SnapshotReader(ReaderOptions.Default with { Strict = true }).Read(LogInput.FromBytes("s.json", json), DateTimeOffset.UnixEpoch, _ => { }));

        Assert.That(ex!.Problem, Is.EqualTo(lenient.Samples.Single()));
        Assert.That(ex.Problem.Message, Is.EqualTo("a VPC without VpcId"));
    }

    [Test]
    public void CloudTrailReadAll_Strict_ThrowsTheProblemUnwrapped()
    {
        string good = CloudTrailReaderTests.Records(CloudTrailReaderTests.Rec("e1", "CreateKeyPair", "{}"));
        LogInput[] inputs =
        [
            LogInput.FromBytes("a.json", Encoding.UTF8.GetBytes(good)),
            LogInput.FromBytes("b.json", Encoding.UTF8.GetBytes(CloudTrailReaderTests.Records("{\"eventID\":1,,}"))),
            LogInput.FromBytes("c.json", Encoding.UTF8.GetBytes(good)),
        ];
        var reader = new CloudTrailReader(ReaderOptions.Default with { Strict = true, MaxParallelism = 2 });

        var ex = Assert.Throws<LogFormatException>(() => reader.ReadAll(inputs, new IngestDiagnostics()));

        Assert.That(ex!.FilePath, Is.EqualTo("b.json"));
        Assert.That(ex.Problem.Reason, Is.EqualTo(ProblemReason.InvalidJson));
    }

    [Test]
    public void ParallelRead_OneThread_ReadsBiggestFirstTiesByName()
    {
        LogInput[] inputs = [Input("small", 1), Input("b-big", 50), Input("none", null), Input("a-big", 50), Input("mid", 20)];
        var order = new List<string>();

        ParallelRead.ForEach(inputs, maxParallelism: 1, i => order.Add(inputs[i].Name), CancellationToken.None);

        Assert.That(order, Is.EqualTo(new[] { "a-big", "b-big", "mid", "small", "none" }));
    }

    [Test]
    public void ParallelRead_ThreadStateIsThreadedAndHandedBack()
    {
        LogInput[] inputs = [.. Enumerable.Range(0, 20).Select(i => Input("f" + i, i))];
        int total = 0;

        ParallelRead.ForEach(
            inputs,
            maxParallelism: 3,
            () => new List<int>(),
            (i, seen) =>
            {
                seen.Add(i);
                return seen;
            },
            seen => Interlocked.Add(ref total, seen.Count),
            CancellationToken.None);

        Assert.That(total, Is.EqualTo(20));
    }

    [Test]
    public void ParallelRead_LogFormatException_ComesOutUnwrapped_OtherFailuresStayWrapped()
    {
        LogInput[] inputs = [Input("a", 2), Input("b", 1)];
        var problem = new InputProblem("b", 1, 0, ProblemReason.FieldCount, "m", null);

        var strict = Assert.Throws<LogFormatException>(() => ParallelRead.ForEach(inputs, 2, i => { if (i == 1) { throw new LogFormatException(problem); } }, CancellationToken.None));
        Assert.That(strict!.Problem, Is.SameAs(problem));

        var bug = Assert.Throws<AggregateException>(() => ParallelRead.ForEach(inputs, 2, i => { if (i == 0) { throw new InvalidOperationException("bug"); } }, CancellationToken.None));
        Assert.That(bug!.InnerExceptions.Single(), Is.TypeOf<InvalidOperationException>());
    }

    private static LogInput Input(string name, long? length) => new(name, _ => Stream.Null, length);
}
