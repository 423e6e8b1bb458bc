using System.Text;
using System.Text.Json;
using FlowCorrelator.Ingest;

namespace FlowCorrelator.Tests.Ingest;

/// <summary>
/// The depth limit told from invalid JSON by the data, not by the exception's wording: each case is read by
/// System.Text.Json with a small limit, and what it throws is classified.
/// </summary>
public sealed class JsonDepthLimitTests
{
    private const int Max = 8;

    private static string Open(int depth) => new('[', depth);

    private static string Close(int depth) => new(']', depth);

    private static IEnumerable<TestCaseData> Cases()
    {
        yield return new TestCaseData(Open(Max + 1) + Close(Max + 1), true).SetName("one level past the limit");
        yield return new TestCaseData(Open(Max + 40) + Close(Max + 40), true).SetName("far past the limit");
        yield return new TestCaseData("{\"a\":" + Open(Max) + Close(Max) + "}", true).SetName("past the limit under a property");
        yield return new TestCaseData(Open(Max + 1) + "x" + Close(Max + 1), true).SetName("past the limit before invalid JSON");
        yield return new TestCaseData(Open(Max + 1), true).SetName("past the limit, then cut off");
        yield return new TestCaseData(Open(Max) + "1 {}" + Close(Max), false).SetName("an object where a comma belongs, at the limit");
        yield return new TestCaseData(Open(Max - 1) + "{\"a\" {}}" + Close(Max - 1), false).SetName("an object where a colon belongs, at the limit");
        yield return new TestCaseData(Open(Max) + "x" + Close(Max), false).SetName("an invalid literal at the limit");
        yield return new TestCaseData(Open(Max), false).SetName("cut off at the limit (the depth-is-not-zero message)");
        yield return new TestCaseData("[1,,]" + Open(Max + 1) + Close(Max + 1), false).SetName("invalid JSON before a too-deep value");
    }

    [TestCaseSource(nameof(Cases))]
    public void WasExceeded_ReaderError_IsTheDepthLimitExactlyWhenNestingBrokeIt(string json, bool tooDeep)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(json);
        JsonException error = ReaderError(bytes, isFinalBlock: true);

