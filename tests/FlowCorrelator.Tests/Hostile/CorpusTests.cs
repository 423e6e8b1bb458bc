using System.IO.Compression;
using System.Text;
using System.Text.Json;
using FlowCorrelator.Cli;
using FlowCorrelator.Ingest;

namespace FlowCorrelator.Tests.Hostile;

/// <summary>
/// Runs the CLI over every file of the broken-input corpus (Corpus/README.md) and checks the exit code, the reported
/// reason and position, and how many valid records around the damage were still read.
/// </summary>
public sealed class CorpusTests
{
    private const string V2Header = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status";

    /// <summary>One corpus file and what the CLI must report for it.</summary>
    /// <param name="File">Name in Corpus/.</param>
    /// <param name="Command"><c>flows</c> for flow logs, <c>investigate</c> for CloudTrail and snapshots.</param>
    /// <param name="Exit">Expected exit code.</param>
    /// <param name="Records">Valid records read; -1 for "some, fewer than all" (limits that stop mid-read).</param>
    /// <param name="Reason">First problem's reason, null for a clean file.</param>
    /// <param name="Line">First problem's line (0 for byte-offset-only problems).</param>
    /// <param name="ByteOffset">First problem's offset in the decompressed data; -1 to skip the check.</param>
    /// <param name="Malformed">Malformed lines/records counted.</param>
    /// <param name="Args">Extra CLI arguments (small limits).</param>
    public sealed record Case(string File, string Command, int Exit, long Records, ProblemReason? Reason = null, long Line = 0, long ByteOffset = 0, long Malformed = 0, params string[] Args)
    {
        public override string ToString() => File;
    }

    private static IEnumerable<TestCaseData> Cases()
    {
        Case[] cases =
        [
            // Flow logs: the first problem's line and offset, records before and after it kept.
            new("flow-truncated.log.gz", "flows", 1, 217, ProblemReason.CorruptCompression, 0, 22933),
            new("flow-garbage-after-member.log.gz", "flows", 1, 20, ProblemReason.CorruptCompression, 0, 2177),
            new("flow-concatenated.log.gz", "flows", 0, 15),
            new("flow-plain-named.log.gz", "flows", 0, 5),
            new("flow-gzip-named.log", "flows", 0, 5),
            new("flow-empty.log", "flows", 0, 0),
            new("flow-crlf.log", "flows", 0, 6),
            new("flow-unknown-header-fields.log", "flows", 0, 4),
            new("flow-field-count.log", "flows", 1, 5, ProblemReason.FieldCount, 4, 319, 2),
            new("flow-bad-numbers.log", "flows", 1, 3, ProblemReason.InvalidNumber, 3, 217, 3),
            new("flow-port-range.log", "flows", 1, 2, ProblemReason.OutOfRange, 3, 217, 2),
            new("flow-bad-address.log", "flows", 1, 3, ProblemReason.InvalidAddress, 3, 217, 3),
            new("flow-binary.log", "flows", 1, 3, ProblemReason.BinaryData, 4, 319, 3),
            new("flow-bomb.log.gz", "flows", 1, -1, ProblemReason.InflateLimit, 0, -1, 0, "--max-inflated-bytes", "1048576"),

            // CloudTrail and snapshots (positions are byte offsets of the record in the decompressed file), through the
            // question that needs nothing else: `investigate` on a trail alone would add the no-flow-logs gap (exit 1).
            new("ct-truncated.json.gz", "rule-changes", 1, 130, ProblemReason.CorruptCompression, 0, 59184),
            new("ct-empty.json", "rule-changes", 1, 0), // a clean file, but no CloudTrail event was read: the gap is exit 1
            new("ct-invalid-json-middle.json", "rule-changes", 1, 4, ProblemReason.InvalidJson, 0, 918, 1),
            new("ct-missing-fields.json", "rule-changes", 1, 2, ProblemReason.InvalidRecord, 0, 466, 3),
            new("ct-wrong-types.json", "rule-changes", 0, 3),
            new("ct-deep-nesting.json", "rule-changes", 1, 2, ProblemReason.TooDeep, 0, 466, 1),
            new("ct-huge-value.json", "rule-changes", 1, 2, ProblemReason.InvalidRecord, 0, 466, 1, "--max-json-record-bytes", "8192"),
            new("ct-unknown-event-version.json", "rule-changes", 0, 2),
            new("snapshot-truncated.json.gz", "rule-changes", 1, 0, ProblemReason.CorruptCompression, 0, -1),
        ];
        // Every gzip file under both inflaters: the default (auto: libdeflate where installed) and the managed one, forced.
        return cases.Select(c => new TestCaseData(c).SetName("Cli_Corpus_" + c.File)).Concat(
            cases.Where(c => c.File.EndsWith(".gz", StringComparison.Ordinal) && c.Command == "flows")
                .Select(c => new TestCaseData(c with { Args = [.. c.Args, "--inflater", "managed"] }).SetName("Cli_Corpus_" + c.File + "_ManagedInflater")));
    }

