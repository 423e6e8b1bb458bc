using System.Buffers;
using System.Diagnostics;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.CompilerServices;

namespace FlowCorrelator.Ingest;

/// <summary>
/// Reads VPC flow-log files (gzip or plain text, any version and field order, and Parquet) and hands each record to a
/// sink. Streams: memory is one buffer per file being read, whatever the file size. Malformed lines are counted with
/// their position and the rest of the file is read.
/// </summary>
/// <threadsafety>Instances are immutable and may read several files at once; each call needs its own sink.</threadsafety>
public sealed partial class FlowLogReader
{
    private const int InitialBuffer = 1 << 16;
    private const int PendingLineRescanLimit = 4096;

    private readonly Libdeflate? _native;

    /// <summary>Creates a reader.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A limit in <paramref name="options"/> is not valid.</exception>
    /// <exception cref="NotSupportedException"><see cref="Inflater.Native"/> was asked for and libdeflate is not on this machine.</exception>
    public FlowLogReader(ReaderOptions? options = null)
        : this(options, Libdeflate.Shared)
    {
    }

    /// <summary>Creates a reader that finds <paramref name="library"/> (or none) as this machine's libdeflate.</summary>
    internal FlowLogReader(ReaderOptions? options, Libdeflate? library)
    {
        Options = options ?? ReaderOptions.Default;
        Options.Validate();
        _native = Options.NativeInflater(library);
    }

    /// <summary>The options.</summary>
    public ReaderOptions Options { get; }

    /// <summary>Reads one input into <paramref name="sink"/>.</summary>
    /// <exception cref="LogFormatException">In strict mode, on the first problem.</exception>
    public FileReport Read(LogInput input, IFlowRecordSink sink, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(sink);
        return Read(input, ref sink, cancellationToken);
    }

    /// <summary>
    /// Reads one input into <paramref name="sink"/>. A struct <typeparamref name="TSink"/> gets its own compiled reader, so
    /// the call per record is direct (and inlined when small) instead of an interface call (Kestrel's parser takes its
    /// handler the same way); the sink is passed by reference, so a struct sink's own fields are kept. A struct sink
    /// should implement <see cref="IFlowRecordSink.OnFileStart"/> itself: calling the interface's default on a struct boxes it.
    /// </summary>
    /// <exception cref="LogFormatException">In strict mode, on the first problem.</exception>
    internal FileReport Read<TSink>(LogInput input, ref TSink sink, CancellationToken cancellationToken = default)
        where TSink : IFlowRecordSink
    {
        ArgumentNullException.ThrowIfNull(input);
        var report = new FileReport(input.Name, LogFileKind.FlowLog, Options.MaxSamplesPerFile);
        try
        {
            FlowLogSchema? sidecar = ReadSidecarFormat(input.Name, report);
            using Stream raw = input.Open(cancellationToken);
            ReadRaw(raw, report, ref sink, sidecar, cancellationToken);
        }
        catch (StopReadingException)
        {
            // already reported
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            Fail(report, ex is InflateLimitException ? ProblemReason.InflateLimit : ex is InvalidDataException ? ProblemReason.CorruptCompression : ProblemReason.IoError, report.BytesRead, ex.Message);
        }

        return report;
    }

