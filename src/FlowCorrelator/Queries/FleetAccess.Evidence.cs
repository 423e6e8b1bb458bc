using System.Runtime.CompilerServices;
using FlowCorrelator.Index;

namespace FlowCorrelator.Queries;

// Question 1's evidence path (docs/semantics.md, "The flow record as evidence"): records the index cannot attribute
// alone. The same test as FlowPredicates.MatchFleet, with the instance looked up through the thread's cache.
internal readonly partial struct FleetAccessStep
{
    /// <summary>
    /// Counts an OK, in-window record on an interface the evidence does not know at its start: only with
    /// flow-direction <c>ingress</c> (its addresses are unknown) and an <c>instance-id</c>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void AddOnUnknownInterface(in FlowRecord record)
    {
        if (_query is not null && record.InstanceId.HasValue && record.Direction == FlowDirection.Ingress &&
            record.DstPort == _query.Port && record.Protocol == _query.Protocol)
        {
            AddWithEvidence(null, AskInstanceId, record);
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void AddWithEvidence(InterfaceState? state, byte fleet, in FlowRecord record)
    {
        string instanceId;
        EvidenceSource instanceFrom;
        EvidenceSource tagFrom;
        if (fleet == AskTagField)
        {
            // Attached to a running instance whose tags the index does not know: the record's tag field decides.
            if (_slots is null || _slots.QueryKeyValue(record) != _slots.QueryValue)
            {
                return;
            }

            (instanceId, instanceFrom, tagFrom) = (state!.InstanceId!, EvidenceSource.Index, EvidenceSource.FlowRecord);
        }
        else
        {
            // No attachment: the record's instance-id names the instance, with what the index knows of it.
            if (!record.InstanceId.HasValue)
            {
                return;
            }

            InstanceState? known = _instances.At(record.InstanceId, record.Start);
            if (!FlowPredicates.RunsForRecord(known))
            {
                return;
            }

            if (known is { Tags.Count: > 0 })
            {
                if (!(known.Tags.TryGetValue(_query!.TagKey, out string? v) && v == _query.TagValue))
                {
                    return;
                }

                tagFrom = EvidenceSource.Index;
            }
            else
            {
                if (_slots is null || _slots.QueryKeyValue(record) != _slots.QueryValue)
                {
                    return;
                }

                tagFrom = EvidenceSource.FlowRecord;
            }

            instanceId = known?.InstanceId ?? record.InstanceId.ToString();
            instanceFrom = EvidenceSource.FlowRecord;
        }

        var key = new EvidenceKey(
            state?.AttachmentOrdinal ?? -1,
            instanceFrom == EvidenceSource.Index ? default : record.InstanceId,
            state is null ? record.InterfaceId : default,
            instanceFrom,
            tagFrom,
            record.SrcAddr);
        if (!EvidenceTotals.TryGetValue(key, out AccessAggregate? agg))
        {
            agg = new AccessAggregate { Groups = state?.Groups ?? [], Scanner = _scanners.Contains(record.SrcAddr), InstanceId = instanceId };
            EvidenceTotals[key] = agg;
        }

        agg.Add(record);
        Activity?.Add(record.Start, record.Action, agg.Scanner);
    }
}

/// <summary>
/// Question 1's key for rows of the evidence path: the interface state's attachment ordinal (which fixes interface and
/// groups; -1 when the evidence does not know the interface, then <see cref="Interface"/> names it), the instance the
/// record named (none when the attachment's), which source said what, and the source address.
/// </summary>
internal readonly record struct EvidenceKey(int Attachment, InstanceKey Instance, EniId Interface, EvidenceSource InstanceFrom, EvidenceSource TagFrom, IpAddr Source)
{
    // Sources are attacker-controlled log content: seeded, as AccessKey's.
    public override int GetHashCode() =>
        (int)SeededHash.Hash(Source.High, Source.Low) ^ HashCode.Combine(Attachment, Instance, Interface, InstanceFrom, TagFrom);
}
