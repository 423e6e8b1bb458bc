using System.Buffers;
using System.Text;

namespace FlowCorrelator.Reporting;

/// <summary>
/// Escaping for the HTML report. Log text (tag values, ARNs, user agents, file names) is attacker-controlled: it is
/// first neutralised (<see cref="SafeText.ForDisplay"/>, the one neutraliser of every text output: control and bidi
/// characters shown as escapes such as <c>\x1b</c> and <c>\u202e</c>), then
/// every character that HTML gives a meaning to is written as an entity, so that no log content can open a tag,
/// close an attribute or start a script, in element text and in quoted attribute values alike.
/// </summary>
public static class HtmlText
{
    private static readonly SearchValues<char> Special = SearchValues.Create("&<>\"'`");

    /// <summary>Escapes <paramref name="text"/> for element content or a double- or single-quoted attribute value.</summary>
    public static string Escape(string? text)
    {
        string safe = SafeText.ForDisplay(text);
        int first = safe.AsSpan().IndexOfAny(Special);
        if (first < 0)
        {
            return safe;
        }

        var sb = new StringBuilder(safe.Length + 16);
        sb.Append(safe, 0, first);
        for (int i = first; i < safe.Length; i++)
        {
            char c = safe[i];
            switch (c)
            {
                case '&': sb.Append("&amp;"); break;
                case '<': sb.Append("&lt;"); break;
                case '>': sb.Append("&gt;"); break;
                case '"': sb.Append("&quot;"); break;
                case '\'': sb.Append("&#39;"); break;
                // Old IE read backticks as attribute quotes; cheap to close for good.
                case '`': sb.Append("&#96;"); break;
                default: sb.Append(c); break;
            }
        }

        return sb.ToString();
    }
}
