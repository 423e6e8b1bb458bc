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
    IReadOnlyList<LogInput> Unknown)
{
    /// <summary>
    /// What each source the user gave held, when classified per source
    /// (<see cref="LogSources.Classify(IReadOnlyList{ExpandedSource}, ReaderOptions?, CancellationToken)"/>); empty
    /// when the inputs were classified as one list.
    /// </summary>
    public IReadOnlyList<SourceContents> Sources { get; init; } = [];

    /// <summary>AWS Config files of configuration items (ConfigHistory, ConfigSnapshot, <c>get-resource-config-history</c> output).</summary>
    public IReadOnlyList<LogInput> Config { get; init; } = [];

    /// <summary>The sources that gave no flow-log, CloudTrail, snapshot or AWS Config file.</summary>
    public IReadOnlyList<SourceContents> EmptySources => [.. Sources.Where(s => !s.HasData)];
}

/// <summary>
/// Expands user-given locations (files, folders, <c>s3://</c> URIs) into inputs and tells flow logs from CloudTrail
/// by name and, where the name says nothing, by content.
/// </summary>
public static class LogSources
{
    /// <summary>Expands locations into inputs, in a stable order. Folders are walked recursively.</summary>
    /// <exception cref="FileNotFoundException">A local location does not exist.</exception>
    public static IReadOnlyList<LogInput> Expand(IEnumerable<string> locations, SourceFilter? filter = null, IEnumerable<IRemoteLogSource>? remotes = null, CancellationToken cancellationToken = default) =>
        Distinct(ExpandSources(locations, filter, remotes, cancellationToken));

