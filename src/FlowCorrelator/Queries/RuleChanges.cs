using System.Collections.Immutable;
using FlowCorrelator.Index;

namespace FlowCorrelator.Queries;

// Question 2, from the index alone (docs/semantics.md): no per-record step.
public static partial class Investigations
{
    /// <summary>Question 2: successful rule changes, optionally within a window.</summary>
    public static ImmutableArray<RuleChange> RuleChanges(EnvironmentIndex index, DateTimeOffset? from = null, DateTimeOffset? to = null)
    {
        ArgumentNullException.ThrowIfNull(index);
        return [.. index.RuleChanges.Where(r => InWindow(r.Event.Time, from, to)).Select(ChangeRows.RuleChange)];
    }
}
