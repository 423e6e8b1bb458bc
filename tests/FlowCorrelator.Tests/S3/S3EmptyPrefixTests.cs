using System.Text;
using FlowCorrelator.Cli;

namespace FlowCorrelator.Tests.S3;

/// <summary>Issue 16 against the loopback s3rver: a prefix that lists no objects is exit 3, naming the URI.</summary>
public sealed class S3EmptyPrefixTests
{
    private const string Bucket = "emptyprefix";

    [OneTimeSetUp]
    public async Task Upload()
    {
        await S3Server.CreateBucketAsync(Bucket);
        await S3Server.PutAsync(Bucket, "AWSLogs/111122223333/notes/README.txt", Encoding.UTF8.GetBytes("not a log\n"));
    }

    [TestCase("investigate")]
    [TestCase("flows")]
    public async Task NonMatchingPrefix_IsExit3NamingTheUri(string command)
    {
        string uri = $"s3://{Bucket}/AWSLogs/999999999999/";
        var (code, stdout, stderr) = await S3LogSourceTests.Cli(S3LogSourceTests.Remote(command, uri, "--region", "us-east-1"));

        Assert.That(code, Is.EqualTo(ExitCodes.Failure), stderr);
        Assert.That(stdout, Is.Empty);
        Assert.That(stderr, Does.Contain(uri + ": the listing returned no objects"));
    }

    [Test]
    public async Task PrefixOfOnlyAStrayObject_IsExit3_AndAllowEmptyStillSaysNothingWasRead()
    {
        string uri = $"s3://{Bucket}/AWSLogs/111122223333/";
        var (code, stdout, stderr) = await S3LogSourceTests.Cli(S3LogSourceTests.Remote("investigate", uri, "--region", "us-east-1"));

        Assert.That(code, Is.EqualTo(ExitCodes.Failure), stderr);
        Assert.That(stdout, Is.Empty);
        Assert.That(stderr, Does.Contain(uri + ": no flow-log, CloudTrail or snapshot file among 1 object (1 of unknown format)"));

        (code, stdout, stderr) = await S3LogSourceTests.Cli(S3LogSourceTests.Remote("investigate", uri, "--region", "us-east-1", "--allow-empty"));
        Assert.That(code, Is.EqualTo(ExitCodes.InputProblems), stderr);
        Assert.That(stdout, Does.Contain("no CloudTrail events were read").And.Not.Contain("All input was read"));
    }
}
