namespace FlowCorrelator.Ingest;

/// <summary>Every VPC flow-log field of versions 2 to 11, plus <see cref="Unknown"/> for names AWS adds later.</summary>
public enum FlowField : byte
{
    /// <summary>A field this version of FlowCorrelator does not know; kept as an extra text column.</summary>
    Unknown = 0,
#pragma warning disable CS1591 // names are the AWS field names; see FlowFieldNames
    Version, AccountId, InterfaceId, SrcAddr, DstAddr, SrcPort, DstPort, Protocol, Packets, Bytes, Start, End, Action, LogStatus,
    VpcId, SubnetId, InstanceId, TcpFlags, Type, PktSrcAddr, PktDstAddr,
    Region, AzId, SublocationType, SublocationId,
    PktSrcAwsService, PktDstAwsService, FlowDirection, TrafficPath,
    EcsClusterArn, EcsClusterName, EcsContainerInstanceArn, EcsContainerInstanceId, EcsContainerId, EcsSecondContainerId,
    EcsServiceName, EcsTaskDefinitionArn, EcsTaskArn, EcsTaskId,
    RejectReason,
    ResourceId,
    EncryptionStatus,
    InstanceTag, InstanceTag2, InterfaceTag, InterfaceTag2, AsgTag, AsgTag2, InterfaceType,
    NextHopInterfaceId, NextHopSubnetId, NextHopAzId, NextHopVpcId, NextHopInterfaceType,
#pragma warning restore CS1591
}

/// <summary>Names and versions of <see cref="FlowField"/> values.</summary>
public static class FlowFieldNames
{
    private static readonly (FlowField Field, string Name, int Version, FlowValueKind Kind)[] s_fields =
    [
        (FlowField.Version, "version", 2, FlowValueKind.Integer),
        (FlowField.AccountId, "account-id", 2, FlowValueKind.Text),
        (FlowField.InterfaceId, "interface-id", 2, FlowValueKind.Text),
        (FlowField.SrcAddr, "srcaddr", 2, FlowValueKind.Address),
        (FlowField.DstAddr, "dstaddr", 2, FlowValueKind.Address),
        (FlowField.SrcPort, "srcport", 2, FlowValueKind.Integer),
        (FlowField.DstPort, "dstport", 2, FlowValueKind.Integer),
        (FlowField.Protocol, "protocol", 2, FlowValueKind.Integer),
        (FlowField.Packets, "packets", 2, FlowValueKind.Integer),
        (FlowField.Bytes, "bytes", 2, FlowValueKind.Integer),
        (FlowField.Start, "start", 2, FlowValueKind.Integer),
        (FlowField.End, "end", 2, FlowValueKind.Integer),
        (FlowField.Action, "action", 2, FlowValueKind.Text),
        (FlowField.LogStatus, "log-status", 2, FlowValueKind.Text),
        (FlowField.VpcId, "vpc-id", 3, FlowValueKind.Text),
        (FlowField.SubnetId, "subnet-id", 3, FlowValueKind.Text),
        (FlowField.InstanceId, "instance-id", 3, FlowValueKind.Text),
        (FlowField.TcpFlags, "tcp-flags", 3, FlowValueKind.Integer),
        (FlowField.Type, "type", 3, FlowValueKind.Text),
        (FlowField.PktSrcAddr, "pkt-srcaddr", 3, FlowValueKind.Address),
        (FlowField.PktDstAddr, "pkt-dstaddr", 3, FlowValueKind.Address),
        (FlowField.Region, "region", 4, FlowValueKind.Text),
        (FlowField.AzId, "az-id", 4, FlowValueKind.Text),
        (FlowField.SublocationType, "sublocation-type", 4, FlowValueKind.Text),
        (FlowField.SublocationId, "sublocation-id", 4, FlowValueKind.Text),
        (FlowField.PktSrcAwsService, "pkt-src-aws-service", 5, FlowValueKind.Text),
        (FlowField.PktDstAwsService, "pkt-dst-aws-service", 5, FlowValueKind.Text),
        (FlowField.FlowDirection, "flow-direction", 5, FlowValueKind.Text),
        (FlowField.TrafficPath, "traffic-path", 5, FlowValueKind.Integer),
        (FlowField.EcsClusterArn, "ecs-cluster-arn", 7, FlowValueKind.Text),
        (FlowField.EcsClusterName, "ecs-cluster-name", 7, FlowValueKind.Text),
        (FlowField.EcsContainerInstanceArn, "ecs-container-instance-arn", 7, FlowValueKind.Text),
        (FlowField.EcsContainerInstanceId, "ecs-container-instance-id", 7, FlowValueKind.Text),
        (FlowField.EcsContainerId, "ecs-container-id", 7, FlowValueKind.Text),
        (FlowField.EcsSecondContainerId, "ecs-second-container-id", 7, FlowValueKind.Text),
        (FlowField.EcsServiceName, "ecs-service-name", 7, FlowValueKind.Text),
        (FlowField.EcsTaskDefinitionArn, "ecs-task-definition-arn", 7, FlowValueKind.Text),
        (FlowField.EcsTaskArn, "ecs-task-arn", 7, FlowValueKind.Text),
        (FlowField.EcsTaskId, "ecs-task-id", 7, FlowValueKind.Text),
        (FlowField.RejectReason, "reject-reason", 8, FlowValueKind.Text),
        (FlowField.ResourceId, "resource-id", 9, FlowValueKind.Text),
        (FlowField.EncryptionStatus, "encryption-status", 10, FlowValueKind.Text),
        (FlowField.InstanceTag, "instance-tag", 11, FlowValueKind.Text),
        (FlowField.InstanceTag2, "instance-tag-2", 11, FlowValueKind.Text),
        (FlowField.InterfaceTag, "interface-tag", 11, FlowValueKind.Text),
        (FlowField.InterfaceTag2, "interface-tag-2", 11, FlowValueKind.Text),
        (FlowField.AsgTag, "asg-tag", 11, FlowValueKind.Text),
        (FlowField.AsgTag2, "asg-tag-2", 11, FlowValueKind.Text),
        (FlowField.InterfaceType, "interface-type", 11, FlowValueKind.Text),
        (FlowField.NextHopInterfaceId, "next-hop-interface-id", 11, FlowValueKind.Text),
        (FlowField.NextHopSubnetId, "next-hop-subnet-id", 11, FlowValueKind.Text),
        (FlowField.NextHopAzId, "next-hop-az-id", 11, FlowValueKind.Text),
        (FlowField.NextHopVpcId, "next-hop-vpc-id", 11, FlowValueKind.Text),
        (FlowField.NextHopInterfaceType, "next-hop-interface-type", 11, FlowValueKind.Text),
    ];

