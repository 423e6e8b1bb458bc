using System.Collections;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.ExceptionServices;
using System.Text;
using System.Text.Json;

namespace FlowCorrelator.Ingest;

/// <summary>
/// Reads CloudTrail files into <see cref="CloudTrailEvent"/>s. Accepts, gzip-compressed or plain: trail files
/// (<c>{"Records":[…]}</c>), bare arrays of records, JSON Lines (or any sequence of top-level values), LookupEvents
/// output (<c>{"Events":[{"CloudTrailEvent":"&lt;record as a string&gt;"}]}</c>), EventBridge envelopes (record under
/// <c>detail</c>) and single records. Digest files are recognised and skipped.
/// </summary>
/// <remarks>
/// <para>
/// Streaming: the containers are walked by hand over a sliding buffer and each record is cut out with
/// <see cref="Utf8JsonReader.TrySkip"/>, so memory is one record (at most <see cref="ReaderOptions.MaxJsonRecordBytes"/>)
/// plus the read buffer, whatever the file size.
/// </para>
/// <para>
/// Hostile input: invalid JSON inside a record list is reported with its byte offset and reading resumes at the next
/// <c>{"eventVersion"</c>/<c>{"eventID"</c>/<c>{"EventId"</c>; in JSON Lines at the next line that starts with
/// <c>{</c> or <c>[</c>. Records nested deeper than <see cref="ReaderOptions.MaxJsonDepth"/> or larger than
/// <see cref="ReaderOptions.MaxJsonRecordBytes"/> are reported and skipped. Damaged or truncated gzip (checked by
/// <see cref="InputDecoder"/>) ends the file with <see cref="FileReport.FatalError"/>; the records before the damage are kept.
/// </para>
/// <para>
/// Counting: <see cref="FileReport.Records"/> counts records turned into events (including failed calls and Insights
/// events, which get an empty <see cref="CloudTrailEvent.EventName"/>); <see cref="FileReport.Malformed"/> counts
/// records that could not be read plus events kept without a change because their shape was wrong for their name.
/// </para>
/// </remarks>
/// <threadsafety>Instances are immutable and may read several files at once.</threadsafety>
public sealed class CloudTrailReader
{
    /// <summary>Creates a reader.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public CloudTrailReader(ReaderOptions? options = null)
    {
        Options = options ?? ReaderOptions.Default;
        Options.Validate();
    }

    /// <summary>The options.</summary>
    public ReaderOptions Options { get; }

    /// <summary>Reads one input, calling <paramref name="onEvent"/> for every record in file order (no de-duplication).</summary>
    /// <exception cref="LogFormatException">In strict mode, on the first problem.</exception>
    /// <exception cref="OperationCanceledException">When cancelled.</exception>
    public FileReport Read(LogInput input, Action<CloudTrailEvent> onEvent, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(onEvent);
        var report = new FileReport(input.Name, LogFileKind.CloudTrail, Options.MaxSamplesPerFile);
        string name = input.Name.Replace('\\', '/');
        if (name.Contains("/CloudTrail-Digest/", StringComparison.Ordinal) || name.Contains("_CloudTrail-Digest_", StringComparison.Ordinal))
        {
            // Named as a digest: nothing to read (checking completeness against digests is not done here).
            report.Kind = LogFileKind.CloudTrailDigest;
            return report;
        }

        JsonWindow? window = null;
        try
        {
            using Stream raw = input.Open(cancellationToken);
            using Stream text = InputDecoder.OpenText(raw, Options, out InputEncoding encoding);
            if (encoding == InputEncoding.Parquet)
            {
                Fail(report, ProblemReason.UnsupportedFormat, 0, "a Parquet file is not CloudTrail JSON");
                return report;
            }

            report.Format = encoding == InputEncoding.Gzip ? "gzip json" : "json";
            window = new JsonWindow(text, Options.MaxJsonRecordBytes + 4096);
            var session = new FileSession(this, window, report, onEvent, cancellationToken);
            session.Run();
            report.BytesRead = window.BytesRead;
        }
        catch (InflateLimitException ex)
        {
            Fail(report, ProblemReason.InflateLimit, window?.BytesRead ?? 0, ex.Message);
        }
        catch (InvalidDataException ex)
        {
            Fail(report, ProblemReason.CorruptCompression, window?.BytesRead ?? 0, ex.Message);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Fail(report, ProblemReason.IoError, window?.BytesRead ?? 0, ex.Message);
        }
        finally
        {
            if (window is not null)
            {
                report.BytesRead = window.BytesRead;
                window.Dispose();
            }
        }

        return report;
    }