    [TestCaseSource(nameof(Cases))]
    public async Task Cli_CorpusFile_ReportsReasonPositionAndKeepsValidRecords(Case c)
    {
        string path = Path.Combine(TestContext.CurrentContext.TestDirectory, "Corpus", c.File);
        Assert.That(File.Exists(path), path);
        (int exit, JsonElement root, string stderr) = await RunJsonAsync([c.Command, path, "--format", "json", .. c.Args]);

        Assert.That(exit, Is.EqualTo(c.Exit), stderr);
        JsonElement diagnostics = root.GetProperty("diagnostics");
        JsonElement? file = FileEntry(diagnostics, c.File);
        long records = c.Command == "flows"
            ? root.GetProperty("records").GetArrayLength()
            : diagnostics.GetProperty("cloudTrailRecords").GetInt64() + diagnostics.GetProperty("flowRecords").GetInt64();
        if (c.Records >= 0)
        {
            Assert.That(records, Is.EqualTo(c.Records), "valid records read");
        }
        else
        {
            Assert.That(records, Is.GreaterThan(0), "records before the limit are kept");
        }

        if (c.Reason is null)
        {
            // A clean file; the run is incomplete only when it gave nothing the question needs (exit 1, one gap).
            Assert.That(diagnostics.GetProperty("complete").GetBoolean(), Is.EqualTo(c.Exit == 0));
            Assert.That(diagnostics.GetProperty("gaps").GetArrayLength(), Is.EqualTo(c.Exit == 0 ? 0 : 1));
            Assert.That(file?.GetProperty("malformed").GetInt64() ?? 0, Is.Zero);
            return;
        }

        Assert.That(file, Is.Not.Null, "a file with a problem is listed in diagnostics.files");
        JsonElement f = file!.Value;
        Assert.That(diagnostics.GetProperty("complete").GetBoolean(), Is.False);
        Assert.That(f.GetProperty("malformed").GetInt64(), Is.EqualTo(c.Malformed));
        Assert.That(f.GetProperty("records").GetInt64(), Is.EqualTo(records), "per-file count matches");
        JsonElement first = f.GetProperty("samples")[0];
        Assert.That(first.GetProperty("reason").GetString(), Is.EqualTo(c.Reason.Value.ToString()));
        Assert.That(first.GetProperty("line").GetInt64(), Is.EqualTo(c.Line));
        if (c.ByteOffset >= 0)
        {
            Assert.That(first.GetProperty("byteOffset").GetInt64(), Is.EqualTo(c.ByteOffset));
        }

        if (c.Reason is ProblemReason.CorruptCompression or ProblemReason.InflateLimit)
        {
            Assert.That(f.GetProperty("error").GetString(), Does.StartWith(c.Reason.Value.ToString()));
            Assert.That(f.GetProperty("errorByteOffset").GetInt64(), Is.EqualTo(first.GetProperty("byteOffset").GetInt64()));
        }
    }

    [Test]
    public async Task Cli_LineOfSeveralMegabytes_IsReportedAndTheLinesAroundItAreRead()
    {
        using var dir = new TempDir();
        string first = Line(1);
        string path = dir.Write("long.log", V2Header + "\n" + first + "\n" + new string('7', 3 << 20) + "\n" + Line(2) + "\n");
        (int exit, JsonElement root, _) = await RunJsonAsync(["flows", path, "--format", "json"]);

        Assert.That(exit, Is.EqualTo(ExitCodes.InputProblems));
        Assert.That(root.GetProperty("records").GetArrayLength(), Is.EqualTo(2));
        JsonElement sample = root.GetProperty("diagnostics").GetProperty("files")[0].GetProperty("samples")[0];
        Assert.That(sample.GetProperty("reason").GetString(), Is.EqualTo("LineTooLong"));
        Assert.That(sample.GetProperty("line").GetInt64(), Is.EqualTo(3));
        Assert.That(sample.GetProperty("byteOffset").GetInt64(), Is.EqualTo(V2Header.Length + 1 + first.Length + 1));
        Assert.That(sample.GetProperty("excerpt").GetString()!.Length, Is.LessThanOrEqualTo(201), "excerpts stay short");
    }

