using System.Collections.Concurrent;
using System.Text;

namespace FlowCorrelator.Ingest;

/// <summary>What a file was recognised as.</summary>
public enum LogFileKind
{
    /// <summary>Not recognised as either kind of log.</summary>
    Unknown,

    /// <summary>A VPC flow-log file (text or Parquet).</summary>
    FlowLog,

    /// <summary>A CloudTrail log file.</summary>
    CloudTrail,

    /// <summary>A CloudTrail digest file (integrity validation); skipped.</summary>
    CloudTrailDigest,

    /// <summary>An <c>aws ec2 describe-*</c> JSON snapshot.</summary>
    Snapshot,

    /// <summary>An AWS Config file of configuration items (ConfigHistory, ConfigSnapshot, <c>get-resource-config-history</c> output).</summary>
    AwsConfig,
}

/// <summary>Why a line, record or file could not be (fully) read.</summary>
public enum ProblemReason
{
    /// <summary>The line has a different number of fields than the file's format.</summary>
    FieldCount,

    /// <summary>A numeric field is not a number.</summary>
    InvalidNumber,

    /// <summary>A port is outside 0–65535 or a protocol outside 0–255.</summary>
    OutOfRange,

    /// <summary>An address field is not an IPv4 or IPv6 address.</summary>
    InvalidAddress,

    /// <summary>An enumerated field (action, log-status, flow-direction) has an unknown value.</summary>
    InvalidValue,

    /// <summary>The line is longer than the configured maximum.</summary>
    LineTooLong,

    /// <summary>The line holds bytes that are not text (NUL or other control bytes).</summary>
    BinaryData,

    /// <summary>The compressed stream is damaged or ends early.</summary>
    CorruptCompression,

    /// <summary>The file inflates beyond the configured limit (decompression bomb guard).</summary>
    InflateLimit,

    /// <summary>The file could not be opened or read.</summary>
    IoError,

    /// <summary>The JSON is not well formed.</summary>
    InvalidJson,

    /// <summary>A record lacks a field it must have, or a field has the wrong type.</summary>
    InvalidRecord,

    /// <summary>The JSON nests deeper than the configured maximum.</summary>
    TooDeep,

    /// <summary>The file's format is not supported (e.g. Transit Gateway flow logs, a Parquet file without the needed columns).</summary>
    UnsupportedFormat,

    /// <summary>Text that is not valid UTF-8; the bytes were replaced with U+FFFD and the record was still read.</summary>
    InvalidEncoding,

    /// <summary>
    /// The record was read, but the resource it changed cannot be told from the evidence (e.g. a DeleteSecurityGroup or
    /// an Authorize/RevokeSecurityGroupIngress by a group name that no, or more than one, known group could carry); it
    /// was not applied.
    /// </summary>
    Unresolved,
}

/// <summary>One problem found while reading, with its position.</summary>
/// <param name="Path">File (or S3 URI) the problem is in.</param>
/// <param name="Line">1-based line number, or 0 when the position is a byte offset only.</param>
/// <param name="ByteOffset">Offset of the line (or the failure) in the decompressed stream.</param>
/// <param name="Reason">Category.</param>
/// <param name="Message">Human-readable detail, including the field name where known.</param>
/// <param name="Excerpt">The start of the offending line with control bytes escaped (at most 200 characters).</param>
public sealed record InputProblem(string Path, long Line, long ByteOffset, ProblemReason Reason, string Message, string? Excerpt)
{
    /// <inheritdoc/>
    public override string ToString() =>
        Line > 0 ? $"{Path}:{Line} (byte {ByteOffset}): {Reason}: {Message}" : $"{Path} (byte {ByteOffset}): {Reason}: {Message}";

