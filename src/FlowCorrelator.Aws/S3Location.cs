namespace FlowCorrelator.Aws;

/// <summary>A parsed <c>s3://bucket/prefix</c> URI.</summary>
internal readonly record struct S3Location(string Bucket, string Prefix)
{
    public const string Scheme = "s3://";

    public static bool IsS3(string location) => location.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase);

    /// <exception cref="ArgumentException">Not an s3:// URI or no bucket.</exception>
    public static S3Location Parse(string location)
    {
        ArgumentNullException.ThrowIfNull(location);
        if (!IsS3(location))
        {
            throw new ArgumentException($"'{location}' is not an s3:// URI.", nameof(location));
        }

        string rest = location[Scheme.Length..];
        int slash = rest.IndexOf('/', StringComparison.Ordinal);
        string bucket = slash < 0 ? rest : rest[..slash];
        string prefix = slash < 0 ? string.Empty : rest[(slash + 1)..];
        if (bucket.Length == 0)
        {
            throw new ArgumentException($"'{location}' names no bucket.", nameof(location));
        }

        return new S3Location(bucket, prefix);
    }

    public string UriFor(string key) => Scheme + Bucket + "/" + key;

    public override string ToString() => Scheme + Bucket + "/" + Prefix;
}

/// <summary>One listed object.</summary>
internal sealed record S3ObjectInfo(string Bucket, string Key, long Size, string? ETag)
{
    public string Uri => S3Location.Scheme + Bucket + "/" + Key;
}
