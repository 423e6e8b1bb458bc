using System.Formats.Tar;
using System.IO.Compression;

namespace FlowCorrelator.Ingest;

/// <summary>
/// Log archives handed over by other teams: <c>.zip</c> (entries read in place, random access) and <c>.tar</c>,
/// <c>.tar.gz</c>, <c>.tgz</c> (tar has no index, so it is unpacked once into a private temporary folder that is
/// removed when the process exits). Entries keep their path inside the archive, so the AWS key layout still tells
/// flow logs from CloudTrail; inputs are named <c>archive!/path/in/archive</c>.
/// </summary>
internal static class LogArchives
{
    private static readonly Lock s_gate = new();
    private static readonly List<string> s_tempFolders = [];
    private static bool s_cleanupRegistered;

    public static bool IsArchive(string path) =>
        path.EndsWith(".zip", StringComparison.OrdinalIgnoreCase) ||
        path.EndsWith(".tar", StringComparison.OrdinalIgnoreCase) ||
        path.EndsWith(".tar.gz", StringComparison.OrdinalIgnoreCase) ||
        path.EndsWith(".tgz", StringComparison.OrdinalIgnoreCase);

    /// <summary>The log files inside an archive, in path order; folders and side files are skipped.</summary>
    /// <exception cref="InvalidDataException">The archive itself cannot be read.</exception>
    public static IEnumerable<LogInput> Expand(string archivePath, Func<string, bool> isSideFile)
    {
        return archivePath.EndsWith(".zip", StringComparison.OrdinalIgnoreCase)
            ? ExpandZip(archivePath, isSideFile)
            : ExpandTar(archivePath, isSideFile);
    }

    private static List<LogInput> ExpandZip(string archivePath, Func<string, bool> isSideFile)
    {
        var inputs = new List<LogInput>();
        using ZipArchive zip = ZipFile.OpenRead(archivePath);
        foreach (ZipArchiveEntry entry in zip.Entries.OrderBy(e => e.FullName, StringComparer.Ordinal))
        {
            string name = Path.GetFileName(entry.FullName);
            if (entry.FullName.EndsWith('/') || name.Length == 0 || name.StartsWith('.') || isSideFile(name))
            {
                continue;
            }

            string entryName = entry.FullName;
            inputs.Add(new LogInput($"{archivePath}!/{entryName}", _ => OpenZipEntry(archivePath, entryName), entry.CompressedLength));
        }

        return inputs;
    }

    private static OwningStream OpenZipEntry(string archivePath, string entryName)
    {
        ZipArchive zip = ZipFile.OpenRead(archivePath);
        try
        {
            ZipArchiveEntry entry = zip.GetEntry(entryName) ?? throw new FileNotFoundException($"{archivePath}: entry '{entryName}' is gone.");
            return new OwningStream(entry.Open(), zip);
        }
        catch
        {
            zip.Dispose();
            throw;
        }
    }

    private static List<LogInput> ExpandTar(string archivePath, Func<string, bool> isSideFile)
    {
        string folder = Path.Combine(Path.GetTempPath(), "flowcorrelator-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        RegisterForCleanup(folder);
        var inputs = new List<LogInput>();
        using FileStream file = File.OpenRead(archivePath);
        using Stream tarStream = archivePath.EndsWith(".tar", StringComparison.OrdinalIgnoreCase) ? file : new GZipStream(file, CompressionMode.Decompress);
        using var reader = new TarReader(tarStream);
        string root = Path.GetFullPath(folder) + Path.DirectorySeparatorChar;
        var byName = new Dictionary<string, LogInput>(StringComparer.Ordinal);
        long unpacked = 0;
        while (reader.GetNextEntry() is { } entry)
        {
            if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile) || entry.DataStream is null)
            {
                continue;
            }

            string name = Path.GetFileName(entry.Name);
            if (name.Length == 0 || name.StartsWith('.') || isSideFile(name))
            {
                continue;
            }

            // Never write outside the private folder, whatever the entry name says.
            string target = Path.GetFullPath(Path.Combine(folder, entry.Name.TrimStart('/', '\\')));
            if (!target.StartsWith(root, StringComparison.Ordinal))
            {
                throw new InvalidDataException($"{archivePath}: entry '{entry.Name}' would be written outside the archive folder.");
            }

            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            using (FileStream output = File.Create(target))
            {
                unpacked += CopyLimited(entry.DataStream, output, ReaderOptions.Default.MaxInflatedBytes - unpacked, archivePath);
            }

            // A tar may hold the same name twice (appended updates): the last copy wins, as tar -x does.
            string inputName = $"{archivePath}!/{entry.Name.TrimStart('/')}";
            string local = target;
            byName[inputName] = new LogInput(inputName, _ => File.OpenRead(local), new FileInfo(local).Length);
        }

        inputs.AddRange(byName.Values);
        inputs.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        return inputs;
    }

    /// <summary>Copies at most <paramref name="budget"/> bytes; more is a tar bomb, reported for the archive.</summary>
    private static long CopyLimited(Stream source, Stream target, long budget, string archivePath)
    {
        byte[] buffer = new byte[1 << 16];
        long copied = 0;
        int n;
        while ((n = source.Read(buffer)) > 0)
        {
            copied += n;
            if (copied > budget)
            {
                throw new InvalidDataException($"{archivePath}: unpacks to more than {ReaderOptions.Default.MaxInflatedBytes} bytes (decompression-bomb guard).");
            }

            target.Write(buffer, 0, n);
        }

        return copied;
    }

    private static void RegisterForCleanup(string folder)
    {
        lock (s_gate)
        {
            s_tempFolders.Add(folder);
            if (!s_cleanupRegistered)
            {
                s_cleanupRegistered = true;
                AppDomain.CurrentDomain.ProcessExit += (_, _) =>
                {
                    foreach (string f in s_tempFolders)
                    {
                        try
                        {
                            Directory.Delete(f, recursive: true);
                        }
                        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                        {
                            // Best effort: the OS temp cleaner removes what is left.
                        }
                    }
                };
            }
        }
    }

    /// <summary>A stream that disposes the archive that owns it.</summary>
    private sealed class OwningStream(Stream inner, IDisposable owner) : ReadOnlyStream
    {
        public override int Read(Span<byte> buffer) => inner.Read(buffer);

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
                owner.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
