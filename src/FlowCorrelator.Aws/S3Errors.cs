using System.Net;
using System.Net.Sockets;
using Amazon.Runtime;
using Amazon.S3;
using FlowCorrelator.Ingest;

namespace FlowCorrelator.Aws;

/// <summary>Turns SDK failures into one clear line. Never quotes server messages, which can echo signing material.</summary>
internal static class S3Errors
{
    public static SourceException ToSourceException(Exception ex, string bucket, string prefix, string endpoint)
    {
        string where = S3Location.Scheme + bucket + (prefix.Length == 0 ? string.Empty : "/" + prefix);
        if (ex is AmazonS3Exception s3)
        {
            string code = s3.ErrorCode ?? string.Empty;
            string message = code switch
            {
                "NoSuchBucket" => $"{S3Location.Scheme}{bucket}: bucket does not exist",
                "InvalidAccessKeyId" => $"{where}: access denied: the access key id is not known to {endpoint} (InvalidAccessKeyId); check the credentials or --profile",
                "SignatureDoesNotMatch" => $"{where}: access denied: the secret key does not match the access key id (SignatureDoesNotMatch); check the credentials or --profile",
                "ExpiredToken" or "TokenRefreshRequired" or "InvalidToken" => $"{where}: access denied: the session token is expired or invalid ({code}); refresh the credentials",
                "AccessDenied" or "AllAccessDisabled" or "AccountProblem" => $"{where}: access denied ({code}); check the credentials, --profile and the bucket policy",
                "PermanentRedirect" or "AuthorizationHeaderMalformed" or "IllegalLocationConstraintException" => $"{where}: the bucket is in another region ({code}); pass --region",
                _ when s3.StatusCode == HttpStatusCode.Forbidden => $"{where}: access denied ({Code(s3)}); check the credentials, --profile and the bucket policy",
                _ when s3.StatusCode == HttpStatusCode.NotFound => $"{S3Location.Scheme}{bucket}: bucket does not exist ({Code(s3)})",
                _ => $"{where}: S3 error {Code(s3)} (HTTP {(int)s3.StatusCode}) from {endpoint}",
            };
            return new SourceException(message, ex);
        }

        if (FindConnectionFailure(ex) is { } connection)
        {
            return new SourceException($"{where}: cannot connect to {endpoint}: {connection}", ex);
        }

        if (ex is AmazonClientException && ex.Message.Contains("credentials", StringComparison.OrdinalIgnoreCase))
        {
            return new SourceException($"{where}: no AWS credentials found; use --profile, AWS_PROFILE or the AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY variables", ex);
        }

        if (ex is InvalidOperationException)
        {
            // Our own configuration errors (e.g. an unknown --profile) carry a ready message.
            return new SourceException($"{where}: {FirstLine(ex.Message)}", ex);
        }

        return new SourceException($"{where}: {ex.GetType().Name}: {FirstLine(ex.Message)}", ex);
    }

    /// <summary>A human reason when the failure is a refused, reset or unresolvable connection; null otherwise.</summary>
    public static string? FindConnectionFailure(Exception ex)
    {
        for (Exception? e = ex; e is not null; e = e.InnerException)
        {
            if (e is SocketException socket)
            {
                return socket.SocketErrorCode switch
                {
                    SocketError.ConnectionRefused => "connection refused",
                    SocketError.HostNotFound or SocketError.NoData or SocketError.TryAgain => "host not found",
                    SocketError.TimedOut => "connection timed out",
                    SocketError.ConnectionReset => "connection reset",
                    SocketError.NetworkUnreachable or SocketError.HostUnreachable => "network unreachable",
                    _ => socket.SocketErrorCode.ToString(),
                };
            }

            if (e is HttpRequestException { InnerException: null } http)
            {
                return FirstLine(http.Message);
            }
        }

        return null;
    }

    /// <summary>Errors worth another attempt: throttling, server faults, dropped or refused connections, timeouts.</summary>
    public static bool IsTransient(Exception ex, CancellationToken userToken)
    {
        if (userToken.IsCancellationRequested)
        {
            return false;
        }

        return ex switch
        {
            AmazonS3Exception s3 => (int)s3.StatusCode >= 500 || s3.StatusCode == HttpStatusCode.TooManyRequests ||
                s3.ErrorCode is "SlowDown" or "RequestTimeout" or "InternalError" or "ServiceUnavailable" or "RequestTimeTooSkewed",
            AmazonServiceException service => (int)service.StatusCode >= 500 || service.StatusCode == HttpStatusCode.TooManyRequests,
            IOException or HttpRequestException or SocketException or TimeoutException or OperationCanceledException => true,
            AmazonClientException client => FindConnectionFailure(client) is not null || client.InnerException is IOException or TimeoutException or OperationCanceledException,
            _ => false,
        };
    }

    /// <summary>The endpoint as scheme://host:port, without any user info or path.</summary>
    public static string Describe(Uri? endpoint, string region) =>
        endpoint is null ? $"s3.{region}.amazonaws.com" : $"{endpoint.Scheme}://{endpoint.Host}:{endpoint.Port}";

    private static string Code(AmazonS3Exception s3) => string.IsNullOrEmpty(s3.ErrorCode) ? ((int)s3.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture) : s3.ErrorCode;

    private static string FirstLine(string text)
    {
        int nl = text.IndexOfAny(['\r', '\n']);
        return nl < 0 ? text : text[..nl];
    }
}
