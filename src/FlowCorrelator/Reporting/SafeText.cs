using System.Globalization;
using System.Text;

namespace FlowCorrelator.Reporting;

/// <summary>
/// Makes text that came from logs (tag values, ARNs, user agents, file names — attacker-controlled) safe to show: no
/// terminal control sequences, no bidirectional reordering, no spreadsheet formulas. <see cref="ForDisplay"/> is the
/// one neutraliser every text output (table, CSV, Markdown, HTML) goes through; JSON keeps the exact text, escaped by
/// the serializer.
/// </summary>
public static class SafeText
{
    /// <summary>
    /// The shared neutraliser for every text output: each C0 control (U+0000–U+001F), DEL, C1 control
    /// (U+0080–U+009F) and bidi control (U+200E, U+200F, U+061C, U+202A–U+202E, U+2066–U+2069) becomes a visible
    /// escape, <c>\x1b</c> for code points up to U+00FF and <c>\u202e</c> above. Everything else is kept as it is.
    /// </summary>
    /// <remarks>
    /// Escape sequences are shown, not removed: <c>ESC ] 0 ; pwned BEL</c> becomes <c>\x1b]0;pwned\x07</c>, so the
    /// reader sees what the log tried to do and no byte of it reaches the terminal. A backslash in the log is kept as
    /// it is, so display text can look like an escape that was not one; JSON output is the exact record.
    /// </remarks>
    public static string ForDisplay(string? text) => Neutralise(text, keepTab: false);

    /// <summary>For Markdown table cells: <see cref="ForDisplay"/>, then pipes, backticks, emphasis, brackets, backslashes and angle brackets escaped.</summary>
    public static string ForMarkdown(string? text)
    {
        string safe = ForDisplay(text);
        var sb = new StringBuilder(safe.Length + 8);
        foreach (char c in safe)
        {
            switch (c)
            {
                case '|': sb.Append("\\|"); break;
                case '`': sb.Append("\\`"); break;
                case '<': sb.Append("&lt;"); break;
                case '>': sb.Append("&gt;"); break;
                case '*' or '_' or '[' or ']' or '\\': sb.Append('\\').Append(c); break;
                default: sb.Append(c); break;
            }
        }

        return sb.ToString();
    }

    /// <summary>
    /// For CSV cells: <see cref="ForDisplay"/> except that tab is kept (the CSV quoting covers it), then OWASP CSV
    /// injection guidance: a cell starting with <c>=</c>, <c>+</c>, <c>-</c>, <c>@</c> or tab gets a leading
    /// apostrophe, unless it is a plain number such as <c>-1</c>. (A leading carriage return is already shown as
    /// <c>\x0d</c>, which no spreadsheet evaluates.)
    /// </summary>
    public static string ForCsv(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return text ?? string.Empty;
        }

        text = Neutralise(text, keepTab: true);
        char first = text[0];
        if (text == "-")
        {
            return text; // the flow-log "absent" marker: no spreadsheet reads a lone '-' as a formula
        }

        if (first is '=' or '+' or '-' or '@' or '\t')
        {
            if ((first is '-' or '+') && double.TryParse(text, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out _))
            {
                return text;
            }

            return "'" + text;
        }

        return text;
    }

    /// <summary>Whether <see cref="ForDisplay"/> changes <paramref name="c"/>.</summary>
    public static bool IsNeutralised(char c) =>
        c < 0x20 || c == 0x7F || (c >= 0x80 && c <= 0x9F) ||
        (c >= '\u202A' && c <= '\u202E') || (c >= '\u2066' && c <= '\u2069') || c is '\u200E' or '\u200F' or '\u061C';

    private static string Neutralise(string? text, bool keepTab)
    {
        if (string.IsNullOrEmpty(text))
        {
            return text ?? string.Empty;
        }

        int first = IndexOfNeutralised(text, keepTab);
        if (first < 0)
        {
            return text; // the common case: no copy
        }

        var sb = new StringBuilder(text.Length + 16);
        sb.Append(text, 0, first);
        for (int i = first; i < text.Length; i++)
        {
            char c = text[i];
            if (IsNeutralised(c) && !(keepTab && c == '\t'))
            {
                sb.Append(c <= 0xFF ? "\\x" : "\\u").Append(((int)c).ToString(c <= 0xFF ? "x2" : "x4", CultureInfo.InvariantCulture));
            }
            else
            {
                sb.Append(c);
            }
        }

        return sb.ToString();
    }

    private static int IndexOfNeutralised(string text, bool keepTab)
    {
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (IsNeutralised(c) && !(keepTab && c == '\t'))
            {
                return i;
            }
        }

        return -1;
    }
}
