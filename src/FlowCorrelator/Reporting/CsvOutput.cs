using CsvHelper;

namespace FlowCorrelator.Reporting;

/// <summary>RFC 4180 CSV (CsvHelper) whose every cell goes through <see cref="SafeText.ForCsv"/>.</summary>
public sealed class CsvOutput : IDisposable
{
    private readonly CsvWriter _csv;

    /// <summary>Writes to <paramref name="output"/>, which stays open.</summary>
    public CsvOutput(TextWriter output)
    {
        _csv = CsvWriter.Create(output, new CsvWriterOptions { NewLine = "\n" }, true);
    }

    /// <summary>Writes one row.</summary>
    public void Row(params ReadOnlySpan<string?> cells)
    {
        foreach (string? cell in cells)
        {
            _csv.WriteField(SafeText.ForCsv(cell));
        }

        _csv.EndRecord();
    }

    /// <summary>Writes one row.</summary>
    public void Row(IEnumerable<string?> cells)
    {
        ArgumentNullException.ThrowIfNull(cells);
        foreach (string? cell in cells)
        {
            _csv.WriteField(SafeText.ForCsv(cell));
        }

        _csv.EndRecord();
    }

    /// <summary>Flushes buffered output.</summary>
    public void Flush() => _csv.Flush();

    /// <inheritdoc/>
    public void Dispose() => _csv.Dispose();
}