    /// <summary>
    /// Reads many inputs on up to <see cref="ReaderOptions.MaxParallelism"/> threads, adds each file's report to
    /// <paramref name="diagnostics"/> and returns every event in file order: inputs by name (ordinal; inputs of one
    /// name in the given order), each input's events as it holds them. Repeated <c>eventID</c>s are kept; the index
    /// drops them and orders events (so the copy kept is the one from the input whose name sorts first).
    /// </summary>
    /// <exception cref="LogFormatException">In strict mode, on the first problem.</exception>
    /// <exception cref="OperationCanceledException">When cancelled.</exception>
    public CloudTrailReadResult ReadAll(IEnumerable<LogInput> inputs, IngestDiagnostics diagnostics, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(diagnostics);
        LogInput[] all = [.. inputs];
        var perFile = new List<CloudTrailEvent>[all.Length];
        var reports = new FileReport[all.Length];
        int[] schedule = [.. Enumerable.Range(0, all.Length).OrderByDescending(i => all[i].Length ?? 0).ThenBy(i => all[i].Name, StringComparer.Ordinal)];
        try
        {
            Parallel.ForEach(
                schedule,
                new ParallelOptions { MaxDegreeOfParallelism = Options.MaxParallelism, CancellationToken = cancellationToken },
                i =>
                {
                    var events = new List<CloudTrailEvent>();
                    reports[i] = Read(all[i], events.Add, cancellationToken);
                    perFile[i] = events;
                    diagnostics.Add(reports[i]);
                });
        }
        catch (AggregateException ex) when (ex.InnerExceptions.Count > 0 && ex.InnerExceptions[0] is LogFormatException or OperationCanceledException)
        {
            ExceptionDispatchInfo.Capture(ex.InnerExceptions[0]).Throw();
        }

        // A fixed order, so that what follows (the index keeps the first copy of a repeated id) does not depend on
        // thread timing or on the order the inputs were listed in.
        var merged = new List<CloudTrailEvent>();
        foreach (int i in Enumerable.Range(0, all.Length).OrderBy(i => all[i].Name, StringComparer.Ordinal).ThenBy(i => i))
        {
            merged.AddRange(perFile[i]);
        }

        return new CloudTrailReadResult(merged, reports);
    }

    private void Fail(FileReport report, ProblemReason reason, long offset, string message)
    {
        var problem = new InputProblem(report.Path, 0, offset, reason, message, null);
        report.Fail(problem);
        if (Options.Strict)
        {
            ThrowStrict(problem);
        }
    }

    private void Problem(FileReport report, long offset, ProblemReason reason, string message, ReadOnlySpan<byte> excerpt)
    {
        var problem = new InputProblem(report.Path, 0, offset, reason, message, excerpt.IsEmpty ? null : InputProblem.MakeExcerpt(excerpt));
        report.AddProblem(problem);
        if (Options.Strict)
        {
            ThrowStrict(problem);
        }
    }

    [DoesNotReturn]
    private static void ThrowStrict(InputProblem problem) => throw new LogFormatException(problem);

    /// <summary>
    /// Whether a reader exception is about the nesting limit rather than syntax. STJ reports both as JsonException; its
    /// limit messages name the "maximum" depth, while a cut-off document says "Expected depth to be zero".
    /// </summary>
    internal static bool IsDepthError(JsonException ex) =>
        ex.Message.Contains("maximum", StringComparison.OrdinalIgnoreCase) && ex.Message.Contains("depth", StringComparison.OrdinalIgnoreCase);

    /// <summary>How a value in the buffer was cut out.</summary>
    private enum CaptureStatus
    {
        Complete,
        Invalid,
        TooDeep,
        TooLarge,
    }

    /// <summary>One file being read: the container walk, record cutting and error recovery.</summary>
    private sealed class FileSession(CloudTrailReader owner, JsonWindow window, FileReport report, Action<CloudTrailEvent> onEvent, CancellationToken cancellationToken)
    {
        // Nesting that the cutting reader tolerates: deeper than any record may be, so that a too-deep record is still
        // cut out whole and reported as TooDeep rather than breaking the surrounding container.
        private readonly int _cutDepth = Math.Max(owner.Options.MaxJsonDepth * 4, 256);
        private readonly List<string> _containers = [];
        private int _topLevelValues;

