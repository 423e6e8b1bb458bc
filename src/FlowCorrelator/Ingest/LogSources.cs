using System.Text;

namespace FlowCorrelator.Ingest;

/// <summary>Opens <c>s3://</c> (or other non-local) locations; implemented outside the core library.</summary>
public interface IRemoteLogSource
{
    /// <summary>Whether this provider handles the location (e.g. it starts with <c>s3://</c>).</summary>
    bool CanOpen(string location);

    /// <summary>Lists the objects under the location that can hold data for the window.</summary>
    IEnumerable<LogInput> Enumerate(string location, SourceFilter filter, CancellationToken cancellationToken);
}

/// <summary>What to list: a time window (flows) and optional accounts and regions. Used to prune S3 listings.</summary>
public sealed record SourceFilter
{
    /// <summary>Everything.</summary>
    public static SourceFilter All { get; } = new();

    /// <summary>Start of the flow window (inclusive), if any.</summary>
    public DateTimeOffset? From { get; init; }

    /// <summary>End of the flow window (exclusive), if any.</summary>
    public DateTimeOffset? To { get; init; }

    /// <summary>Accounts to keep; empty for all.</summary>
    public IReadOnlyList<string> Accounts { get; init; } = [];

    /// <summary>Regions to keep; empty for all.</summary>
    public IReadOnlyList<string> Regions { get; init; } = [];
}

/// <summary>Inputs sorted by what they hold.</summary>
public sealed record ClassifiedInputs(
    IReadOnlyList<LogInput> FlowLogs,
    IReadOnlyList<LogInput> CloudTrail,
    IReadOnlyList<LogInput> Snapshots,
    IReadOnlyList<LogInput> Digests,
    IReadOnlyList<LogInput> Unknown);

