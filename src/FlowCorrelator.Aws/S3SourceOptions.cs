namespace FlowCorrelator.Aws;

/// <summary>
/// How <see cref="S3LogSource"/> reaches S3: the standard AWS conventions (default credential chain, named profile,
/// region, custom endpoint for S3-compatible stores), how many listings run at once, and the retry policy of streaming
/// reads.
/// </summary>
/// <remarks>Immutable; change with <c>with</c>. Never holds secrets: credentials come from the AWS credential chain.</remarks>
public sealed record S3SourceOptions
{
    /// <summary>Default chain, default region, AWS endpoints, 16 listings at once, 5 retries from 200 ms.</summary>
    public static S3SourceOptions Default { get; } = new();

    /// <summary>Named profile from the shared AWS config and credentials files (<c>--profile</c>); null for the default chain.</summary>
    public string? Profile { get; init; }

    /// <summary>Region (<c>--region</c>); null for the SDK's region chain (or <c>us-east-1</c> with a custom endpoint).</summary>
    public string? Region { get; init; }

    /// <summary>
    /// Endpoint of an S3-compatible store (<c>--endpoint-url</c>); null falls back to the <c>AWS_ENDPOINT_URL_S3</c> and
    /// <c>AWS_ENDPOINT_URL</c> environment variables, then to AWS. Any custom endpoint uses path-style addressing.
    /// </summary>
    public Uri? EndpointUrl { get; init; }

    /// <summary>
    /// ListObjectsV2 requests in flight at once while a location is walked: folders that do not depend on each other
    /// (accounts, regions, months) are listed side by side, since at 50–100 ms a request a one-at-a-time walk of an
    /// organisation trail takes minutes. The objects come back in the same order, from the same requests, whatever the
    /// value; 1 makes one request at a time.
    /// </summary>
    public int MaxConcurrentListings { get; init; } = 16;

    /// <summary>Consecutive failed attempts a streaming read survives before it gives up with an <see cref="IOException"/>.</summary>
    public int MaxReadRetries { get; init; } = 5;

    /// <summary>First back-off delay; doubled on each consecutive failure (with jitter), capped at <see cref="MaxRetryDelay"/>.</summary>
    public TimeSpan RetryBaseDelay { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Longest back-off delay.</summary>
    public TimeSpan MaxRetryDelay { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>A read that delivers nothing for this long is abandoned and resumed (guards against a silent, hung connection).</summary>
    public TimeSpan ReadIdleTimeout { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>Late delivery allowance for flow logs: a file's folder is its delivery batch time, which trails the records.</summary>
    public TimeSpan FlowLogDeliveryPadding { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>Throws when a value is out of range.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A count or delay is negative or zero where it must not be.</exception>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxConcurrentListings, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(MaxReadRetries);
        ArgumentOutOfRangeException.ThrowIfLessThan(RetryBaseDelay, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxRetryDelay, RetryBaseDelay);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(ReadIdleTimeout, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(FlowLogDeliveryPadding, TimeSpan.Zero);
        if (EndpointUrl is { } url && (!url.IsAbsoluteUri || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps)))
        {
            throw new ArgumentOutOfRangeException(nameof(EndpointUrl), "The endpoint must be an absolute http:// or https:// URL.");
        }
    }

    /// <summary>The endpoint in force: the option, else <c>AWS_ENDPOINT_URL_S3</c>, else <c>AWS_ENDPOINT_URL</c>.</summary>
    internal Uri? EffectiveEndpoint()
    {
        if (EndpointUrl is not null)
        {
            return EndpointUrl;
        }

        foreach (string name in (ReadOnlySpan<string>)["AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"])
        {
            string? value = Environment.GetEnvironmentVariable(name);
            if (!string.IsNullOrWhiteSpace(value))
            {
                return Uri.TryCreate(value.Trim(), UriKind.Absolute, out Uri? uri)
                    ? uri
                    : throw new ArgumentException($"{name} is not an absolute URL.");
            }
        }

        return null;
    }
}