        public void Run()
        {
            while (window.SkipWhitespace())
            {
                cancellationToken.ThrowIfCancellationRequested();
                byte first = window.Available[0];
                if (first == (byte)'[')
                {
                    SetContainer("array");
                    window.Advance(1);
                    _ = ReadArray();
                }
                else if (first == (byte)'{')
                {
                    if (TryEnterRecordList())
                    {
                        if (ReadArray())
                        {
                            ReadObjectTail();
                        }
                    }
                    else
                    {
                        ReadTopLevelValue();
                    }
                }
                else
                {
                    Problem(window.Position, ProblemReason.InvalidJson, $"unexpected '{(char)first}' where a JSON object or array should start", window.Available);
                    ResyncAtLine();
                }
            }

            if (report.Kind == LogFileKind.CloudTrailDigest)
            {
                SetContainer("digest");
            }

            if (_containers.Count > 0)
            {
                report.Format = $"{report.Format} ({string.Join(", ", _containers)})";
            }
        }

        private void SetContainer(string container)
        {
            if (!_containers.Contains(container))
            {
                _containers.Add(container);
            }
        }

        /// <summary>
        /// At a top-level <c>{</c>: when its first member is <c>"Records"</c> or <c>"Events"</c> holding an array, consumes
        /// up to the <c>[</c> so that the array can be streamed. Anything else is read as one value.
        /// </summary>
        private bool TryEnterRecordList()
        {
            while (true)
            {
                var reader = new Utf8JsonReader(window.Available, window.Eof, default);
                try
                {
                    if (reader.Read() && reader.Read())
                    {
                        if (reader.TokenType != JsonTokenType.PropertyName)
                        {
                            return false;
                        }

                        string? name = reader.GetString();
                        if (name is not ("Records" or "Events"))
                        {
                            return false;
                        }

                        if (reader.Read())
                        {
                            if (reader.TokenType != JsonTokenType.StartArray)
                            {
                                return false;
                            }

                            SetContainer(name == "Records" ? "Records" : "lookup-events");
                            window.Advance((int)reader.BytesConsumed);
                            return true;
                        }
                    }
                }
                catch (Exception ex) when (ex is JsonException or InvalidOperationException)
                {
                    return false; // the value reader reports it
                }

                if (!window.More())
                {
                    return false; // the value reader reports a truncated or oversized head
                }
            }
        }

        /// <summary>
        /// Reads the elements of an array whose <c>[</c> was consumed, each as one record (or container of records).
        /// False when the data ended (or could not be resynchronised) before the closing <c>]</c>.
        /// </summary>
        private bool ReadArray()
        {
            bool expectElement = true;
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (!window.SkipWhitespace())
                {
                    Problem(window.Position, ProblemReason.InvalidJson, "the data ends inside a record list (truncated file?)", default);
                    return false;
                }

                byte b = window.Available[0];
                if (b == (byte)']')
                {
                    window.Advance(1);
                    return true;
                }

                if (!expectElement)
                {
                    if (b != (byte)',')
                    {
                        Problem(window.Position, ProblemReason.InvalidJson, $"expected ',' or ']' between records, found '{(char)b}'", window.Available);
                        if (!ResyncAtRecord())
                        {
                            return false;
                        }

                        expectElement = true;
                        continue;
                    }

                    window.Advance(1);
                    expectElement = true;
                    continue;
                }

                long offset = window.Position;
                switch (Capture(out int length, out string? error))
                {
                    case CaptureStatus.Complete:
                        ProcessValue(length, offset);
                        window.Advance(length);
                        expectElement = false;
                        break;
                    case CaptureStatus.TooDeep:
                        Problem(offset, ProblemReason.TooDeep, error ?? "nested too deeply", window.Available);
                        if (!SkipValue())
                        {
                            return false;
                        }

                        expectElement = false;
                        break;
                    case CaptureStatus.TooLarge:
                        Problem(offset, ProblemReason.InvalidRecord, $"record larger than {owner.Options.MaxJsonRecordBytes} bytes", window.Available);
                        if (!SkipValue())
                        {
                            return false;
                        }

                        expectElement = false;
                        break;
                    default:
                        Problem(offset, ProblemReason.InvalidJson, error ?? "invalid JSON", window.Available);
                        window.Advance(1);
                        if (!ResyncAtRecord())
                        {
                            return false;
                        }

                        break;
                }
            }
        }

