using System.Text;

namespace FlowCorrelator.Reporting;

/// <summary>
/// An aligned plain-text table. Cells are made terminal-safe; long cells are cut with an ellipsis so rows stay
/// within a width budget.
/// </summary>
public sealed class TextTable
{
    private readonly string[] _headers;
    private readonly List<string[]> _rows = [];
    private readonly bool[] _rightAligned;

    /// <summary>Creates a table with the given column headers; numeric columns can be right-aligned.</summary>
    public TextTable(IReadOnlyList<string> headers, IReadOnlyList<bool>? rightAligned = null)
    {
        ArgumentNullException.ThrowIfNull(headers);
        _headers = [.. headers];
        _rightAligned = rightAligned is null ? new bool[_headers.Length] : [.. rightAligned];
    }

    /// <summary>Rows added so far.</summary>
    public int Count => _rows.Count;

    /// <summary>Adds a row (values are sanitised for the terminal).</summary>
    public void Add(params string?[] cells)
    {
        ArgumentNullException.ThrowIfNull(cells);
        var row = new string[_headers.Length];
        for (int i = 0; i < row.Length; i++)
        {
            row[i] = i < cells.Length ? SafeText.ForDisplay(cells[i]) : string.Empty;
        }

        _rows.Add(row);
    }

    /// <summary>Writes the table; columns wider than <paramref name="maxColumnWidth"/> are cut.</summary>
    public void Write(TextWriter writer, int maxColumnWidth = 40)
    {
        ArgumentNullException.ThrowIfNull(writer);
        int[] widths = new int[_headers.Length];
        for (int i = 0; i < widths.Length; i++)
        {
            widths[i] = Math.Min(maxColumnWidth, Math.Max(_headers[i].Length, _rows.Count == 0 ? 0 : _rows.Max(r => r[i].Length)));
        }

        WriteRow(writer, _headers, widths);
        writer.WriteLine(string.Join("  ", widths.Select(w => new string('-', w))));
        foreach (string[] row in _rows)
        {
            WriteRow(writer, row, widths);
        }
    }

    private void WriteRow(TextWriter writer, string[] cells, int[] widths)
    {
        var sb = new StringBuilder();
        for (int i = 0; i < cells.Length; i++)
        {
            string cell = cells[i].Length > widths[i] ? string.Concat(cells[i].AsSpan(0, widths[i] - 1), "…") : cells[i];
            if (i > 0)
            {
                sb.Append("  ");
            }

            bool last = i == cells.Length - 1;
            if (_rightAligned[i])
            {
                sb.Append(cell.PadLeft(widths[i]));
            }
            else
            {
                sb.Append(last ? cell : cell.PadRight(widths[i]));
            }
        }

        writer.WriteLine(sb.ToString().TrimEnd());
    }
}
