using System.Collections.Immutable;
using System.Text.Json.Serialization;

namespace FlowCorrelator.Queries;

/// <summary>
/// The answers to the six questions: the JSON contract of <c>investigate --format json</c> (without
/// <c>diagnostics</c>, which the CLI adds) and of a scenario's <c>expected.json</c>. Lists are in canonical order
/// (see <see cref="Canonical"/>).
/// </summary>
public sealed record InvestigationResult
{
    /// <summary>The question-1 parameters; null when question 1 was not asked.</summary>
    public AccessQuery? Query { get; init; }

    /// <summary>Question 1.</summary>
    public ImmutableArray<AccessAttempt> AccessAttempts { get; init; } = [];

    /// <summary>Question 2.</summary>
    public ImmutableArray<RuleChange> RuleChanges { get; init; } = [];

    /// <summary>Question 3.</summary>
    public ImmutableArray<GroupAttachment> GroupAttachments { get; init; } = [];

    /// <summary>Question 4.</summary>
    public ImmutableArray<UnusedGroup> UnusedGroups { get; init; } = [];

    /// <summary>Question 5.</summary>
    public ImmutableArray<RuleUsage> RuleUsage { get; init; } = [];

    /// <summary>Question 6.</summary>
    public ImmutableArray<Exposure> Exposures { get; init; } = [];

    /// <summary>
    /// Question 1's records per minute, when <see cref="InvestigationOptions.FleetActivity"/> was set and question 1
    /// asked; else null. Not part of the JSON contract.
    /// </summary>
    [JsonIgnore]
    public FleetActivity? FleetActivity { get; init; }

    /// <summary>
    /// The same answers with every list in canonical order, so that two results compare equal row by row:
    /// access by (instance, interface, groups, source, instance evidence, tag evidence); rule changes by (time, event id, group, rule id, change);
    /// attachments by (time, event id, interface); unused groups by group; rule usage by (group, rule); exposures by (time, event id, group, rule).
    /// </summary>
    public InvestigationResult Canonical() => this with
    {
        AccessAttempts = [.. AccessAttempts.OrderBy(a => a.InstanceId, StringComparer.Ordinal).ThenBy(a => a.InterfaceId, StringComparer.Ordinal)
            .ThenBy(a => string.Join(',', a.SecurityGroups), StringComparer.Ordinal).ThenBy(a => IpAddr.TryParse(a.SrcAddr, out IpAddr ip) ? ip : default).ThenBy(a => a.SrcAddr, StringComparer.Ordinal)
            .ThenBy(a => a.InstanceFrom).ThenBy(a => a.TagFrom)],
        RuleChanges = [.. RuleChanges.OrderBy(r => r.Time).ThenBy(r => r.EventId, StringComparer.Ordinal).ThenBy(r => r.GroupId, StringComparer.Ordinal)
            .ThenBy(r => r.RuleId ?? string.Empty, StringComparer.Ordinal).ThenBy(r => r.Change.ToWireName(), StringComparer.Ordinal).ThenBy(r => r.Cidr ?? r.ReferencedGroupId ?? r.PrefixListId ?? string.Empty, StringComparer.Ordinal)],
        GroupAttachments = [.. GroupAttachments.OrderBy(g => g.Time).ThenBy(g => g.EventId, StringComparer.Ordinal).ThenBy(g => g.InterfaceId ?? string.Empty, StringComparer.Ordinal)],
        UnusedGroups = [.. UnusedGroups.OrderBy(g => g.GroupId, StringComparer.Ordinal)],
        RuleUsage = [.. RuleUsage.OrderBy(r => r.GroupId, StringComparer.Ordinal).ThenBy(r => r.RuleId, StringComparer.Ordinal)],
        Exposures = Exposures.IsDefault ? [] : [.. Exposures.OrderBy(x => x.Time).ThenBy(x => x.EventId, StringComparer.Ordinal).ThenBy(x => x.GroupId, StringComparer.Ordinal).ThenBy(x => x.RuleId, StringComparer.Ordinal)],
    };
}
