using System.Runtime.CompilerServices;
using FlowCorrelator.Index;

namespace FlowCorrelator.Queries;

/// <summary>
/// The per-record tests every question shares (docs/semantics.md). Used by the one-pass engine and by the LINQ
/// pipelines, so both give the same answers.
/// </summary>
public static partial class FlowPredicates
{
    /// <summary>
    /// The state of the record's interface at the record's start when the record is an OK record inbound to it;
    /// otherwise null.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static InterfaceState? InboundState(EnvironmentIndex index, in FlowRecord record)
    {
        ArgumentNullException.ThrowIfNull(index);
        if (record.LogStatus != FlowLogStatus.Ok || record.Direction == FlowDirection.Egress)
        {
            return null;
        }

        InterfaceState? state = index.InterfaceAt(record.InterfaceId, record.Start);
        return state is { Exists: true } && IsInbound(state, record) ? state : null;
    }

    /// <summary>
    /// Whether a record on an existing interface is inbound to it: with flow-direction the record says so; without
    /// it, inbound means addressed to one of the interface's addresses at the time.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsInbound(InterfaceState state, in FlowRecord record)
    {
        ArgumentNullException.ThrowIfNull(state);
        return record.Direction == FlowDirection.Ingress || (record.Direction == FlowDirection.Unknown && state.HasAddress(record.DstAddr));
    }

    /// <summary>Question 1's filter for an inbound record and its interface state.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsFleetAccess(InterfaceState state, in FlowRecord record, AccessQuery query)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(query);
        return record.DstPort == query.Port && record.Protocol == query.Protocol &&
            state.InstanceId is not null && state.InstanceRunning && state.InstanceHasTag(query.TagKey, query.TagValue);
    }

    /// <summary>Whether an ACCEPT record inbound to an interface holding the rule's group is allowed by the rule.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool RuleMatches(EnvironmentIndex index, RuleDefinition rule, in FlowRecord record)
    {
        ArgumentNullException.ThrowIfNull(index);
        ArgumentNullException.ThrowIfNull(rule);
        if (!rule.MatchesProtocolAndPort(record.Protocol, record.DstPort))
        {
            return false;
        }

        if (rule.HasNetwork)
        {
            return rule.ParsedNetwork.Contains(record.SrcAddr);
        }

        return rule.Spec.ReferencedGroupId is { } referenced && index.AddressInGroup(record.SrcAddr, referenced, record.Start);
    }
}
