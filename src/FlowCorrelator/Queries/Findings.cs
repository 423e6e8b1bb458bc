using System.Collections.Immutable;
using System.Text.Json.Serialization;
using FlowCorrelator.Index;

namespace FlowCorrelator.Queries;

/// <summary>Question 1: one row per (instance, interface, groups of the interface at the time, source address).</summary>
public sealed record AccessAttempt
{
    /// <summary>Instance the interface was attached to when the records started.</summary>
    public required string InstanceId { get; init; }

    /// <summary>Interface the records were captured on.</summary>
    public required string InterfaceId { get; init; }

    /// <summary>Security groups of the interface at the time, sorted.</summary>
    public required ImmutableArray<string> SecurityGroups { get; init; }

    /// <summary>Source address.</summary>
    public required string SrcAddr { get; init; }

    /// <summary>ACCEPT records.</summary>
    public long Accepted { get; init; }

    /// <summary>REJECT records.</summary>
    public long Rejected { get; init; }

    /// <summary>Packets over all records (a <c>-</c> counts as 0).</summary>
    public long Packets { get; init; }

    /// <summary>Bytes over all records (a <c>-</c> counts as 0).</summary>
    public long Bytes { get; init; }

    /// <summary>Earliest record start.</summary>
    public DateTimeOffset FirstSeen { get; init; }

    /// <summary>Latest record start.</summary>
    public DateTimeOffset LastSeen { get; init; }

    /// <summary>True when the source lies in a known internet-scanner range.</summary>
    public bool Scanner { get; init; }

    /// <summary>
    /// Who named the instance: the index's attachment (<see cref="EvidenceSource.Index"/>) or, when the index knew no
    /// attachment of the interface at the time, the records' own <c>instance-id</c>.
    /// </summary>
    public EvidenceSource InstanceFrom { get; init; }

    /// <summary>
    /// Who said the instance carries the fleet's tag: the index, or (when the index knew no tag of the instance) the
    /// records' tag field mapped by <see cref="AccessQuery.TagFields"/>.
    /// </summary>
    public EvidenceSource TagFrom { get; init; }
}

/// <summary>Question 2: one row per security-group rule touched by a successful Authorize/Revoke/Modify call.</summary>
public sealed record RuleChange
{
    /// <summary>Event time.</summary>
    public DateTimeOffset Time { get; init; }

    /// <summary>CloudTrail event id.</summary>
    public required string EventId { get; init; }

    /// <summary>Event name.</summary>
    public required string EventName { get; init; }

    /// <summary>What happened to the rule: <c>added</c>, <c>removed</c> or <c>modified</c>.</summary>
    public required RuleChangeKind Change { get; init; }

    /// <summary>Group; null only when <see cref="GroupUnresolved"/>.</summary>
    public string? GroupId { get; init; }

    /// <summary>
    /// The group name the call named the group by instead of its id (the request's <c>groupName</c>); null when the
    /// call gave <c>groupId</c>.
    /// </summary>
    public string? GroupName { get; init; }

    /// <summary>
    /// True when the call named the group only by <see cref="GroupName"/> and the evidence does not tell which group that
    /// was (none or several candidates): <see cref="GroupId"/> is null and the rule was applied to no group's state.
    /// </summary>
    public bool GroupUnresolved { get; init; }

    /// <summary>Rule id, when known.</summary>
    public string? RuleId { get; init; }

    /// <summary><c>ingress</c> or <c>egress</c>.</summary>
    public required string Direction { get; init; }

    /// <summary>Protocol: tcp, udp, icmp, icmpv6, -1 or a number.</summary>
    public required string Protocol { get; init; }

    /// <summary>First port.</summary>
    public int? FromPort { get; init; }

    /// <summary>Last port.</summary>
    public int? ToPort { get; init; }

    /// <summary>IPv4 or IPv6 CIDR peer.</summary>
    public string? Cidr { get; init; }

