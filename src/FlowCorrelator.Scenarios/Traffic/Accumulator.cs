using FlowCorrelator.Ingest;
using FlowCorrelator.Queries;

namespace FlowCorrelator.Scenarios.Traffic;

/// <summary>One generated flow record (IPv4 only).</summary>
internal struct FlowRec
{
    public EniView Eni;
    public uint Src;
    public uint Dst;
    public int SrcPort;
    public int DstPort;
    public int Protocol;
    public long Packets;
    public long Bytes;
    public long Start;
    public long End;
    public bool Accept;
    public bool Ingress;
    public int TcpFlags;

    /// <summary>0 = OK, 1 = NODATA, 2 = SKIPDATA.</summary>
    public byte Status;

    /// <summary>Set by a trap: the instance AWS wrote in <c>instance-id</c> instead of the one attached at the start.</summary>
    public string? RecordInstance;

    /// <summary>With <see cref="RecordInstance"/>: that instance's Name, written in <c>instance-tag</c> (null: <c>-</c>).</summary>
    public string? RecordNameTag;

    /// <summary>The record's <c>instance-id</c> as AWS wrote it (null: <c>-</c>).</summary>
    public readonly string? InstanceIdField => RecordInstance ?? Eni.InstanceId;

    /// <summary>The record's <c>instance-tag</c> (the Name of that instance) as AWS wrote it (null: <c>-</c>).</summary>
    public readonly string? NameTagField => RecordInstance is not null ? RecordNameTag : Eni.NameTag;
}

/// <summary>Question 1 row key: instance, interface, groups at the time (empty: unknown interface), source, and who said which instance and tag.</summary>
internal readonly record struct AccessKey(string InstanceId, string EniId, string GroupsKey, uint Src, EvidenceSource InstanceFrom, EvidenceSource TagFrom);

internal sealed class AccessAcc
{
    public long Accepted;
    public long Rejected;
    public long Packets;
    public long Bytes;
    public long First = long.MaxValue;
    public long Last = long.MinValue;
}

internal sealed class RuleAcc
{
    public long Hits;
    public long ScannerHits;
    public readonly HashSet<uint> Sources = [];
    public long First = long.MaxValue;
    public long Last = long.MinValue;
}

/// <summary>
/// Applies docs/semantics.md questions 1, 5 and 6 to each record as it is generated. One per flow file (so files can be
/// written in parallel); <see cref="Merge"/> combines them, and every combination is order-independent (sums, min,
/// max, set union).
/// </summary>
internal sealed partial class Accumulator(int ruleCount, ScenarioOptions options)
{
    public Dictionary<AccessKey, AccessAcc> Access { get; } = [];

    public RuleAcc?[] Rules { get; } = new RuleAcc?[ruleCount];

    public long OkRecords { get; private set; }

    // docs/semantics.md, "The flow record as evidence": what the format carries. Versions 5, 11 and Parquet write
    // instance-id and flow-direction; version 11 also instance-tag, the instance's Name tag (FlowFormats), mapped to
    // Name in the question (ScenarioGenerator.TagFields).
    private readonly bool _recordHasInstanceId = options.Format != ScenarioFormat.V2;
    private readonly bool _recordHasDirection = options.Format != ScenarioFormat.V2;
    private readonly string? _tagFieldKey = options.Format == ScenarioFormat.V11 ? ScenarioGenerator.InstanceTagKey : null;
    private long _byIndex;
    private long _byInstanceId;
    private long _unattributed;
    private long _instanceIdConflicts;
    private long _byTagField;
    private long _tagFieldConflicts;

    /// <summary>The attribution counts over the OK records added (docs/semantics.md, <c>diagnostics.attribution</c>).</summary>
    public AttributionCounts Attribution => new()
    {
        ByIndex = _byIndex, ByInstanceId = _byInstanceId, Unattributed = _unattributed,
        InstanceIdConflicts = _instanceIdConflicts, ByTagField = _byTagField, TagFieldConflicts = _tagFieldConflicts,
    };

    /// <summary>Whether the record matches the rule as docs/semantics.md question 5 defines it.</summary>
    public static bool Matches(RuleView rule, in FlowRec r, Epoch epoch)
    {
        if (rule.Protocol != -1)
        {
            if (rule.Protocol != r.Protocol)
            {
                return false;
            }

            // ICMP rules carry type/code, not ports: they match any port.
            if (rule.Protocol is not (1 or 58) && (r.DstPort < rule.From || r.DstPort > rule.To))
            {
                return false;
            }
        }

        if (rule.Definition.Cidr is not null)
        {
            // The scenario's traffic is IPv4 only, and an IPv6 block holds no IPv4 address (docs/semantics.md), so
            // IPv6 CIDRs are simply not matched.
            return rule.V4Network is (uint first, uint last) && r.Src >= first && r.Src <= last;
        }

        string? referenced = rule.Definition.ReferencedGroupId;
        if (referenced is not null)
        {
            return epoch.IpOwner.TryGetValue(r.Src, out int owner) && Array.IndexOf(epoch.Enis[owner]!.Groups, referenced) >= 0;
        }

        // Prefix-list rules never match: prefix-list contents are not in CloudTrail.
        return false;
    }

    /// <summary>True when some ingress rule of the interface's groups admits the record (the security-group simulation).</summary>
    public static bool Admits(in FlowRec r, Epoch epoch)
    {
        foreach (RuleView rule in r.Eni.Ingress)
        {
            if (Matches(rule, r, epoch))
            {
                return true;
            }
        }

        return false;
    }

