using System.Text.Json;
using FlowCorrelator.Ingest;

namespace FlowCorrelator.Reporting;

/// <summary>Writes <see cref="IngestDiagnostics"/> as the <c>diagnostics</c> object of every JSON output.</summary>
public static class DiagnosticsJson
{
    /// <summary>The <c>attribution</c> object: how records were attributed, and the first conflicts (docs/semantics.md).</summary>
    private static void WriteAttribution(Utf8JsonWriter writer, IngestDiagnostics diagnostics)
    {
        AttributionCounts a = diagnostics.Attribution;
        writer.WritePropertyName("attribution");
        writer.WriteStartObject();
        writer.WriteNumber("byIndex", a.ByIndex);
        writer.WriteNumber("byInstanceId", a.ByInstanceId);
        writer.WriteNumber("unattributed", a.Unattributed);
        writer.WriteNumber("instanceIdConflicts", a.InstanceIdConflicts);
        writer.WriteNumber("byTagField", a.ByTagField);
        writer.WriteNumber("tagFieldConflicts", a.TagFieldConflicts);
        writer.WritePropertyName("conflicts");
        writer.WriteStartArray();
        foreach (AttributionConflict c in diagnostics.AttributionConflicts)
        {
            writer.WriteStartObject();
            writer.WriteString("file", c.File);
            writer.WriteNumber("line", c.Line);
            writer.WriteString("interfaceId", c.InterfaceId);
            writer.WriteString("time", c.Time);
            writer.WriteString("field", c.Field);
            writer.WriteString("recordValue", c.RecordValue);
            writer.WriteString("indexValue", c.IndexValue);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    /// <summary>Writes the <c>diagnostics</c> property.</summary>
    /// <param name="writer">Target, positioned inside an object.</param>
    /// <param name="diagnostics">What was read.</param>
    /// <param name="allFiles">List every file (true) or only files with problems (false).</param>
    /// <param name="extra">More counters (e.g. CloudTrail events used/ignored) written beside the totals.</param>
    /// <param name="gaps">Evidence the asked questions needed and the run did not read (see <see cref="EvidenceGaps"/>); they make the run incomplete.</param>
    public static void Write(Utf8JsonWriter writer, IngestDiagnostics diagnostics, bool allFiles, IEnumerable<KeyValuePair<string, long>>? extra = null, IReadOnlyList<EvidenceGap>? gaps = null)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(diagnostics);
        IReadOnlyList<FileReport> files = diagnostics.Files;
        writer.WritePropertyName("diagnostics");
        writer.WriteStartObject();
        writer.WriteNumber("flowFiles", files.Count(f => f.Kind == LogFileKind.FlowLog));
        writer.WriteNumber("flowRecords", files.Where(f => f.Kind == LogFileKind.FlowLog).Sum(f => f.Records));
        writer.WriteNumber("noData", files.Sum(f => f.NoData));
        writer.WriteNumber("skipData", files.Sum(f => f.SkipData));
        writer.WriteNumber("malformed", files.Sum(f => f.Malformed));
        writer.WriteNumber("flowRecordsOutsideWindow", diagnostics.RecordsOutsideWindow);
        writer.WriteNumber("flowRecordsOnUnknownInterfaces", diagnostics.RecordsOnUnknownInterfaces);
        WriteAttribution(writer, diagnostics);
        writer.WriteNumber("cloudTrailFiles", files.Count(f => f.Kind == LogFileKind.CloudTrail));
        writer.WriteNumber("cloudTrailRecords", files.Where(f => f.Kind == LogFileKind.CloudTrail).Sum(f => f.Records));
        writer.WriteNumber("snapshotFiles", files.Count(f => f.Kind == LogFileKind.Snapshot));
        writer.WriteNumber("configFiles", files.Count(f => f.Kind == LogFileKind.AwsConfig));
        writer.WriteNumber("configItems", files.Where(f => f.Kind == LogFileKind.AwsConfig).Sum(f => f.Records));
        writer.WriteNumber("digestFilesSkipped", files.Count(f => f.Kind == LogFileKind.CloudTrailDigest));
        writer.WriteNumber("unknownFiles", files.Count(f => f.Kind == LogFileKind.Unknown));
        if (extra is not null)
        {
            foreach (KeyValuePair<string, long> kv in extra)
            {
                writer.WriteNumber(kv.Key, kv.Value);
            }
        }

        writer.WriteNumber("sideFilesSkipped", diagnostics.Sources.Sum(s => s.SideFiles));
        writer.WriteString("inflater", InflaterSummary(files));
        writer.WriteNumber("nativeInflaterFallbacks", files.Count(f => f.NativeInflaterFellBack));
        writer.WriteNumber("filesWithProblems", files.Count(f => f.HasProblems));
        gaps ??= [];
        writer.WriteBoolean("complete", !diagnostics.HasProblems && gaps.Count == 0);
        writer.WritePropertyName("gaps");
        writer.WriteStartArray();
        foreach (EvidenceGap gap in gaps)
        {
            writer.WriteStartObject();
            writer.WriteString("missing", gap.MissingName);
            writer.WritePropertyName("questions");
            writer.WriteStartArray();
            foreach (Question q in gap.Questions)
            {
                writer.WriteStringValue(FindingsReport.Key(q));
            }

            writer.WriteEndArray();
            writer.WriteString("message", gap.Message);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        WriteSources(writer, diagnostics.Sources);
        writer.WritePropertyName("files");
        writer.WriteStartArray();
        foreach (FileReport f in files.Where(f => allFiles || f.HasProblems))
        {
            WriteFile(writer, f);
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    private static void WriteSources(Utf8JsonWriter writer, IReadOnlyList<SourceContents> sources)
    {
        writer.WritePropertyName("sources");
        writer.WriteStartArray();
        foreach (SourceContents s in sources)
        {
            writer.WriteStartObject();
            writer.WriteString("location", s.Location);
            writer.WriteString("kind", s.Kind switch { SourceKind.File => "file", SourceKind.Folder => "folder", SourceKind.Archive => "archive", _ => "remote" });
            writer.WriteNumber("flowFiles", s.FlowLogs);
            writer.WriteNumber("cloudTrailFiles", s.CloudTrail);
            writer.WriteNumber("snapshotFiles", s.Snapshots);
            writer.WriteNumber("configFiles", s.Config);
            writer.WriteNumber("digestFiles", s.Digests);
            writer.WriteNumber("unknownFiles", s.Unknown);
            writer.WriteNumber("sideFilesSkipped", s.SideFiles);
            writer.WriteBoolean("empty", !s.HasData);
            if (!s.HasData)
            {
                writer.WriteString("message", s.Describe());
            }

            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    }

    private static void WriteFile(Utf8JsonWriter writer, FileReport f)
    {
        writer.WriteStartObject();
        writer.WriteString("path", f.Path);
        writer.WriteString("kind", KindName(f.Kind));
        writer.WriteString("format", f.Format);
        if (f.Inflater is { } inflater)
        {
            writer.WriteString("inflater", InflaterName(inflater));
            if (f.NativeInflaterFellBack)
            {
                writer.WriteBoolean("nativeInflaterFellBack", true);
            }
        }

        writer.WriteNumber("lines", f.Lines);
        writer.WriteNumber("records", f.Records);
        writer.WriteNumber("noData", f.NoData);
        writer.WriteNumber("skipData", f.SkipData);
        writer.WriteNumber("malformed", f.Malformed);
        if (f.FatalError is { } fatal)
        {
            writer.WriteString("error", fatal.Reason + ": " + fatal.Message);
            writer.WriteNumber("errorByteOffset", fatal.ByteOffset);
        }

        writer.WritePropertyName("samples");
        writer.WriteStartArray();
        foreach (InputProblem p in f.Samples)
        {
            writer.WriteStartObject();
            writer.WriteNumber("line", p.Line);
            writer.WriteNumber("byteOffset", p.ByteOffset);
            writer.WriteString("reason", p.Reason.ToString());
            writer.WriteString("message", p.Message);
            if (p.Excerpt is not null)
            {
                writer.WriteString("excerpt", p.Excerpt);
            }

            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    /// <summary>
    /// Which inflater read the gzip flow-log files: <c>native</c> (libdeflate), <c>managed</c> (GZipStream),
    /// <c>native+managed</c> (some of each: files too big for the native one, or files it could not inflate), or
    /// <c>none</c> (no gzip flow-log file).
    /// </summary>
    internal static string InflaterSummary(IEnumerable<FileReport> files)
    {
        ArgumentNullException.ThrowIfNull(files);
        bool native = false;
        bool managed = false;
        foreach (FileReport f in files)
        {
            native |= f.Inflater == Inflater.Native;
            managed |= f.Inflater == Inflater.Managed;
        }

        return native ? (managed ? "native+managed" : "native") : managed ? "managed" : "none";
    }

    /// <summary>Lower-case inflater name used in all outputs.</summary>
    internal static string InflaterName(Inflater inflater) => inflater switch
    {
        Inflater.Native => "native",
        Inflater.Managed => "managed",
        _ => "auto",
    };

    /// <summary>Lower-case kind name used in all outputs.</summary>
    public static string KindName(LogFileKind kind) => kind switch
    {
        LogFileKind.FlowLog => "flowlog",
        LogFileKind.CloudTrail => "cloudtrail",
        LogFileKind.CloudTrailDigest => "digest",
        LogFileKind.Snapshot => "snapshot",
        LogFileKind.AwsConfig => "awsconfig",
        _ => "unknown",
    };
}