    /// <summary>Referenced group peer.</summary>
    public string? ReferencedGroupId { get; init; }

    /// <summary>Prefix-list peer.</summary>
    public string? PrefixListId { get; init; }

    /// <summary>Who made the call.</summary>
    public string? Actor { get; init; }

    /// <summary>From where.</summary>
    public string? SourceIp { get; init; }

    /// <summary>True when the peer is 0.0.0.0/0 or ::/0 (compared as networks).</summary>
    public bool OpensToWorld { get; init; }

    /// <summary>Risk labels: <c>open-to-world</c>, <c>all-protocols</c>, <c>admin-port:22</c>, ….</summary>
    public required ImmutableArray<string> Risks { get; init; }
}

/// <summary>Question 3: a group set replaced on an interface after launch.</summary>
public sealed record GroupAttachment
{
    /// <summary>Event time.</summary>
    public DateTimeOffset Time { get; init; }

    /// <summary>CloudTrail event id.</summary>
    public required string EventId { get; init; }

    /// <summary>ModifyNetworkInterfaceAttribute or ModifyInstanceAttribute.</summary>
    public required string EventName { get; init; }

    /// <summary>Interface whose groups changed.</summary>
    public string? InterfaceId { get; init; }

    /// <summary>Instance attached to the interface at that moment.</summary>
    public string? InstanceId { get; init; }

    /// <summary>Groups before, sorted.</summary>
    public required ImmutableArray<string> GroupsBefore { get; init; }

    /// <summary>Groups after, sorted.</summary>
    public required ImmutableArray<string> GroupsAfter { get; init; }

    /// <summary>Added groups, sorted.</summary>
    public required ImmutableArray<string> Added { get; init; }

    /// <summary>Removed groups, sorted.</summary>
    public required ImmutableArray<string> Removed { get; init; }

    /// <summary>Who made the call.</summary>
    public string? Actor { get; init; }

    /// <summary>
    /// True when the evidence never stated the interface's groups before this event (it is older than the trail and
    /// no snapshot covers it): <see cref="GroupsBefore"/> is then empty and <see cref="Added"/>/<see cref="Removed"/>
    /// claim nothing. Omitted from JSON when false.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool GroupsBeforeUnknown { get; init; }
}

/// <summary>Question 4: a group with live ingress rules that no evidence shows attached.</summary>
public sealed record UnusedGroup
{
    /// <summary>Group.</summary>
    public required string GroupId { get; init; }

    /// <summary>Name, when known.</summary>
    public string? GroupName { get; init; }

    /// <summary><c>never-attached</c>, or <c>unknown</c> when the group existed before the evidence starts.</summary>
    public required UnusedGroupStatus Status { get; init; }

    /// <summary>Ingress rules not revoked, sorted.</summary>
    public required ImmutableArray<string> IngressRuleIds { get; init; }
}

/// <summary>Question 5: usage of one ingress rule of a group that was attached at some time.</summary>
public sealed record RuleUsage
{
    /// <summary>Rule id.</summary>
    public required string RuleId { get; init; }

    /// <summary>Group.</summary>
    public required string GroupId { get; init; }

    /// <summary>Protocol as in <see cref="RuleChange.Protocol"/>, for the rule's last definition.</summary>
    public required string Protocol { get; init; }

    /// <summary>First port of the last definition.</summary>
    public int? FromPort { get; init; }

    /// <summary>Last port of the last definition.</summary>
    public int? ToPort { get; init; }

    /// <summary>CIDR of the last definition.</summary>
    public string? Cidr { get; init; }

    /// <summary>Referenced group of the last definition.</summary>
    public string? ReferencedGroupId { get; init; }

    /// <summary>Prefix list of the last definition.</summary>
    public string? PrefixListId { get; init; }

    /// <summary><c>used</c>, <c>unused</c> or <c>revoked</c>.</summary>
    public required RuleUsageStatus Status { get; init; }

