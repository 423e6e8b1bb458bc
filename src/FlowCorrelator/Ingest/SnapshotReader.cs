using System.Collections.Immutable;
using System.Text.Json;
using static FlowCorrelator.Ingest.JsonShapes;

namespace FlowCorrelator.Ingest;

/// <summary>
/// Reads <c>aws ec2 describe-instances</c>, <c>describe-network-interfaces</c>, <c>describe-security-groups</c>,
/// <c>describe-security-group-rules</c> and <c>describe-vpcs</c> output (the CLI's PascalCase JSON, gzip or plain; one
/// file may hold several of these top-level lists) into one <see cref="BaselineSnapshot"/> event per file, dated at a
/// caller-supplied time. Of the VPCs only <c>IsDefault</c> is kept: it places groups in the default VPC, where EC2 lets a
/// call name a group by name.
/// </summary>
/// <remarks>
/// A snapshot file is parsed as one document (describe output is not streamed by the CLI either); its size is bounded
/// by <see cref="ReaderOptions.MaxInflatedBytes"/> and its nesting by <see cref="ReaderOptions.MaxJsonDepth"/>.
/// Rules from <c>describe-security-groups</c> carry no ids: they get <c>snapshot:&lt;groupId&gt;#&lt;n&gt;</c> (n counts
/// from 0 over <c>IpPermissions</c> then <c>IpPermissionsEgress</c>, one per peer); when
/// <see cref="ReadAll"/> also gets <c>describe-security-group-rules</c> output for a group, that group's rules are taken
/// from there, with their <c>sgr-</c> ids.
/// </remarks>
/// <threadsafety>Instances are immutable and may read several files at once.</threadsafety>
public sealed partial class SnapshotReader
{
    /// <summary>Creates a reader.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public SnapshotReader(ReaderOptions? options = null)
    {
        Options = options ?? ReaderOptions.Default;
        Options.Validate();
    }

    /// <summary>The options.</summary>
    public ReaderOptions Options { get; }

    /// <summary>
    /// Reads one snapshot file. <paramref name="onEvent"/> gets one event (<c>EventName</c> "Snapshot", <c>EventId</c>
    /// <c>snapshot:&lt;path&gt;</c>, <c>Time</c> = <paramref name="asOf"/>) unless the file could not be read.
    /// </summary>
    /// <exception cref="LogFormatException">In strict mode, on the first problem.</exception>
    public FileReport Read(LogInput input, DateTimeOffset asOf, Action<CloudTrailEvent> onEvent, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(onEvent);
        var report = new FileReport(input.Name, LogFileKind.Snapshot, Options.MaxSamplesPerFile);
        BaselineSnapshot? snapshot = ReadSnapshot(input, report, cancellationToken, out _);
        if (snapshot is not null)
        {
            onEvent(ToEvent(input.Name, asOf, snapshot));
        }

        return report;
    }

    /// <summary>
    /// Reads several snapshot files (one event each, in input-name order), preferring <c>describe-security-group-rules</c>
    /// ids over synthesised ones for groups that both kinds of file describe. Reports go to <paramref name="diagnostics"/>.
    /// </summary>
    /// <exception cref="LogFormatException">In strict mode, on the first problem.</exception>
    public IReadOnlyList<CloudTrailEvent> ReadAll(IEnumerable<LogInput> inputs, DateTimeOffset asOf, IngestDiagnostics diagnostics, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(diagnostics);
        var parsed = new List<(LogInput Input, BaselineSnapshot Snapshot, HashSet<string> SynthesisedGroups)>();
        foreach (LogInput input in inputs.OrderBy(i => i.Name, StringComparer.Ordinal))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var report = new FileReport(input.Name, LogFileKind.Snapshot, Options.MaxSamplesPerFile);
            BaselineSnapshot? snapshot = ReadSnapshot(input, report, cancellationToken, out HashSet<string> synthesised);
            diagnostics.Add(report);
            if (snapshot is not null)
            {
                parsed.Add((input, snapshot, synthesised));
            }
        }