    /// <summary>
    /// Expands each location into its inputs, keeping which location listed what (so that an empty one can be
    /// named). An input listed by two locations is the same <see cref="LogInput"/> in both.
    /// </summary>
    /// <exception cref="FileNotFoundException">A local location does not exist.</exception>
    public static IReadOnlyList<ExpandedSource> ExpandSources(IEnumerable<string> locations, SourceFilter? filter = null, IEnumerable<IRemoteLogSource>? remotes = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(locations);
        filter ??= SourceFilter.All;
        var result = new List<ExpandedSource>();
        var seen = new Dictionary<string, LogInput>(StringComparer.Ordinal);
        var archives = new Dictionary<string, List<LogInput>>(StringComparer.Ordinal);
        foreach (string location in locations)
        {
            var inputs = new List<LogInput>();
            IRemoteLogSource? remote = remotes?.FirstOrDefault(r => r.CanOpen(location));
            if (remote is not null)
            {
                foreach (LogInput input in remote.Enumerate(location, filter, cancellationToken))
                {
                    inputs.Add(Canonical(seen, input.Name, input));
                }

                result.Add(new ExpandedSource(location, SourceKind.Remote, inputs, 0));
                continue;
            }

            if (location.Contains("://", StringComparison.Ordinal))
            {
                throw new ArgumentException($"No reader for '{location}' (s3:// needs the FlowCorrelator.Aws package).", nameof(locations));
            }

            if (Directory.Exists(location))
            {
                int sideFiles = 0;
                foreach (string file in Directory.EnumerateFiles(location, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
                {
                    string name = Path.GetFileName(file);
                    if (name.StartsWith('.'))
                    {
                        continue; // hidden files (.DS_Store, editor swap files) are not the user's data
                    }

                    if (IsSideFile(name))
                    {
                        sideFiles++;
                        continue;
                    }

                    AddFile(inputs, seen, archives, file);
                }

                result.Add(new ExpandedSource(location, SourceKind.Folder, inputs, sideFiles));
            }
            else if (File.Exists(location))
            {
                AddFile(inputs, seen, archives, location);
                result.Add(new ExpandedSource(location, LogArchives.IsArchive(location) ? SourceKind.Archive : SourceKind.File, inputs, 0));
            }
            else
            {
                throw new FileNotFoundException($"'{location}' is neither a file nor a folder.", location);
            }
        }

        return result;
    }

    /// <summary>Every input once, in the order first listed.</summary>
    private static List<LogInput> Distinct(IReadOnlyList<ExpandedSource> sources)
    {
        var result = new List<LogInput>();
        var added = new HashSet<LogInput>(ReferenceEqualityComparer.Instance);
        foreach (ExpandedSource source in sources)
        {
            foreach (LogInput input in source.Inputs)
            {
                if (added.Add(input))
                {
                    result.Add(input);
                }
            }
        }

        return result;
    }

    private static LogInput Canonical(Dictionary<string, LogInput> seen, string key, LogInput input)
    {
        if (seen.TryGetValue(key, out LogInput? first))
        {
            return first;
        }

        seen.Add(key, input);
        return input;
    }

    private static void AddFile(List<LogInput> inputs, Dictionary<string, LogInput> seen, Dictionary<string, List<LogInput>> archives, string path)
    {
        string full = Path.GetFullPath(path);
        if (!LogArchives.IsArchive(path))
        {
            inputs.Add(Canonical(seen, full, LogInput.FromFile(path)));
            return;
        }

        if (!archives.TryGetValue(full, out List<LogInput>? entries))
        {
            try
            {
                entries = [.. LogArchives.Expand(path, IsSideFile).Select(entry => Canonical(seen, entry.Name, entry))];
            }
            catch (Exception ex) when (ex is InvalidDataException or IOException or UnauthorizedAccessException)
            {
                throw new SourceException($"{path}: the archive cannot be read: {ex.Message}", ex);
            }

            archives.Add(full, entries);
        }

        inputs.AddRange(entries);
    }

    /// <summary>Files that sit beside logs but are not logs (format descriptions, manifests, answers, docs).</summary>
    private static bool IsSideFile(string name) =>
        name.EndsWith(".format.txt", StringComparison.OrdinalIgnoreCase) ||
        name.EndsWith(".md", StringComparison.OrdinalIgnoreCase) ||
        name.Equals("expected.json", StringComparison.OrdinalIgnoreCase) ||
        name.Equals("manifest.json", StringComparison.OrdinalIgnoreCase) ||
        name.Equals(".flowcorrelator-manifest.json", StringComparison.OrdinalIgnoreCase);

    /// <summary>Sorts inputs into flow logs, CloudTrail, snapshots, digests and unknown files.</summary>
    public static ClassifiedInputs Classify(IEnumerable<LogInput> inputs, CancellationToken cancellationToken = default) =>
        Classify(inputs, ReaderOptions.Default, cancellationToken);

    /// <summary>
    /// Sorts inputs into flow logs, CloudTrail, snapshots, digests and unknown files; <paramref name="options"/>'
    /// <see cref="ReaderOptions.FlowFormat"/> forces a header-less flow-log read of text files.
    /// </summary>
    public static ClassifiedInputs Classify(IEnumerable<LogInput> inputs, ReaderOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(options);
        var flows = new List<LogInput>();
        var trails = new List<LogInput>();
        var snapshots = new List<LogInput>();
        var digests = new List<LogInput>();
        var unknown = new List<LogInput>();
        var config = new List<LogInput>();
        foreach (LogInput input in inputs)
        {
            switch (Classify(input, options, cancellationToken))
            {
                case LogFileKind.FlowLog: flows.Add(input); break;
                case LogFileKind.CloudTrail: trails.Add(input); break;
                case LogFileKind.Snapshot: snapshots.Add(input); break;
                case LogFileKind.CloudTrailDigest: digests.Add(input); break;
                case LogFileKind.AwsConfig: config.Add(input); break;
                default: unknown.Add(input); break;
            }
        }

        return new ClassifiedInputs(flows, trails, snapshots, digests, unknown) { Config = config };
    }

    /// <summary>
    /// Classifies the inputs of every source (each input once, however many sources listed it) and counts, per
    /// source, what it held: <see cref="ClassifiedInputs.Sources"/> tells which sources gave nothing to read.
    /// </summary>
    public static ClassifiedInputs Classify(IReadOnlyList<ExpandedSource> sources, ReaderOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sources);
        ClassifiedInputs classified = Classify(Distinct(sources), options ?? ReaderOptions.Default, cancellationToken);
        var kinds = new Dictionary<LogInput, LogFileKind>(ReferenceEqualityComparer.Instance);
        Mark(kinds, classified.FlowLogs, LogFileKind.FlowLog);
        Mark(kinds, classified.CloudTrail, LogFileKind.CloudTrail);
        Mark(kinds, classified.Snapshots, LogFileKind.Snapshot);
        Mark(kinds, classified.Digests, LogFileKind.CloudTrailDigest);
        Mark(kinds, classified.Unknown, LogFileKind.Unknown);
        Mark(kinds, classified.Config, LogFileKind.AwsConfig);
        var contents = new List<SourceContents>(sources.Count);
        Span<int> counts = stackalloc int[6];
        foreach (ExpandedSource source in sources)
        {
            counts.Clear();
            foreach (LogInput input in source.Inputs)
            {
                counts[(int)kinds[input]]++;
            }

            contents.Add(new SourceContents(
                source.Location, source.Kind,
                FlowLogs: counts[(int)LogFileKind.FlowLog],
                CloudTrail: counts[(int)LogFileKind.CloudTrail],
                Snapshots: counts[(int)LogFileKind.Snapshot],
                Digests: counts[(int)LogFileKind.CloudTrailDigest],
                Unknown: counts[(int)LogFileKind.Unknown],
                SideFiles: source.SideFiles)
            {
                Config = counts[(int)LogFileKind.AwsConfig],
            });
        }

        return classified with { Sources = contents };
    }

    private static void Mark(Dictionary<LogInput, LogFileKind> kinds, IReadOnlyList<LogInput> inputs, LogFileKind kind)
    {
        foreach (LogInput input in inputs)
        {
            kinds[input] = kind;
        }
    }

    /// <summary>What one input holds: by its name where that is conclusive, else by its first bytes.</summary>
    public static LogFileKind Classify(LogInput input, CancellationToken cancellationToken = default) =>
        Classify(input, ReaderOptions.Default, cancellationToken);

    /// <summary>
    /// What one input holds: by its name where the AWS key layout makes it conclusive, else by its first bytes
    /// (gzip is looked into): JSON is CloudTrail, a snapshot or a digest; Parquet, a flow-log header or a flow-log
    /// line is a flow log; anything else is <see cref="LogFileKind.Unknown"/>. A forced layout
    /// (<see cref="ReaderOptions.FlowFormat"/>, or <c>X.format.txt</c> beside <c>X.log</c>) makes every text file
    /// that is not JSON a flow log: the user said what it is, and a wrong layout is better reported line by line.
    /// </summary>
    public static LogFileKind Classify(LogInput input, ReaderOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(options);
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

        if (IsConfigName(name))
        {
            return LogFileKind.AwsConfig;
        }

        return Sniff(input, options, cancellationToken);
    }

    private static LogFileKind Sniff(LogInput input, ReaderOptions options, CancellationToken cancellationToken)
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

            // AWS Config: its files lead with fileVersion or configurationItems (get-resource-config-history output).
            if (Contains(span, "\"configurationItems\"") || (Contains(span, "\"fileVersion\"") && Contains(span, "\"configurationItem")))
            {
                return LogFileKind.AwsConfig;
            }

            if (Contains(span, "\"Reservations\"") || Contains(span, "\"NetworkInterfaces\"") || Contains(span, "\"SecurityGroups\"") || Contains(span, "\"SecurityGroupRules\"") || Contains(span, "\"Vpcs\"") ||
                Contains(span, "\"LaunchTemplateVersions\"") || Contains(span, "\"LaunchTemplates\"") || Contains(span, "\"AutoScalingGroups\""))
            {
                return LogFileKind.Snapshot;
            }

            return LogFileKind.CloudTrail;
        }

