namespace FlowCorrelator.Model;

/// <summary>What the security group / network ACL did with the flow.</summary>
public enum FlowAction : byte
{
    /// <summary>No action (<c>-</c>, on NODATA/SKIPDATA rows or formats without <c>action</c>).</summary>
    None = 0,

    /// <summary>ACCEPT.</summary>
    Accept = 1,

    /// <summary>REJECT.</summary>
    Reject = 2,
}

/// <summary>The <c>log-status</c> of a flow record.</summary>
public enum FlowLogStatus : byte
{
    /// <summary>OK (or the format has no <c>log-status</c> field).</summary>
    Ok = 0,

    /// <summary>No traffic on the interface in the window.</summary>
    NoData = 1,

    /// <summary>Records were dropped in the window.</summary>
    SkipData = 2,
}

/// <summary>The <c>flow-direction</c> field (version 5).</summary>
public enum FlowDirection : byte
{
    /// <summary>The format has no <c>flow-direction</c>, or it is <c>-</c>.</summary>
    Unknown = 0,

    /// <summary>Traffic arriving at the interface.</summary>
    Ingress = 1,

    /// <summary>Traffic leaving the interface.</summary>
    Egress = 2,
}

/// <summary>
/// One VPC flow-log record with the fields the engine computes on, parsed from UTF-8 in place. Absent values
/// (<c>-</c>, or a field the file's format does not have) are <c>-1</c> for numbers and <c>None</c>/<c>default</c>
/// for the rest. Times are Unix seconds (millisecond inputs are scaled down).
/// </summary>
public readonly record struct FlowRecord
{
    /// <summary><c>version</c>.</summary>
    public int Version { get; init; }

    /// <summary><c>account-id</c> as a number; -1 when absent or <c>unknown</c>.</summary>
    public long AccountId { get; init; }

    /// <summary><c>interface-id</c>.</summary>
    public EniId InterfaceId { get; init; }

    /// <summary><c>srcaddr</c>.</summary>
    public IpAddr SrcAddr { get; init; }

    /// <summary><c>dstaddr</c>.</summary>
    public IpAddr DstAddr { get; init; }

    /// <summary><c>srcport</c>.</summary>
    public int SrcPort { get; init; }

    /// <summary><c>dstport</c>.</summary>
    public int DstPort { get; init; }

    /// <summary><c>protocol</c> (IANA number).</summary>
    public int Protocol { get; init; }

    /// <summary><c>packets</c>.</summary>
    public long Packets { get; init; }

    /// <summary><c>bytes</c>.</summary>
    public long Bytes { get; init; }

    /// <summary><c>start</c>, Unix seconds.</summary>
    public long Start { get; init; }

    /// <summary><c>end</c>, Unix seconds.</summary>
    public long End { get; init; }

    /// <summary><c>action</c>.</summary>
    public FlowAction Action { get; init; }

    /// <summary><c>log-status</c>.</summary>
    public FlowLogStatus LogStatus { get; init; }

    /// <summary><c>flow-direction</c>.</summary>
    public FlowDirection Direction { get; init; }

    /// <summary><c>tcp-flags</c>.</summary>
    public int TcpFlags { get; init; }

    /// <summary><c>traffic-path</c>.</summary>
    public int TrafficPath { get; init; }

    /// <summary><c>pkt-srcaddr</c>.</summary>
    public IpAddr PktSrcAddr { get; init; }

    /// <summary><c>pkt-dstaddr</c>.</summary>
    public IpAddr PktDstAddr { get; init; }

    /// <summary><c>instance-id</c> (version 3+): the instance AWS saw behind the interface; evidence when the index knows no attachment.</summary>
    public InstanceKey InstanceId { get; init; }

    /// <summary><c>instance-tag</c> (version 11): the value of the instance tag the flow log's first instance slot shows.</summary>
    public FlowTagValue InstanceTag { get; init; }

    /// <summary><c>instance-tag-2</c> (version 11).</summary>
    public FlowTagValue InstanceTag2 { get; init; }

    /// <summary><c>asg-tag</c> (version 11): the value of a tag of the instance's Auto Scaling group.</summary>
    public FlowTagValue AsgTag { get; init; }

    /// <summary><c>asg-tag-2</c> (version 11).</summary>
    public FlowTagValue AsgTag2 { get; init; }
}
