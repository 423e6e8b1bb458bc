using System.Collections.Frozen;

namespace FlowCorrelator.Index;

// Freezing the replayed state into the read-only index.
internal sealed partial class IndexBuilder
{
    private EnvironmentIndex Freeze(IndexStatistics stats)
    {
        var interfaces = _interfaces.Values
            .Where(e => e.Timeline.Count > 0)
            .ToFrozenDictionary(e => EniId.Parse(e.Id), e => new Timeline<InterfaceState>(e.Timeline));
        var rules = _groups.Values
            .Where(g => g.Timeline.Count > 0)
            .ToFrozenDictionary(g => g.Record.GroupId, g => new Timeline<RuleDefinition[]>(g.Timeline), StringComparer.Ordinal);
        var addresses = _addresses.ToFrozenDictionary(
            kv => kv.Key,
            kv => kv.Value.Select(o => new AddressOwner(o.From, o.To, EniId.Parse(o.Interface))).ToArray());
        return new EnvironmentIndex(
            interfaces,
            rules,
            addresses,
            [.. _groups.Values.Select(g => g.Record).OrderBy(g => g.GroupId, StringComparer.Ordinal)],
            [.. _ruleChanges],
            [.. _groupSetChanges],
            [.. _history],
            [.. _problems],
            stats);
    }
}
