using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using static FlowCorrelator.Ingest.JsonShapes;

namespace FlowCorrelator.Ingest;

/// <summary>Outcome of converting one JSON object that should be a CloudTrail record.</summary>
internal readonly record struct RecordOutcome(CloudTrailEvent? Event, ProblemReason? Reason, string? Problem)
{
    public static RecordOutcome Bad(ProblemReason reason, string message) => new(null, reason, message);
}

/// <summary>Converts one CloudTrail record (already parsed, depth-limited) into a <see cref="CloudTrailEvent"/>.</summary>
internal static class CloudTrailRecordParser
{
    private const string Ec2Source = "ec2.amazonaws.com";
    private const string AutoScalingSource = "autoscaling.amazonaws.com";

    /// <summary>
    /// Converts a record. A record missing <c>eventTime</c> or <c>eventName</c> (other than an Insights event) is
    /// rejected. <c>eventID</c> is required from <c>eventVersion</c> 1.01 on, the version that introduced it; records of
    /// version 1.0 (older AWS documentation examples) get a stable id derived from their content, so that identical
    /// copies still de-duplicate. When the record is fine but the change's shape is not, the event is returned without
    /// a change and <see cref="RecordOutcome.Problem"/> says why.
    /// </summary>
    public static RecordOutcome Convert(JsonElement record, string? sourceFile)
    {
        if (record.ValueKind != JsonValueKind.Object)
        {
            return RecordOutcome.Bad(ProblemReason.InvalidRecord, $"a record must be a JSON object, found {record.ValueKind}");
        }

        string? eventVersion = Str(record, "eventVersion");
        string? eventType = Str(record, "eventType");
        string? eventId = Str(record, "eventID");
        if (string.IsNullOrEmpty(eventId))
        {
            if (eventVersion != "1.0")
            {
                return RecordOutcome.Bad(ProblemReason.InvalidRecord, "missing eventID");
            }

            eventId = "sha256:" + System.Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(record.GetRawText())));
        }

        if (!TryGet(record, "eventTime", out JsonElement timeElement) || !TryParseTime(timeElement, out DateTimeOffset time))
        {
            return RecordOutcome.Bad(ProblemReason.InvalidRecord, $"missing or invalid eventTime in event {eventId}");
        }

        // Insights events have no eventName; they are kept with an empty name and never carry a change.
        bool insight = string.Equals(eventType, "AwsCloudTrailInsight", StringComparison.Ordinal);
        string? eventName = Str(record, "eventName");
        if (string.IsNullOrEmpty(eventName) && !insight)
        {
            return RecordOutcome.Bad(ProblemReason.InvalidRecord, $"missing eventName in event {eventId}");
        }

        eventName ??= string.Empty;
        JsonElement identity = TryGet(record, "userIdentity", out JsonElement ui) ? ui : default;
        string? actor = Str(identity, "arn");
        if (string.IsNullOrEmpty(actor) && TryGet(identity, "sessionContext", out JsonElement session) && TryGet(session, "sessionIssuer", out JsonElement issuer))
        {
            actor = Str(issuer, "arn");
        }

        if (string.IsNullOrEmpty(actor))
        {
            actor = Str(identity, "invokedBy");
        }

        string? errorCode = TryGet(record, "errorCode", out JsonElement ec) ? AsString(ec) ?? ec.GetRawText() : null;
        if (string.IsNullOrWhiteSpace(errorCode) || errorCode == "null")
        {
            errorCode = null; // normalised exports (Athena, CloudTrail Lake) write "" for a success
        }
        string? eventSource = Str(record, "eventSource");
        string? problem = null;
        Ec2Change? change = null;

        // Names like CreateTags exist in other services too; only EC2's (or a record that does not say) are parsed.
        if (errorCode is null && (eventSource is null || eventSource.Equals(Ec2Source, StringComparison.OrdinalIgnoreCase)) && Ec2ChangeParser.Handles(eventName))
        {
            JsonElement request = TryGet(record, "requestParameters", out JsonElement rq) ? rq : default;

            // A service event (BidEvictedEvent) has no request or response: what happened is in serviceEventDetails.
            JsonElement response = TryGet(record, "responseElements", out JsonElement rs) ? rs
                : TryGet(record, "serviceEventDetails", out JsonElement details) ? details : default;
            change = Ec2ChangeParser.Parse(eventName, request, response, out problem);
        }
        else if (errorCode is null && string.Equals(eventSource, AutoScalingSource, StringComparison.OrdinalIgnoreCase) && Ec2ChangeParser.HandlesAutoScaling(eventName))
        {
            change = Ec2ChangeParser.ParseAutoScaling(eventName, TryGet(record, "requestParameters", out JsonElement rq) ? rq : default, out problem);
        }

        if (problem is not null)
        {
            problem = $"{eventName} {eventId}: {problem}";
        }

        var evt = new CloudTrailEvent
        {
            EventId = eventId,
            Time = time,
            EventName = eventName,
            EventSource = eventSource,
            EventVersion = eventVersion,
            Region = Str(record, "awsRegion"),
            AccountId = NullIfEmpty(Str(record, "recipientAccountId")) ?? NullIfEmpty(Str(identity, "accountId")),
            ActorArn = NullIfEmpty(actor),
            SourceIp = Str(record, "sourceIPAddress"),
            UserAgent = Str(record, "userAgent"),
            ErrorCode = errorCode,
            ErrorMessage = Str(record, "errorMessage"),
            Change = change,
            SourceFile = sourceFile,
        };
        return new RecordOutcome(evt, problem is null ? null : ProblemReason.InvalidRecord, problem);
    }

    private static string? NullIfEmpty(string? s) => string.IsNullOrEmpty(s) ? null : s;

    /// <summary>
    /// Parses <c>eventTime</c>: CloudTrail's <c>2024-01-01T00:00:00Z</c>, fractional seconds (any number of digits;
    /// Panther writes nine), a space instead of <c>T</c>, an offset or none (UTC assumed), or epoch seconds/milliseconds.
    /// </summary>
    public static bool TryParseTime(JsonElement value, out DateTimeOffset time)
    {
        time = default;
        if (value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out long epoch))
        {
            // Above ~5138 CE in seconds means the number is milliseconds.
            try
            {
                time = epoch > 100_000_000_000L ? DateTimeOffset.FromUnixTimeMilliseconds(epoch) : DateTimeOffset.FromUnixTimeSeconds(epoch);
                return true;
            }
            catch (ArgumentOutOfRangeException)
            {
                return false;
            }
        }

        return value.ValueKind == JsonValueKind.String && TryParseTime(value.GetString(), out time);
    }

    /// <inheritdoc cref="TryParseTime(JsonElement, out DateTimeOffset)"/>
    public static bool TryParseTime(string? text, out DateTimeOffset time)
    {
        time = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        string s = text.Trim();

        // DateTimeOffset parsing accepts at most 7 fraction digits: cut longer fractions to 7 (100 ns is below any use here).
        int dot = s.IndexOf('.', StringComparison.Ordinal);
        if (dot > 0)
        {
            int digitsEnd = dot + 1;
            while (digitsEnd < s.Length && char.IsAsciiDigit(s[digitsEnd]))
            {
                digitsEnd++;
            }

            if (digitsEnd - dot - 1 > 7)
            {
                s = string.Concat(s.AsSpan(0, dot + 8), s.AsSpan(digitsEnd));
            }
        }

        return DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out time);
    }
}
