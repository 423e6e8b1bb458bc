using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using FlowCorrelator.Aws;
using FlowCorrelator.Cli;
using FlowCorrelator.Ingest;

namespace FlowCorrelator.Tests.S3;

/// <summary>Reads, prunes, resumes and fails against a real S3-compatible server (see <see cref="S3Server"/>).</summary>
public sealed class S3LogSourceTests
{
    private const string Bucket = "logs";
    private const string BigBucket = "big";
    private IReadOnlyDictionary<string, byte[]> _files = null!;
    private string _local = null!;

    [OneTimeSetUp]
    public async Task Upload()
    {
        _files = S3TestData.Build();
        _local = Directory.CreateTempSubdirectory("fc-s3-local-").FullName;
        S3TestData.WriteLocal(_local, _files);
        await S3Server.CreateBucketAsync(Bucket);
        foreach ((string key, byte[] bytes) in _files)
        {
            await S3Server.PutAsync(Bucket, key, bytes);
        }

        await S3Server.CreateBucketAsync(BigBucket);
    }

    [OneTimeTearDown]
    public void Cleanup() => Directory.Delete(_local, recursive: true);

    internal static async Task<(int Code, string Out, string Err)> Cli(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        int code = await CliApp.RunAsync(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    internal static string[] Remote(params string[] args) => [.. args, "--endpoint-url", S3Server.Endpoint, "--profile", "s3rver"];

    private static List<string> Records(string json)
    {
        using JsonDocument doc = JsonDocument.Parse(json);
        return [.. doc.RootElement.GetProperty("records").EnumerateArray().Select(r => r.GetRawText())];
    }

    [Test]
    public async Task FlowsCommand_S3Uri_PrintsSameRecordsAsLocalFiles()
    {
        string prefix = $"AWSLogs/{S3TestData.Account}/vpcflowlogs/";
        var (localCode, localOut, localErr) = await Cli("flows", Path.Combine(_local, prefix), "--format", "json");
        var (s3Code, s3Out, s3Err) = await Cli(Remote("flows", $"s3://{Bucket}/{prefix}", "--format", "json"));

        Assert.That(localCode, Is.Zero, localErr);
        Assert.That(s3Code, Is.Zero, s3Err);
        List<string> local = Records(localOut);
        Assert.That(local, Has.Count.EqualTo(S3TestData.Days * 2 * 5));
        Assert.That(Records(s3Out), Is.EqualTo(local));
    }

    [Test]
    public void FlowLogReader_S3Source_ReadsSameRecordsAsLocalFiles()
    {
        using var s3 = new S3LogSource(S3Server.Client());
        ClassifiedInputs remote = LogSources.Classify(LogSources.Expand([$"s3://{Bucket}/"], null, [s3]));
        ClassifiedInputs local = LogSources.Classify(LogSources.Expand([_local]));

        Assert.That(remote.FlowLogs.Select(i => i.Name.Replace($"s3://{Bucket}/", string.Empty, StringComparison.Ordinal)),
            Is.EqualTo(local.FlowLogs.Select(i => Path.GetRelativePath(_local, i.Name).Replace('\\', '/'))));
        Assert.That(remote.Digests, Is.Empty, "digests are not listed");
        Assert.That(remote.CloudTrail, Has.Count.EqualTo(local.CloudTrail.Count));
        Assert.That(ReadAll(remote.FlowLogs), Is.EqualTo(ReadAll(local.FlowLogs)));
    }

    private static List<FlowRecord> ReadAll(IEnumerable<LogInput> inputs)
    {
        var reader = new FlowLogReader();
        var all = new List<FlowRecord>();
        foreach (LogInput input in inputs)
        {
            var sink = new Ingest.FlowLogReaderTests.ListSink();
            FileReport report = reader.Read(input, sink);
            Assert.That(report.FatalError, Is.Null, input.Name);
            all.AddRange(sink.Records);
        }

        return all;
    }

    [Test]
    public void Enumerate_Window_ListsOnlyPrefixesThatCanHoldIt()
    {
        var factory = new CountingHttpClientFactory();
        using var s3 = new S3LogSource(S3Server.Client(factory));
        var from = new DateTimeOffset(2024, 5, 10, 6, 0, 0, TimeSpan.Zero);
        var to = new DateTimeOffset(2024, 5, 11, 6, 0, 0, TimeSpan.Zero);

        List<string> keys = [.. s3.Enumerate($"s3://{Bucket}/", new SourceFilter { From = from, To = to }, default).Select(i => i.Name[$"s3://{Bucket}/".Length..])];

        // Flow logs: only the two day folders of the window (both layouts); CloudTrail: every day up to To + 1 day.
        var expected = _files.Keys.Where(k => !k.Contains("CloudTrail-Digest", StringComparison.Ordinal) && (k.Contains("vpcflowlogs", StringComparison.Ordinal)
            ? S3TestData.DayOf(k) is { } d && d >= new DateOnly(2024, 5, 10) && d <= new DateOnly(2024, 5, 11)
            : S3TestData.DayOf(k) <= new DateOnly(2024, 5, 12))).ToList();
        Assert.That(keys, Is.EquivalentTo(expected));
        string[] prefixes = [.. factory.ListPrefixes];
        string[] flowDates = [.. prefixes.Where(p => p.Contains("vpcflowlogs", StringComparison.Ordinal) && p.Contains("2024", StringComparison.Ordinal))];
        string flow = $"AWSLogs/{S3TestData.Account}/vpcflowlogs/us-east-1/";
        string hive = $"AWSLogs/aws-account-id={S3TestData.HiveAccount}/aws-service=vpcflowlogs/aws-region=eu-west-1/";
        Assert.That(flowDates, Is.EquivalentTo(new[]
        {
            flow + "2024/", flow + "2024/05/", $"{flow}2024/05/ after {flow}2024/05/10",
            hive + "year=2024/", hive + "year=2024/month=05/", $"{hive}year=2024/month=05/ after {hive}year=2024/month=05/day=10",
        }), "flow logs: per region, the year and the month one level each, then one listing of the window's days");
        Assert.That(prefixes.Where(p => p.Contains("CloudTrail-Digest", StringComparison.Ordinal)), Is.Empty, "digests are not listed");

        var unpruned = new CountingHttpClientFactory();
        using var all = new S3LogSource(S3Server.Client(unpruned));
        int everything = all.Enumerate($"s3://{Bucket}/", SourceFilter.All, default).Count();
        TestContext.Out.WriteLine($"window: {factory.ListPrefixes.Count} ListObjectsV2 requests, {keys.Count} objects; no window: {unpruned.ListPrefixes.Count} requests, {everything} objects");
        TestContext.Out.WriteLine("prefixes asked: " + string.Join(" | ", prefixes));
        Assert.That(everything, Is.EqualTo(_files.Count - S3TestData.Days), "without a window everything but digests is listed");

        // A flow-only source with a one-day window costs a handful of requests, whatever the archive's length.
        var flowOnly = new CountingHttpClientFactory();
        using var flows = new S3LogSource(S3Server.Client(flowOnly));
        int n = flows.Enumerate($"s3://{Bucket}/AWSLogs/{S3TestData.Account}/vpcflowlogs/", new SourceFilter { From = from, To = to, Regions = ["us-east-1"] }, default).Count();
        TestContext.Out.WriteLine($"flow-only, one account prefix given: {flowOnly.ListPrefixes.Count} requests ({string.Join(" | ", flowOnly.ListPrefixes)}), {n} objects");
        Assert.That(n, Is.EqualTo(4));
        Assert.That(flowOnly.ListPrefixes, Has.Count.EqualTo(5), "the regions, then the region, its year and its month one level each, then one listing of the window's days");
    }

    [Test]
    public void Enumerate_AccountAndRegionFilter_SkipsOtherAccounts()
    {
        var factory = new CountingHttpClientFactory();
        using var s3 = new S3LogSource(S3Server.Client(factory));
        List<string> names = [.. s3.Enumerate($"s3://{Bucket}/", new SourceFilter { Accounts = [S3TestData.HiveAccount], Regions = ["eu-west-1"] }, default).Select(i => i.Name)];

        Assert.That(names, Has.Count.EqualTo(S3TestData.Days));
        Assert.That(names, Has.All.Contains("aws-account-id=" + S3TestData.HiveAccount));
        Assert.That(factory.ListPrefixes, Has.None.Contains(S3TestData.Account + "/"));
    }

    [Test]
    public async Task ResumableStream_ServerKilledMidRead_ResumesAtTheRightByte()
    {
        byte[] data = RandomNumberGenerator.GetBytes(32 << 20); // more than the loopback socket buffers can hold
        await S3Server.PutAsync(BigBucket, "random.bin", data);
        using var s3 = new S3LogSource(S3Server.Client(), S3SourceOptions.Default with { RetryBaseDelay = TimeSpan.FromMilliseconds(100), MaxReadRetries = 8 });
        using var stream = (ResumableObjectStream)s3.OpenObject(BigBucket, "random.bin", default);
        byte[] first = new byte[1 << 20];
        stream.ReadExactly(first);

        S3Server.Kill();
        Task restart = Task.Run(async () =>
        {
            await Task.Delay(1500);
            S3Server.Restart();
        });
        using var rest = new MemoryStream();
        try
        {
            stream.CopyTo(rest);
        }
        finally
        {
            await restart;
        }

        Assert.That(stream.Resumptions, Is.GreaterThanOrEqualTo(1));
        Assert.That(first.Length + rest.Length, Is.EqualTo(data.Length));
        Assert.That(SHA256.HashData([.. first, .. rest.ToArray()]), Is.EqualTo(SHA256.HashData(data)));
    }

    [Test]
    public async Task FlowLogReader_ServerRestartedMidFile_CountsEveryRecordOnce()
    {
        var sb = new StringBuilder();
        for (int part = 0; part < 60; part++)
        {
            sb.Append(S3TestData.FlowLines(S3TestData.Account, new DateTime(2024, 5, 3, 0, 0, 0, DateTimeKind.Utc).AddMinutes(part), part, 5000)[(S3TestData.Header.Length + 1)..]);
        }

        byte[] text = Encoding.UTF8.GetBytes(S3TestData.Header + "\n" + sb);
        await S3Server.PutAsync(BigBucket, "AWSLogs/1/vpcflowlogs/us-east-1/2024/05/03/plain.log", text);
        var expected = new Ingest.FlowLogReaderTests.ListSink();
        FileReport localReport = new FlowLogReader().Read(LogInput.FromBytes("plain.log", text), expected);

        using var s3 = new S3LogSource(S3Server.Client(), S3SourceOptions.Default with { RetryBaseDelay = TimeSpan.FromMilliseconds(100), MaxReadRetries = 8 });
        LogInput input = s3.Enumerate($"s3://{BigBucket}/AWSLogs/1/", SourceFilter.All, default).Single();
        Task? restart = null;
        var sink = new KillingSink(20_000, () =>
        {
            S3Server.Kill();
            restart = Task.Run(async () =>
            {
                await Task.Delay(1000);
                S3Server.Restart();
            });
        });
        FileReport report;
        try
        {
            report = new FlowLogReader().Read(input, sink);
        }
        finally
        {
            if (restart is not null)
            {
                await restart;
            }
        }

        Assert.That(report.FatalError, Is.Null);
        Assert.That(report.Records, Is.EqualTo(localReport.Records));
        Assert.That(sink.Records, Is.EqualTo(expected.Records));
    }

    [Test]
    public void FlowLogReader_ServerStaysDown_ReportsTheFileAndGoesOn()
    {
        using var s3 = new S3LogSource(S3Server.Client(), S3SourceOptions.Default with { RetryBaseDelay = TimeSpan.FromMilliseconds(20), MaxReadRetries = 1 });
        LogInput input = s3.Enumerate($"s3://{Bucket}/AWSLogs/{S3TestData.Account}/vpcflowlogs/us-east-1/2024/05/01/", SourceFilter.All, default).First();
        S3Server.Kill();
        FileReport report;
        try
        {
            report = new FlowLogReader().Read(input, new Ingest.FlowLogReaderTests.ListSink());
        }
        finally
        {
            S3Server.Restart();
        }

        Assert.That(report.FatalError, Is.Not.Null);
        Assert.That(report.FatalError!.Reason, Is.EqualTo(ProblemReason.IoError));
        Assert.That(report.FatalError.ToString(), Does.Contain(input.Name).And.Contain("connection refused"));
    }

    [Test]
    public async Task FlowsCommand_MissingBucket_OneLineAndExitCode3()
    {
        var (code, _, err) = await Cli(Remote("flows", "s3://no-such-bucket/AWSLogs/"));
        Assert.That(code, Is.EqualTo(3));
        Assert.That(err.TrimEnd().Split('\n'), Is.EqualTo(new[] { "error: s3://no-such-bucket: bucket does not exist" }));
    }

    // s3rver rejects unknown access key ids (403 InvalidAccessKeyId) but does not verify SigV4 signatures, so a wrong
    // secret cannot be rejected by it; this is the real access-denied path it offers.
    [Test]
    public async Task FlowsCommand_UnknownAccessKey_OneLineAccessDeniedAndExitCode3()
    {
        var (code, _, err) = await Cli("flows", $"s3://{Bucket}/AWSLogs/", "--endpoint-url", S3Server.Endpoint, "--profile", "wrong");
        Assert.That(code, Is.EqualTo(3));
        string[] lines = err.TrimEnd().Split('\n');
        Assert.That(lines, Has.Length.EqualTo(1));
        Assert.That(lines[0], Does.StartWith($"error: s3://{Bucket}").And.Contain("access denied").And.Contain("InvalidAccessKeyId"));
        Assert.That(err, Does.Not.Contain("not-the-secret"));
    }

    [Test]
    public async Task FlowsCommand_ConnectionRefused_OneLineAndExitCode3()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int closedPort = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();

        var (code, _, err) = await Cli("flows", $"s3://{Bucket}/", "--endpoint-url", $"http://127.0.0.1:{closedPort}", "--profile", "s3rver");
        Assert.That(code, Is.EqualTo(3));
        Assert.That(err.TrimEnd().Split('\n'), Is.EqualTo(new[] { $"error: s3://{Bucket}: cannot connect to http://127.0.0.1:{closedPort}: connection refused" }));
    }

    [Test]
    public async Task FlowsCommand_UnknownProfile_OneLineAndExitCode3()
    {
        var (code, _, err) = await Cli("flows", $"s3://{Bucket}/", "--endpoint-url", S3Server.Endpoint, "--profile", "no-such-profile");
        Assert.That(code, Is.EqualTo(3));
        Assert.That(err.TrimEnd().Split('\n'), Has.Length.EqualTo(1));
        Assert.That(err, Does.Contain("profile 'no-such-profile' was not found"));
    }

    /// <summary>Collects records and runs an action once, after a given number of them (to break the server mid-file).</summary>
    private sealed class KillingSink(int after, Action action) : IFlowRecordSink
    {
        public List<FlowRecord> Records { get; } = [];

        public void OnRecord(in FlowRecord record, in FlowLine line)
        {
            Records.Add(record);
            if (Records.Count == after)
            {
                action();
            }
        }
    }
}