    [Test]
    public async Task Cli_HighlyCompressibleGzip_StopsAtTheRatioLimitWithRecordsKept()
    {
        using var dir = new TempDir();
        var text = new MemoryStream();
        byte[] line = Encoding.ASCII.GetBytes(Line(1) + "\n");
        using (var gz = new GZipStream(text, CompressionLevel.Optimal, leaveOpen: true))
        {
            gz.Write(Encoding.ASCII.GetBytes(V2Header + "\n"));
            for (long written = 0; written < GzipTextStream.RatioCheckFloor + (4 << 20); written += line.Length)
            {
                gz.Write(line);
            }
        }

        string path = Path.Combine(dir.Path, "ratio.log.gz");
        await File.WriteAllBytesAsync(path, text.ToArray());
        (int exit, string stdout, string stderr) = await RunAsync(["flows", path, "--max-inflate-ratio", "20"]);

        Assert.That(exit, Is.EqualTo(ExitCodes.InputProblems), stderr);
        Assert.That(stdout, Does.Contain("InflateLimit").And.Contain("20:1"));
    }

    [Test]
    public async Task Cli_ManyBrokenFiles_DiagnosticsNameEveryOne()
    {
        using var dir = new TempDir();
        var bad = new List<string>();
        for (int i = 0; i < 30; i++)
        {
            // Each file has more problems than the sample cap: samples are capped, the file list is not.
            string body = V2Header + "\n" + Line(i) + "\n" + string.Concat(Enumerable.Repeat("2 broken line\n", 12));
            bad.Add(dir.Write($"bad-{i:D2}.log", body));
        }

        dir.Write("good.log", V2Header + "\n" + Line(1) + "\n");
        (int exit, JsonElement root, _) = await RunJsonAsync(["investigate", dir.Path, "--format", "json"]);

        Assert.That(exit, Is.EqualTo(ExitCodes.InputProblems));
        JsonElement diagnostics = root.GetProperty("diagnostics");
        string[] listed = [.. diagnostics.GetProperty("files").EnumerateArray().Select(f => f.GetProperty("path").GetString()!)];
        Assert.That(listed.Select(Path.GetFileName), Is.EquivalentTo(bad.Select(Path.GetFileName)));
        Assert.That(diagnostics.GetProperty("filesWithProblems").GetInt32(), Is.EqualTo(30));
        Assert.That(diagnostics.GetProperty("malformed").GetInt64(), Is.EqualTo(30 * 12));
        Assert.That(diagnostics.GetProperty("files")[0].GetProperty("samples").GetArrayLength(), Is.EqualTo(ReaderOptions.Default.MaxSamplesPerFile));
        Assert.That(diagnostics.GetProperty("flowRecords").GetInt64(), Is.EqualTo(31));
    }

    internal static string Line(int i) =>
        $"2 123456789012 eni-0a1b2c3d{i % 16:x} 10.0.0.{i % 250 + 1} 198.51.100.{i % 200 + 1} {40000 + i} 443 6 10 840 1700000000 1700000060 ACCEPT OK";

    internal static async Task<(int Exit, string Stdout, string Stderr)> RunAsync(string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int exit = await CliApp.RunAsync(args, stdout, stderr);
        return (exit, stdout.ToString(), stderr.ToString());
    }

    private static async Task<(int Exit, JsonElement Root, string Stderr)> RunJsonAsync(string[] args)
    {
        (int exit, string stdout, string stderr) = await RunAsync(args);
        using JsonDocument doc = JsonDocument.Parse(stdout);
        return (exit, doc.RootElement.Clone(), stderr);
    }

    private static JsonElement? FileEntry(JsonElement diagnostics, string name)
    {
        foreach (JsonElement f in diagnostics.GetProperty("files").EnumerateArray())
        {
            if (Path.GetFileName(f.GetProperty("path").GetString()) == name)
            {
                return f;
            }
        }

        return null;
    }

    /// <summary>A temporary folder, deleted on dispose.</summary>
    internal sealed class TempDir : IDisposable
    {
        public string Path { get; } = Directory.CreateTempSubdirectory("flowcorrelator-hostile-").FullName;

        public string Write(string name, string text)
        {
            string path = System.IO.Path.Combine(Path, name);
            File.WriteAllText(path, text);
            return path;
        }

        public string Write(string name, byte[] bytes)
        {
            string path = System.IO.Path.Combine(Path, name);
            File.WriteAllBytes(path, bytes);
            return path;
        }

        public void Dispose() => Directory.Delete(Path, recursive: true);
    }
}