        return IsForcedFlowLog(input, options) || IsFlowLogText(span, wholeFile: n < head.Length) ? LogFileKind.FlowLog : LogFileKind.Unknown;
    }

    /// <summary>
    /// Whether a name follows AWS Config's S3 key layout: <c>…/Config/&lt;region&gt;/…/ConfigHistory/&lt;account&gt;_Config_&lt;region&gt;_ConfigHistory_…</c>
    /// and the same with <c>ConfigSnapshot</c> (docs/formats.md D.1).
    /// </summary>
    private static bool IsConfigName(string name)
    {
        string file = name[(name.LastIndexOf('/') + 1)..];
        return file.Contains("_Config_", StringComparison.Ordinal) &&
            (file.Contains("_ConfigHistory_", StringComparison.Ordinal) || file.Contains("_ConfigSnapshot_", StringComparison.Ordinal));
    }

    /// <summary>Whether the user gave the layout of a header-less file (<c>--flow-format</c>, or <c>X.format.txt</c> beside it).</summary>
    private static bool IsForcedFlowLog(LogInput input, ReaderOptions options) =>
        options.FlowFormat is not null || FlowLogReader.SidecarPath(input.Name) is { } sidecar && File.Exists(sidecar);

    /// <summary>
    /// Whether the head of a text file (BOM and leading blank space removed) is a flow log: its first line is a
    /// header, or one of its first lines parses as a default-v2 record (a damaged first line must not hide a real
    /// log). Unless <paramref name="wholeFile"/>, a last line without its line feed may be cut and is not judged.
    /// </summary>
    internal static bool IsFlowLogText(ReadOnlySpan<byte> head, bool wholeFile)
    {
        const int MaxLinesTried = 16;
        Span<Range> fields = stackalloc Range[FlowLogSchema.MaxColumns];
        FlowField[] columns = FlowLineParser.DefaultV2Columns;
        for (int tried = 0; tried < MaxLinesTried && !head.IsEmpty; tried++)
        {
            int lf = head.IndexOf((byte)'\n');
            ReadOnlySpan<byte> line = lf < 0 ? head : head[..lf];
            if (tried == 0 && FlowLogSchema.LooksLikeHeader(line.TrimEnd((byte)'\r')))
            {
                return true;
            }

            if (lf < 0 && tried > 0 && !wholeFile)
            {
                return false; // the head ends inside this line: it may be cut
            }

            if (FlowLineParser.Parse(line, columns, fields, out _).Outcome == LineOutcome.Record)
            {
                return true;
            }

            head = lf < 0 ? [] : head[(lf + 1)..];
        }

        return false;
    }

    private static bool Contains(ReadOnlySpan<byte> haystack, string needle) => haystack.IndexOf(Encoding.ASCII.GetBytes(needle)) >= 0;
}

/// <summary>A source could not be listed or opened at all (missing bucket, bad credentials, unreachable endpoint).</summary>
public class SourceException : Exception
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
