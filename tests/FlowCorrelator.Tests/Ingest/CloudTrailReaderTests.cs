using System.Text;
using FlowCorrelator.Index;
using FlowCorrelator.Ingest;

namespace FlowCorrelator.Tests.Ingest;

/// <summary>Containers, robustness and de-duplication. Event shapes are in CloudTrailReaderTests.Shapes.cs.</summary>
public sealed partial class CloudTrailReaderTests
{
    private const string Sg = "sg-0aaa";

    [Test]
    public void Read_RecordsObjectGzip_YieldsEveryRecord()
    {
        string json = Records(Rec("e1", "DeleteNetworkInterface", """{"networkInterfaceId":"eni-1"}"""), Rec("e2", "CreateKeyPair", "{}"));
        var (events, report) = Read(Gzip(json), "a.json.gz");

        Assert.That(report.Kind, Is.EqualTo(LogFileKind.CloudTrail));
        Assert.That(report.Records, Is.EqualTo(2));
        Assert.That(report.Malformed, Is.Zero);
        Assert.That(report.FatalError, Is.Null);
        Assert.That(events[0].Change, Is.EqualTo(new NetworkInterfaceDeleted("eni-1")));
        Assert.That(events[1].Change, Is.Null);
        Assert.That(events[0].ActorArn, Is.EqualTo("arn:aws:iam::111122223333:user/alice"));
        Assert.That(events[0].AccountId, Is.EqualTo("111122223333"));
        Assert.That(events[0].SourceFile, Is.EqualTo("a.json.gz"));
    }

    [Test]
    public void Read_BareArray_YieldsEveryRecord()
    {
        var (events, report) = Read("[" + Rec("e1", "CreateKeyPair", "{}") + ",\n " + Rec("e2", "CreateKeyPair", "{}") + "]");
        Assert.That(events.Select(e => e.EventId), Is.EqualTo(new[] { "e1", "e2" }));
        Assert.That(report.Malformed, Is.Zero);
    }

    [Test]
    public void Read_JsonLines_YieldsEveryRecordAndResyncsAtTheNextLine()
    {
        string text = Rec("e1", "CreateKeyPair", "{}") + "\n{\"eventID\": broken\n" + Rec("e2", "CreateKeyPair", "{}") + "\r\n\n";
        var (events, report) = Read(text);

        Assert.That(events.Select(e => e.EventId), Is.EqualTo(new[] { "e1", "e2" }));
        Assert.That(report.Malformed, Is.EqualTo(1));
        Assert.That(report.Samples[0].Reason, Is.EqualTo(ProblemReason.InvalidJson));
    }

    [Test]
    public void Read_LookupEvents_ParsesTheEmbeddedRecordString()
    {
        string record = Rec("e1", "DetachNetworkInterface", """{"attachmentId":"eni-attach-1","force":false}""");
        string json = $$"""{"Events":[{"EventId":"e1","EventName":"DetachNetworkInterface","ReadOnly":"false","CloudTrailEvent":{{System.Text.Json.JsonSerializer.Serialize(record)}}}],"NextToken":"abc"}""";
        var (events, report) = Read(json);

        Assert.That(report.Malformed, Is.Zero);
        Assert.That(events, Has.Count.EqualTo(1));
        Assert.That(events[0].Change, Is.EqualTo(new NetworkInterfaceDetached("eni-attach-1")));
    }

    [Test]
    public void Read_EventBridgeEnvelope_ReadsTheRecordUnderDetail()
    {
        string json = $$"""{"version":"0","id":"x","detail-type":"AWS API Call via CloudTrail","source":"aws.ec2","account":"111122223333","time":"2024-01-01T00:00:00Z","region":"us-east-1","resources":[],"detail":{{Rec("e1", "DeleteSecurityGroup", """{"groupId":"sg-1"}""")}}}""";
        var (events, report) = Read(json);

        Assert.That(report.Malformed, Is.Zero);
        Assert.That(events.Single().Change, Is.EqualTo(new SecurityGroupDeleted("sg-1", null)));
    }