    internal static string MakeExcerpt(ReadOnlySpan<byte> bytes)
    {
        const int Max = 200;
        var sb = new StringBuilder(Math.Min(bytes.Length, Max) + 8);
        foreach (byte b in bytes)
        {
            if (sb.Length >= Max)
            {
                sb.Append('…');
                break;
            }

            if (b is >= 0x20 and < 0x7F)
            {
                sb.Append((char)b);
            }
            else
            {
                sb.Append("\\x").Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        return sb.ToString();
    }
}

/// <summary>Counts for one input file. Filled by one reader thread, then read-only.</summary>
public sealed class FileReport
{
    private readonly List<InputProblem> _samples = [];
    private readonly int _maxSamples;

    internal FileReport(string path, LogFileKind kind, int maxSamples)
    {
        Path = path;
        Kind = kind;
        _maxSamples = maxSamples;
    }

    /// <summary>File path or URI.</summary>
    public string Path { get; }

    /// <summary>What the file was read as.</summary>
    public LogFileKind Kind { get; internal set; }

    /// <summary>Format detail, e.g. <c>text v5 (header)</c> or <c>parquet</c>.</summary>
    public string? Format { get; internal set; }

    /// <summary>Lines read (text), including header and blank lines.</summary>
    public long Lines { get; internal set; }

    /// <summary>Records read successfully (flow rows with any log-status, or CloudTrail records).</summary>
    public long Records { get; internal set; }

    /// <summary>Flow rows with log-status NODATA.</summary>
    public long NoData { get; internal set; }

    /// <summary>Flow rows with log-status SKIPDATA.</summary>
    public long SkipData { get; internal set; }

    /// <summary>Lines or records that could not be read.</summary>
    public long Malformed { get; internal set; }

    /// <summary>Blank lines (ignored, counted so that every line is accounted for).</summary>
    public long Blank { get; internal set; }

    /// <summary>Header lines.</summary>
    public long Headers { get; internal set; }

    /// <summary>A problem that stopped reading the rest of the file (corrupt gzip, I/O error, limit), if any.</summary>
    public InputProblem? FatalError { get; internal set; }

    /// <summary>Decompressed bytes read.</summary>
    public long BytesRead { get; internal set; }

    /// <summary>
    /// Which inflater read a gzip flow-log file (<see cref="Ingest.Inflater.Native"/> or
    /// <see cref="Ingest.Inflater.Managed"/>); <c>null</c> when the file was not gzip or not read.
    /// </summary>
    public Inflater? Inflater { get; internal set; }

    /// <summary>
    /// True when the native inflater was tried and could not inflate the whole file (damaged, truncated, over a limit),
    /// so the managed inflater read it again from the start and gave the records and problems reported.
    /// </summary>
    public bool NativeInflaterFellBack { get; internal set; }

    /// <summary>The first problems found (capped; <see cref="Malformed"/> has the full count).</summary>
    public IReadOnlyList<InputProblem> Samples => _samples;

    /// <summary>True when some part of the file could not be read.</summary>
    public bool HasProblems => Malformed > 0 || FatalError is not null;

    /// <summary>A report for a file that was recognised and deliberately not read (e.g. a CloudTrail digest).</summary>
    public static FileReport Skipped(string path, LogFileKind kind, string format) => new(path, kind, 0) { Format = format };

    /// <summary>
    /// A report for a file whose first bytes are none of the known kinds: reported once, not read line by line. The
    /// user pointed at it, so its absence from the answers must be visible (and it counts as a problem).
    /// </summary>
    public static FileReport Unknown(string path)
    {
        FileReport report = Skipped(path, LogFileKind.Unknown, "unknown");
        report.Fail(new InputProblem(path, 0, 0, ProblemReason.UnsupportedFormat, "not a flow-log, CloudTrail or snapshot file (its first bytes are neither gzip, Parquet, JSON nor a flow-log header or line); skipped", null));
        return report;
    }

    internal void AddProblem(InputProblem problem)
    {
        Malformed++;
        if (_samples.Count < _maxSamples)
        {
            _samples.Add(problem);
        }
    }

    internal void Fail(InputProblem problem)
    {
        FatalError ??= problem;
        if (_samples.Count < _maxSamples)
        {
            _samples.Add(problem);
        }
    }
}

/// <summary>
/// Diagnostics for a whole run: one <see cref="FileReport"/> per input file. Thread-safe for adding reports.
/// </summary>
public sealed class IngestDiagnostics
{
    private readonly ConcurrentQueue<FileReport> _files = new();

    /// <summary>Every file, sorted by path.</summary>
    public IReadOnlyList<FileReport> Files => [.. _files.OrderBy(f => f.Path, StringComparer.Ordinal)];

    /// <summary>
    /// What each source the user gave held (empty when the inputs were not classified per source). An empty source
    /// appears here only when the run was allowed to go on without it.
    /// </summary>
    public IReadOnlyList<SourceContents> Sources { get; set; } = [];

    /// <summary>True when any file had a problem.</summary>
    public bool HasProblems => _files.Any(f => f.HasProblems);

    private long _outsideWindow;
    private long _unknownInterface;

    /// <summary>OK flow records whose start lies outside the requested window (read, not used).</summary>
    public long RecordsOutsideWindow => Interlocked.Read(ref _outsideWindow);

    /// <summary>
    /// OK flow records on an interface the evidence does not know at the record's time (no CloudTrail or snapshot
    /// mentions it, or it did not exist then): read, but nothing can be said about their workload.
    /// </summary>
    public long RecordsOnUnknownInterfaces => Interlocked.Read(ref _unknownInterface);

    /// <summary>Adds per-thread coverage counts from a pass.</summary>
    public void AddCoverage(long outsideWindow, long unknownInterface)
    {
        Interlocked.Add(ref _outsideWindow, outsideWindow);
        Interlocked.Add(ref _unknownInterface, unknownInterface);
    }

    private readonly Lock _attributionLock = new();
    private AttributionCounts _attribution;
    private readonly List<AttributionConflict> _conflicts = [];

    /// <summary>How the pass attributed the OK records inside the window to instances (docs/semantics.md).</summary>
    public AttributionCounts Attribution
    {
        get
        {
            lock (_attributionLock)
            {
                return _attribution;
            }
        }
    }

    /// <summary>
    /// The first <see cref="AttributionConflict.MaxListed"/> disagreements between the flow records and the index, in
    /// (file, line) order.
    /// </summary>
    public IReadOnlyList<AttributionConflict> AttributionConflicts
    {
        get
        {
            lock (_attributionLock)
            {
                return [.. _conflicts];
            }
        }
    }

    /// <summary>Adds per-thread attribution counts and conflicts from a pass.</summary>
    public void AddAttribution(AttributionCounts counts, IEnumerable<AttributionConflict> conflicts)
    {
        ArgumentNullException.ThrowIfNull(conflicts);
        lock (_attributionLock)
        {
            _attribution += counts;
            _conflicts.AddRange(conflicts);
            _conflicts.Sort(AttributionConflict.Compare);
            if (_conflicts.Count > AttributionConflict.MaxListed)
            {
                _conflicts.RemoveRange(AttributionConflict.MaxListed, _conflicts.Count - AttributionConflict.MaxListed);
            }
        }
    }

    /// <summary>Adds a finished report.</summary>
    public void Add(FileReport report) => _files.Enqueue(report);

    /// <summary>Sum over files of a kind.</summary>
    public long Sum(LogFileKind kind, Func<FileReport, long> selector) => _files.Where(f => f.Kind == kind).Sum(selector);
}

/// <summary>
/// How OK flow records inside the window were attributed to instances, and where the flow records and the index
/// disagreed (docs/semantics.md, "The flow record as evidence"). <c>ByIndex + ByInstanceId + Unattributed</c> is every
/// such record.
/// </summary>
public readonly record struct AttributionCounts
{
    /// <summary>The index knew an attachment of the record's interface at its start.</summary>
    public long ByIndex { get; init; }

    /// <summary>No attachment in the index; the record's own <c>instance-id</c> named the instance.</summary>
    public long ByInstanceId { get; init; }

    /// <summary>Neither: no attachment in the index and no <c>instance-id</c> in the record.</summary>
    public long Unattributed { get; init; }

    /// <summary>The index knew an attachment to one instance and the record's <c>instance-id</c> named another.</summary>
    public long InstanceIdConflicts { get; init; }

    /// <summary>The record's instance had no tag the index knew, and a mapped tag field of the record had a value.</summary>
    public long ByTagField { get; init; }

    /// <summary>A mapped tag field's value (not <c>-</c>) differed from the index's value of that key for the record's instance.</summary>
    public long TagFieldConflicts { get; init; }

    /// <summary>Field-wise sum.</summary>
    public static AttributionCounts operator +(AttributionCounts a, AttributionCounts b) => new()
    {
        ByIndex = a.ByIndex + b.ByIndex,
        ByInstanceId = a.ByInstanceId + b.ByInstanceId,
        Unattributed = a.Unattributed + b.Unattributed,
        InstanceIdConflicts = a.InstanceIdConflicts + b.InstanceIdConflicts,
        ByTagField = a.ByTagField + b.ByTagField,
        TagFieldConflicts = a.TagFieldConflicts + b.TagFieldConflicts,
    };
}

/// <summary>One record where a flow-log field and the index disagreed; the index's answer was kept.</summary>
/// <param name="File">The flow-log file (null for records given in memory).</param>
/// <param name="Line">1-based line or row (in memory: the record's position).</param>
/// <param name="InterfaceId">The record's interface.</param>
/// <param name="Time">The record's start.</param>
/// <param name="Field">The field: <c>instance-id</c>, or the tag field and its key (<c>instance-tag (Name)</c>).</param>
/// <param name="RecordValue">What the record said.</param>
/// <param name="IndexValue">What the index said (<c>-</c>: it has no value for the key).</param>
public sealed record AttributionConflict(string? File, long Line, string InterfaceId, DateTimeOffset Time, string Field, string RecordValue, string IndexValue)
{
    /// <summary>Most conflicts listed (all are counted).</summary>
    public const int MaxListed = 20;

    /// <summary>(file, line, field) order.</summary>
    internal static int Compare(AttributionConflict a, AttributionConflict b)
    {
        int c = string.CompareOrdinal(a.File, b.File);
        if (c == 0)
        {
            c = a.Line.CompareTo(b.Line);
        }

        return c != 0 ? c : string.CompareOrdinal(a.Field, b.Field);
    }
}
