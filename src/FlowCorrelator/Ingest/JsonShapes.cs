using System.Globalization;
using System.Text.Json;

namespace FlowCorrelator.Ingest;

/// <summary>
/// Tolerant accessors over CloudTrail's EC2 JSON: lists may be <c>{"items":[…]}</c>, <c>{"item":[…]}</c>, a bare array or
/// <c>{}</c>; numbers may be strings; names are matched exactly first and then ignoring case (third-party normalised
/// data lower-cases some keys, and ModifySecurityGroupRules uses PascalCase).
/// </summary>
internal static class JsonShapes
{
    /// <summary>
    /// A JSON document buffered whole, without the UTF-8 byte order mark that <c>JsonDocument.Parse(Stream)</c> skips
    /// too (the snapshot and Config readers parse the buffer itself, so a depth error can be told apart on the same bytes).
    /// </summary>
    public static ReadOnlyMemory<byte> BufferedDocument(MemoryStream buffer)
    {
        ReadOnlyMemory<byte> bytes = buffer.GetBuffer().AsMemory(0, (int)buffer.Length);
        return bytes.Span.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]) ? bytes[3..] : bytes;
    }

    /// <summary>
    /// The byte offset in <paramref name="json"/> where a parse error was found: <see cref="JsonException"/> gives a
    /// line number and a byte position in that line, not an offset (lines end at <c>\n</c>, as the reader counts them).
    /// </summary>
    public static long ErrorOffset(ReadOnlySpan<byte> json, JsonException error)
    {
        ArgumentNullException.ThrowIfNull(error);
        long line = error.LineNumber ?? 0;
        long start = 0;
        for (long l = 0; l < line; l++)
        {
            int next = json[(int)start..].IndexOf((byte)'\n');
            if (next < 0)
            {
                break;
            }

            start += next + 1;
        }

        return Math.Min(json.Length, start + (error.BytePositionInLine ?? 0));
    }

    /// <summary>The named member of an object, or false when absent, null, or the value is not an object.</summary>
    public static bool TryGet(JsonElement obj, string name, out JsonElement value)
    {
        value = default;
        if (obj.ValueKind != JsonValueKind.Object)
        {
            return false;
        }

        if (obj.TryGetProperty(name, out value))
        {
            return value.ValueKind is not (JsonValueKind.Null or JsonValueKind.Undefined);
        }

        foreach (JsonProperty p in obj.EnumerateObject())
        {
            if (string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                value = p.Value;
                return value.ValueKind is not (JsonValueKind.Null or JsonValueKind.Undefined);
            }
        }

        return false;
    }

    /// <summary>The member as text: strings as they are, numbers and booleans as their JSON text, anything else null.</summary>
    public static string? Str(JsonElement obj, string name) => TryGet(obj, name, out JsonElement v) ? AsString(v) : null;

    /// <summary>A scalar as text, or null for objects, arrays and null.</summary>
    public static string? AsString(JsonElement v) => v.ValueKind switch
    {
        JsonValueKind.String => v.GetString(),
        JsonValueKind.Number => v.GetRawText(),
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        _ => null,
    };

    /// <summary>The member as an integer: a JSON number or a numeric string (<c>"fromPort":"443"</c>).</summary>
    public static int? Int(JsonElement obj, string name)
    {
        if (!TryGet(obj, name, out JsonElement v))
        {
            return null;
        }

        if (v.ValueKind == JsonValueKind.Number)
        {
            if (v.TryGetInt32(out int i))
            {
                return i;
            }

            // "22.0" and similar: accept whole numbers only.
            return v.TryGetDouble(out double d) && d == Math.Floor(d) && d is >= int.MinValue and <= int.MaxValue ? (int)d : null;
        }

        return v.ValueKind == JsonValueKind.String &&
            int.TryParse(v.GetString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out int parsed) ? parsed : null;
    }

    /// <summary>The member as a boolean: JSON true/false or the strings "true"/"false".</summary>
    public static bool? Bool(JsonElement obj, string name)
    {
        if (!TryGet(obj, name, out JsonElement v))
        {
            return null;
        }

        return v.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            JsonValueKind.String when bool.TryParse(v.GetString(), out bool b) => b,
            _ => null,
        };
    }

    /// <summary>The elements of a list member, whatever its spelling (see the type remarks).</summary>
    public static IEnumerable<JsonElement> Items(JsonElement obj, string name) =>
        TryGet(obj, name, out JsonElement list) ? Items(list) : [];

    /// <summary>The elements of a list value: a bare array, or an object with <c>items</c> or <c>item</c>.</summary>
    public static IEnumerable<JsonElement> Items(JsonElement list)
    {
        if (list.ValueKind == JsonValueKind.Array)
        {
            return list.EnumerateArray();
        }

        if (list.ValueKind != JsonValueKind.Object)
        {
            return [];
        }

        if (TryGet(list, "items", out JsonElement items) || TryGet(list, "item", out items))
        {
            // A one-element XML list is sometimes rendered as the element itself rather than an array
            // ({"item":{…}}, or {"item":"i-…"} for a list of strings).
            return items.ValueKind switch
            {
                JsonValueKind.Array => items.EnumerateArray(),
                JsonValueKind.Object or JsonValueKind.String => [items],
                _ => [],
            };
        }

        return [];
    }

    /// <summary>Security groups of a <c>groupSet</c> (<c>groupId</c>, <c>groupName</c>).</summary>
    public static List<GroupRef> Groups(JsonElement obj, string name)
    {
        var groups = new List<GroupRef>();
        foreach (JsonElement item in Items(obj, name))
        {
            string? id = Str(item, "groupId");
            if (!string.IsNullOrEmpty(id))
            {
                groups.Add(new GroupRef(id, Str(item, "groupName")));
            }
        }

        return groups;
    }

    /// <summary>Tags of a <c>tagSet</c>-style list (<c>key</c>/<c>value</c>, either case).</summary>
    public static List<Tag> Tags(IEnumerable<JsonElement> items, bool valueOptional)
    {
        var tags = new List<Tag>();
        foreach (JsonElement item in items)
        {
            string? key = Str(item, "key");
            if (key is null)
            {
                continue;
            }

            string? value = Str(item, "value");
            tags.Add(new Tag(key, value ?? (valueOptional ? null : string.Empty)));
        }

        return tags;
    }

    /// <summary>Tags given at creation for one resource type: <c>tagSpecificationSet.items[resourceType].tags</c> (a plain array).</summary>
    public static List<Tag> CreationTags(JsonElement request, string resourceType)
    {
        var tags = new List<Tag>();
        foreach (JsonElement spec in Items(request, "tagSpecificationSet"))
        {
            if (string.Equals(Str(spec, "resourceType"), resourceType, StringComparison.OrdinalIgnoreCase))
            {
                tags.AddRange(Tags(TryGet(spec, "tags", out JsonElement t) ? Items(t) : Items(spec, "tagSet"), valueOptional: false));
            }
        }

        return tags;
    }
}
