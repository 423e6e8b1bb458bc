using System.Net;
using Amazon.Runtime;
using Amazon.S3;
using FlowCorrelator.Aws;
using FlowCorrelator.Ingest;

namespace FlowCorrelator.Tests.Aws;

/// <summary>
/// The error mapping alone, for the S3 answers the test server cannot give. s3rver 3.7.1 never answers 503 SlowDown,
/// and it checks only SigV2 signatures ("Signature version 4 calculation is unimplemented", lib/middleware/
/// authentication.js) while AWSSDK.S3 4.x signs every request with SigV4, so a wrong secret is accepted there. These
/// tests pin the message and the retry decision; the path from the wire to them stays untested. They need no server,
/// so they live outside the S3 namespace, whose set-up starts s3rver (and skips without Node).
/// </summary>
public sealed class S3ErrorsTests
{
    [Test]
    public void ToSourceException_SignatureDoesNotMatch_NamesTheLocationAndTheWrongSecretOnly()
    {
        // Real S3 echoes the string to sign in its message: it must not reach the user.
        var wrongSecret = new AmazonS3Exception("The request signature we calculated does not match. <StringToSign>AWS4-HMAC-SHA256 …</StringToSign>",
            ErrorType.Sender, "SignatureDoesNotMatch", "req-1", HttpStatusCode.Forbidden);

        SourceException error = S3Errors.ToSourceException(wrongSecret, "logs", "AWSLogs/", "http://127.0.0.1:9000");

        Assert.That(error.Message, Is.EqualTo("s3://logs/AWSLogs/: access denied: the secret key does not match the access key id (SignatureDoesNotMatch); check the credentials or --profile"));
        Assert.That(error.InnerException, Is.SameAs(wrongSecret));
    }

    [TestCase("SlowDown", HttpStatusCode.ServiceUnavailable)]
    [TestCase("ServiceUnavailable", HttpStatusCode.ServiceUnavailable)]
    [TestCase("InternalError", HttpStatusCode.InternalServerError)]
    public void IsTransient_ThrottlingAndServerFaults_AreRetried(string code, HttpStatusCode status) =>
        Assert.That(S3Errors.IsTransient(new AmazonS3Exception("x", ErrorType.Receiver, code, "req-1", status), default), Is.True);

    [Test]
    public void IsTransient_SignatureDoesNotMatch_IsNotRetried() =>
        Assert.That(S3Errors.IsTransient(new AmazonS3Exception("x", ErrorType.Sender, "SignatureDoesNotMatch", "req-1", HttpStatusCode.Forbidden), default), Is.False);
}