        /// <summary>After a streamed record list: skips the remaining members of the enclosing object (e.g. NextToken).</summary>
        private void ReadObjectTail()
        {
            while (window.SkipWhitespace())
            {
                byte b = window.Available[0];
                if (b == (byte)'}')
                {
                    window.Advance(1);
                    return;
                }

                if (b == (byte)',')
                {
                    window.Advance(1);
                    if (!window.SkipWhitespace() || !SkipValue() || !window.SkipWhitespace() || window.Available[0] != (byte)':')
                    {
                        break;
                    }

                    window.Advance(1);
                    if (!window.SkipWhitespace() || !SkipValue())
                    {
                        break;
                    }

                    continue;
                }

                break;
            }

            if (window.Eof && window.Available.IsEmpty)
            {
                Problem(window.Position, ProblemReason.InvalidJson, "the data ends before the closing '}'", default);
                return;
            }

            Problem(window.Position, ProblemReason.InvalidJson, "unexpected data after the record list", window.Available);
            ResyncAtLine();
        }

        /// <summary>A top-level value that is not a streamed record list: one record, an envelope, a digest, or one JSON line.</summary>
        private void ReadTopLevelValue()
        {
            long offset = window.Position;
            switch (Capture(out int length, out string? error))
            {
                case CaptureStatus.Complete:
                    SetContainer(++_topLevelValues > 1 ? "json-lines" : "object");

                    ProcessValue(length, offset);
                    window.Advance(length);
                    break;
                case CaptureStatus.TooDeep:
                    Problem(offset, ProblemReason.TooDeep, error ?? "nested too deeply", window.Available);
                    SkipValue();
                    break;
                case CaptureStatus.TooLarge:
                    Problem(offset, ProblemReason.InvalidRecord, $"record larger than {owner.Options.MaxJsonRecordBytes} bytes", window.Available);
                    SkipValue();
                    break;
                default:
                    Problem(offset, ProblemReason.InvalidJson, error ?? "invalid JSON", window.Available);
                    window.Advance(1);
                    ResyncAtLine();
                    break;
            }
        }

        /// <summary>Cuts out the complete JSON value at the front of the window, reading more (up to the cap) as needed.</summary>
        private CaptureStatus Capture(out int length, out string? error)
        {
            length = 0;
            error = null;
            var options = new JsonReaderOptions { MaxDepth = _cutDepth };
            while (true)
            {
                bool final = window.Eof;
                var reader = new Utf8JsonReader(window.Available, window.Eof, new JsonReaderState(options));
                try
                {
                    if (reader.Read() && reader.TrySkip())
                    {
                        length = (int)reader.BytesConsumed;

                        // The window never shrinks below its initial size, so a smaller limit is checked here.
                        return length > owner.Options.MaxJsonRecordBytes ? CaptureStatus.TooLarge : CaptureStatus.Complete;
                    }
                }
                catch (JsonException ex)
                {
                    error = ex.Message;
                    return IsDepthError(ex) ? CaptureStatus.TooDeep : CaptureStatus.Invalid;
                }

                if (!window.More())
                {
                    if (window.AtCapacity)
                    {
                        return CaptureStatus.TooLarge;
                    }

                    if (final)
                    {
                        // Unreachable with a final block (the reader throws on incomplete data); guards the loop.
                        error = "unexpected end of data";
                        return CaptureStatus.Invalid;
                    }

                    // End of data: the next pass runs with isFinalBlock and reports a truncated value as invalid.
                }
            }
        }

