namespace FlowCorrelator.Ingest;

/// <summary>
/// One input object: a local file, an S3 object or an in-memory buffer. Opening gives the raw (possibly compressed)
/// bytes; the readers detect gzip and Parquet by content, not by name.
/// </summary>
public sealed class LogInput
{
    private readonly Func<CancellationToken, Stream> _open;

    /// <summary>Creates an input.</summary>
    /// <param name="name">Path or URI shown in diagnostics; also used to classify the file.</param>
    /// <param name="open">Opens a fresh read stream over the raw bytes.</param>
    /// <param name="length">Size in bytes when known (used to schedule big files first).</param>
    public LogInput(string name, Func<CancellationToken, Stream> open, long? length = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(open);
        Name = name;
        _open = open;
        Length = length;
    }

    /// <summary>Path or URI.</summary>
    public string Name { get; }

    /// <summary>Raw size in bytes, when known.</summary>
    public long? Length { get; }

    /// <summary>Opens the raw bytes.</summary>
    public Stream Open(CancellationToken cancellationToken = default) => _open(cancellationToken);

    /// <summary>A local file.</summary>
    public static LogInput FromFile(string path)
    {
        var info = new FileInfo(path);
        return new LogInput(path, _ => new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan), info.Exists ? info.Length : null);
    }

    /// <summary>An in-memory buffer (tests, embedded data).</summary>
    public static LogInput FromBytes(string name, byte[] bytes) =>
        new(name, _ => new MemoryStream(bytes, writable: false), bytes.Length);

    /// <inheritdoc/>
    public override string ToString() => Name;
}