    /// <summary>Matching ACCEPT records from non-scanner sources.</summary>
    public long Hits { get; init; }

    /// <summary>Matching ACCEPT records from known scanners.</summary>
    public long ScannerHits { get; init; }

    /// <summary>Distinct non-scanner source addresses.</summary>
    public long DistinctSources { get; init; }

    /// <summary>First non-scanner hit.</summary>
    public DateTimeOffset? FirstUsed { get; init; }

    /// <summary>Last non-scanner hit.</summary>
    public DateTimeOffset? LastUsed { get; init; }
}

/// <summary>The parameters question 1 was asked with.</summary>
public sealed record AccessQuery
{
    /// <summary>Tag key.</summary>
    public required string TagKey { get; init; }

    /// <summary>Tag value.</summary>
    public required string TagValue { get; init; }

    /// <summary>Destination port.</summary>
    public required int Port { get; init; }

    /// <summary>IANA protocol number (6 = tcp).</summary>
    public int Protocol { get; init; } = 6;

    /// <summary>
    /// Which tag key each version-11 tag field of the flow logs holds (the flow log's <c>TagFieldSpecifications</c>;
    /// the records do not say). Used only for instances whose tags the index does not know (docs/semantics.md).
    /// </summary>
    /// <remarks>Never a default array: answers written before the field existed read back as empty.</remarks>
    public ImmutableArray<TagFieldMapping> TagFields
    {
        get => _tagFields.IsDefault ? [] : _tagFields;
        init => _tagFields = value;
    }

    private readonly ImmutableArray<TagFieldMapping> _tagFields = [];
}

/// <summary>
/// One tag field of a version-11 flow log and the tag key it holds, e.g. <c>instance-tag</c> → <c>Name</c>.
/// </summary>
public sealed record TagFieldMapping
{
    /// <summary>The fields that can be mapped: tags of the instance, or of its Auto Scaling group.</summary>
    public static ImmutableArray<string> Fields { get; } = ["instance-tag", "instance-tag-2", "asg-tag", "asg-tag-2"];

    /// <summary>A mapping of <paramref name="field"/> to <paramref name="key"/>.</summary>
    /// <exception cref="ArgumentException">The field is not one of <see cref="Fields"/>, or the key is empty.</exception>
    [System.Text.Json.Serialization.JsonConstructor]
    public TagFieldMapping(string field, string key)
    {
        ArgumentNullException.ThrowIfNull(field);
        ArgumentException.ThrowIfNullOrEmpty(key);
        if (!Fields.Contains(field, StringComparer.Ordinal))
        {
            throw new ArgumentException(
                field is "interface-tag" or "interface-tag-2"
                    ? $"'{field}' holds a tag of the network interface, not of the instance, so it is not fleet evidence; use the query command to filter on it."
                    : $"'{field}' is not a tag field; use one of {string.Join(", ", Fields)}.",
                nameof(field));
        }

        Field = field;
        Key = key;
    }

    /// <summary>The flow-log field (<c>instance-tag</c>, <c>instance-tag-2</c>, <c>asg-tag</c>, <c>asg-tag-2</c>).</summary>
    public string Field { get; }

    /// <summary>The tag key it holds.</summary>
    public string Key { get; }

    /// <summary>Parses <c>FIELD=KEY</c> (the CLI's <c>--tag-field</c>).</summary>
    /// <exception cref="FormatException">No <c>=</c>, or an unknown field, or an empty key.</exception>
    public static TagFieldMapping Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        int eq = text.IndexOf('=', StringComparison.Ordinal);
        if (eq <= 0 || eq == text.Length - 1)
        {
            throw new FormatException($"'{text}' is not FIELD=KEY (for example instance-tag=Name).");
        }

        try
        {
            return new TagFieldMapping(text[..eq].Trim(), text[(eq + 1)..]);
        }
        catch (ArgumentException e)
        {
            throw new FormatException(e.Message, e);
        }
    }
}
