using System.Runtime.CompilerServices;

namespace FlowCorrelator.Index;

/// <summary>How a <see cref="CompiledRule"/> tests the source address.</summary>
internal enum RulePeer : byte
{
    /// <summary>An IPv4 CIDR: one unsigned range compare on the low half.</summary>
    V4Network,

    /// <summary>An IPv6 CIDR: the full 128-bit test (rare).</summary>
    V6Network,

    /// <summary>A referenced group, by <see cref="CompiledRule.GroupOrdinal"/>: needs the address owner lookup.</summary>
    Group,
}

/// <summary>
/// An ingress rule flattened for the per-record test of question 5: plain fields in a struct array, so matching a
/// record against an interface's rules is a tight loop with no property chains or nullable copies. Rules that can
/// never match (prefix lists, unparsable peers, groups no interface ever holds) are not compiled at all.
/// </summary>
/// <remarks>Gives the same answer as the question-5 rule match, <c>FlowPredicates.RuleMatches</c> one layer above (docs/semantics.md, question 5).</remarks>
internal readonly struct CompiledRule
{
    private CompiledRule(int ordinal, int protocol, int portLow, int portHigh, RulePeer peer, int groupOrdinal, IpAddr first, IpAddr last)
    {
        Ordinal = ordinal;
        Protocol = protocol;
        PortLow = portLow;
        PortHigh = portHigh;
        Peer = peer;
        GroupOrdinal = groupOrdinal;
        FirstHigh = first.High;
        FirstLow = first.Low;
        LastHigh = last.High;
        LastLow = last.Low;
    }

    /// <summary><see cref="RuleDefinition.Ordinal"/>.</summary>
    public int Ordinal { get; }

    /// <summary>IANA protocol, or -1 for all.</summary>
    public int Protocol { get; }

    /// <summary>Lowest matching destination port (int.MinValue when any port matches).</summary>
    public int PortLow { get; }

    /// <summary>Highest matching destination port (int.MaxValue when any port matches).</summary>
    public int PortHigh { get; }

    public RulePeer Peer { get; }

    /// <summary>The referenced group's ordinal when <see cref="Peer"/> is <see cref="RulePeer.Group"/>.</summary>
    public int GroupOrdinal { get; }

    public ulong FirstHigh { get; }

    public ulong FirstLow { get; }

    public ulong LastHigh { get; }

    public ulong LastLow { get; }

    /// <summary>
    /// Compiles <paramref name="rule"/>; false when it can never match a record. <paramref name="groupOrdinals"/>
    /// numbers every group some interface holds (a referenced group missing from it is held by no interface).
    /// </summary>
    public static bool TryCompile(RuleDefinition rule, IReadOnlyDictionary<string, int> groupOrdinals, out CompiledRule compiled)
    {
        compiled = default;

        // Port range exactly as RuleDefinition.MatchesProtocolAndPort reads it, folded into one inclusive range.
        int low = int.MinValue;
        int high = int.MaxValue;
        if (rule.Protocol != -1 && rule.Protocol is not (1 or 58) && !(rule.FromPort < 0 && rule.ToPort < 0))
        {
            low = rule.FromPort;
            high = rule.ToPort < 0 ? rule.FromPort : rule.ToPort;
        }

        if (rule.HasNetwork)
        {
            IpNetwork n = rule.ParsedNetwork;
            compiled = new CompiledRule(rule.Ordinal, rule.Protocol, low, high, n.IsV4 ? RulePeer.V4Network : RulePeer.V6Network, -1, n.First, n.Last);
            return true;
        }

        if (rule.Spec.ReferencedGroupId is { } referenced && groupOrdinals.TryGetValue(referenced, out int group))
        {
            compiled = new CompiledRule(rule.Ordinal, rule.Protocol, low, high, RulePeer.Group, group, default, default);
            return true;
        }

        return false;
    }

    /// <summary>Protocol and destination port test.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool MatchesProtocolAndPort(int protocol, int dstPort) =>
        (Protocol == -1 || Protocol == protocol) && dstPort >= PortLow && dstPort <= PortHigh;

    /// <summary>CIDR test (only for the two network peers).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool NetworkContains(ulong high, ulong low)
    {
        if (Peer == RulePeer.V4Network)
        {
            // An IPv4 block spans part of ::ffff:0:0/96, so being inside it already implies "IPv4 and not absent".
            return high == 0 && low - FirstLow <= LastLow - FirstLow;
        }

        return V6Contains(high, low);
    }

    private bool V6Contains(ulong high, ulong low)
    {
        var address = new IpAddr(high, low);
        return address.HasValue && !address.IsV4 && address >= new IpAddr(FirstHigh, FirstLow) && address <= new IpAddr(LastHigh, LastLow);
    }
}

/// <summary>
/// The ingress rules of one set of groups over all time, shared by every interface state holding that set: the change
/// times of the groups' rule sets merged, each with the compiled rules of every group in group order.
/// </summary>
internal sealed class RuleSchedule
{
    private readonly long[] _times;
    private readonly CompiledRule[][] _sets;

    public RuleSchedule(long[] times, CompiledRule[][] sets)
    {
        _times = times;
        _sets = sets;
    }

    public static RuleSchedule Empty { get; } = new([long.MinValue], [[]]);

    /// <summary>The rules in force at <paramref name="time"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public CompiledRule[] At(long time)
    {
        long[] times = _times;
        if (times.Length == 1)
        {
            return _sets[0];
        }

        return AtSlow(time);
    }

    /// <summary>
    /// The rules in force at <paramref name="time"/> and the stretch [<paramref name="from"/>, <paramref name="to"/>)
    /// they stay in force (the caller clips it to the interface state's own validity).
    /// </summary>
    public CompiledRule[] At(long time, out long from, out long to)
    {
        int i = Index(time);
        from = _times[i];
        to = i + 1 < _times.Length ? _times[i + 1] : long.MaxValue;
        return _sets[i];
    }

    private CompiledRule[] AtSlow(long time) => _sets[Index(time)];

    // times[0] is the schedule's start (long.MinValue), so some entry is always in force.
    private int Index(long time) => TimeSearch.LastAtOrBefore(_times, time);
}