    /// <summary>
    /// Reads many inputs on up to <see cref="ReaderOptions.MaxParallelism"/> threads, biggest first. Each thread gets
    /// its own sink from <paramref name="createSink"/>; every sink is passed to <paramref name="completeSink"/> once its
    /// thread is done (merge per-thread aggregates there; calls are serialised).
    /// </summary>
    public void ReadAll<TSink>(
        IEnumerable<LogInput> inputs,
        Func<TSink> createSink,
        Action<TSink> completeSink,
        IngestDiagnostics diagnostics,
        IProgress<FileReport>? progress = null,
        CancellationToken cancellationToken = default)
        where TSink : IFlowRecordSink
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(createSink);
        ArgumentNullException.ThrowIfNull(completeSink);
        ArgumentNullException.ThrowIfNull(diagnostics);
        LogInput[] all = [.. inputs];
        var gate = new Lock();
        ParallelRead.ForEach(
            all,
            Options.MaxParallelism,
            createSink,
            (i, sink) =>
            {
                FileReport report = Read(all[i], ref sink, cancellationToken);
                diagnostics.Add(report);
                progress?.Report(report);
                return sink;
            },
            sink =>
            {
                lock (gate)
                {
                    completeSink(sink);
                }
            },
            cancellationToken);
    }

    /// <summary>
    /// The path of the sidecar format file for a local input: <c>X.format.txt</c> beside <c>X.log</c>,
    /// <c>X.log.gz</c>, <c>X.txt</c> or <c>X.txt.gz</c>; <c>null</c> for remote inputs and other names.
    /// </summary>
    internal static string? SidecarPath(string inputName)
    {
        if (inputName.Contains("://", StringComparison.Ordinal))
        {
            return null;
        }

        string name = inputName;
        if (name.EndsWith(".gz", StringComparison.OrdinalIgnoreCase))
        {
            name = name[..^3];
        }

        if (name.EndsWith(".format.txt", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        if (name.EndsWith(".log", StringComparison.OrdinalIgnoreCase) || name.EndsWith(".txt", StringComparison.OrdinalIgnoreCase))
        {
            return name[..^4] + ".format.txt";
        }

        return null;
    }

    /// <summary>
    /// Header-less exports (CloudWatch Logs, Firehose, documentation samples) carry their layout beside them, as the
    /// flow log's <c>LogFormat</c> in <c>X.format.txt</c>. A header line inside the file still wins.
    /// </summary>
    private FlowLogSchema? ReadSidecarFormat(string inputName, FileReport report)
    {
        string? path = SidecarPath(inputName);
        if (path is null || !File.Exists(path))
        {
            return null;
        }

        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Fail(report, ProblemReason.IoError, 0, $"format file {path}: {ex.Message}");
            throw new StopReadingException();
        }

        try
        {
            return FlowLogSchema.Parse(text);
        }
        catch (FormatException ex)
        {
            Fail(report, ProblemReason.InvalidValue, 0, $"format file {path}: {ex.Message}");
            throw new StopReadingException();
        }
    }

    private void ReadRaw<TSink>(Stream raw, FileReport report, ref TSink sink, FlowLogSchema? sidecar, CancellationToken cancellationToken)
        where TSink : IFlowRecordSink
    {
        long rawStart = raw.CanSeek ? raw.Position : -1;
        using Stream text = InputDecoder.OpenText(raw, Options, _native, out InputEncoding encoding);
        (report.Inflater, report.NativeInflaterFellBack) = InputDecoder.InflaterOf(text);
        if (encoding == InputEncoding.Parquet)
        {
            report.Format = "parquet";
            // The Parquet reader is not per-record hot enough to specialise: it gets the sink as an interface (for a struct,
            // a box that is copied back, so the struct's fields keep what the records did).
            IFlowRecordSink boxed = sink;
            try
            {
                if (rawStart >= 0)
                {
                    // A seekable input (local file, memory) is read in place; only forward-only streams are spooled to disk.
                    raw.Position = rawStart;
                    ParquetFlowReader.Read(raw, report, boxed, Options, cancellationToken);
                }
                else
                {
                    ParquetFlowReader.Read(text, report, boxed, Options, cancellationToken);
                }
            }
            finally
            {
                sink = (TSink)boxed;
            }

            return;
        }

        report.Format = (encoding == InputEncoding.Gzip ? "gzip text" : "text") + (sidecar is null ? string.Empty : " (format file)");
        ReadText(text, report, ref sink, sidecar, cancellationToken);
    }

    private void ReadText<TSink>(Stream text, FileReport report, ref TSink sink, FlowLogSchema? sidecar, CancellationToken cancellationToken)
        where TSink : IFlowRecordSink
    {
        var state = new TextState(sidecar ?? Options.FlowFormat ?? FlowLogSchema.DefaultV2, hasHeader: false);
        byte[] buffer = ArrayPool<byte>.Shared.Rent(InitialBuffer);
        var fields = new Range[FlowLogSchema.MaxColumns]; // one per file: the hot path must not zero a stackalloc per line
        var fieldEnds = new int[FlowLogSchema.MaxColumns]; // one per file, like the ranges
        try
        {
            int start = 0; // first byte of the pending (incomplete) line
            int end = 0; // end of valid data
            long bufferOffset = 0; // offset of buffer[0] in the decompressed stream
            bool skippingLongLine = false; // dropping the rest of a line already reported as too long
            int maxLine = Options.MaxLineLength;
            sink.OnFileStart(report.Path, state.Schema);
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (start > 0)
                {
                    buffer.AsSpan(start, end - start).CopyTo(buffer);
                    bufferOffset += start;
                    end -= start;
                    start = 0;
                }

                if (end == buffer.Length)
                {
                    // The pending line is at most maxLine bytes (longer ones are dropped below), so maxLine + 1 always fits it.
                    byte[] bigger = ArrayPool<byte>.Shared.Rent(Math.Min(buffer.Length * 2, maxLine + 1));
                    buffer.AsSpan(0, end).CopyTo(bigger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = bigger;
                }

                int read;
                try
                {
                    read = text.Read(buffer, end, buffer.Length - end);
                }
                catch (Exception ex) when (ex is InvalidDataException or IOException)
                {
                    // Keep what was read; the partial last line is not a record we can trust.
                    report.BytesRead = bufferOffset + end;
                    Fail(report, ex is InflateLimitException ? ProblemReason.InflateLimit : ProblemReason.CorruptCompression, bufferOffset + end, ex.Message);
                    return;
                }

                if (read == 0)
                {
                    if (end > start && !skippingLongLine)
                    {
                        ProcessLine(buffer.AsSpan(start, end - start), bufferOffset + start, ref state, fields, report, ref sink);
                    }

                    report.BytesRead = bufferOffset + end;
                    return;
                }

                int scanFrom = end;
                end += read;
                // The scanner restarts at the pending line's start; when that line is already long (no real record
                // is), the line-by-line search below takes this read instead, so a long line is not rescanned per read.
                if (state.IsDefaultV2 && !skippingLongLine && scanFrom - start < PendingLineRescanLimit)
                {
                    start = ScanDefaultV2(buffer, start, end, bufferOffset, ref state, fieldEnds, fields, report, ref sink, out int scanned);
                    scanFrom = Math.Max(scanned, start);
                }

                while (true)
                {
                    int nl = buffer.AsSpan(scanFrom, end - scanFrom).IndexOf((byte)'\n');
                    if (nl < 0)
                    {
                        break;
                    }

                    int lineEnd = scanFrom + nl;
                    if (skippingLongLine)
                    {
                        skippingLongLine = false;
                    }
                    else if (lineEnd - start > maxLine)
                    {
                        LineTooLong(buffer.AsSpan(start, lineEnd - start), bufferOffset + start, report);
                    }
                    else
                    {
                        ProcessLine(buffer.AsSpan(start, lineEnd - start), bufferOffset + start, ref state, fields, report, ref sink);
                    }

                    start = lineEnd + 1;
                    scanFrom = start;
                }

                if (skippingLongLine)
                {
                    start = end; // drop the middle of the long line; compaction accounts for the offset
                }
                else if (end - start > maxLine)
                {
                    LineTooLong(buffer.AsSpan(start, end - start), bufferOffset + start, report);
                    skippingLongLine = true;
                    start = end;
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private void LineTooLong(ReadOnlySpan<byte> head, long offset, FileReport report)
    {
        report.Lines++;
        Problem(report, report.Lines, offset, ProblemReason.LineTooLong, $"line longer than {Options.MaxLineLength} bytes", head[..Math.Min(head.Length, 200)]);
    }

    private struct TextState(FlowLogSchema schema, bool hasHeader)
    {
        public FlowLogSchema Schema = schema;
        public FlowField[] Columns = [.. schema.Fields];
        public bool HasHeader = hasHeader;

        /// <summary>The layout is the default v2 one, which has a specialised parser.</summary>
        public bool IsDefaultV2 = schema.Fields.AsSpan().SequenceEqual(FlowLineParser.DefaultV2Columns);

        public void SetSchema(FlowLogSchema schema)
        {
            Schema = schema;
            Columns = [.. schema.Fields];
            HasHeader = true;
            IsDefaultV2 = Columns.AsSpan().SequenceEqual(FlowLineParser.DefaultV2Columns);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void ProcessLine<TSink>(ReadOnlySpan<byte> line, long offset, ref TextState state, Span<Range> fields, FileReport report, ref TSink sink)
        where TSink : IFlowRecordSink
    {
        long lineNumber = ++report.Lines;
        if (lineNumber == 1)
        {
            if (line.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]))
            {
                // A UTF-8 byte order mark (files saved by Windows editors) would hide the header.
                line = line[3..];
                offset += 3;
            }

            if (FlowLogSchema.LooksLikeHeader(line.TrimEnd((byte)'\r')))
            {
                // Checked before parsing: a format of text-only fields would otherwise read its header as a record.
                HandleMalformed(line, offset, lineNumber, ref state, report, ref sink, 0, ProblemReason.FieldCount, -1);
                return;
            }
        }

        // The block scanner takes almost every default-v2 line; what reaches here (first lines, lines that end near the
        // end of a read, odd lines, other layouts) is rare enough for the general parser.
        LineParseResult result = FlowLineParser.Parse(line, state.Columns, fields, out FlowRecord record);
        switch (result.Outcome)
        {
            case LineOutcome.Record:
                report.Records++;
                if (record.LogStatus != FlowLogStatus.Ok)
                {
                    if (record.LogStatus == FlowLogStatus.NoData)
                    {
                        report.NoData++;
                    }
                    else
                    {
                        report.SkipData++;
                    }
                }

                sink.OnRecord(record, new FlowLine(state.Schema, line, fields[..result.FieldCount], lineNumber));
                return;
            case LineOutcome.Blank:
                report.Blank++;
                return;
            default:
                HandleMalformed(line, offset, lineNumber, ref state, report, ref sink, result.FieldCount, result.Reason, result.BadColumn);
                return;
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void HandleMalformed<TSink>(ReadOnlySpan<byte> line, long offset, long lineNumber, ref TextState state, FileReport report, ref TSink sink, int count, ProblemReason reason, int badColumn)
        where TSink : IFlowRecordSink
    {
        // A header line: the first line of an S3 object, or the first line of each object in a concatenation.
        if (FlowLogSchema.LooksLikeHeader(line.TrimEnd((byte)'\r')))
        {
            try
            {
                FlowLogSchema schema = FlowLogSchema.Parse(System.Text.Encoding.ASCII.GetString(line.TrimEnd((byte)'\r')));
                if (schema.Names.Contains("resource-type") && schema.Names.Contains("tgw-id"))
                {
                    Fail(report, ProblemReason.UnsupportedFormat, offset, "Transit Gateway flow logs are not VPC flow logs");
                    throw new StopReadingException();
                }

                state.SetSchema(schema);
                report.Headers++;
                string described = $" v{schema.Version} (header)";
                report.Format = report.Format is null ? "text" + described : report.Format.EndsWith(described, StringComparison.Ordinal) ? report.Format : report.Format + described;
                sink.OnFileStart(report.Path, schema);
                return;
            }
            catch (FormatException ex)
            {
                Problem(report, lineNumber, offset, ProblemReason.InvalidValue, "bad header line: " + ex.Message, line);
                return;
            }
        }

        if (line.IndexOfAnyInRange((byte)0, (byte)0x08) >= 0 || line.IndexOfAnyInRange((byte)0x0E, (byte)0x1F) >= 0)
        {
            reason = ProblemReason.BinaryData;
            badColumn = -1;
        }

        string message = reason switch
        {
            ProblemReason.FieldCount => $"expected {state.Columns.Length} fields ({(state.HasHeader ? "from the header" : "default or --flow-format")}), found {(count > FlowLogSchema.MaxColumns ? "more than " + FlowLogSchema.MaxColumns : count)}",
            ProblemReason.BinaryData => "binary data",
            _ => $"invalid {state.Schema.Names[badColumn]} '{InputProblem.MakeExcerpt(FieldAt(line, badColumn))}'",
        };
        Problem(report, lineNumber, offset, reason, message, line);
    }

    private static ReadOnlySpan<byte> FieldAt(ReadOnlySpan<byte> line, int column)
    {
        Span<Range> fields = stackalloc Range[FlowLogSchema.MaxColumns];
        int n = FlowLineParser.Split(line.TrimEnd((byte)'\r'), fields);
        return column >= 0 && column < Math.Min(n, fields.Length) ? line[fields[column]] : default;
    }

    private void Problem(FileReport report, long line, long offset, ProblemReason reason, string message, ReadOnlySpan<byte> excerpt) =>
        new ProblemSink(report, Options).Add(line, offset, reason, message, excerpt);

    private void Fail(FileReport report, ProblemReason reason, long offset, string message) =>
        new ProblemSink(report, Options).Fail(offset, reason, message);

    /// <summary>Ends reading a file after a fatal, already-reported problem.</summary>
    internal sealed class StopReadingException : Exception;
}
