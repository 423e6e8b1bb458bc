using System.Text;
using System.Text.Json;

namespace FlowCorrelator.Ingest;

/// <summary>From a cut-out value to events: parsing, recognising envelopes and lists, converting records, reporting.</summary>
internal sealed partial class CloudTrailFileSession
{
    /// <summary>Parses the cut-out value (depth-limited) and turns it into events.</summary>
    private void ProcessValue(int length, long offset)
    {
        ReadOnlyMemory<byte> json = window.AvailableMemory[..length];
        bool repaired = false;
        if (!System.Text.Unicode.Utf8.IsValid(json.Span))
        {
            // Bytes that are not UTF-8 can only be inside strings here (the cutting reader accepted the structure,
            // which is ASCII). Dropping the record would let a client-chosen userAgent hide an API call, so the
            // bytes become U+FFFD, the record is read, and the repair is reported.
            json = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(json.Span));
            repaired = true;
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = options.MaxJsonDepth });
        }
        catch (JsonException ex)
        {
            // The value was already checked by the cutting reader, so only the depth limit can fail here.
            Problem(offset, ProblemReason.TooDeep, $"nested deeper than {options.MaxJsonDepth} levels ({ex.Message})", window.Available[..Math.Min(length, 200)]);
            return;
        }

        using (document)
        {
            Dispatch(document.RootElement, offset, window.Available[..Math.Min(length, 200)], nesting: 0);
        }

        if (repaired)
        {
            Problem(offset, ProblemReason.InvalidEncoding, "invalid UTF-8 bytes in a string were replaced with U+FFFD (the record was read)", window.Available[..Math.Min(length, 200)]);
        }
    }

    /// <summary>Recognises what a parsed value is: a record, an envelope around one, a digest, or a list of them.</summary>
    private void Dispatch(JsonElement value, long offset, ReadOnlySpan<byte> excerpt, int nesting)
    {
        if (value.ValueKind == JsonValueKind.Array && nesting == 0)
        {
            foreach (JsonElement element in value.EnumerateArray())
            {
                Dispatch(element, offset, excerpt, nesting + 1);
            }

            return;
        }

        if (value.ValueKind != JsonValueKind.Object)
        {
            Problem(offset, ProblemReason.InvalidRecord, $"a record must be a JSON object, found {value.ValueKind}", excerpt);
            return;
        }

        if (value.TryGetProperty("CloudTrailEvent", out JsonElement embedded))
        {
            SetContainer("lookup-events");
            if (embedded.ValueKind == JsonValueKind.Object)
            {
                Emit(embedded, offset, excerpt);
                return;
            }

            if (embedded.ValueKind != JsonValueKind.String)
            {
                Problem(offset, ProblemReason.InvalidRecord, "CloudTrailEvent is neither a string nor an object", excerpt);
                return;
            }

            string text = string.Empty;
            try
            {
                text = embedded.GetString() ?? string.Empty;
                using JsonDocument inner = JsonDocument.Parse(text, new JsonDocumentOptions { MaxDepth = options.MaxJsonDepth });
                Emit(inner.RootElement, offset, excerpt);
            }
            catch (JsonException ex)
            {
                // The document was read as UTF-8; the string converted the same way (it converted once already) gives the same bytes.
                bool tooDeep = JsonDepthLimit.WasExceeded(Encoding.UTF8.GetBytes(text), isFinalBlock: true, options.MaxJsonDepth, ex);
                Problem(offset, tooDeep ? ProblemReason.TooDeep : ProblemReason.InvalidJson, "CloudTrailEvent string: " + ex.Message, excerpt);
            }

            return;
        }

        if (value.TryGetProperty("detail", out JsonElement detail) && detail.ValueKind == JsonValueKind.Object &&
            (value.TryGetProperty("detail-type", out _) || value.TryGetProperty("source", out _)))
        {
            SetContainer("eventbridge");
            Emit(detail, offset, excerpt);
            return;
        }

        if (nesting == 0 && (value.TryGetProperty("digestStartTime", out _) || value.TryGetProperty("digestPublicKeyFingerprint", out _)))
        {
            report.Kind = LogFileKind.CloudTrailDigest;
            return;
        }

        if (nesting == 0 && (value.TryGetProperty("Records", out JsonElement list) || value.TryGetProperty("Events", out list)) && list.ValueKind == JsonValueKind.Array)
        {
            // A record list that is not the object's first member (so it was not streamed): small enough to be cut out.
            foreach (JsonElement element in list.EnumerateArray())
            {
                Dispatch(element, offset, excerpt, nesting + 1);
            }

            return;
        }

        Emit(value, offset, excerpt);
    }

    private void Emit(JsonElement record, long offset, ReadOnlySpan<byte> excerpt)
    {
        RecordOutcome outcome;
        try
        {
            outcome = CloudTrailRecordParser.Convert(record, report.Path);
        }
        catch (InvalidOperationException ex)
        {
            // e.g. a string that is not valid UTF-8.
            outcome = RecordOutcome.Bad(ProblemReason.InvalidRecord, ex.Message);
        }

        if (outcome.Event is not null)
        {
            report.Records++;
            onEvent(outcome.Event);
        }

        if (outcome.Problem is not null)
        {
            Problem(offset, outcome.Reason ?? ProblemReason.InvalidRecord, outcome.Problem, excerpt);
        }
    }

    /// <summary>A record-level problem; CloudTrail positions are byte offsets only, and an empty excerpt is none.</summary>
    private void Problem(long offset, ProblemReason reason, string message, ReadOnlySpan<byte> excerpt) =>
        _problems.Add(0, offset, reason, message, excerpt.IsEmpty ? null : InputProblem.MakeExcerpt(excerpt));
}
