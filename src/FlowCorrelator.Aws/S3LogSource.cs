using Amazon;
using Amazon.Runtime;
using Amazon.Runtime.CredentialManagement;
using Amazon.S3;
using FlowCorrelator.Ingest;

namespace FlowCorrelator.Aws;

/// <summary>
/// Reads logs straight from S3 (<c>s3://bucket/prefix</c>): lists only the date prefixes that can hold the window
/// (see <see cref="SourceFilter"/>), and streams each object with automatic resumption after dropped connections.
/// Works with AWS and with S3-compatible stores (<see cref="S3SourceOptions.EndpointUrl"/>).
/// </summary>
/// <remarks>
/// Credentials follow the AWS default chain (environment, shared files, SSO, container and instance roles), or the
/// named <see cref="S3SourceOptions.Profile"/>. They are resolved when the first request is made and never printed.
/// </remarks>
/// <threadsafety>Thread-safe: objects may be read in parallel through the inputs it returns.</threadsafety>
public sealed class S3LogSource : IRemoteLogSource, IDisposable
{
    private readonly Lazy<IAmazonS3> _client;
    private readonly bool _ownsClient;

    /// <summary>Creates a source that builds its own client from <paramref name="options"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public S3LogSource(S3SourceOptions? options = null)
    {
        Options = options ?? S3SourceOptions.Default;
        Options.Validate();
        Endpoint = Options.EffectiveEndpoint();
        _client = new Lazy<IAmazonS3>(() => CreateClient(Options, Endpoint), LazyThreadSafetyMode.ExecutionAndPublication);
        _ownsClient = true;
    }

    /// <summary>Creates a source over a client the caller configured and owns (custom pipelines, tests).</summary>
    public S3LogSource(IAmazonS3 client, S3SourceOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        Options = options ?? S3SourceOptions.Default;
        Options.Validate();
        Endpoint = client.Config.ServiceURL is { Length: > 0 } url && Uri.TryCreate(url, UriKind.Absolute, out Uri? uri) ? uri : null;
        _client = new Lazy<IAmazonS3>(client);
        _ownsClient = false;
    }

    /// <summary>The options.</summary>
    public S3SourceOptions Options { get; }

    /// <summary>The custom endpoint in use, or null for AWS.</summary>
    public Uri? Endpoint { get; }

    internal IAmazonS3 Client => _client.Value;

    private string EndpointText => S3Errors.Describe(Endpoint, Options.Region ?? "default-region");

    /// <summary>True for <c>s3://</c> locations.</summary>
    public bool CanOpen(string location) => location is not null && S3Location.IsS3(location);

    /// <summary>
    /// Lists the objects under <paramref name="location"/> that can hold data for <paramref name="filter"/>, each as an
    /// input named by its <c>s3://bucket/key</c> URI whose <see cref="LogInput.Open"/> streams the object.
    /// </summary>
    /// <exception cref="SourceException">The bucket does not exist, access is denied, or the endpoint cannot be reached.</exception>
    /// <exception cref="ArgumentException">The location is not an <c>s3://bucket[/prefix]</c> URI.</exception>
    public IEnumerable<LogInput> Enumerate(string location, SourceFilter filter, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(filter);
        S3Location parsed = S3Location.Parse(location);
        foreach (S3ObjectInfo o in ListObjects(parsed, filter, cancellationToken))
        {
            yield return ToInput(o);
        }
    }

    /// <summary>
    /// Lists with pruning; lazy (nothing is listed before the first object is asked for), with a bounded look-ahead of
    /// concurrent listings, stopped when the enumeration is disposed.
    /// </summary>
    internal IEnumerable<S3ObjectInfo> ListObjects(S3Location location, SourceFilter filter, CancellationToken cancellationToken)
    {
        IAmazonS3 client;
        try
        {
            client = Client;
        }
        catch (Exception ex) when (ex is AmazonClientException or InvalidOperationException)
        {
            throw S3Errors.ToSourceException(ex, location.Bucket, location.Prefix, EndpointText);
        }

        return new S3Lister(client, Options, EndpointText).List(location, filter, cancellationToken);
    }

    /// <summary>Opens one object as a resumable stream.</summary>
    internal Stream OpenObject(string bucket, string key, CancellationToken cancellationToken) =>
        new ResumableObjectStream(Client, bucket, key, Options, cancellationToken);

    private LogInput ToInput(S3ObjectInfo o) => new(o.Uri, ct => OpenObject(o.Bucket, o.Key, ct), o.Size);

    /// <summary>Disposes the client when this source created it.</summary>
    public void Dispose()
    {
        if (_ownsClient && _client.IsValueCreated)
        {
            _client.Value.Dispose();
        }
    }

    private static AmazonS3Client CreateClient(S3SourceOptions options, Uri? endpoint)
    {
        var config = new AmazonS3Config();
        AWSCredentials? credentials = null;
        RegionEndpoint? region = options.Region is { Length: > 0 } r ? RegionEndpoint.GetBySystemName(r) : null;
        if (options.Profile is { Length: > 0 } profileName)
        {
            // Read the standard variable now: the SDK's default location is resolved once per process and cached.
            var chain = new CredentialProfileStoreChain(Environment.GetEnvironmentVariable("AWS_SHARED_CREDENTIALS_FILE"));
            if (!chain.TryGetProfile(profileName, out CredentialProfile profile) || !chain.TryGetAWSCredentials(profileName, out credentials))
            {
                throw new InvalidOperationException($"AWS profile '{profileName}' was not found in the shared config or credentials files.");
            }

            region ??= profile.Region;
        }

        if (endpoint is not null)
        {
            config.ServiceURL = endpoint.GetLeftPart(UriPartial.Path);
            // S3-compatible stores rarely serve virtual-host buckets on a custom host name.
            config.ForcePathStyle = true;
            config.AuthenticationRegion = (region ?? RegionEndpoint.USEast1).SystemName;
        }
        else if (region is not null)
        {
            config.RegionEndpoint = region;
        }

        return credentials is null ? new AmazonS3Client(config) : new AmazonS3Client(credentials, config);
    }
}