    [Test]
    public void Read_DigestFile_IsRecognisedAndSkipped()
    {
        string json = """{"awsAccountId":"111122223333","digestStartTime":"2024-01-01T00:00:00Z","digestEndTime":"2024-01-01T01:00:00Z","digestS3Bucket":"b","logFiles":[{"s3Bucket":"b","s3Object":"o","hashValue":"00"}]}""";
        var (events, report) = Read(Gzip(json), "x.json.gz");

        Assert.That(report.Kind, Is.EqualTo(LogFileKind.CloudTrailDigest));
        Assert.That(events, Is.Empty);
        Assert.That(report.HasProblems, Is.False);
    }

    [Test]
    public void Read_EmptyFile_NoRecordsNoError()
    {
        var (events, report) = Read(string.Empty);
        Assert.That(events, Is.Empty);
        Assert.That(report.HasProblems, Is.False);

        (events, report) = Read(Gzip(" \n"), "e.json.gz");
        Assert.That(events, Is.Empty);
        Assert.That(report.HasProblems, Is.False);
    }

    [Test]
    public void Read_TruncatedGzip_FailsWithCorruptCompressionAndKeepsEarlierRecords()
    {
        var records = Enumerable.Range(0, 400).Select(i => Rec($"e{i:D4}", "CreateKeyPair", "{\"keyName\":\"" + new string((char)('a' + (i % 26)), 300) + i + "\"}"));
        byte[] gz = Gzip(Records([.. records]));
        byte[] truncated = gz[..(gz.Length * 2 / 3)];
        var (events, report) = Read(truncated, "t.json.gz");

        Assert.That(report.FatalError, Is.Not.Null);
        Assert.That(report.FatalError!.Reason, Is.EqualTo(ProblemReason.CorruptCompression));
        Assert.That(events, Is.Not.Empty);
        Assert.That(events[0].EventId, Is.EqualTo("e0000"));
    }

    [Test]
    public void Read_InvalidJsonMidRecords_ReportsOffsetAndKeepsRecordsAfterIt()
    {
        string bad = """{"eventVersion":"1.08","eventID":"bad","eventTime":"2024-01-01T00:00:00Z",,"eventName":"X"}""";
        string json = Records(Rec("e1", "CreateKeyPair", "{}"), bad, Rec("e3", "CreateKeyPair", "{}"), Rec("e4", "CreateKeyPair", "{}"));
        var (events, report) = Read(json);

        Assert.That(events.Select(e => e.EventId), Is.EqualTo(new[] { "e1", "e3", "e4" }));
        Assert.That(report.Malformed, Is.EqualTo(1));
        InputProblem problem = report.Samples.Single();
        Assert.That(problem.Reason, Is.EqualTo(ProblemReason.InvalidJson));
        Assert.That(problem.ByteOffset, Is.EqualTo(Encoding.UTF8.GetBytes(json).AsSpan().IndexOf("{\"eventVersion\":\"1.08\",\"eventID\":\"bad\""u8)));
    }

    [Test]
    public void Read_InvalidJsonBeforeAShortLastRecord_ResyncsToIt()
    {
        string json = "{\"Records\":[{\"eventID\":x}, {\"eventID\":\"z\",\"eventVersion\":\"1.08\",\"eventTime\":\"2024-01-01T00:00:00Z\",\"eventName\":\"A\"}]}";
        var (events, report) = Read(json);
        Assert.That(events.Select(e => e.EventId), Is.EqualTo(new[] { "z" }));
        Assert.That(report.Malformed, Is.EqualTo(1));
    }

    [Test]
    public void Read_TruncatedPlainRecords_KeepsCompleteRecordsAndReportsTheEnd()
    {
        string json = Records(Rec("e1", "CreateKeyPair", "{}"), Rec("e2", "CreateKeyPair", "{}"));
        var (events, report) = Read(json[..^40]);

        Assert.That(events.Select(e => e.EventId), Is.EqualTo(new[] { "e1" }));
        Assert.That(report.Malformed, Is.EqualTo(1));
        Assert.That(report.Samples[0].Reason, Is.EqualTo(ProblemReason.InvalidJson));
    }