        Assert.That(JsonDepthLimit.WasExceeded(bytes, isFinalBlock: true, Max, error), Is.EqualTo(tooDeep), error.Message);
    }

    [TestCaseSource(nameof(Cases))]
    public void WasExceeded_DocumentError_IsTheDepthLimitExactlyWhenNestingBrokeIt(string json, bool tooDeep)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(json);
        JsonException error = Assert.Catch<JsonException>(() => JsonDocument.Parse(bytes, new JsonDocumentOptions { MaxDepth = Max }).Dispose())!;

        Assert.That(JsonDepthLimit.WasExceeded(bytes, isFinalBlock: true, Max, error), Is.EqualTo(tooDeep), error.Message);
    }

    [Test]
    public void WasExceeded_PartialBlock_TooDeepValueIsTheLimit()
    {
        // The CloudTrail cutting reader sees a window that may end mid-value (isFinalBlock false).
        byte[] bytes = Encoding.UTF8.GetBytes(Open(Max + 1) + "1,2");
        JsonException error = ReaderError(bytes, isFinalBlock: false);

        Assert.That(JsonDepthLimit.WasExceeded(bytes, isFinalBlock: false, Max, error), Is.True);
    }

    /// <summary>
    /// What a runtime with other exception texts throws (localised resources, or a trimmed app whose
    /// <c>UseSystemResourceKeys</c> turns messages into resource keys): same position, other words. A decision from the
    /// message ("maximum" and "depth") gets both of these wrong.
    /// </summary>
    [Test]
    public void WasExceeded_MessageSaysOtherwise_DecidesFromTheData()
    {
        byte[] deep = Encoding.UTF8.GetBytes(Open(Max + 1) + Close(Max + 1));
        JsonException depth = ReaderError(deep, isFinalBlock: true);
        var keyOnly = new JsonException("ArrayDepthTooLarge", depth.Path, depth.LineNumber, depth.BytePositionInLine);
        Assert.That(JsonDepthLimit.WasExceeded(deep, isFinalBlock: true, Max, keyOnly), Is.True);

        byte[] invalid = Encoding.UTF8.GetBytes(Open(Max) + "1 {}" + Close(Max));
        JsonException syntax = ReaderError(invalid, isFinalBlock: true);
        var misleading = new JsonException("The maximum configured depth of 8 has been exceeded.", syntax.Path, syntax.LineNumber, syntax.BytePositionInLine);
        Assert.That(JsonDepthLimit.WasExceeded(invalid, isFinalBlock: true, Max, misleading), Is.False);
    }

    /// <summary>
    /// LookupEvents output carries each record as a string (<c>CloudTrailEvent</c>; AWS CLI Command Reference,
    /// <c>aws cloudtrail lookup-events</c>, Output): a string nested too deeply is TooDeep, a broken one InvalidJson,
    /// both with the parser's message after the same prefix, and the next event is still read.
    /// </summary>
    [TestCase(true)]
    [TestCase(false)]
    public void Read_LookupEventsString_DeepIsTooDeepAndBrokenIsInvalid(bool deep)
    {
        string inner = deep
            ? "{\"eventID\":\"x\",\"requestParameters\":" + Open(100) + Close(100) + "}"
            : "{\"eventID\":\"x\",\"requestParameters\":[1 {}]}";
        string good = CloudTrailReaderTests.Rec("e2", "CreateKeyPair", "{}");
        string json = "{\"Events\":[" +
            "{\"EventId\":\"x\",\"EventName\":\"CreateKeyPair\",\"CloudTrailEvent\":" + JsonSerializer.Serialize(inner) + "}," +
            "{\"EventId\":\"e2\",\"EventName\":\"CreateKeyPair\",\"CloudTrailEvent\":" + JsonSerializer.Serialize(good) + "}]}";

        var (events, report) = CloudTrailReaderTests.Read(json, "lookup.json");

        Assert.That(events.Select(e => e.EventId), Is.EqualTo(new[] { "e2" }));
        InputProblem problem = report.Samples.Single();
        Assert.That(problem.Reason, Is.EqualTo(deep ? ProblemReason.TooDeep : ProblemReason.InvalidJson));
        Assert.That(problem.Message, Does.StartWith("CloudTrailEvent string: "));
    }

    [TestCase(true)]
    [TestCase(false)]
    public void Read_Snapshot_DeepIsTooDeepAndBrokenIsInvalid(bool deep)
    {
        string json = "{\"SecurityGroups\":[{\"GroupId\":\"sg-1\",\"X\":" + (deep ? Open(200) + Close(200) : "[1 {}]") + "}]}";
        FileReport report = new SnapshotReader().Read(LogInput.FromBytes("d.json", Encoding.UTF8.GetBytes(json)), DateTimeOffset.UnixEpoch, _ => { });

        Assert.That(report.FatalError!.Reason, Is.EqualTo(deep ? ProblemReason.TooDeep : ProblemReason.InvalidJson));
    }

    [Test]
    public void Read_SnapshotWithByteOrderMark_IsRead()
    {
        // JsonDocument.Parse(Stream) skipped a UTF-8 byte order mark; the reader buffers the file itself and must too.
        byte[] json = [0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes("{\"Vpcs\":[{\"VpcId\":\"vpc-1\",\"IsDefault\":true}]}")];
        var events = new List<CloudTrailEvent>();
        FileReport report = new SnapshotReader().Read(LogInput.FromBytes("bom.json", json), DateTimeOffset.UnixEpoch, events.Add);

        Assert.That(report.HasProblems, Is.False);
        Assert.That(report.Records, Is.EqualTo(1));
        Assert.That(events.Single().Change, Is.InstanceOf<BaselineSnapshot>());
    }

    private static JsonException ReaderError(byte[] bytes, bool isFinalBlock)
    {
        try
        {
            var reader = new Utf8JsonReader(bytes, isFinalBlock, new JsonReaderState(new JsonReaderOptions { MaxDepth = Max }));
            while (reader.Read())
            {
            }
        }
        catch (JsonException ex)
        {
            return ex;
        }

        throw new AssertionException("the reader accepted the input");
    }
}
