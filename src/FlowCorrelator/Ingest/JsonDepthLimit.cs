using System.Text.Json;

namespace FlowCorrelator.Ingest;

/// <summary>
/// Tells a JSON value nested past the reader's <c>MaxDepth</c> from invalid JSON. System.Text.Json throws the same
/// <see cref="JsonException"/> type for both and exposes no error kind, and its message text is not a contract (it is
/// localisable, and trimmed apps with <c>UseSystemResourceKeys</c> get resource keys instead), so the decision is
/// taken from the data.
/// </summary>
internal static class JsonDepthLimit
{
    /// <summary>
    /// Whether <paramref name="error"/>, thrown while reading <paramref name="json"/> with
    /// <c>MaxDepth = <paramref name="maxDepth"/></c> (other options default), is the nesting limit. Reads the same
    /// bytes again with one more level allowed. The reader is deterministic and nothing before the failure nested past
    /// the limit (that would have failed first), so invalid JSON fails again at exactly the same position, while a
    /// value that only broke the limit is read past that position (the second reader fails later, or not at all).
    /// Runs on the error path only.
    /// </summary>
    /// <param name="json">The bytes the failed reader was given (for <see cref="JsonDocument"/>, after a byte order mark).</param>
    /// <param name="isFinalBlock">What the failed reader was given.</param>
    /// <param name="maxDepth">The failed reader's limit.</param>
    /// <param name="error">What it threw.</param>
    public static bool WasExceeded(ReadOnlySpan<byte> json, bool isFinalBlock, int maxDepth, JsonException error)
    {
        var reader = new Utf8JsonReader(json, isFinalBlock, new JsonReaderState(new JsonReaderOptions { MaxDepth = maxDepth + 1 }));
        try
        {
            while (reader.Read())
            {
            }

            return true;
        }
        catch (JsonException again)
        {
            return again.LineNumber != error.LineNumber || again.BytePositionInLine != error.BytePositionInLine;
        }
    }
}
