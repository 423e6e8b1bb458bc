using System.Collections;
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
            var session = new CloudTrailFileSession(Options, window, report, onEvent, cancellationToken);
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
        ParallelRead.ForEach(
            all,
            Options.MaxParallelism,
            i =>
            {
                var events = new List<CloudTrailEvent>();
                reports[i] = Read(all[i], events.Add, cancellationToken);
                perFile[i] = events;
                diagnostics.Add(reports[i]);
            },
            cancellationToken);

        // A fixed order, so that what follows (the index keeps the first copy of a repeated id) does not depend on
        // thread timing or on the order the inputs were listed in.
        var merged = new List<CloudTrailEvent>();
        foreach (int i in Enumerable.Range(0, all.Length).OrderBy(i => all[i].Name, StringComparer.Ordinal).ThenBy(i => i))
        {
            merged.AddRange(perFile[i]);
        }

        return new CloudTrailReadResult(merged, reports);
    }

    private void Fail(FileReport report, ProblemReason reason, long offset, string message) =>
        new ProblemSink(report, Options).Fail(offset, reason, message);
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
