using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json;
using static FlowCorrelator.Ingest.JsonShapes;

namespace FlowCorrelator.Ingest;

/// <summary>
/// Reads AWS Config files: the ConfigHistory and ConfigSnapshot files AWS Config delivers to S3
/// (<c>{"fileVersion":…,"configurationItems":[…]}</c>, gzip or plain) and <c>aws configservice
/// get-resource-config-history</c> output (the same list; <c>configuration</c> is then a JSON string and the capture
/// time epoch seconds). Items of <c>AWS::EC2::Instance</c>, <c>AWS::EC2::NetworkInterface</c>,
/// <c>AWS::EC2::SecurityGroup</c> and <c>AWS::EC2::VPC</c> become one <see cref="CloudTrailEvent"/> each, dated at the
/// item's <c>configurationItemCaptureTime</c>, carrying a <see cref="ConfigurationItemRecorded"/>. Shapes and their
/// sources: docs/formats.md D.
/// </summary>
/// <remarks>
/// <para>
/// A file is parsed as one document, bounded by <see cref="ReaderOptions.MaxInflatedBytes"/> and
/// <see cref="ReaderOptions.MaxJsonDepth"/>; items are read one by one, so a damaged item is reported with its index
/// and byte offset and the others are kept.
/// </para>
/// <para>
/// Counting: <see cref="FileReport.Records"/> counts every item read (of any resource type and status);
/// <see cref="FileReport.Malformed"/> counts items that lack what every item has (resource type and id, status,
/// capture time) or whose configuration could not be read.
/// </para>
/// </remarks>
/// <threadsafety>Instances are immutable and may read several files at once.</threadsafety>
public sealed class ConfigItemReader
{
    /// <summary>The event name of every configuration-item event (the timeline shows it).</summary>
    public const string EventName = "ConfigurationItem";

    private static readonly string[] s_types = ["AWS::EC2::Instance", "AWS::EC2::NetworkInterface", "AWS::EC2::SecurityGroup", "AWS::EC2::VPC"];

    /// <summary>Creates a reader.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public ConfigItemReader(ReaderOptions? options = null)
    {
        Options = options ?? ReaderOptions.Default;
        Options.Validate();
    }

    /// <summary>The options.</summary>
    public ReaderOptions Options { get; }

    /// <summary>Reads one file, calling <paramref name="onEvent"/> for every item of a type the index uses, in file order.</summary>
    /// <exception cref="LogFormatException">In strict mode, on the first problem.</exception>
    public FileReport Read(LogInput input, Action<CloudTrailEvent> onEvent, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(onEvent);
        var report = new FileReport(input.Name, LogFileKind.AwsConfig, Options.MaxSamplesPerFile);
        using var buffer = new MemoryStream();
        try
        {
            using Stream raw = input.Open(cancellationToken);
            using Stream text = InputDecoder.OpenText(raw, Options, out InputEncoding encoding);
            text.CopyTo(buffer);
            report.BytesRead = buffer.Length;
            string name = input.Name.Replace('\\', '/');
            string what = name.Contains("ConfigHistory", StringComparison.Ordinal) ? "history" : name.Contains("ConfigSnapshot", StringComparison.Ordinal) ? "snapshot" : "items";
            report.Format = (encoding == InputEncoding.Gzip ? "gzip json" : "json") + ", AWS Config " + what;
            ReadItems(BufferedDocument(buffer), input.Name, report, onEvent);
        }
        catch (InflateLimitException ex)
        {
            Fail(report, ProblemReason.InflateLimit, 0, ex.Message);
        }
        catch (InvalidDataException ex)
        {
            Fail(report, ProblemReason.CorruptCompression, 0, ex.Message);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Fail(report, ProblemReason.IoError, 0, ex.Message);
        }

        return report;
    }

    /// <summary>Reads several files (in input-name order); reports go to <paramref name="diagnostics"/>.</summary>
    /// <exception cref="LogFormatException">In strict mode, on the first problem.</exception>
    public IReadOnlyList<CloudTrailEvent> ReadAll(IEnumerable<LogInput> inputs, IngestDiagnostics diagnostics, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(diagnostics);
        var events = new List<CloudTrailEvent>();
        foreach (LogInput input in inputs.OrderBy(i => i.Name, StringComparer.Ordinal))
        {
            cancellationToken.ThrowIfCancellationRequested();
            diagnostics.Add(Read(input, events.Add, cancellationToken));
        }

        return events;
    }

