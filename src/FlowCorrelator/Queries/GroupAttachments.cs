using System.Collections.Immutable;
using FlowCorrelator.Index;

namespace FlowCorrelator.Queries;

// Question 3, from the index alone (docs/semantics.md): no per-record step.
public static partial class Investigations
{
    /// <summary>Question 3: group sets replaced after launch, optionally within a window.</summary>
    public static ImmutableArray<GroupAttachment> GroupAttachments(EnvironmentIndex index, DateTimeOffset? from = null, DateTimeOffset? to = null)
    {
        ArgumentNullException.ThrowIfNull(index);
        return [.. index.GroupSetChanges.Where(a => InWindow(a.Event.Time, from, to)).Select(ChangeRows.GroupAttachment)];
    }
}
