using System.Collections.Immutable;
using FlowCorrelator.Index;

namespace FlowCorrelator.Queries;

/// <summary>
/// Question 6: what one risky definition of an ingress rule let in while it was in force. One row per (rule, change
/// event) whose question-2 row is ingress, not a removal, and has risks (docs/semantics.md, question 6).
/// </summary>
public sealed record Exposure
{
    /// <summary>Group.</summary>
    public required string GroupId { get; init; }

    /// <summary>Rule id.</summary>
    public required string RuleId { get; init; }

    /// <summary>Protocol of the definition this change set (as in <see cref="RuleChange.Protocol"/>).</summary>
    public required string Protocol { get; init; }

    /// <summary>First port (null for protocol -1).</summary>
    public int? FromPort { get; init; }

    /// <summary>Last port (null for protocol -1).</summary>
    public int? ToPort { get; init; }

    /// <summary>IPv4 or IPv6 CIDR peer.</summary>
    public string? Cidr { get; init; }

    /// <summary>Referenced group peer.</summary>
    public string? ReferencedGroupId { get; init; }

    /// <summary>Prefix-list peer.</summary>
    public string? PrefixListId { get; init; }

    /// <summary>The change's risk labels (question 2's <c>risks</c>, never empty here).</summary>
    public required ImmutableArray<string> Risks { get; init; }

    /// <summary>Time of the change that set this definition.</summary>
    public DateTimeOffset Time { get; init; }

    /// <summary>CloudTrail event id of the change.</summary>
    public required string EventId { get; init; }

    /// <summary>Event name of the change.</summary>
    public required string EventName { get; init; }

    /// <summary><c>added</c> or <c>modified</c>.</summary>
    public required RuleChangeKind Change { get; init; }

    /// <summary>Who made the change.</summary>
    public string? Actor { get; init; }

    /// <summary>From where.</summary>
    public string? SourceIp { get; init; }

    /// <summary>Start of the time the definition was in force (the change's time).</summary>
    public DateTimeOffset InForceFrom { get; init; }

    /// <summary>
    /// End (exclusive) of the time the definition was in force: the rule's next change (modified or removed) or its
    /// group's deletion; null while it was still in force at the end of the evidence.
    /// </summary>
    public DateTimeOffset? InForceTo { get; init; }

    /// <summary>ACCEPT records this definition admitted that no other ingress rule in force on the interface matched: the exposure.</summary>
    public required ExposureFigures Exposed { get; init; }

    /// <summary>ACCEPT records this definition matched that another ingress rule in force on the interface matched too.</summary>
    public required ExposureFigures AlsoAdmitted { get; init; }
}

/// <summary>Figures over a set of ACCEPT records one rule definition matched (question 6).</summary>
public sealed record ExposureFigures
{
    /// <summary>No records.</summary>
    public static ExposureFigures None { get; } = new() { Instances = [], Fleets = [] };

    /// <summary>Records from sources outside the scanner list.</summary>
    public long Records { get; init; }

    /// <summary>Records from known scanners.</summary>
    public long ScannerRecords { get; init; }

    /// <summary>Distinct non-scanner source addresses.</summary>
    public long Sources { get; init; }

    /// <summary>Distinct scanner source addresses.</summary>
    public long ScannerSources { get; init; }

    /// <summary>Instances the records' interfaces were attached to at the records' start (scanners included), sorted.</summary>
    public required ImmutableArray<string> Instances { get; init; }

    /// <summary>Distinct <c>Name</c> tag values of those instances at the records' start, sorted.</summary>
    public required ImmutableArray<string> Fleets { get; init; }

    /// <summary>Earliest record start (scanners included).</summary>
    public DateTimeOffset? FirstAdmitted { get; init; }

    /// <summary>Latest record start (scanners included).</summary>
    public DateTimeOffset? LastAdmitted { get; init; }
}