        // Groups whose rules some file lists with real ids: drop the id-less copies of those rules.
        var withIds = parsed.SelectMany(p => p.Snapshot.Rules.Where(r => r.RuleId is not null && !r.RuleId.StartsWith("snapshot:", StringComparison.Ordinal)).Select(r => r.GroupId))
            .ToHashSet(StringComparer.Ordinal);
        var events = new List<CloudTrailEvent>(parsed.Count);
        foreach ((LogInput input, BaselineSnapshot snapshot, HashSet<string> synthesised) in parsed)
        {
            BaselineSnapshot kept = snapshot with
            {
                Rules = [.. snapshot.Rules.Where(r => !(synthesised.Contains(r.GroupId) && withIds.Contains(r.GroupId) && r.RuleId!.StartsWith("snapshot:", StringComparison.Ordinal)))],
            };
            events.Add(ToEvent(input.Name, asOf, kept));
        }

        return events;
    }

    private static CloudTrailEvent ToEvent(string path, DateTimeOffset asOf, BaselineSnapshot snapshot) => new()
    {
        EventId = "snapshot:" + path,
        Time = asOf,
        EventName = "Snapshot",
        Change = snapshot,
        SourceFile = path,
    };

    private BaselineSnapshot? ReadSnapshot(LogInput input, FileReport report, CancellationToken cancellationToken, out HashSet<string> synthesisedGroups)
    {
        synthesisedGroups = new HashSet<string>(StringComparer.Ordinal);

        // Buffered here rather than inside JsonDocument.Parse(Stream), which buffers the whole document too: a
        // JsonException is then told apart (depth limit or invalid JSON) by reading the same bytes again.
        using var buffer = new MemoryStream();
        try
        {
            using Stream raw = input.Open(cancellationToken);
            using Stream text = InputDecoder.OpenText(raw, Options, out InputEncoding encoding);
            report.Format = encoding == InputEncoding.Gzip ? "gzip json" : "json";
            text.CopyTo(buffer);
            using JsonDocument document = JsonDocument.Parse(BufferedDocument(buffer), new JsonDocumentOptions { MaxDepth = Options.MaxJsonDepth });
            return Build(document.RootElement, report, synthesisedGroups);
        }
        catch (JsonException ex)
        {
            ProblemReason reason = JsonDepthLimit.WasExceeded(BufferedDocument(buffer).Span, isFinalBlock: true, Options.MaxJsonDepth, ex) ? ProblemReason.TooDeep : ProblemReason.InvalidJson;
            Fail(report, reason, ErrorOffset(BufferedDocument(buffer).Span, ex), ex.Message);
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
        catch (InvalidOperationException ex)
        {
            Fail(report, ProblemReason.InvalidRecord, 0, ex.Message);
        }

        return null;
    }

    private BaselineSnapshot? Build(JsonElement root, FileReport report, HashSet<string> synthesisedGroups)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            Fail(report, ProblemReason.UnsupportedFormat, 0, "a describe-* snapshot is a JSON object");
            return null;
        }

        var instances = ImmutableArray.CreateBuilder<InstanceInfo>();
        var interfaces = ImmutableArray.CreateBuilder<NetworkInterfaceInfo>();
        var groups = ImmutableArray.CreateBuilder<SecurityGroupCreated>();
        var rules = ImmutableArray.CreateBuilder<SecurityGroupRuleSpec>();
        var attachments = ImmutableArray.CreateBuilder<(string NetworkInterfaceId, string InstanceId, string? AttachmentId, int DeviceIndex)>();
        var defaultVpcs = ImmutableArray.CreateBuilder<string>();
        bool recognised = false;

        if (TryGet(root, "Reservations", out JsonElement reservations))
        {
            recognised = true;
            foreach (JsonElement reservation in Items(reservations))
            {
                foreach (JsonElement instance in Items(reservation, "Instances"))
                {
                    InstanceInfo? info = Instance(instance, attachments);
                    if (info is null)
                    {
                        Problem(report, "an instance without InstanceId");
                        continue;
                    }

                    report.Records++;
                    instances.Add(info);
                }
            }
        }

        if (TryGet(root, "NetworkInterfaces", out JsonElement nics))
        {
            recognised = true;
            foreach (JsonElement nic in Items(nics))
            {
                NetworkInterfaceInfo? info = Interface(nic, 0);
                if (info is null)
                {
                    Problem(report, "a network interface without NetworkInterfaceId");
                    continue;
                }

                report.Records++;
                interfaces.Add(info);
                if (TryGet(nic, "Attachment", out JsonElement attachment) && Str(attachment, "InstanceId") is { Length: > 0 } instanceId)
                {
                    attachments.Add((info.NetworkInterfaceId, instanceId, info.AttachmentId, info.DeviceIndex));
                }
            }
        }

        if (TryGet(root, "SecurityGroups", out JsonElement sgs))
        {
            recognised = true;
            foreach (JsonElement sg in Items(sgs))
            {
                string? groupId = Str(sg, "GroupId");
                if (string.IsNullOrEmpty(groupId))
                {
                    Problem(report, "a security group without GroupId");
                    continue;
                }

                report.Records++;
                groups.Add(new SecurityGroupCreated(groupId, Str(sg, "GroupName"), Str(sg, "VpcId"), Str(sg, "Description"), [.. Tags(Items(sg, "Tags"), valueOptional: false)]));
                int n = 0;
                foreach ((string member, bool egress) in new[] { ("IpPermissions", false), ("IpPermissionsEgress", true) })
                {
                    foreach (JsonElement permission in Items(sg, member))
                    {
                        foreach (SecurityGroupRuleSpec spec in ExpandPermission(permission, groupId, egress, report))
                        {
                            rules.Add(spec with { RuleId = $"snapshot:{groupId}#{n++}" });
                        }
                    }
                }

                synthesisedGroups.Add(groupId);
            }
        }

        if (TryGet(root, "SecurityGroupRules", out JsonElement sgrs))
        {
            recognised = true;
            foreach (JsonElement rule in Items(sgrs))
            {
                SecurityGroupRuleSpec? spec = Ec2ChangeParser.RuleFromDescription(rule, defaultGroup: null, defaultEgress: false);
                if (spec is null)
                {
                    Problem(report, "a security group rule without GroupId or with an unknown IpProtocol");
                    continue;
                }

                report.Records++;
                rules.Add(spec);
            }
        }

        if (TryGet(root, "Vpcs", out JsonElement vpcs))
        {
            recognised = true;
            foreach (JsonElement vpc in Items(vpcs))
            {
                string? vpcId = Str(vpc, "VpcId");
                if (string.IsNullOrEmpty(vpcId))
                {
                    Problem(report, "a VPC without VpcId");
                    continue;
                }

                report.Records++;
                if (Bool(vpc, "IsDefault") == true)
                {
                    defaultVpcs.Add(vpcId);
                }
            }
        }

        LaunchPathSnapshot launchPaths = ReadLaunchPaths(root, report, ref recognised);
        if (!recognised)
        {
            Fail(report, ProblemReason.UnsupportedFormat, 0,
                "no Reservations, NetworkInterfaces, SecurityGroups, SecurityGroupRules, Vpcs, LaunchTemplates, LaunchTemplateVersions or AutoScalingGroups list");
            return null;
        }

        // One file holding both lists: the rule list's ids win over synthesised ones, as across files in ReadAll.
        var withIds = rules.Where(r => r.RuleId is not null && !r.RuleId.StartsWith("snapshot:", StringComparison.Ordinal)).Select(r => r.GroupId).ToHashSet(StringComparer.Ordinal);
        ImmutableArray<SecurityGroupRuleSpec> kept = [.. rules.Where(r => !(withIds.Contains(r.GroupId) && r.RuleId is not null && r.RuleId.StartsWith("snapshot:", StringComparison.Ordinal)))];
        return new BaselineSnapshot(instances.ToImmutable(), interfaces.ToImmutable(), groups.ToImmutable(), kept, attachments.ToImmutable())
        {
            DefaultVpcIds = defaultVpcs.ToImmutable(),
            TemplateVersions = launchPaths.Versions,
            TemplateDefaults = launchPaths.Defaults,
            AutoScalingGroups = launchPaths.Groups,
        };
    }

    private static InstanceInfo? Instance(JsonElement instance, ImmutableArray<(string, string, string?, int)>.Builder attachments)
    {
        string? id = Str(instance, "InstanceId");
        if (string.IsNullOrEmpty(id))
        {
            return null;
        }

        var nics = ImmutableArray.CreateBuilder<NetworkInterfaceInfo>();
        int position = 0;
        foreach (JsonElement nic in Items(instance, "NetworkInterfaces"))
        {
            NetworkInterfaceInfo? info = Interface(nic, position++);
            if (info is not null)
            {
                nics.Add(info);
                attachments.Add((info.NetworkInterfaceId, id, info.AttachmentId, info.DeviceIndex));
            }
        }

        return new InstanceInfo
        {
            InstanceId = id,
            SubnetId = Str(instance, "SubnetId"),
            VpcId = Str(instance, "VpcId"),
            PrivateIp = Str(instance, "PrivateIpAddress"),
            Groups = [.. DescribedResources.Groups(instance, "SecurityGroups")],
            Tags = [.. Tags(Items(instance, "Tags"), valueOptional: false)],
            NetworkInterfaces = nics.ToImmutable(),
            State = TryGet(instance, "State", out JsonElement state) ? Str(state, "Name") : null,
        };
    }

    private static NetworkInterfaceInfo? Interface(JsonElement nic, int position) =>
        Str(nic, "NetworkInterfaceId") is { Length: > 0 } id ? DescribedResources.Interface(nic, id, position) : null;

    /// <summary>One spec per peer of an <c>IpPermissions</c> entry: IpRanges, Ipv6Ranges, UserIdGroupPairs, PrefixListIds.</summary>
    private IEnumerable<SecurityGroupRuleSpec> ExpandPermission(JsonElement permission, string groupId, bool egress, FileReport report)
    {
        if (!SecurityGroupRuleSpec.TryParseProtocol(Str(permission, "IpProtocol"), out int protocol))
        {
            Problem(report, $"unknown IpProtocol '{Str(permission, "IpProtocol")}' in {groupId}");
            yield break;
        }

        var template = new SecurityGroupRuleSpec
        {
            GroupId = groupId,
            IsEgress = egress,
            Protocol = protocol,
            FromPort = protocol == -1 ? null : Int(permission, "FromPort"),
            ToPort = protocol == -1 ? null : Int(permission, "ToPort"),
        };
        foreach (JsonElement r in Items(permission, "IpRanges"))
        {
            if (Str(r, "CidrIp") is { } cidr)
            {
                yield return template with { CidrIpv4 = cidr, Description = Str(r, "Description") };
            }
        }

        foreach (JsonElement r in Items(permission, "Ipv6Ranges"))
        {
            if (Str(r, "CidrIpv6") is { } cidr)
            {
                yield return template with { CidrIpv6 = cidr, Description = Str(r, "Description") };
            }
        }

        foreach (JsonElement g in Items(permission, "UserIdGroupPairs"))
        {
            if ((Str(g, "GroupId") ?? Str(g, "GroupName")) is { } peer)
            {
                yield return template with { ReferencedGroupId = peer, Description = Str(g, "Description") };
            }
        }

        foreach (JsonElement p in Items(permission, "PrefixListIds"))
        {
            if (Str(p, "PrefixListId") is { } pl)
            {
                yield return template with { PrefixListId = pl, Description = Str(p, "Description") };
            }
        }
    }

    /// <summary>A describe-* item that could not be read (snapshot problems carry no position: the file is one document).</summary>
    private void Problem(FileReport report, string message) =>
        new ProblemSink(report, Options).Add(0, 0, ProblemReason.InvalidRecord, message, (string?)null);

    private void Fail(FileReport report, ProblemReason reason, long offset, string message) =>
        new ProblemSink(report, Options).Fail(offset, reason, message);
}