        /// <summary>
        /// Skips one JSON value without buffering it (bracket and string aware, no syntax check): used for values that
        /// are too large or too deep to cut out. False when the data ends first.
        /// </summary>
        private bool SkipValue()
        {
            int depth = 0;
            bool inString = false;
            bool escape = false;
            bool started = false;
            while (true)
            {
                ReadOnlySpan<byte> span = window.Available;
                for (int i = 0; i < span.Length; i++)
                {
                    byte c = span[i];
                    if (inString)
                    {
                        if (escape)
                        {
                            escape = false;
                        }
                        else if (c == (byte)'\\')
                        {
                            escape = true;
                        }
                        else if (c == (byte)'"')
                        {
                            inString = false;
                            if (depth == 0)
                            {
                                window.Advance(i + 1);
                                return true;
                            }
                        }

                        continue;
                    }

                    switch (c)
                    {
                        case (byte)'"':
                            inString = true;
                            started = true;
                            break;
                        case (byte)'{' or (byte)'[':
                            depth++;
                            started = true;
                            break;
                        case (byte)'}' or (byte)']':
                            if (depth <= 1)
                            {
                                window.Advance(depth == 0 ? i : i + 1);
                                return true;
                            }

                            depth--;
                            break;
                        case (byte)',' or (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n' or (byte)':':
                            if (depth == 0 && started)
                            {
                                window.Advance(i);
                                return true;
                            }

                            break;
                        default:
                            started = true;
                            break;
                    }
                }

                window.Advance(span.Length);
                if (!window.More())
                {
                    return false;
                }
            }
        }

        /// <summary>
        /// Inside a record list after invalid JSON: moves to the next <c>{</c> that opens a record (its first member is
        /// <c>eventVersion</c>, <c>eventID</c> or LookupEvents' <c>EventId</c>). False when none follows.
        /// </summary>
        private bool ResyncAtRecord()
        {
            ReadOnlySpan<byte> v = "\"eventVersion\""u8;
            ReadOnlySpan<byte> id = "\"eventID\""u8;
            ReadOnlySpan<byte> lookupId = "\"EventId\""u8;
            const int Lookahead = 64;
            while (true)
            {
                ReadOnlySpan<byte> span = window.Available;
                int i = 0;
                while (true)
                {
                    int brace = span[i..].IndexOf((byte)'{');
                    if (brace < 0)
                    {
                        i = span.Length;
                        break;
                    }

                    i += brace;
                    if (span.Length - i < Lookahead && !window.Eof)
                    {
                        break; // need more bytes to decide
                    }

                    ReadOnlySpan<byte> after = span[(i + 1)..].TrimStart(" \t\r\n"u8);
                    if (after.StartsWith(v) || after.StartsWith(id) || after.StartsWith(lookupId))
                    {
                        window.Advance(i);
                        return true;
                    }

                    i++;
                }

                window.Advance(i);
                if (!window.More())
                {
                    // At the end of the data the next pass decides on every remaining brace; after that nothing is left.
                    if (window.Eof && window.Available.IndexOf((byte)'{') >= 0)
                    {
                        continue;
                    }

                    window.Advance(window.Available.Length);
                    return false;
                }
            }
        }

        /// <summary>At top level after invalid JSON: moves to the next line that starts (in column 0) with <c>{</c> or <c>[</c>.</summary>
        private void ResyncAtLine()
        {
            while (true)
            {
                ReadOnlySpan<byte> span = window.Available;
                int i = 0;
                while (true)
                {
                    int nl = span[i..].IndexOf((byte)'\n');
                    if (nl < 0)
                    {
                        i = span.Length;
                        break;
                    }

                    i += nl + 1;
                    if (i >= span.Length)
                    {
                        break;
                    }

                    if (span[i] is (byte)'{' or (byte)'[')
                    {
                        window.Advance(i);
                        return;
                    }
                }

                window.Advance(i);
                if (!window.More())
                {
                    window.Advance(window.Available.Length);
                    return;
                }
            }
        }

        /// <summary>Parses the cut-out value (depth-limited) and turns it into events.</summary>
        private void ProcessValue(int length, long offset)
        {
            ReadOnlyMemory<byte> json = window.AvailableMemory[..length];
            bool repaired = false;
            if (!System.Text.Unicode.Utf8.IsValid(json.Span))
            {
                // Bytes that are not UTF-8 can only be inside strings here (the cutting reader accepted the structure,
                // which is ASCII). Dropping the record would let a client-chosen userAgent hide an API call, so the
                // bytes become U+FFFD, the record is read, and the repair is reported.
                json = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(json.Span));
                repaired = true;
            }

            JsonDocument document;
            try
            {
                document = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = owner.Options.MaxJsonDepth });
            }
            catch (JsonException ex)
            {
                // The value was already checked by the cutting reader, so only the depth limit can fail here.
                Problem(offset, ProblemReason.TooDeep, $"nested deeper than {owner.Options.MaxJsonDepth} levels ({ex.Message})", window.Available[..Math.Min(length, 200)]);
                return;
            }

            using (document)
            {
                Dispatch(document.RootElement, offset, window.Available[..Math.Min(length, 200)], nesting: 0);
            }

            if (repaired)
            {
                Problem(offset, ProblemReason.InvalidEncoding, "invalid UTF-8 bytes in a string were replaced with U+FFFD (the record was read)", window.Available[..Math.Min(length, 200)]);
            }
        }

        /// <summary>Recognises what a parsed value is: a record, an envelope around one, a digest, or a list of them.</summary>
        private void Dispatch(JsonElement value, long offset, ReadOnlySpan<byte> excerpt, int nesting)
        {
            if (value.ValueKind == JsonValueKind.Array && nesting == 0)
            {
                foreach (JsonElement element in value.EnumerateArray())
                {
                    Dispatch(element, offset, excerpt, nesting + 1);
                }

                return;
            }

            if (value.ValueKind != JsonValueKind.Object)
            {
                Problem(offset, ProblemReason.InvalidRecord, $"a record must be a JSON object, found {value.ValueKind}", excerpt);
                return;
            }

            if (value.TryGetProperty("CloudTrailEvent", out JsonElement embedded))
            {
                SetContainer("lookup-events");
                if (embedded.ValueKind == JsonValueKind.Object)
                {
                    Emit(embedded, offset, excerpt);
                    return;
                }

                if (embedded.ValueKind != JsonValueKind.String)
                {
                    Problem(offset, ProblemReason.InvalidRecord, "CloudTrailEvent is neither a string nor an object", excerpt);
                    return;
                }

                try
                {
                    using JsonDocument inner = JsonDocument.Parse(embedded.GetString() ?? string.Empty, new JsonDocumentOptions { MaxDepth = owner.Options.MaxJsonDepth });
                    Emit(inner.RootElement, offset, excerpt);
                }
                catch (JsonException ex)
                {
                    Problem(offset, IsDepthError(ex) ? ProblemReason.TooDeep : ProblemReason.InvalidJson, "CloudTrailEvent string: " + ex.Message, excerpt);
                }

                return;
            }

            if (value.TryGetProperty("detail", out JsonElement detail) && detail.ValueKind == JsonValueKind.Object &&
                (value.TryGetProperty("detail-type", out _) || value.TryGetProperty("source", out _)))
            {
                SetContainer("eventbridge");
                Emit(detail, offset, excerpt);
                return;
            }

            if (nesting == 0 && (value.TryGetProperty("digestStartTime", out _) || value.TryGetProperty("digestPublicKeyFingerprint", out _)))
            {
                report.Kind = LogFileKind.CloudTrailDigest;
                return;
            }

            if (nesting == 0 && (value.TryGetProperty("Records", out JsonElement list) || value.TryGetProperty("Events", out list)) && list.ValueKind == JsonValueKind.Array)
            {
                // A record list that is not the object's first member (so it was not streamed): small enough to be cut out.
                foreach (JsonElement element in list.EnumerateArray())
                {
                    Dispatch(element, offset, excerpt, nesting + 1);
                }

                return;
            }

            Emit(value, offset, excerpt);
        }

        private void Emit(JsonElement record, long offset, ReadOnlySpan<byte> excerpt)
        {
            RecordOutcome outcome;
            try
            {
                outcome = CloudTrailRecordParser.Convert(record, report.Path);
            }
            catch (InvalidOperationException ex)
            {
                // e.g. a string that is not valid UTF-8.
                outcome = RecordOutcome.Bad(ProblemReason.InvalidRecord, ex.Message);
            }

            if (outcome.Event is not null)
            {
                report.Records++;
                onEvent(outcome.Event);
            }

            if (outcome.Problem is not null)
            {
                Problem(offset, outcome.Reason ?? ProblemReason.InvalidRecord, outcome.Problem, excerpt);
            }
        }

        private void Problem(long offset, ProblemReason reason, string message, ReadOnlySpan<byte> excerpt)
        {
            owner.Problem(report, offset, reason, message, excerpt);
        }
    }
}

/// <summary>
/// What <see cref="CloudTrailReader.ReadAll"/> produced: every event in file order (repeated event ids included), and
/// one report per input. Enumerates as the event list. Counts of duplicates, failed and ignored events are the index's
/// (<c>EnvironmentIndex.Statistics</c>), which is where events are de-duplicated.
/// </summary>
public sealed class CloudTrailReadResult : IReadOnlyList<CloudTrailEvent>
{
    internal CloudTrailReadResult(IReadOnlyList<CloudTrailEvent> events, IReadOnlyList<FileReport> files)
    {
        Events = events;
        Files = files;
    }

    /// <summary>The events in file order (see <see cref="CloudTrailReader.ReadAll"/>), repeated event ids included.</summary>
    public IReadOnlyList<CloudTrailEvent> Events { get; }

    /// <summary>One report per input, in input order.</summary>
    public IReadOnlyList<FileReport> Files { get; }

    /// <inheritdoc/>
    public int Count => Events.Count;

    /// <inheritdoc/>
    public CloudTrailEvent this[int index] => Events[index];

    /// <inheritdoc/>
    public IEnumerator<CloudTrailEvent> GetEnumerator() => Events.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
