using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using FlowCorrelator.Ingest;

namespace FlowCorrelator.Aws;

/// <summary>
/// Mirrors an S3 log archive to a local folder: the same pruned listing as <see cref="S3LogSource"/>, each object
/// saved under its key as a relative path, several at once, through a temporary file that is moved into place only
/// when complete. A manifest (<see cref="ManifestFileName"/>: key, size, ETag, SHA-256; never credentials) lets a
/// second run skip what it already has and <see cref="Verify"/> re-check the copy.
/// </summary>
/// <threadsafety>One run at a time per output folder.</threadsafety>
public sealed class S3Mirror
{
    /// <summary>File name of the manifest, at the root of the output folder.</summary>
    public const string ManifestFileName = ".flowcorrelator-manifest.json";

    private readonly S3LogSource _source;
    private readonly int _maxParallelism;

    /// <summary>Creates a mirror that lists and reads through <paramref name="source"/>.</summary>
    /// <param name="source">The S3 source (client, endpoint, retry policy).</param>
    /// <param name="maxParallelism">Objects downloaded at once.</param>
    public S3Mirror(S3LogSource source, int maxParallelism = 4)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxParallelism, 1);
        _source = source;
        _maxParallelism = maxParallelism;
    }

    /// <summary>Downloads the objects under <paramref name="location"/> that match <paramref name="filter"/> into <paramref name="outputDirectory"/>.</summary>
    /// <returns>Counts, and one problem per object that was refused (unsafe key) or failed.</returns>
    /// <exception cref="SourceException">The location cannot be listed (missing bucket, access denied, unreachable).</exception>
    /// <exception cref="InvalidOperationException">The folder already mirrors another bucket.</exception>
    public async Task<MirrorResult> RunAsync(string location, string outputDirectory, SourceFilter? filter = null, IProgress<MirrorProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(location);
        ArgumentException.ThrowIfNullOrEmpty(outputDirectory);
        S3Location parsed = S3Location.Parse(location);
        string root = Path.GetFullPath(outputDirectory);
        Directory.CreateDirectory(root);
        MirrorManifest manifest = MirrorManifest.Load(root) ?? new MirrorManifest { Bucket = parsed.Bucket };
        if (!string.Equals(manifest.Bucket, parsed.Bucket, StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"{root} mirrors s3://{manifest.Bucket}, not s3://{parsed.Bucket}; use another --output folder.");
        }

        var entries = new ConcurrentDictionary<string, ManifestEntry>(manifest.Entries.Select(e => KeyValuePair.Create(e.Key, e)), StringComparer.Ordinal);
        List<S3ObjectInfo> objects = [.. _source.ListObjects(parsed, filter ?? SourceFilter.All, cancellationToken)];
        var problems = new ConcurrentBag<MirrorProblem>();
        int done = 0;
        int downloaded = 0;
        int skipped = 0;
        long bytes = 0;
        try
        {
            await Parallel.ForEachAsync(
                objects,
                new ParallelOptions { MaxDegreeOfParallelism = _maxParallelism, CancellationToken = cancellationToken },
                async (o, ct) =>
                {
                    MirrorAction action;
                    long size = 0;
                    if (UnsafeKeyReason(o.Key) is { } reason || !TryLocalPath(root, o.Key, out string path, out reason))
                    {
                        problems.Add(new MirrorProblem(o.Key, $"refused key '{o.Key}': {reason}"));
                        action = MirrorAction.Refused;
                    }
                    else if (entries.TryGetValue(o.Key, out ManifestEntry? known) && known.Size == o.Size && o.ETag is not null &&
                        string.Equals(known.ETag, o.ETag, StringComparison.Ordinal) && new FileInfo(path) is { Exists: true } local && local.Length == o.Size)
                    {
                        Interlocked.Increment(ref skipped);
                        action = MirrorAction.Skipped;
                    }
                    else
                    {
                        try
                        {
                            ManifestEntry entry = await DownloadAsync(o, path, ct).ConfigureAwait(false);
                            entries[o.Key] = entry;
                            size = entry.Size;
                            Interlocked.Increment(ref downloaded);
                            Interlocked.Add(ref bytes, entry.Size);
                            action = MirrorAction.Downloaded;
                        }
                        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                        {
                            problems.Add(new MirrorProblem(o.Key, ex.Message));
                            action = MirrorAction.Failed;
                        }
                    }

                    progress?.Report(new MirrorProgress(o.Uri, size, action, Interlocked.Increment(ref done), objects.Count));
                }).ConfigureAwait(false);
        }
        finally
        {
            // Saved even after a failure or cancellation, so what did arrive is not fetched again.
            manifest.Entries = [.. entries.Values.OrderBy(e => e.Key, StringComparer.Ordinal)];
            manifest.Save(root);
        }

        return new MirrorResult(objects.Count, downloaded, skipped, bytes, [.. problems.OrderBy(p => p.Key, StringComparer.Ordinal)]);
    }

    /// <summary>Re-hashes every file the manifest in <paramref name="outputDirectory"/> lists and reports missing or changed ones.</summary>
    /// <exception cref="FileNotFoundException">The folder has no manifest.</exception>
    public static VerifyResult Verify(string outputDirectory, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(outputDirectory);
        string root = Path.GetFullPath(outputDirectory);
        MirrorManifest manifest = MirrorManifest.Load(root)
            ?? throw new FileNotFoundException($"{Path.Combine(root, ManifestFileName)} not found: nothing to verify.", Path.Combine(root, ManifestFileName));
        var problems = new List<MirrorProblem>();
        foreach (ManifestEntry e in manifest.Entries)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (UnsafeKeyReason(e.Key) is { } reason || !TryLocalPath(root, e.Key, out string path, out reason))
            {
                problems.Add(new MirrorProblem(e.Key, $"manifest key refused: {reason}"));
                continue;
            }

            var info = new FileInfo(path);
            if (!info.Exists)
            {
                problems.Add(new MirrorProblem(e.Key, "missing"));
                continue;
            }

            if (info.Length != e.Size)
            {
                problems.Add(new MirrorProblem(e.Key, $"size is {info.Length}, the manifest says {e.Size}"));
                continue;
            }

            using FileStream file = File.OpenRead(path);
            string sha = Convert.ToHexStringLower(SHA256.HashData(file));
            if (!string.Equals(sha, e.Sha256, StringComparison.OrdinalIgnoreCase))
            {
                problems.Add(new MirrorProblem(e.Key, "SHA-256 differs from the manifest"));
            }
        }

        return new VerifyResult(manifest.Entries.Count, problems);
    }

    /// <summary>Why a key cannot be a relative path under the output folder, or null when it can.</summary>
    internal static string? UnsafeKeyReason(string key)
    {
        if (string.IsNullOrEmpty(key))
        {
            return "empty key";
        }

        if (key.Contains('\\', StringComparison.Ordinal))
        {
            return "contains a backslash";
        }

        if (key.AsSpan().IndexOfAnyInRange('\0', '\x1f') >= 0)
        {
            return "contains a control character";
        }

        if (key[0] == '/' || (key.Length >= 2 && key[1] == ':'))
        {
            return "is an absolute path";
        }

        foreach (string segment in key.Split('/'))
        {
            if (segment == "..")
            {
                return "contains '..' and would escape the output folder";
            }

            if (segment.Length == 0 || segment == ".")
            {
                return "contains an empty or '.' path segment";
            }
        }

        return string.Equals(key, ManifestFileName, StringComparison.OrdinalIgnoreCase) ? "would overwrite the manifest" : null;
    }

    /// <summary>The full local path of a key, refusing anything that resolves outside <paramref name="root"/>.</summary>
    internal static bool TryLocalPath(string root, string key, out string path, out string? reason)
    {
        path = Path.GetFullPath(Path.Combine(root, key.Replace('/', Path.DirectorySeparatorChar)));
        string rootWithSeparator = Path.EndsInDirectorySeparator(root) ? root : root + Path.DirectorySeparatorChar;
        if (!path.StartsWith(rootWithSeparator, OperatingSystem.IsWindows() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal))
        {
            reason = "resolves outside the output folder";
            return false;
        }

        reason = null;
        return true;
    }

    private async Task<ManifestEntry> DownloadAsync(S3ObjectInfo o, string path, CancellationToken cancellationToken)
    {
        string directory = Path.GetDirectoryName(path)!;
        Directory.CreateDirectory(directory);
        string temp = Path.Combine(directory, "." + Path.GetFileName(path) + "." + Guid.NewGuid().ToString("N")[..8] + ".part");
        try
        {
            long size = 0;
            string sha;
            string? etag;
            using (var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256))
            {
                await using var body = (ResumableObjectStream)_source.OpenObject(o.Bucket, o.Key, cancellationToken);
                await using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous))
                {
                    byte[] buffer = new byte[1 << 16];
                    int n;
                    while ((n = await body.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
                    {
                        hash.AppendData(buffer, 0, n);
                        await file.WriteAsync(buffer.AsMemory(0, n), cancellationToken).ConfigureAwait(false);
                        size += n;
                    }

                    await file.FlushAsync(cancellationToken).ConfigureAwait(false);
                }

                sha = Convert.ToHexStringLower(hash.GetHashAndReset());
                etag = body.ETag ?? o.ETag;
            }

            File.Move(temp, path, overwrite: true);
            return new ManifestEntry { Key = o.Key, Size = size, ETag = etag, Sha256 = sha };
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // A leftover .part file is harmless: it is hidden, never in the manifest, and never read as a log.
        }
    }
}

