using System.Text.Json;
using FlowCorrelator.Tests.TruthChecks;

namespace FlowCorrelator.Tests.S3;

/// <summary>The issue's "done when": investigate over s3:// gives the same JSON answers as over the same files on disk.</summary>
public sealed class S3InvestigateTests
{
    private const string Bucket = "demo";

    [OneTimeSetUp]
    public async Task UploadDemo()
    {
        await S3Server.CreateBucketAsync(Bucket);
        string demo = Path.Combine(TruthCheckTests.RepositoryRoot(), "samples", "demo");
        foreach (string file in Directory.EnumerateFiles(Path.Combine(demo, "AWSLogs"), "*", SearchOption.AllDirectories))
        {
            string key = Path.GetRelativePath(demo, file).Replace('\\', '/');
            await S3Server.PutAsync(Bucket, key, await File.ReadAllBytesAsync(file));
        }
    }

    [Test]
    public async Task Investigate_S3Uri_GivesTheSameAnswersAsTheLocalFiles()
    {
        string demo = Path.Combine(TruthCheckTests.RepositoryRoot(), "samples", "demo");
        string[] query = ["--tag", "Name=payment", "--port", "22", "--format", "json"];
        var (localCode, localOut, localErr) = await S3LogSourceTests.Cli(["investigate", demo, .. query]);
        var (s3Code, s3Out, s3Err) = await S3LogSourceTests.Cli(["investigate", $"s3://{Bucket}/AWSLogs/", "--endpoint-url", S3Server.Endpoint, "--profile", "s3rver", "--region", "us-east-1", .. query]);

        Assert.That(localCode, Is.Zero, localErr);
        Assert.That(s3Code, Is.Zero, s3Err);
        using JsonDocument local = JsonDocument.Parse(localOut);
        using JsonDocument remote = JsonDocument.Parse(s3Out);
        foreach (string key in new[] { "query", "accessAttempts", "ruleChanges", "groupAttachments", "unusedGroups", "ruleUsage", "exposures" })
        {
            Assert.That(remote.RootElement.GetProperty(key).GetRawText(), Is.EqualTo(local.RootElement.GetProperty(key).GetRawText()), key);
        }

        JsonElement diagnostics = remote.RootElement.GetProperty("diagnostics");
        Assert.That(diagnostics.GetProperty("flowRecords").GetInt64(), Is.EqualTo(20_000));
        Assert.That(diagnostics.GetProperty("complete").GetBoolean(), Is.True);
        using JsonDocument expected = JsonDocument.Parse(File.ReadAllText(Path.Combine(TruthCheckTests.RepositoryRoot(), "samples", "demo", "expected.json")));
        Assert.That(remote.RootElement.GetProperty("accessAttempts").GetArrayLength(), Is.EqualTo(expected.RootElement.GetProperty("accessAttempts").GetArrayLength()));
    }

    [Test]
    public async Task MirrorThenInvestigate_GivesTheSameAnswers_AndASecondMirrorDownloadsNothing()
    {
        string demo = Path.Combine(TruthCheckTests.RepositoryRoot(), "samples", "demo");
        string mirror = Path.Combine(Path.GetTempPath(), "fc-mirror-demo-" + Guid.NewGuid().ToString("N"));
        try
        {
            string[] remote = [$"s3://{Bucket}/AWSLogs/", "--output", mirror, "--endpoint-url", S3Server.Endpoint, "--profile", "s3rver", "--region", "us-east-1"];
            var (first, firstOut, firstErr) = await S3LogSourceTests.Cli(["mirror", .. remote]);
            var (second, secondOut, secondErr) = await S3LogSourceTests.Cli(["mirror", .. remote]);
            Assert.That(first, Is.Zero, firstErr);
            Assert.That(second, Is.Zero, secondErr);
            Assert.That(secondOut, Does.Match(@"\b0 downloaded|downloaded 0\b|Downloaded 0\b"), secondOut);

            string[] query = ["--tag", "Name=payment", "--port", "22", "--format", "json"];
            var (_, localOut, _) = await S3LogSourceTests.Cli(["investigate", demo, .. query]);
            var (code, mirrorOut, mirrorErr) = await S3LogSourceTests.Cli(["investigate", mirror, .. query]);
            Assert.That(code, Is.Zero, mirrorErr);
            using JsonDocument a = JsonDocument.Parse(localOut);
            using JsonDocument b = JsonDocument.Parse(mirrorOut);
            foreach (string key in new[] { "accessAttempts", "ruleChanges", "groupAttachments", "unusedGroups", "ruleUsage", "exposures" })
            {
                Assert.That(b.RootElement.GetProperty(key).GetRawText(), Is.EqualTo(a.RootElement.GetProperty(key).GetRawText()), key);
            }
        }
        finally
        {
            if (Directory.Exists(mirror))
            {
                Directory.Delete(mirror, recursive: true);
            }
        }
    }
}
