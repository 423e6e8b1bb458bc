using System.Text.Json.Serialization;

namespace FlowCorrelator.Queries;

/// <summary>Why question 4 lists a group (<see cref="UnusedGroup.Status"/>).</summary>
/// <remarks>The JSON and text name of each member is its <see cref="JsonStringEnumMemberNameAttribute"/>.</remarks>
[JsonConverter(typeof(JsonStringEnumConverter<UnusedGroupStatus>))]
public enum UnusedGroupStatus
{
    /// <summary>Created in the evidence and never attached since: <c>never-attached</c>.</summary>
    [JsonStringEnumMemberName("never-attached")]
    NeverAttached,

    /// <summary>Existed before the evidence starts, so it may have been attached before: <c>unknown</c>.</summary>
    [JsonStringEnumMemberName("unknown")]
    Unknown,
}

/// <summary>What question 5 found for a rule (<see cref="RuleUsage.Status"/>).</summary>
/// <remarks>The JSON and text name of each member is its <see cref="JsonStringEnumMemberNameAttribute"/>.</remarks>
[JsonConverter(typeof(JsonStringEnumConverter<RuleUsageStatus>))]
public enum RuleUsageStatus
{
    /// <summary>Matched by at least one ACCEPT record from a non-scanner source: <c>used</c>.</summary>
    [JsonStringEnumMemberName("used")]
    Used,

    /// <summary>Not revoked, and matched by no ACCEPT record from a non-scanner source: <c>unused</c>.</summary>
    [JsonStringEnumMemberName("unused")]
    Unused,

    /// <summary>Removed before the end of the window (whatever its hits): <c>revoked</c>.</summary>
    [JsonStringEnumMemberName("revoked")]
    Revoked,
}

/// <summary>
/// Which source said something about a question-1 row (<see cref="AccessAttempt.InstanceFrom"/>,
/// <see cref="AccessAttempt.TagFrom"/>): the index built from CloudTrail, snapshots and AWS Config, or the flow record's
/// own <c>instance-id</c> or tag field (docs/semantics.md, "The flow record as evidence").
/// </summary>
/// <remarks>The JSON and text name of each member is its <see cref="JsonStringEnumMemberNameAttribute"/>.</remarks>
[JsonConverter(typeof(JsonStringEnumConverter<EvidenceSource>))]
public enum EvidenceSource
{
    /// <summary>The index (CloudTrail, snapshots, AWS Config): <c>index</c>.</summary>
    [JsonStringEnumMemberName("index")]
    Index,

    /// <summary>The flow record's own field: <c>flowRecord</c>.</summary>
    [JsonStringEnumMemberName("flowRecord")]
    FlowRecord,
}
