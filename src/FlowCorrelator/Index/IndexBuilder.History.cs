namespace FlowCorrelator.Index;

// The history text of the timeline view: one entry per change to a resource.
internal sealed partial class IndexBuilder
{
    private void Record(string resourceId, string change) =>
        _history.Add(new TimelineEntry(_event.Change is BaselineSnapshot ? DateTimeOffset.UnixEpoch : _event.Time, _event.EventId, _event.EventName, _event.ActorArn, resourceId, change));

    internal static string Describe(SecurityGroupRuleSpec r)
    {
        string ports = r.Protocol == -1 ? "all" : r.FromPort == r.ToPort ? $"{r.FromPort}" : $"{r.FromPort}-{r.ToPort}";
        string peer = r.Cidr ?? r.ReferencedGroupId ?? r.PrefixListId ?? "?";
        return $"{SecurityGroupRuleSpec.ProtocolName(r.Protocol)}/{ports} from {peer}";
    }

    private static string FormatTags(Dictionary<string, string> tags) =>
        tags.Count == 0 ? "(none)" : string.Join(",", tags.OrderBy(t => t.Key, StringComparer.Ordinal).Select(t => $"{t.Key}={t.Value}"));
}