    [Test]
    public void Read_MissingRequiredFields_AreInvalidRecords()
    {
        string noId = """{"eventVersion":"1.08","eventTime":"2024-01-01T00:00:00Z","eventName":"CreateKeyPair"}""";
        string noTime = """{"eventVersion":"1.08","eventID":"x","eventName":"CreateKeyPair"}""";
        string noName = """{"eventVersion":"1.08","eventID":"y","eventTime":"2024-01-01T00:00:00Z"}""";
        var (events, report) = Read(Records(noId, noTime, noName, Rec("ok", "CreateKeyPair", "{}")));

        Assert.That(events.Select(e => e.EventId), Is.EqualTo(new[] { "ok" }));
        Assert.That(report.Records, Is.EqualTo(1));
        Assert.That(report.Malformed, Is.EqualTo(3));
        Assert.That(report.Samples.Select(s => s.Reason), Is.All.EqualTo(ProblemReason.InvalidRecord));
    }

    [Test]
    public void Read_InsightsEvent_IsReadWithEmptyNameNotMalformed()
    {
        string insight = """{"eventVersion":"1.07","eventTime":"2019-11-14T00:51:00Z","awsRegion":"us-east-1","eventID":"i1","eventType":"AwsCloudTrailInsight","recipientAccountId":"123456789012","insightDetails":{"state":"Start"}}""";
        var (events, report) = Read(Records(insight));

        Assert.That(report.Malformed, Is.Zero);
        Assert.That(events.Single().EventName, Is.Empty);
        Assert.That(events.Single().Change, Is.Null);
    }

    [Test]
    public void Read_Version10RecordWithoutEventId_GetsAStableContentId()
    {
        string old = """{"eventVersion":"1.0","eventTime":"2014-03-06T21:22:54Z","eventSource":"ec2.amazonaws.com","eventName":"StartInstances","requestParameters":{"instancesSet":{"items":[{"instanceId":"i-1"}]}},"responseElements":{"instancesSet":{"items":[{"instanceId":"i-1","currentState":{"code":0,"name":"pending"}}]}}}""";
        var (events, report) = Read(Records(old, old));

        Assert.That(report.Malformed, Is.Zero);
        Assert.That(events[0].EventId, Does.StartWith("sha256:"));
        Assert.That(events[1].EventId, Is.EqualTo(events[0].EventId));
    }

