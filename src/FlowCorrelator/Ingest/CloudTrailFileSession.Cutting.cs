using System.Text.Json;

namespace FlowCorrelator.Ingest;

/// <summary>Cutting values out of the window, skipping what cannot be cut, and resynchronising after invalid JSON.</summary>
internal sealed partial class CloudTrailFileSession
{
    /// <summary>How a value in the buffer was cut out.</summary>
    private enum CaptureStatus
    {
        Complete,
        Invalid,
        TooDeep,
        TooLarge,
    }

    /// <summary>Cuts out the complete JSON value at the front of the window, reading more (up to the cap) as needed.</summary>
    private CaptureStatus Capture(out int length, out string? error)
    {
        length = 0;
        error = null;
        var readerOptions = new JsonReaderOptions { MaxDepth = _cutDepth };
        while (true)
        {
            bool final = window.Eof;
            var reader = new Utf8JsonReader(window.Available, window.Eof, new JsonReaderState(readerOptions));
            try
            {
                if (reader.Read() && reader.TrySkip())
                {
                    length = (int)reader.BytesConsumed;

                    // The window never shrinks below its initial size, so a smaller limit is checked here.
                    return length > options.MaxJsonRecordBytes ? CaptureStatus.TooLarge : CaptureStatus.Complete;
                }
            }
            catch (JsonException ex)
            {
                error = ex.Message;
                return JsonDepthLimit.WasExceeded(window.Available, final, _cutDepth, ex) ? CaptureStatus.TooDeep : CaptureStatus.Invalid;
            }

            if (!window.More())
            {
                if (window.AtCapacity)
                {
                    return CaptureStatus.TooLarge;
                }

                if (final)
                {
                    // Unreachable with a final block (the reader throws on incomplete data); guards the loop.
                    error = "unexpected end of data";
                    return CaptureStatus.Invalid;
                }

                // End of data: the next pass runs with isFinalBlock and reports a truncated value as invalid.
            }
        }
    }

    /// <summary>
    /// Skips one JSON value without buffering it (bracket and string aware, no syntax check): used for values that
    /// are too large or too deep to cut out. False when the data ends first.
    /// </summary>
    private bool SkipValue()
    {
        int depth = 0;
        bool inString = false;
        bool escape = false;
        bool started = false;
        while (true)
        {
            ReadOnlySpan<byte> span = window.Available;
            for (int i = 0; i < span.Length; i++)
            {
                byte c = span[i];
                if (inString)
                {
                    if (escape)
                    {
                        escape = false;
                    }
                    else if (c == (byte)'\\')
                    {
                        escape = true;
                    }
                    else if (c == (byte)'"')
                    {
                        inString = false;
                        if (depth == 0)
                        {
                            window.Advance(i + 1);
                            return true;
                        }
                    }

                    continue;
                }

                switch (c)
                {
                    case (byte)'"':
                        inString = true;
                        started = true;
                        break;
                    case (byte)'{' or (byte)'[':
                        depth++;
                        started = true;
                        break;
                    case (byte)'}' or (byte)']':
                        if (depth <= 1)
                        {
                            window.Advance(depth == 0 ? i : i + 1);
                            return true;
                        }

                        depth--;
                        break;
                    case (byte)',' or (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n' or (byte)':':
                        if (depth == 0 && started)
                        {
                            window.Advance(i);
                            return true;
                        }

                        break;
                    default:
                        started = true;
                        break;
                }
            }

            window.Advance(span.Length);
            if (!window.More())
            {
                return false;
            }
        }
    }

    /// <summary>
    /// Inside a record list after invalid JSON: moves to the next <c>{</c> that opens a record (its first member is
    /// <c>eventVersion</c>, <c>eventID</c> or LookupEvents' <c>EventId</c>). False when none follows.
    /// </summary>
    private bool ResyncAtRecord()
    {
        ReadOnlySpan<byte> v = "\"eventVersion\""u8;
        ReadOnlySpan<byte> id = "\"eventID\""u8;
        ReadOnlySpan<byte> lookupId = "\"EventId\""u8;
        const int Lookahead = 64;
        while (true)
        {
            ReadOnlySpan<byte> span = window.Available;
            int i = 0;
            while (true)
            {
                int brace = span[i..].IndexOf((byte)'{');
                if (brace < 0)
                {
                    i = span.Length;
                    break;
                }

                i += brace;
                if (span.Length - i < Lookahead && !window.Eof)
                {
                    break; // need more bytes to decide
                }

                ReadOnlySpan<byte> after = span[(i + 1)..].TrimStart(" \t\r\n"u8);
                if (after.StartsWith(v) || after.StartsWith(id) || after.StartsWith(lookupId))
                {
                    window.Advance(i);
                    return true;
                }

                i++;
            }

            window.Advance(i);
            if (!window.More())
            {
                // At the end of the data the next pass decides on every remaining brace; after that nothing is left.
                if (window.Eof && window.Available.IndexOf((byte)'{') >= 0)
                {
                    continue;
                }

                window.Advance(window.Available.Length);
                return false;
            }
        }
    }

    /// <summary>At top level after invalid JSON: moves to the next line that starts (in column 0) with <c>{</c> or <c>[</c>.</summary>
    private void ResyncAtLine()
    {
        while (true)
        {
            ReadOnlySpan<byte> span = window.Available;
            int i = 0;
            while (true)
            {
                int nl = span[i..].IndexOf((byte)'\n');
                if (nl < 0)
                {
                    i = span.Length;
                    break;
                }

                i += nl + 1;
                if (i >= span.Length)
                {
                    break;
                }

                if (span[i] is (byte)'{' or (byte)'[')
                {
                    window.Advance(i);
                    return;
                }
            }

            window.Advance(i);
            if (!window.More())
            {
                window.Advance(window.Available.Length);
                return;
            }
        }
    }
}