    private static readonly Dictionary<string, FlowField> s_byName = s_fields.ToDictionary(f => f.Name, f => f.Field, StringComparer.Ordinal);

    /// <summary>All known fields in AWS documentation order.</summary>
    public static IEnumerable<FlowField> All => s_fields.Select(f => f.Field);

    /// <summary>The AWS (hyphenated) name, e.g. <c>log-status</c>.</summary>
    public static string NameOf(FlowField field) => field == FlowField.Unknown ? "unknown" : s_fields[(int)field - 1].Name;

    /// <summary>The flow-log version that introduced the field.</summary>
    public static int VersionOf(FlowField field) => field == FlowField.Unknown ? 0 : s_fields[(int)field - 1].Version;

    /// <summary>How the value is typed.</summary>
    public static FlowValueKind KindOf(FlowField field) => field == FlowField.Unknown ? FlowValueKind.Text : s_fields[(int)field - 1].Kind;

    /// <summary>
    /// Looks a field up by any of its spellings: the header/hyphen name (<c>log-status</c>), the Parquet/Athena
    /// underscore name (<c>log_status</c>) or the format token (<c>${log-status}</c>).
    /// </summary>
    public static FlowField FromName(string name) => s_byName.TryGetValue(Normalize(name), out FlowField f) ? f : FlowField.Unknown;

    /// <summary>The hyphenated form of a field name in any spelling.</summary>
    public static string Normalize(string name)
    {
        string n = name.Trim();
        if (n.StartsWith("${", StringComparison.Ordinal) && n.EndsWith('}'))
        {
            n = n[2..^1];
        }

        return n.Replace('_', '-').ToLowerInvariant();
    }

    /// <summary>camelCase JSON name (<c>log-status</c> → <c>logStatus</c>).</summary>
    public static string CamelCase(string hyphenName)
    {
        var sb = new System.Text.StringBuilder(hyphenName.Length);
        bool upper = false;
        foreach (char c in hyphenName)
        {
            if (c is '-' or '_')
            {
                upper = true;
                continue;
            }

            sb.Append(upper ? char.ToUpperInvariant(c) : c);
            upper = false;
        }

        return sb.ToString();
    }
}

/// <summary>How a flow-log field's value is typed.</summary>
public enum FlowValueKind : byte
{
    /// <summary>Text (ids, names, codes).</summary>
    Text,

    /// <summary>A whole number.</summary>
    Integer,

    /// <summary>An IPv4 or IPv6 address.</summary>
    Address,
}