    [TestCase("2024-12-16 18:41:07.000000000", "2024-12-16T18:41:07Z")]
    [TestCase("2024-01-01T00:00:00Z", "2024-01-01T00:00:00Z")]
    [TestCase("2021-01-24 04:55:45.000", "2021-01-24T04:55:45Z")]
    [TestCase("2022-10-20 14:16:43", "2022-10-20T14:16:43Z")]
    [TestCase("2024-01-01T00:00:00.5Z", "2024-01-01T00:00:00.5Z")]
    [TestCase("2024-01-01T02:00:00+02:00", "2024-01-01T00:00:00Z")]
    public void Read_EventTimeFormats_AreUtc(string text, string expected)
    {
        string rec = Rec("e1", "CreateKeyPair", "{}").Replace("2024-01-01T00:00:00Z", text, StringComparison.Ordinal);
        var (events, _) = Read(Records(rec));
        Assert.That(events.Single().Time, Is.EqualTo(DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture)));
        Assert.That(events.Single().Time.Offset, Is.EqualTo(TimeSpan.Zero));
    }

    [Test]
    public void Read_TooDeepRecord_IsReportedAndTheFileContinues()
    {
        string deep = Rec("deep", "CreateKeyPair", new string('[', 100) + new string(']', 100));
        var (events, report) = Read(Records(Rec("e1", "CreateKeyPair", "{}"), deep, Rec("e3", "CreateKeyPair", "{}")));

        Assert.That(events.Select(e => e.EventId), Is.EqualTo(new[] { "e1", "e3" }));
        Assert.That(report.Samples.Single().Reason, Is.EqualTo(ProblemReason.TooDeep));
    }

    [Test]
    public void Read_HostileNesting_IsReportedAndTheFileContinues()
    {
        string deep = "{\"eventID\":\"d\",\"x\":" + new string('[', 100_000) + new string(']', 100_000) + "}";
        var (events, report) = Read(Records(Rec("e1", "CreateKeyPair", "{}"), deep, Rec("e3", "CreateKeyPair", "{}")));

        Assert.That(events.Select(e => e.EventId), Is.EqualTo(new[] { "e1", "e3" }));
        Assert.That(report.Samples.Single().Reason, Is.EqualTo(ProblemReason.TooDeep));
    }

    [Test]
    public void Read_HugeStringUnderTheLimit_IsRead()
    {
        string big = Rec("big", "CreateKeyPair", "{}").Replace("\"userAgent\":\"aws-cli\"", "\"userAgent\":\"" + new string('x', 3 << 20) + "\"", StringComparison.Ordinal);
        var (events, report) = Read(Records(big, Rec("e2", "CreateKeyPair", "{}")));

        Assert.That(report.Malformed, Is.Zero);
        Assert.That(events[0].UserAgent, Has.Length.EqualTo(3 << 20));
        Assert.That(events[1].EventId, Is.EqualTo("e2"));
    }

    [Test]
    public void Read_RecordOverTheSizeLimit_IsSkippedAndTheFileContinues()
    {
        var options = ReaderOptions.Default with { MaxJsonRecordBytes = 64 << 10 };
        string big = Rec("big", "CreateKeyPair", "{}").Replace("\"userAgent\":\"aws-cli\"", "\"userAgent\":\"" + new string('x', 1 << 20) + "\"", StringComparison.Ordinal);
        var (events, report) = Read(Records(Rec("e1", "CreateKeyPair", "{}"), big, Rec("e3", "CreateKeyPair", "{}")), options: options);

        Assert.That(events.Select(e => e.EventId), Is.EqualTo(new[] { "e1", "e3" }));
        Assert.That(report.Malformed, Is.EqualTo(1));
        Assert.That(report.Samples[0].Message, Does.Contain("larger than"));
    }

    [Test]
    public void Read_WrongTypes_AreTolerated()
    {
        string rec = Rec("e1", "AuthorizeSecurityGroupIngress", """{"groupId":"sg-1","ipPermissions":{"items":[{"ipProtocol":"tcp","fromPort":"443","toPort":"443","ipRanges":{"items":[{"cidrIp":"10.0.0.0/8"}]}}]}}""", """{"_return":"true"}""")
            .Replace("\"readOnly\":false", "\"readOnly\":\"false\"", StringComparison.Ordinal);
        var (events, report) = Read(Records(rec));

        Assert.That(report.Malformed, Is.Zero);
        var change = (RulesAuthorized)events.Single().Change!;
        Assert.That(change.Rules.Single().FromPort, Is.EqualTo(443));
    }

    [Test]
    public void Read_Strict_ThrowsOnTheFirstProblem()
    {
        string json = Records(Rec("e1", "CreateKeyPair", "{}"), "{\"eventID\":1,,}");
        Assert.That(() => Read(json, options: ReaderOptions.Default with { Strict = true }), Throws.TypeOf<LogFormatException>());
    }

    [Test]
    public void Read_GarbageBytes_NeverThrow()
    {
        var random = new Random(7);
        for (int i = 0; i < 200; i++)
        {
            byte[] bytes = Encoding.UTF8.GetBytes(Records(Rec("e1", "RunInstances", RunRequest, RunResponse)));
            for (int k = 0; k < 5; k++)
            {
                bytes[random.Next(bytes.Length)] = (byte)random.Next(256);
            }

            Assert.DoesNotThrow(() => Read(bytes[..random.Next(bytes.Length)], "g.json"));
        }
    }

    [Test]
    public void ReadAll_DuplicatesAcrossFilesAndOutOfOrder_AreReturnedInFileOrderAndTheIndexDedupesAndSorts()
    {
        string late = Records(
            Rec("b", "CreateKeyPair", "{}", time: "2024-01-01T00:00:02Z"),
            Rec("a", "CreateKeyPair", "{}", time: "2024-01-01T00:00:02Z"));
        string early = Records(
            Rec("c", "CreateKeyPair", "{}", time: "2024-01-01T00:00:01Z"),
            Rec("a", "CreateKeyPair", "{}", time: "2024-01-01T00:00:02Z"),
            Rec("f", "CreateKeyPair", "{}", time: "2024-01-01T00:00:00Z", error: "Client.DryRunOperation"));
        var diagnostics = new IngestDiagnostics();
        CloudTrailReadResult result = new CloudTrailReader(ReaderOptions.Default with { MaxParallelism = 2 }).ReadAll(
            [LogInput.FromBytes("2.json", Encoding.UTF8.GetBytes(late)), LogInput.FromBytes("1.json.gz", Gzip(early))], diagnostics);

        // The reader keeps every record, files by name, each file's records as the file holds them.
        Assert.That(result.Select(e => (e.EventId, e.SourceFile)), Is.EqualTo(new[]
        {
            ("c", "1.json.gz"), ("a", "1.json.gz"), ("f", "1.json.gz"), ("b", "2.json"), ("a", "2.json"),
        }));

        // De-duplication and order are the index's (EventOrder): the same events, each once, as before.
        OrderedEvents ordered = EventOrder.Arrange(result);
        Assert.That(ordered.Events.Select(e => e.EventId), Is.EqualTo(new[] { "f", "c", "a", "b" }));
        Assert.That(ordered.Duplicates, Is.EqualTo(1));
        Assert.That(ordered.Events[2].SourceFile, Is.EqualTo("1.json.gz"));
        IndexStatistics stats = EnvironmentIndex.Build(result).Statistics;
        Assert.That(stats.Duplicates, Is.EqualTo(1));
        Assert.That(stats.EventsRead, Is.EqualTo(5));
        Assert.That(stats.Failed, Is.EqualTo(1));
        Assert.That(stats.Ignored, Is.EqualTo(3));
        Assert.That(diagnostics.Files, Has.Count.EqualTo(2));
        Assert.That(diagnostics.Sum(LogFileKind.CloudTrail, f => f.Records), Is.EqualTo(5));
    }

    [Test]
    public void ReadAll_RealData_HasNoMalformedRecords()
    {
        string? root = FindRealData();
        if (root is null)
        {
            Assert.Ignore("shared/realdata not found above the test directory; the real samples are not checked out here.");
            return;
        }

        string[] files = [.. Directory.GetFiles(Path.Combine(root, "panther-analysis"), "*.tests.json"), .. Directory.GetFiles(Path.Combine(root, "awsdocs-examples", "cloudtrail"), "*.json")];
        Assert.That(files, Is.Not.Empty);
        var diagnostics = new IngestDiagnostics();
        CloudTrailReadResult result = new CloudTrailReader().ReadAll(files.Select(LogInput.FromFile), diagnostics);

        Assert.That(diagnostics.Files.SelectMany(f => f.Samples).Select(s => s.ToString()), Is.Empty);
        Assert.That(diagnostics.Files.Sum(f => f.Malformed), Is.Zero);
        Assert.That(diagnostics.Files.Sum(f => f.Records), Is.EqualTo(27));
        Assert.That(result.Events.Count(e => e.Change is InstancesLaunched), Is.GreaterThanOrEqualTo(4));
        Assert.That(result.Events.Count(e => e.Change is RulesAuthorized), Is.GreaterThanOrEqualTo(3));
        Assert.That(result.Events.Where(e => e.ErrorCode == "Client.DryRunOperation").Select(e => e.Change), Is.All.Null);
    }

    private static string? FindRealData()
    {
        for (var dir = new DirectoryInfo(TestContext.CurrentContext.TestDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "shared", "realdata");
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    internal static string Rec(string id, string name, string request, string response = "null", string time = "2024-01-01T00:00:00Z", string? error = null) =>
        $$"""{"eventVersion":"1.08","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::111122223333:user/alice","accountId":"111122223333"},"eventTime":"{{time}}","eventSource":"ec2.amazonaws.com","eventName":"{{name}}","awsRegion":"us-east-1","sourceIPAddress":"203.0.113.5","userAgent":"aws-cli",{{(error is null ? "" : $"\"errorCode\":\"{error}\",\"errorMessage\":\"no\",")}}"requestParameters":{{request}},"responseElements":{{response}},"requestID":"r","eventID":"{{id}}","readOnly":false,"eventType":"AwsApiCall","recipientAccountId":"111122223333"}""";

    internal static string Records(params string[] records) => "{\"Records\":[" + string.Join(",", records) + "]}";

    internal static (List<CloudTrailEvent> Events, FileReport Report) Read(string text, string name = "t.json", ReaderOptions? options = null) =>
        Read(Encoding.UTF8.GetBytes(text), name, options);

    internal static (List<CloudTrailEvent> Events, FileReport Report) Read(byte[] bytes, string name, ReaderOptions? options = null)
    {
        var events = new List<CloudTrailEvent>();
        FileReport report = new CloudTrailReader(options).Read(LogInput.FromBytes(name, bytes), events.Add);
        return (events, report);
    }

    internal static byte[] Gzip(string text) => FlowLogReaderTests.Gzip(text);
}