/// <summary>What happened to one object.</summary>
public enum MirrorAction
{
    /// <summary>Downloaded (new or changed).</summary>
    Downloaded,

    /// <summary>Already present with the same size and ETag.</summary>
    Skipped,

    /// <summary>Its key would escape the output folder.</summary>
    Refused,

    /// <summary>The download failed.</summary>
    Failed,
}

/// <summary>Progress of a mirror run, reported once per object.</summary>
/// <param name="Uri">The object's <c>s3://</c> URI.</param>
/// <param name="Bytes">Bytes downloaded for it (0 when skipped).</param>
/// <param name="Action">What happened.</param>
/// <param name="Done">Objects handled so far.</param>
/// <param name="Total">Objects listed.</param>
public readonly record struct MirrorProgress(string Uri, long Bytes, MirrorAction Action, int Done, int Total);

/// <summary>One object that was refused or failed, or one file that failed verification.</summary>
/// <param name="Key">The S3 key.</param>
/// <param name="Message">What went wrong.</param>
public sealed record MirrorProblem(string Key, string Message);

/// <summary>The outcome of a mirror run.</summary>
/// <param name="Listed">Objects listed after pruning.</param>
/// <param name="Downloaded">Objects downloaded.</param>
/// <param name="Skipped">Objects already present.</param>
/// <param name="BytesDownloaded">Bytes downloaded.</param>
/// <param name="Problems">Refused keys and failed downloads.</param>
public sealed record MirrorResult(int Listed, int Downloaded, int Skipped, long BytesDownloaded, IReadOnlyList<MirrorProblem> Problems);

