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

    /// <summary>Checks the values.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A limit is not positive.</exception>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfNegative(MaxSamplesPerFile);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxLineLength, 64);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxInflatedBytes, 1024);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxInflateRatio, 2);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxJsonDepth, 8);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxJsonRecordBytes, 1024);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxParallelism, 1);
    }
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
