using FlowCorrelator.Aws;

namespace FlowCorrelator.Tests.S3;

/// <summary><c>flowcorrelator mirror</c> against a real S3-compatible server.</summary>
public sealed class S3MirrorTests
{
    private const string Bucket = "archive";
    private string _out = null!;
    private int _objects;

    [OneTimeSetUp]
    public async Task Upload()
    {
        await S3Server.CreateBucketAsync(Bucket);
        foreach ((string key, byte[] bytes) in S3TestData.Build().Where(f => f.Key.Contains("/" + S3TestData.Account + "/", StringComparison.Ordinal)))
        {
            await S3Server.PutAsync(Bucket, key, bytes);
            _objects += key.Contains("CloudTrail-Digest", StringComparison.Ordinal) ? 0 : 1;
        }

        await S3Server.CreateBucketAsync("odd");
        await S3Server.PutAsync("odd", "AWSLogs/good.log", "x"u8.ToArray());
        await S3Server.PutAsync("odd", "AWSLogs\\..\\evil.log", "x"u8.ToArray());
    }

    [SetUp]
    public void NewFolder() => _out = Directory.CreateTempSubdirectory("fc-mirror-").FullName;

    [TearDown]
    public void DeleteFolder() => Directory.Delete(_out, recursive: true);

    [Test]
    public async Task Mirror_TwiceThenVerify_DownloadsOnceAndDetectsTampering()
    {
        string[] mirror = S3LogSourceTests.Remote("mirror", $"s3://{Bucket}/AWSLogs/", "--output", _out);

        var (code, stdout, stderr) = await S3LogSourceTests.Cli(mirror);
        Assert.That(code, Is.Zero, stderr);
        Assert.That(stdout, Does.Contain($"{_objects} downloaded").And.Contain("0 skipped"));
        Assert.That(stderr, Does.Contain("downloaded s3://"));
        string manifest = File.ReadAllText(Path.Combine(_out, S3Mirror.ManifestFileName));
        Assert.That(manifest, Does.Contain("\"sha256\"").And.Contain("\"etag\"").And.Not.Contain(S3Server.SecretKey).And.Not.Contain("127.0.0.1"));
        Assert.That(Directory.EnumerateFiles(_out, "*.part", SearchOption.AllDirectories), Is.Empty);

        (code, stdout, stderr) = await S3LogSourceTests.Cli(mirror);
        Assert.That(code, Is.Zero, stderr);
        Assert.That(stdout, Does.Contain("0 downloaded (0 bytes)").And.Contain($"{_objects} skipped"));

        (code, stdout, _) = await S3LogSourceTests.Cli("mirror", "--output", _out, "--verify");
        Assert.That(code, Is.Zero, stdout);
        Assert.That(stdout, Does.Contain($"verified {_objects} files: all match"));

        string victim = Directory.EnumerateFiles(_out, "*.log.gz", SearchOption.AllDirectories).First();
        byte[] bytes = File.ReadAllBytes(victim);
        bytes[^1] ^= 0xFF;
        File.WriteAllBytes(victim, bytes);
        File.Delete(Directory.EnumerateFiles(_out, "*.json.gz", SearchOption.AllDirectories).First());

        (code, stdout, _) = await S3LogSourceTests.Cli("mirror", "--output", _out, "--verify");
        Assert.That(code, Is.EqualTo(1));
        Assert.That(stdout, Does.Contain("SHA-256 differs").And.Contain("missing").And.Contain("2 missing or changed"));
    }

    [Test]
    public async Task Mirror_WindowedRun_KeepsLocalFilesReadable()
    {
        var (code, stdout, stderr) = await S3LogSourceTests.Cli(S3LogSourceTests.Remote("mirror", $"s3://{Bucket}/", "--output", _out, "--from", "2024-05-10T06:00:00Z", "--to", "2024-05-11T06:00:00Z"));
        Assert.That(code, Is.Zero, stderr);
        Assert.That(stdout, Does.Contain("0 refused or failed"));
        Assert.That(Directory.EnumerateFiles(Path.Combine(_out, "AWSLogs", S3TestData.Account, "vpcflowlogs"), "*", SearchOption.AllDirectories).Count(), Is.EqualTo(4));
        Assert.That(Directory.Exists(Path.Combine(_out, "AWSLogs", S3TestData.Account, "CloudTrail-Digest")), Is.False);

        (code, stdout, stderr) = await S3LogSourceTests.Cli("flows", Path.Combine(_out, "AWSLogs", S3TestData.Account, "vpcflowlogs"));
        Assert.That(code, Is.Zero, stdout + stderr);
    }

    [Test]
    public async Task Mirror_KeyEscapingTheFolder_IsRefusedAndTheRestMirrored()
    {
        var (code, stdout, stderr) = await S3LogSourceTests.Cli(S3LogSourceTests.Remote("mirror", "s3://odd/", "--output", _out));
        Assert.That(code, Is.EqualTo(1));
        Assert.That(stderr, Does.Contain("refused key 'AWSLogs\\..\\evil.log': contains a backslash"));
        Assert.That(stdout, Does.Contain("1 downloaded").And.Contain("1 refused or failed"));
        Assert.That(File.Exists(Path.Combine(_out, "AWSLogs", "good.log")), Is.True);
        Assert.That(File.Exists(Path.Combine(Path.GetDirectoryName(_out)!, "evil.log")), Is.False);
    }

    [TestCase("../evil.log", "'..'")]
    [TestCase("AWSLogs/../../evil.log", "'..'")]
    [TestCase("/etc/passwd", "absolute")]
    [TestCase("C:/Windows/evil.log", "absolute")]
    [TestCase("a\\b.log", "backslash")]
    [TestCase("a//b.log", "empty")]
    [TestCase("./a.log", "'.'")]
    [TestCase(".flowcorrelator-manifest.json", "manifest")]
    public void UnsafeKeyReason_EscapingKeys_AreRefused(string key, string reason) =>
        Assert.That(S3Mirror.UnsafeKeyReason(key), Does.Contain(reason));

    [TestCase("AWSLogs/111122223333/vpcflowlogs/us-east-1/2024/05/01/a.log.gz")]
    [TestCase("x..y/a.log")]
    public void UnsafeKeyReason_OrdinaryKeys_AreAccepted(string key)
    {
        Assert.That(S3Mirror.UnsafeKeyReason(key), Is.Null);
        Assert.That(S3Mirror.TryLocalPath(Path.GetTempPath(), key, out string path, out _), Is.True);
        Assert.That(path, Does.StartWith(Path.GetTempPath()));
    }
}