    public void Add(in FlowRec r, Epoch epoch)
    {
        if (r.Status != 0)
        {
            return;
        }

        OkRecords++;
        EniView e = r.Eni;

        // Which instance: the evidence's attachment, else the record's instance-id (what AWS wrote: the world's
        // attachment at the record's start, or a trap's instance of a moment later), else none.
        string? recordInstance = _recordHasInstanceId ? r.InstanceIdField : null;
        string? instance;
        EvidenceSource instanceFrom = EvidenceSource.Index;
        if (e.IndexInstanceId is { } attached)
        {
            _byIndex++;
            _instanceIdConflicts += recordInstance is not null && recordInstance != attached ? 1 : 0;
            instance = attached;
        }
        else if (recordInstance is not null)
        {
            _byInstanceId++;
            instance = recordInstance;
            instanceFrom = EvidenceSource.FlowRecord;
        }
        else
        {
            _unattributed++;
            instance = null;
        }

        // Its tags: the evidence's, unless the evidence knows none of them (an instance it does not know at all runs,
        // with no known tag); then the record's mapped tag field (version 11's instance-tag: the world's Name now).
        bool inFleet = false;
        EvidenceSource tagFrom = EvidenceSource.Index;
        if (instance is not null)
        {
            IndexInstance? known = epoch.IndexInstances.GetValueOrDefault(instance);
            bool running = known?.Running ?? true;
            string? field = null;
            if (_tagFieldKey is not null && r.NameTagField is { } name)
            {
                field = name;
            }

            if (known is null || known.Tags.Count == 0)
            {
                tagFrom = EvidenceSource.FlowRecord;
                _byTagField += field is not null ? 1 : 0;
                inFleet = running && field is not null && _tagFieldKey == options.AccessTagKey && field == options.AccessTagValue;
            }
            else
            {
                _tagFieldConflicts += field is not null && (!known.Tags.TryGetValue(_tagFieldKey!, out string? indexValue) || indexValue != field) ? 1 : 0;
                inFleet = running && known.Tags.TryGetValue(options.AccessTagKey, out string? value) && value == options.AccessTagValue;
            }
        }

        // Inbound: on an interface the evidence knows, as before; on one it does not, only by flow-direction.
        bool inbound = e.IndexKnows ? r.Ingress : _recordHasDirection && r.Ingress;
        if (!inbound)
        {
            return;
        }

        bool scanner = false;
        bool scannerKnown = false;
        if (inFleet && r.DstPort == options.AccessPort && r.Protocol == options.AccessProtocol)
        {
            var key = new AccessKey(instance!, e.Id, e.IndexGroupsKey, r.Src, instanceFrom, tagFrom);
            if (!Access.TryGetValue(key, out AccessAcc? a))
            {
                Access[key] = a = new AccessAcc();
            }

            if (r.Accept)
            {
                a.Accepted++;
            }
            else
            {
                a.Rejected++;
            }

            a.Packets += r.Packets;
            a.Bytes += r.Bytes;
            a.First = Math.Min(a.First, r.Start);
            a.Last = Math.Max(a.Last, r.Start);
        }

        // Questions 5 and 6 need the interface's groups: none are known on an interface the evidence does not know.
        if (!r.Accept || !e.IndexKnows)
        {
            return;
        }

        AddExposure(r, epoch);
        foreach (RuleView rule in e.Ingress)
        {
            if (!Matches(rule, r, epoch))
            {
                continue;
            }

            RuleAcc acc = Rules[rule.Index] ??= new RuleAcc();
            if (!scannerKnown)
            {
                scanner = ModelNetworks.IsScanner(r.Src);
                scannerKnown = true;
            }

            if (scanner)
            {
                acc.ScannerHits++;
                continue;
            }

            acc.Hits++;
            acc.Sources.Add(r.Src);
            acc.First = Math.Min(acc.First, r.Start);
            acc.Last = Math.Max(acc.Last, r.Start);
        }
    }

    public void Merge(Accumulator other)
    {
        OkRecords += other.OkRecords;
        _byIndex += other._byIndex;
        _byInstanceId += other._byInstanceId;
        _unattributed += other._unattributed;
        _instanceIdConflicts += other._instanceIdConflicts;
        _byTagField += other._byTagField;
        _tagFieldConflicts += other._tagFieldConflicts;
        MergeExposures(other);
        foreach ((AccessKey key, AccessAcc o) in other.Access)
        {
            if (!Access.TryGetValue(key, out AccessAcc? a))
            {
                Access[key] = a = new AccessAcc();
            }

            a.Accepted += o.Accepted;
            a.Rejected += o.Rejected;
            a.Packets += o.Packets;
            a.Bytes += o.Bytes;
            a.First = Math.Min(a.First, o.First);
            a.Last = Math.Max(a.Last, o.Last);
        }

        for (int i = 0; i < Rules.Length; i++)
        {
            if (other.Rules[i] is not RuleAcc o)
            {
                continue;
            }

            RuleAcc a = Rules[i] ??= new RuleAcc();
            a.Hits += o.Hits;
            a.ScannerHits += o.ScannerHits;
            a.Sources.UnionWith(o.Sources);
            a.First = Math.Min(a.First, o.First);
            a.Last = Math.Max(a.Last, o.Last);
        }
    }
}
