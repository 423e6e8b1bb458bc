using System.Globalization;
using System.Text;

namespace FlowCorrelator.Reporting;

/// <summary>
/// Makes text that came from logs (tag values, ARNs, user agents — attacker-controlled) safe to show: no terminal
/// escape sequences, no control characters, no spreadsheet formulas.
/// </summary>
public static class SafeText
{
    /// <summary>
    /// For terminals: ANSI escape sequences are removed and other control characters (C0, DEL, C1, bidi overrides)
    /// are shown as <c>\xNN</c> / <c>\u{NNNN}</c>.
    /// </summary>
    public static string ForTerminal(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return text ?? string.Empty;
        }

        if (!NeedsEscaping(text))
        {
            return text;
        }

        var sb = new StringBuilder(text.Length + 16);
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (c == '\x1B')
            {
                i = SkipEscapeSequence(text, i);
                sb.Append("\\e");
                continue;
            }

            if (IsUnsafe(c))
            {
                sb.Append(c <= 0xFF ? $"\\x{(int)c:X2}" : $"\\u{{{(int)c:X4}}}");
                continue;
            }

            sb.Append(c);
        }

        return sb.ToString();
    }

    /// <summary>For Markdown table cells: terminal-safe, with pipes, backticks, angle brackets and line breaks escaped.</summary>
    public static string ForMarkdown(string? text)
    {
        string safe = ForTerminal(text);
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
    /// For CSV cells (OWASP CSV injection guidance): a cell starting with <c>=</c>, <c>+</c>, <c>-</c>, <c>@</c>, tab or
    /// carriage return gets a leading apostrophe, unless it is a plain number such as <c>-1</c>.
    /// </summary>
    public static string ForCsv(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return text ?? string.Empty;
        }

        char first = text[0];
        if (text == "-")
        {
            return text; // the flow-log "absent" marker: no spreadsheet reads a lone '-' as a formula
        }

        if (first is '=' or '+' or '-' or '@' or '\t' or '\r')
        {
            if ((first is '-' or '+') && double.TryParse(text, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out _))
            {
                return text;
            }

            return "'" + text;
        }

        return text;
    }

    private static bool NeedsEscaping(string text)
    {
        foreach (char c in text)
        {
            if (c == '\x1B' || IsUnsafe(c))
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsUnsafe(char c) =>
        c < 0x20 || c == 0x7F || (c >= 0x80 && c <= 0x9F) ||
        (c >= '\u202A' && c <= '\u202E') || (c >= '\u2066' && c <= '\u2069') || c == '\u200E' || c == '\u200F';

    /// <summary>Returns the index of the last character of the escape sequence starting at <paramref name="start"/>.</summary>
    private static int SkipEscapeSequence(string text, int start)
    {
        int i = start + 1;
        if (i >= text.Length)
        {
            return start;
        }

        char kind = text[i];
        if (kind == '[')
        {
            // CSI: parameters and intermediates, then one final byte 0x40–0x7E.
            for (i++; i < text.Length; i++)
            {
                if (text[i] is >= '@' and <= '~')
                {
                    return i;
                }
            }

            return text.Length - 1;
        }

        if (kind is ']' or 'P' or '_' or '^' or 'X')
        {
            // OSC/DCS/APC/PM/SOS: up to BEL or ST (ESC \).
            for (i++; i < text.Length; i++)
            {
                if (text[i] == '\a')
                {
                    return i;
                }

                if (text[i] == '\x1B' && i + 1 < text.Length && text[i + 1] == '\\')
                {
                    return i + 1;
                }
            }

            return text.Length - 1;
        }

        return i; // two-character escape
    }
}