/// <summary>
/// Expands user-given locations (files, folders, <c>s3://</c> URIs) into inputs and tells flow logs from CloudTrail
/// by name and, where the name says nothing, by content.
/// </summary>
public static class LogSources
{
    /// <summary>Expands locations into inputs, in a stable order. Folders are walked recursively.</summary>
    /// <exception cref="FileNotFoundException">A local location does not exist.</exception>
    public static IReadOnlyList<LogInput> Expand(IEnumerable<string> locations, SourceFilter? filter = null, IEnumerable<IRemoteLogSource>? remotes = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(locations);
        filter ??= SourceFilter.All;
        var result = new List<LogInput>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (string location in locations)
        {
            IRemoteLogSource? remote = remotes?.FirstOrDefault(r => r.CanOpen(location));
            if (remote is not null)
            {
                foreach (LogInput input in remote.Enumerate(location, filter, cancellationToken))
                {
                    if (seen.Add(input.Name))
                    {
                        result.Add(input);
                    }
                }

                continue;
            }

            if (location.Contains("://", StringComparison.Ordinal))
            {
                throw new ArgumentException($"No reader for '{location}' (s3:// needs the FlowCorrelator.Aws package).", nameof(locations));
            }

            if (Directory.Exists(location))
            {
                foreach (string file in Directory.EnumerateFiles(location, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
                {
                    string name = Path.GetFileName(file);
                    if (name.StartsWith('.') || IsSideFile(name))
                    {
                        continue;
                    }

                    string full = Path.GetFullPath(file);
                    if (seen.Add(full))
                    {
                        AddFile(result, file);
                    }
                }
            }
            else if (File.Exists(location))
            {
                if (seen.Add(Path.GetFullPath(location)))
                {
                    AddFile(result, location);
                }
            }
            else
            {
                throw new FileNotFoundException($"'{location}' is neither a file nor a folder.", location);
            }
        }

        return result;
    }

    private static void AddFile(List<LogInput> result, string path)
    {
        if (!LogArchives.IsArchive(path))
        {
            result.Add(LogInput.FromFile(path));
            return;
        }

        try
        {
            result.AddRange(LogArchives.Expand(path, IsSideFile));
        }
        catch (Exception ex) when (ex is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            throw new SourceException($"{path}: the archive cannot be read: {ex.Message}", ex);
        }
    }

    /// <summary>Files that sit beside logs but are not logs (format descriptions, manifests, answers, docs).</summary>
    private static bool IsSideFile(string name) =>
        name.EndsWith(".format.txt", StringComparison.OrdinalIgnoreCase) ||
        name.EndsWith(".md", StringComparison.OrdinalIgnoreCase) ||
        name.Equals("expected.json", StringComparison.OrdinalIgnoreCase) ||
        name.Equals("manifest.json", StringComparison.OrdinalIgnoreCase) ||
        name.Equals(".flowcorrelator-manifest.json", StringComparison.OrdinalIgnoreCase);

    /// <summary>Sorts inputs into flow logs, CloudTrail, snapshots and digests.</summary>
    public static ClassifiedInputs Classify(IEnumerable<LogInput> inputs, CancellationToken cancellationToken = default)
    {
        var flows = new List<LogInput>();
        var trails = new List<LogInput>();
        var snapshots = new List<LogInput>();
        var digests = new List<LogInput>();
        var unknown = new List<LogInput>();
        foreach (LogInput input in inputs)
        {
            switch (Classify(input, cancellationToken))
            {
                case LogFileKind.FlowLog: flows.Add(input); break;
                case LogFileKind.CloudTrail: trails.Add(input); break;
                case LogFileKind.Snapshot: snapshots.Add(input); break;
                case LogFileKind.CloudTrailDigest: digests.Add(input); break;
                default: unknown.Add(input); break;
            }
        }

        return new ClassifiedInputs(flows, trails, snapshots, digests, unknown);
    }

    /// <summary>What one input holds: by its name where that is conclusive, else by its first bytes.</summary>
    public static LogFileKind Classify(LogInput input, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(input);
        string name = input.Name.Replace('\\', '/');
        if (name.Contains("/CloudTrail-Digest/", StringComparison.Ordinal) || name.Contains("_CloudTrail-Digest_", StringComparison.Ordinal))
        {
            return LogFileKind.CloudTrailDigest;
        }

        if (name.Contains("/vpcflowlogs/", StringComparison.Ordinal) || name.Contains("_vpcflowlogs_", StringComparison.Ordinal) ||
            name.Contains("aws-service=vpcflowlogs", StringComparison.Ordinal) || name.EndsWith(".parquet", StringComparison.OrdinalIgnoreCase))
        {
            return LogFileKind.FlowLog;
        }

        if (name.Contains("_CloudTrail_", StringComparison.Ordinal))
        {
            return LogFileKind.CloudTrail;
        }

        return Sniff(input, cancellationToken);
    }

    private static LogFileKind Sniff(LogInput input, CancellationToken cancellationToken)
    {
        byte[] head = new byte[8192];
        int n = 0;
        InputEncoding encoding;
        try
        {
            using Stream raw = input.Open(cancellationToken);
            using Stream text = InputDecoder.OpenText(raw, ReaderOptions.Default, out encoding);
            if (encoding == InputEncoding.Parquet)
            {
                return LogFileKind.FlowLog;
            }

            try
            {
                while (n < head.Length)
                {
                    int r = text.Read(head, n, head.Length - n);
                    if (r == 0)
                    {
                        break;
                    }

                    n += r;
                }
            }
            catch (InvalidDataException) when (n > 0)
            {
                // A small damaged or cut gzip file: what inflated still tells the kind; the reader reports the damage.
            }
        }
        catch (Exception ex) when (ex is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            // Unreadable heads are reported by the reader that gets the file; a name ending in .json goes to the JSON reader.
            return input.Name.Contains(".json", StringComparison.OrdinalIgnoreCase) ? LogFileKind.CloudTrail : LogFileKind.FlowLog;
        }

        ReadOnlySpan<byte> span = head.AsSpan(0, n);
        if (span.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]))
        {
            span = span[3..];
        }

        span = span.TrimStart(" \t\r\n"u8);
        if (span.IsEmpty)
        {
            // An empty file: report it where its name points.
            return input.Name.Contains(".json", StringComparison.OrdinalIgnoreCase) ? LogFileKind.CloudTrail : LogFileKind.FlowLog;
        }

        if (span.IndexOf((byte)0) >= 0 && span.IndexOf((byte)'\n') < 0)
        {
            // NUL bytes and no line in the first 8 KiB: not text, not gzip, not Parquet (an image, an archive of another kind).
            return LogFileKind.Unknown;
        }

        if (span[0] is (byte)'{' or (byte)'[')
        {
            if (Contains(span, "\"digestPublicKeyFingerprint\"") || Contains(span, "\"digestStartTime\""))
            {
                return LogFileKind.CloudTrailDigest;
            }

            if (Contains(span, "\"Reservations\"") || Contains(span, "\"NetworkInterfaces\"") || Contains(span, "\"SecurityGroups\"") || Contains(span, "\"SecurityGroupRules\"") || Contains(span, "\"Vpcs\""))
            {
                return LogFileKind.Snapshot;
            }

            return LogFileKind.CloudTrail;
        }

        return LogFileKind.FlowLog;
    }

    private static bool Contains(ReadOnlySpan<byte> haystack, string needle) => haystack.IndexOf(Encoding.ASCII.GetBytes(needle)) >= 0;
}

/// <summary>A source could not be listed or opened at all (missing bucket, bad credentials, unreachable endpoint).</summary>
public sealed class SourceException : Exception
{
    /// <summary>Creates the exception.</summary>
    public SourceException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }

    /// <summary>Creates the exception.</summary>
    public SourceException()
    {
    }

    /// <summary>Creates the exception.</summary>
    public SourceException(string message)
        : base(message)
    {
    }
}
