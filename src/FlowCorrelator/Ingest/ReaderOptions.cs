namespace FlowCorrelator.Ingest;

/// <summary>Limits and policies shared by the flow-log and CloudTrail readers. Immutable; change with <c>with</c>.</summary>
public sealed record ReaderOptions
{
    /// <summary>The defaults: count problems, keep 10 samples per file, 1 MiB lines, 16 GiB and 1000:1 inflate limits.</summary>
    public static ReaderOptions Default { get; } = new();

    /// <summary>Layout for flow-log files without a header line; <c>null</c> means the default v2 format.</summary>
    public FlowLogSchema? FlowFormat { get; init; }

    /// <summary>When true, the first malformed line or record throws <see cref="LogFormatException"/>.</summary>
    public bool Strict { get; init; }

    /// <summary>Problems kept as samples per file (all are counted).</summary>
    public int MaxSamplesPerFile { get; init; } = 10;

    /// <summary>Longest accepted flow-log line, in bytes; longer lines are reported and skipped.</summary>
    public int MaxLineLength { get; init; } = 1 << 20;

    /// <summary>Most decompressed bytes read from one file (decompression-bomb guard).</summary>
    public long MaxInflatedBytes { get; init; } = 16L << 30;

    /// <summary>Largest decompressed:compressed ratio accepted once a file has inflated past 64 MiB.</summary>
    public int MaxInflateRatio { get; init; } = 1000;

    /// <summary>Deepest JSON nesting accepted in CloudTrail and snapshot files.</summary>
    public int MaxJsonDepth { get; init; } = 64;

    /// <summary>Largest single JSON record (CloudTrail record) in bytes.</summary>
    public int MaxJsonRecordBytes { get; init; } = 8 << 20;

    /// <summary>Files read at once; defaults to the processor count.</summary>
    public int MaxParallelism { get; init; } = Environment.ProcessorCount;

    /// <summary>
    /// Which inflater reads gzip flow-log files: <see cref="Inflater.Auto"/> (the default) takes libdeflate where the
    /// machine has it, <see cref="Inflater.Native"/> requires it, <see cref="Inflater.Managed"/> never uses it. Whatever
    /// is chosen, the records and diagnostics are the same; see <see cref="Ingest.Inflater"/>.
    /// </summary>
    public Inflater Inflater { get; init; } = Inflater.Auto;

    /// <summary>True when libdeflate was found on this machine (so <see cref="Inflater.Native"/> can be asked for).</summary>
    public static bool NativeInflaterAvailable => Libdeflate.Shared is not null;

    /// <summary>Checks the values.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A limit is not positive.</exception>
    /// <exception cref="NotSupportedException"><see cref="Inflater.Native"/> was asked for and libdeflate is not on this machine.</exception>
    public void Validate()
    {
        if (Inflater == Inflater.Native)
        {
            _ = NativeInflater(Libdeflate.Shared);
        }

        ArgumentOutOfRangeException.ThrowIfNegative(MaxSamplesPerFile);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxLineLength, 64);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxInflatedBytes, 1024);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxInflateRatio, 2);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxJsonDepth, 8);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxJsonRecordBytes, 1024);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxParallelism, 1);
    }

    /// <summary>
    /// The native inflater gzip flow-log files are read with under these options, or <c>null</c> for the managed one.
    /// </summary>
    /// <param name="library">The library found on this machine (a parameter so that its absence can be tested).</param>
    /// <exception cref="NotSupportedException"><see cref="Inflater.Native"/> without the library.</exception>
    internal Libdeflate? NativeInflater(Libdeflate? library) => Inflater switch
    {
        Inflater.Managed => null,
        Inflater.Native => library ?? throw new NotSupportedException(
            "--inflater native: libdeflate was not found on this machine (tried " + string.Join(", ", Libdeflate.LibraryNames) +
            "). Install it (Debian/Ubuntu: apt-get install libdeflate0; macOS: brew install libdeflate; Windows: vcpkg install libdeflate) or use --inflater auto or managed."),
        _ => library,
    };
}

/// <summary>
/// The inflater for gzip flow-log files. Both give the same records and the same diagnostics: the native one
/// (libdeflate, whole file at once) is used for files up to 32 MiB compressed and 64 MiB inflated, and any file it
/// cannot inflate completely (damaged, truncated, data after the last member, over a limit) is read again from the
/// start by the managed one, which reports the problem and keeps the lines before it.
/// </summary>
public enum Inflater
{
    /// <summary>libdeflate when this machine has it, else the managed inflater.</summary>
    Auto,

    /// <summary>libdeflate; reading fails at once (<see cref="NotSupportedException"/>) when it is not installed.</summary>
    Native,

    /// <summary><see cref="System.IO.Compression.GZipStream"/> (zlib-ng), streaming.</summary>
    Managed,
}

/// <summary>Thrown in strict mode for the first malformed input, with its position.</summary>
public sealed class LogFormatException : FormatException
{
    internal LogFormatException(InputProblem problem)
        : base(problem.ToString())
    {
        Problem = problem;
    }

    /// <summary>The problem, with file, line and byte offset.</summary>
    public InputProblem Problem { get; }

    /// <summary>File or URI.</summary>
    public string FilePath => Problem.Path;

    /// <summary>1-based line, or 0.</summary>
    public long LineNumber => Problem.Line;

    /// <summary>Byte offset in the decompressed stream.</summary>
    public long ByteOffset => Problem.ByteOffset;
}
