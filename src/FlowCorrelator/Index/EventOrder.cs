namespace FlowCorrelator.Index;

/// <summary>
/// The one order in which the index applies events, and the one place where repeated <c>eventID</c>s are dropped.
/// Readers return events as the files hold them; only the builder arranges them.
/// </summary>
/// <remarks>
/// The order is total over distinct event ids, so the result does not depend on the order events were given in;
/// which copy of a repeated id is kept does (the first given), so callers give files in a fixed order.
/// </remarks>
internal static class EventOrder
{
    /// <summary>
    /// Keeps the first copy of every event id, in the given order, then sorts: snapshots first, then by time, then by
    /// <see cref="Phase"/>, then by event id (ordinal).
    /// </summary>
    public static OrderedEvents Arrange(IEnumerable<CloudTrailEvent> events)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var unique = new List<CloudTrailEvent>();
        long duplicates = 0;
        foreach (CloudTrailEvent e in events)
        {
            if (seen.Add(e.EventId))
            {
                unique.Add(e);
            }
            else
            {
                duplicates++;
            }
        }

        unique.Sort(Comparer.Instance);
        return new OrderedEvents(unique, duplicates);
    }

    /// <summary>Order of kinds of change within one second: create, then attach/modify/tag, then remove, then AWS Config items.</summary>
    /// <remarks>
    /// CloudTrail times have one-second resolution, so causally related calls often share a second, and event ids are
    /// random: within a second, what creates applies before what changes, before what removes.
    /// </remarks>
    /// <remarks>
    /// Launch definitions (template versions, the default version, Auto Scaling groups and their tags) come before
    /// everything else of their second: a launch in the same second used them. An EC2 Fleet is a creation; its instance
    /// tags merge under its instances' own launch whichever applies first.
    /// </remarks>
    public static int Phase(Ec2Change? change) => change switch
    {
        LaunchTemplateVersionCreated or LaunchTemplateDefaultVersionSet or AutoScalingGroupChanged
            or AutoScalingTagsChanged { Deleted: false } => -1,
        SecurityGroupCreated or NetworkInterfaceCreated or InstancesLaunched or FleetCreated => 0,
        RulesAuthorized or NetworkInterfaceAttached or PrivateIpsChanged { Unassigned: false } or TagsCreated
            or InstancesStateChanged { Kind: InstanceStateChange.Started } => 1,
        RulesModified or NetworkInterfaceGroupsReplaced or InstanceGroupsReplaced or NetworkInterfaceDeleteOnTerminationChanged => 2,
        TagsDeleted or RulesRevoked or PrivateIpsChanged or NetworkInterfaceDetached or AutoScalingTagsChanged
            or InstancesStateChanged { Kind: InstanceStateChange.Stopped } => 3,
        InstancesStateChanged or NetworkInterfaceDeleted or SecurityGroupDeleted or LaunchTemplateDeleted or AutoScalingGroupDeleted => 4,

        // A Config item records the state its second's calls left (Config captures after the change it records).
        ConfigurationItemRecorded => 5,
        _ => 2,
    };

    /// <summary>Snapshots first (they describe the state before the trail, whatever their time says), then time, phase, event id.</summary>
    public sealed class Comparer : IComparer<CloudTrailEvent>
    {
        /// <summary>The comparer.</summary>
        public static Comparer Instance { get; } = new();

        private Comparer()
        {
        }

        /// <inheritdoc/>
        public int Compare(CloudTrailEvent? x, CloudTrailEvent? y)
        {
            if (ReferenceEquals(x, y))
            {
                return 0;
            }

            if (x is null || y is null)
            {
                return x is null ? -1 : 1;
            }

            int snapshot = (y.Change is BaselineSnapshot).CompareTo(x.Change is BaselineSnapshot);
            if (snapshot != 0)
            {
                return snapshot;
            }

            int t = x.Time.CompareTo(y.Time);
            if (t != 0)
            {
                return t;
            }

            int phase = Phase(x.Change).CompareTo(Phase(y.Change));
            return phase != 0 ? phase : string.CompareOrdinal(x.EventId, y.EventId);
        }
    }
}

/// <summary>Events in <see cref="EventOrder"/>, each event id once, and how many repeats were dropped.</summary>
/// <param name="Events">The events, sorted.</param>
/// <param name="Duplicates">Events dropped because an earlier one had the same <c>eventID</c>.</param>
internal readonly record struct OrderedEvents(List<CloudTrailEvent> Events, long Duplicates);