    /// <summary>Walks the top-level object to its <c>configurationItems</c> array and reads each item on its own.</summary>
    private void ReadItems(ReadOnlyMemory<byte> json, string path, FileReport report, Action<CloudTrailEvent> onEvent)
    {
        var reader = new Utf8JsonReader(json.Span, new JsonReaderOptions { MaxDepth = Options.MaxJsonDepth });
        long itemOffset = 0;
        int index = -1;
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                Fail(report, ProblemReason.UnsupportedFormat, 0, "an AWS Config file is a JSON object with a configurationItems list");
                return;
            }

            bool found = false;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                bool isItems = reader.ValueTextEquals("configurationItems"u8);
                reader.Read();
                if (!isItems || reader.TokenType != JsonTokenType.StartArray)
                {
                    reader.Skip();
                    continue;
                }

                found = true;
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    index++;
                    itemOffset = reader.TokenStartIndex;
                    using JsonDocument item = JsonDocument.ParseValue(ref reader);
                    try
                    {
                        ReadItem(item.RootElement, index, itemOffset, path, report, onEvent);
                    }
                    catch (InvalidOperationException ex)
                    {
                        // A string that is not valid UTF-8 (JsonElement.GetString cannot transcode it): this item only.
                        Problem(report, itemOffset, ProblemReason.InvalidEncoding, $"configurationItems[{index}]: {ex.Message} (the item was not used)");
                    }
                }
            }

            if (!found)
            {
                Fail(report, ProblemReason.UnsupportedFormat, 0, "no configurationItems list");
            }
        }
        catch (JsonException ex)
        {
            bool tooDeep = JsonDepthLimit.WasExceeded(json.Span, isFinalBlock: true, Options.MaxJsonDepth, ex);
            string where = index < 0 ? "before the first item" : $"in or after configurationItems[{index}]";
            Fail(report, tooDeep ? ProblemReason.TooDeep : ProblemReason.InvalidJson, itemOffset, $"{where}: {ex.Message}");
        }
    }

    private void ReadItem(JsonElement item, int index, long offset, string path, FileReport report, Action<CloudTrailEvent> onEvent)
    {
        string at = $"configurationItems[{index}]";
        if (item.ValueKind != JsonValueKind.Object)
        {
            Problem(report, offset, ProblemReason.InvalidRecord, $"{at}: an item must be a JSON object, found {item.ValueKind}");
            return;
        }

        string? type = Str(item, "resourceType");
        string? id = Str(item, "resourceId");
        string? status = Str(item, "configurationItemStatus");
        DateTimeOffset? captured = CaptureTime(item);
        string? missing = type is null ? "resourceType" : id is null ? "resourceId" : status is null ? "configurationItemStatus" : captured is null ? "configurationItemCaptureTime" : null;
        if (missing is not null)
        {
            Problem(report, offset, ProblemReason.InvalidRecord, $"{at}: missing or unreadable {missing}");
            return;
        }

        report.Records++;
        at += $" ({type} {id})";
        if (!s_types.Contains(type, StringComparer.Ordinal) || status == "ResourceNotRecorded")
        {
            return; // another resource type, or a resource Config saw but does not record: nothing the index uses
        }

        bool deleted = status is "ResourceDeleted" or "ResourceDeletedNotRecorded";
        if (!deleted && status is not ("OK" or "ResourceDiscovered"))
        {
            Problem(report, offset, ProblemReason.InvalidValue, $"{at}: unknown configurationItemStatus '{status}'");
            return;
        }

        var change = new ConfigurationItemRecorded { ResourceType = type!, ResourceId = id!, Deleted = deleted };
        if (!deleted)
        {
            change = Configure(item, change, at, offset, report);
            if (change is null)
            {
                return;
            }
        }

        string state = Str(item, "configurationStateId") ?? captured!.Value.ToString("O", CultureInfo.InvariantCulture);
        onEvent(new CloudTrailEvent
        {
            EventId = $"config:{type}/{id}@{state}",
            Time = captured!.Value,
            EventName = EventName,
            EventSource = "config.amazonaws.com",
            Region = Str(item, "awsRegion"),
            AccountId = Str(item, "awsAccountId") ?? Str(item, "accountId"),
            Change = change,
            SourceFile = path,
        });
    }

    /// <summary>The state an item records, or null (reported) when its configuration cannot be read.</summary>
    private ConfigurationItemRecorded? Configure(JsonElement item, ConfigurationItemRecorded change, string at, long offset, FileReport report)
    {
        // In files delivered to S3 the configuration is an object; get-resource-config-history gives it as a JSON string.
        JsonDocument? parsed = null;
        try
        {
            JsonElement conf = default;
            if (TryGet(item, "configuration", out JsonElement c))
            {
                if (c.ValueKind == JsonValueKind.String)
                {
                    parsed = JsonDocument.Parse(c.GetString()!, new JsonDocumentOptions { MaxDepth = Options.MaxJsonDepth });
                    conf = parsed.RootElement;
                }
                else
                {
                    conf = c;
                }
            }

            if (conf.ValueKind != JsonValueKind.Object)
            {
                Problem(report, offset, ProblemReason.InvalidRecord, $"{at}: no configuration object");
                return null;
            }

            switch (change.ResourceType)
            {
                case "AWS::EC2::Instance":
                    return change with { Instance = Instance(conf, item, change.ResourceId) };
                case "AWS::EC2::NetworkInterface":
                    NetworkInterfaceInfo nic = DescribedResources.Interface(conf, change.ResourceId, 0);
                    string? attachedTo = TryGet(conf, "attachment", out JsonElement attachment) ? Str(attachment, "instanceId") : null;
                    return change with { NetworkInterface = nic, AttachedInstanceId = string.IsNullOrEmpty(attachedTo) ? null : attachedTo };
                case "AWS::EC2::SecurityGroup":
                    string groupId = Str(conf, "groupId") ?? change.ResourceId;
                    var group = new SecurityGroupCreated(groupId, Str(conf, "groupName"), Str(conf, "vpcId"), Str(conf, "description"), [.. Tags(Items(conf, "tags"), valueOptional: false)]);
                    var rules = ImmutableArray.CreateBuilder<SecurityGroupRuleSpec>();
                    foreach ((string member, bool egress) in new[] { ("ipPermissions", false), ("ipPermissionsEgress", true) })
                    {
                        foreach (JsonElement permission in Items(conf, member))
                        {
                            if (!SecurityGroupRuleSpec.TryParseProtocol(Str(permission, "ipProtocol"), out int protocol))
                            {
                                Problem(report, offset, ProblemReason.InvalidRecord, $"{at}: unknown ipProtocol '{Str(permission, "ipProtocol")}' in {member}");
                                continue;
                            }

                            rules.AddRange(Expand(permission, groupId, egress, protocol));
                        }
                    }

                    return change with { Group = group, Rules = rules.ToImmutable() };
                default:
                    return change with { IsDefaultVpc = Bool(conf, "isDefault") ?? false };
            }
        }
        catch (JsonException ex)
        {
            Problem(report, offset, ProblemReason.InvalidJson, $"{at}: the configuration string is not JSON: {ex.Message}");
            return null;
        }
        finally
        {
            parsed?.Dispose();
        }
    }

    private static InstanceInfo Instance(JsonElement conf, JsonElement item, string resourceId)
    {
        string id = Str(conf, "instanceId") ?? resourceId;
        var nics = ImmutableArray.CreateBuilder<NetworkInterfaceInfo>();
        int position = 0;
        foreach (JsonElement nic in Items(conf, "networkInterfaces"))
        {
            if (Str(nic, "networkInterfaceId") is { Length: > 0 } nicId)
            {
                nics.Add(DescribedResources.Interface(nic, nicId, position));
            }

            position++;
        }

        // The configuration's tag list; else the item's own tags map ({"Name":"web"}), which Config fills for every type.
        List<Tag> tags = TryGet(conf, "tags", out JsonElement list) && list.ValueKind == JsonValueKind.Array
            ? Tags(Items(list), valueOptional: false)
            : TagMap(item);
        return new InstanceInfo
        {
            InstanceId = id,
            SubnetId = Str(conf, "subnetId"),
            VpcId = Str(conf, "vpcId"),
            PrivateIp = Str(conf, "privateIpAddress"),
            Groups = [.. DescribedResources.Groups(conf, "securityGroups")],
            Tags = [.. tags],
            NetworkInterfaces = nics.ToImmutable(),
            State = TryGet(conf, "state", out JsonElement state) ? Str(state, "name") : null,
        };
    }

    private static List<Tag> TagMap(JsonElement item) =>
        TryGet(item, "tags", out JsonElement map) && map.ValueKind == JsonValueKind.Object
            ? [.. map.EnumerateObject().Select(p => new Tag(p.Name, AsString(p.Value) ?? string.Empty))]
            : [];

    /// <summary>An interface in the camelCase describe-network-interfaces shape (a NetworkInterface item, or an instance's <c>networkInterfaces</c> entry).</summary>
    /// <summary>
    /// One rule per peer of an <c>ipPermissions</c> entry. Peers: <c>ipv4Ranges</c> (objects with <c>cidrIp</c>); items
    /// recorded before it existed have only <c>ipRanges</c>, a list of CIDR strings, which newer items repeat beside
    /// <c>ipv4Ranges</c> (read only when <c>ipv4Ranges</c> is absent, so no peer counts twice); <c>ipv6Ranges</c>,
    /// <c>userIdGroupPairs</c>, <c>prefixListIds</c>.
    /// </summary>
    private static IEnumerable<SecurityGroupRuleSpec> Expand(JsonElement permission, string groupId, bool egress, int protocol)
    {
        var template = new SecurityGroupRuleSpec
        {
            GroupId = groupId,
            IsEgress = egress,
            Protocol = protocol,
            FromPort = protocol == -1 ? null : Int(permission, "fromPort"),
            ToPort = protocol == -1 ? null : Int(permission, "toPort"),
        };
        IEnumerable<JsonElement> v4 = TryGet(permission, "ipv4Ranges", out JsonElement ranges) ? Items(ranges) : Items(permission, "ipRanges");
        foreach (JsonElement r in v4)
        {
            string? cidr = r.ValueKind == JsonValueKind.String ? r.GetString() : Str(r, "cidrIp");
            if (!string.IsNullOrEmpty(cidr))
            {
                yield return template with { CidrIpv4 = cidr, Description = r.ValueKind == JsonValueKind.Object ? Str(r, "description") : null };
            }
        }

        foreach (JsonElement r in Items(permission, "ipv6Ranges"))
        {
            string? cidr = r.ValueKind == JsonValueKind.String ? r.GetString() : Str(r, "cidrIpv6");
            if (!string.IsNullOrEmpty(cidr))
            {
                yield return template with { CidrIpv6 = cidr, Description = r.ValueKind == JsonValueKind.Object ? Str(r, "description") : null };
            }
        }

        foreach (JsonElement g in Items(permission, "userIdGroupPairs"))
        {
            if ((Str(g, "groupId") ?? Str(g, "groupName")) is { Length: > 0 } peer)
            {
                yield return template with { ReferencedGroupId = peer, Description = Str(g, "description") };
            }
        }

        foreach (JsonElement p in Items(permission, "prefixListIds"))
        {
            if (Str(p, "prefixListId") is { Length: > 0 } pl)
            {
                yield return template with { PrefixListId = pl, Description = Str(p, "description") };
            }
        }
    }

    /// <summary><c>configurationItemCaptureTime</c>: ISO 8601 text in delivered files, epoch seconds (with a fraction) in API output.</summary>
    private static DateTimeOffset? CaptureTime(JsonElement item)
    {
        if (!TryGet(item, "configurationItemCaptureTime", out JsonElement v))
        {
            return null;
        }

        // Decimal, not double: 1414708529.9219999 is 921 ms, which binary floating point rounds up to 922.
        if (v.ValueKind == JsonValueKind.Number && v.TryGetDecimal(out decimal seconds) && seconds is > 0 and < 253402300800)
        {
            return DateTimeOffset.FromUnixTimeMilliseconds((long)decimal.Floor(seconds * 1000));
        }

        return v.ValueKind == JsonValueKind.String &&
            DateTimeOffset.TryParse(v.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out DateTimeOffset t)
            ? t
            : null;
    }

    private void Problem(FileReport report, long offset, ProblemReason reason, string message) =>
        new ProblemSink(report, Options).Add(0, offset, reason, message, (string?)null);

    private void Fail(FileReport report, ProblemReason reason, long offset, string message) =>
        new ProblemSink(report, Options).Fail(offset, reason, message);
}
