using System.Globalization;
using System.Text;

namespace FlowCorrelator.Ingest;

/// <summary>What kind of location a source is; says how an empty one is described.</summary>
public enum SourceKind
{
    /// <summary>One local file.</summary>
    File,

    /// <summary>A local folder, walked recursively.</summary>
    Folder,

    /// <summary>A <c>.zip</c>, <c>.tar</c>, <c>.tar.gz</c> or <c>.tgz</c> archive.</summary>
    Archive,

    /// <summary>A remote location such as an <c>s3://bucket/prefix</c>.</summary>
    Remote,
}

/// <summary>One location as the user gave it, with the inputs it listed (before classification).</summary>
/// <param name="Location">The location as given (path or URI).</param>
/// <param name="Kind">File, folder, archive or remote prefix.</param>
/// <param name="Inputs">
/// The inputs it listed, in order. An input that an earlier source already listed is the same object here, so it
/// counts for both sources but is read once.
/// </param>
/// <param name="SideFiles">Files beside the logs that are skipped by name (documentation <c>*.md</c>, <c>X.format.txt</c>, <c>expected.json</c>, manifests).</param>
public sealed record ExpandedSource(string Location, SourceKind Kind, IReadOnlyList<LogInput> Inputs, int SideFiles);

/// <summary>What one source held, by kind of file.</summary>
/// <param name="Location">The location as given.</param>
/// <param name="Kind">File, folder, archive or remote prefix.</param>
/// <param name="FlowLogs">Flow-log files.</param>
/// <param name="CloudTrail">CloudTrail files.</param>
/// <param name="Snapshots"><c>describe-*</c> snapshot files.</param>
/// <param name="Digests">CloudTrail digest files (skipped).</param>
/// <param name="Unknown">Files whose first bytes are none of the known kinds (skipped, reported).</param>
/// <param name="SideFiles">Documentation and side files skipped by name.</param>
public sealed record SourceContents(string Location, SourceKind Kind, int FlowLogs, int CloudTrail, int Snapshots, int Digests, int Unknown, int SideFiles)
{
    /// <summary>What every reading command looks for, in the words of the error message.</summary>
    public const string LookedFor = "VPC flow-log files (text with a header or flow-log lines, or Parquet), CloudTrail JSON files, describe-* JSON snapshots and AWS Config files (ConfigHistory, ConfigSnapshot), plain or gzip";

    /// <summary>AWS Config files (ConfigHistory, ConfigSnapshot, <c>get-resource-config-history</c> output).</summary>
    public int Config { get; init; }

    /// <summary>True when the source gave at least one flow-log, CloudTrail, snapshot or AWS Config file.</summary>
    public bool HasData => FlowLogs + CloudTrail + Snapshots + Config > 0;

    /// <summary>Every file the source listed, including skipped ones.</summary>
    public int Files => FlowLogs + CloudTrail + Snapshots + Config + Digests + Unknown + SideFiles;

    /// <summary>One line for an empty source: where, and what was found instead of logs.</summary>
    public string Describe()
    {
        if (Files == 0)
        {
            return Location + ": " + Kind switch
            {
                SourceKind.Remote => "the listing returned no objects (check the bucket, the prefix and --from/--to/--account/--region-filter)",
                SourceKind.Archive => "the archive holds no files",
                                _ => "the folder holds no files",
            };
        }

        var found = new StringBuilder();
        Append(found, Unknown, "of unknown format");
        Append(found, Digests, "CloudTrail digest", "s");
        Append(found, SideFiles, "documentation/side file", "s", " skipped by name");
        string unit = Kind == SourceKind.Remote ? "object" : "file";
        return string.Create(CultureInfo.InvariantCulture, $"{Location}: no flow-log, CloudTrail or snapshot file among {Files} {unit}{(Files == 1 ? string.Empty : "s")} ({found})");
    }

    private static void Append(StringBuilder sb, int count, string what, string plural = "", string suffix = "")
    {
        if (count == 0)
        {
            return;
        }

        if (sb.Length > 0)
        {
            sb.Append(", ");
        }

        sb.Append(count.ToString(CultureInfo.InvariantCulture)).Append(' ').Append(what).Append(count == 1 ? string.Empty : plural).Append(suffix);
    }
}

/// <summary>
/// One or more sources (folder, file, archive, <c>s3://</c> prefix) yielded no flow-log, CloudTrail or snapshot
/// file: a wrong path or prefix must not pass for "nothing happened". Thrown before anything is read; set
/// <c>WorkspaceOptions.AllowEmptySources</c> to run anyway (the empty sources are then listed in the diagnostics).
/// </summary>
public sealed class EmptySourceException : SourceException
{
    /// <summary>Creates the exception for the given empty sources.</summary>
    public EmptySourceException(IReadOnlyList<SourceContents> sources)
        : base(Format(sources))
    {
        Sources = sources;
    }

    /// <summary>Creates the exception.</summary>
    public EmptySourceException()
        : this([])
    {
    }

    /// <summary>Creates the exception.</summary>
    public EmptySourceException(string message)
        : base(message)
    {
        Sources = [];
    }

    /// <summary>Creates the exception.</summary>
    public EmptySourceException(string message, Exception? inner)
        : base(message, inner)
    {
        Sources = [];
    }

    /// <summary>The empty sources, each with what it held instead.</summary>
    public IReadOnlyList<SourceContents> Sources { get; }

    private static string Format(IReadOnlyList<SourceContents> sources)
    {
        ArgumentNullException.ThrowIfNull(sources);
        var sb = new StringBuilder();
        sb.Append(sources.Count == 1 ? "a source holds" : string.Create(CultureInfo.InvariantCulture, $"{sources.Count} sources hold"))
            .Append(" no flow-log, CloudTrail or snapshot file:");
        foreach (SourceContents s in sources)
        {
            sb.Append("\n  ").Append(s.Describe());
        }

        sb.Append("\n  looked for: ").Append(SourceContents.LookedFor).Append('.');
        return sb.ToString();
    }
}
