using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using FlowCorrelator.Queries;

namespace FlowCorrelator.Reporting;

/// <summary>JSON (de)serialisation of findings: camelCase, ISO 8601 UTC times with a <c>Z</c>, nulls written.</summary>
public static class FindingsJson
{
    /// <summary>Serialises an <see cref="InvestigationResult"/> (indented).</summary>
    public static string Serialize(InvestigationResult result) => JsonSerializer.Serialize(result, FindingsJsonContext.Default.InvestigationResult);

    /// <summary>Reads an <see cref="InvestigationResult"/> (e.g. a scenario's expected.json).</summary>
    /// <exception cref="JsonException">The text is not a result.</exception>
    public static InvestigationResult Deserialize(string json) =>
        JsonSerializer.Deserialize(json, FindingsJsonContext.Default.InvestigationResult) ?? throw new JsonException("expected a JSON object");

    /// <summary>The serializer options used for findings (for writing single lists).</summary>
    public static JsonSerializerOptions Options => FindingsJsonContext.Default.Options;

    /// <summary>Formats a time as the JSON contract does: <c>2026-01-05T10:00:00Z</c>.</summary>
    public static string FormatTime(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}

/// <summary>Writes <see cref="DateTimeOffset"/> as UTC ISO 8601 with a Z, to the second.</summary>
internal sealed class UtcTimeConverter : JsonConverter<DateTimeOffset>
{
    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        DateTimeOffset.Parse(reader.GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);

    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) =>
        writer.WriteStringValue(FindingsJson.FormatTime(value));
}

/// <summary>Source-generated serializer for findings.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    WriteIndented = true,
    Converters = [typeof(UtcTimeConverter)])]
[JsonSerializable(typeof(InvestigationResult))]
[JsonSerializable(typeof(AccessQuery))]
[JsonSerializable(typeof(AccessAttempt[]))]
[JsonSerializable(typeof(RuleChange[]))]
[JsonSerializable(typeof(GroupAttachment[]))]
[JsonSerializable(typeof(UnusedGroup[]))]
[JsonSerializable(typeof(RuleUsage[]))]
[JsonSerializable(typeof(Exposure[]))]
internal sealed partial class FindingsJsonContext : JsonSerializerContext;
