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
}

/// <summary>Question 1 row key: instance, interface, groups at the time, source.</summary>
internal readonly record struct AccessKey(string InstanceId, string EniId, string GroupsKey, uint Src);

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
        if (!r.Ingress)
        {
            return;
        }

        EniView e = r.Eni;
        bool scanner = false;
        bool scannerKnown = false;
        if (e.InAccessFleet && r.DstPort == options.AccessPort && r.Protocol == options.AccessProtocol)
        {
            var key = new AccessKey(e.InstanceId!, e.Id, e.GroupsKey, r.Src);
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

        if (!r.Accept)
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