/// <summary>The outcome of <see cref="S3Mirror.Verify"/>.</summary>
/// <param name="Checked">Manifest entries checked.</param>
/// <param name="Problems">Missing or changed files.</param>
public sealed record VerifyResult(int Checked, IReadOnlyList<MirrorProblem> Problems)
{
    /// <summary>True when every file matched.</summary>
    public bool Ok => Problems.Count == 0;
}

/// <summary>The manifest file. Holds only the bucket name and per-object facts: no endpoint, profile or credential.</summary>
internal sealed class MirrorManifest
{
    public int Version { get; set; } = 1;

    public string Bucket { get; set; } = string.Empty;

    public List<ManifestEntry> Entries { get; set; } = [];

    public static MirrorManifest? Load(string root)
    {
        string path = Path.Combine(root, S3Mirror.ManifestFileName);
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            using FileStream file = File.OpenRead(path);
            return JsonSerializer.Deserialize(file, ManifestJson.Default.MirrorManifest)
                ?? throw new InvalidDataException("empty manifest");
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"{path} is not a valid manifest: {ex.Message}", ex);
        }
    }

    public void Save(string root)
    {
        string path = Path.Combine(root, S3Mirror.ManifestFileName);
        string temp = path + "." + Guid.NewGuid().ToString("N")[..8] + ".part";
        using (FileStream file = new(temp, FileMode.CreateNew, FileAccess.Write))
        {
            JsonSerializer.Serialize(file, this, ManifestJson.Default.MirrorManifest);
        }

        File.Move(temp, path, overwrite: true);
    }
}

/// <summary>One mirrored object.</summary>
internal sealed class ManifestEntry
{
    public string Key { get; set; } = string.Empty;

    public long Size { get; set; }

    [JsonPropertyName("etag")]
    public string? ETag { get; set; }

    public string Sha256 { get; set; } = string.Empty;
}

[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(MirrorManifest))]
internal sealed partial class ManifestJson : JsonSerializerContext;
