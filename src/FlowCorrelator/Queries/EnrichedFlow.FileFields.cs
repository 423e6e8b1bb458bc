using System.Runtime.CompilerServices;
using FlowCorrelator.Ingest;

namespace FlowCorrelator.Queries;

// The flow-log fields: typed ones from the parsed record, text ones copied from the line when asked for.
public sealed partial class EnrichedFlow
{
    /// <summary>The text columns (property name and field), in AWS documentation order: what a query or export may ask the line for.</summary>
    internal static readonly (string Property, FlowField Field)[] TextColumns =
    [
        (nameof(AccountId), FlowField.AccountId),
        (nameof(FileVpcId), FlowField.VpcId),
        (nameof(SubnetId), FlowField.SubnetId),
        (nameof(FileInstanceId), FlowField.InstanceId),
        (nameof(Type), FlowField.Type),
        (nameof(Region), FlowField.Region),
        (nameof(AzId), FlowField.AzId),
        (nameof(SublocationType), FlowField.SublocationType),
        (nameof(SublocationId), FlowField.SublocationId),
        (nameof(PktSrcAwsService), FlowField.PktSrcAwsService),
        (nameof(PktDstAwsService), FlowField.PktDstAwsService),
        (nameof(EcsClusterArn), FlowField.EcsClusterArn),
        (nameof(EcsClusterName), FlowField.EcsClusterName),
        (nameof(EcsContainerInstanceArn), FlowField.EcsContainerInstanceArn),
        (nameof(EcsContainerInstanceId), FlowField.EcsContainerInstanceId),
        (nameof(EcsContainerId), FlowField.EcsContainerId),
        (nameof(EcsSecondContainerId), FlowField.EcsSecondContainerId),
        (nameof(EcsServiceName), FlowField.EcsServiceName),
        (nameof(EcsTaskDefinitionArn), FlowField.EcsTaskDefinitionArn),
        (nameof(EcsTaskArn), FlowField.EcsTaskArn),
        (nameof(EcsTaskId), FlowField.EcsTaskId),
        (nameof(RejectReason), FlowField.RejectReason),
        (nameof(ResourceId), FlowField.ResourceId),
        (nameof(EncryptionStatus), FlowField.EncryptionStatus),
        (nameof(InstanceTag), FlowField.InstanceTag),
        (nameof(InstanceTag2), FlowField.InstanceTag2),
        (nameof(InterfaceTag), FlowField.InterfaceTag),
        (nameof(InterfaceTag2), FlowField.InterfaceTag2),
        (nameof(AsgTag), FlowField.AsgTag),
        (nameof(AsgTag2), FlowField.AsgTag2),
        (nameof(InterfaceType), FlowField.InterfaceType),
        (nameof(NextHopInterfaceId), FlowField.NextHopInterfaceId),
        (nameof(NextHopSubnetId), FlowField.NextHopSubnetId),
        (nameof(NextHopAzId), FlowField.NextHopAzId),
        (nameof(NextHopVpcId), FlowField.NextHopVpcId),
        (nameof(NextHopInterfaceType), FlowField.NextHopInterfaceType),
    ];

    /// <summary><c>version</c> (-1 when absent).</summary>
    public int Version => _record.Version;

    /// <summary><c>interface-id</c>.</summary>
    public EniId InterfaceId => _record.InterfaceId;

    /// <summary><c>srcaddr</c> (<see cref="IpAddr.None"/> when absent).</summary>
    public IpAddr SrcAddr => _record.SrcAddr;

    /// <summary><c>dstaddr</c>.</summary>
    public IpAddr DstAddr => _record.DstAddr;

    /// <summary><c>srcport</c> (-1 when absent).</summary>
    public int SrcPort => _record.SrcPort;

    /// <summary><c>dstport</c> (-1 when absent).</summary>
    public int DstPort => _record.DstPort;

    /// <summary><c>protocol</c>, IANA number (-1 when absent).</summary>
    public int Protocol => _record.Protocol;

    /// <summary><c>packets</c> (-1 when absent).</summary>
    public long Packets => _record.Packets;

    /// <summary><c>bytes</c> (-1 when absent).</summary>
    public long Bytes => _record.Bytes;

    /// <summary><c>start</c> as a time (compare with ISO 8601 text: <c>start &gt;= "2026-03-02T10:00:00Z"</c>).</summary>
    public DateTimeOffset Start => DateTimeOffset.FromUnixTimeSeconds(_record.Start);

    /// <summary><c>end</c> as a time.</summary>
    public DateTimeOffset End => DateTimeOffset.FromUnixTimeSeconds(_record.End);

    /// <summary><c>start</c>, Unix seconds.</summary>
    public long StartSeconds => _record.Start;

    /// <summary><c>end</c>, Unix seconds.</summary>
    public long EndSeconds => _record.End;

    /// <summary><c>action</c>: <c>ACCEPT</c>, <c>REJECT</c> or null.</summary>
    public string? Action => _record.Action switch { FlowAction.Accept => "ACCEPT", FlowAction.Reject => "REJECT", _ => null };

    /// <summary><c>log-status</c>: <c>OK</c>, <c>NODATA</c> or <c>SKIPDATA</c>.</summary>
    public string LogStatus => _record.LogStatus switch { FlowLogStatus.NoData => "NODATA", FlowLogStatus.SkipData => "SKIPDATA", _ => "OK" };

    /// <summary><c>flow-direction</c> as the file wrote it: <c>ingress</c>, <c>egress</c> or null (see <see cref="Direction"/> for the enriched one).</summary>
    public string? FlowDirection => _record.Direction switch { Model.FlowDirection.Ingress => "ingress", Model.FlowDirection.Egress => "egress", _ => null };

    /// <summary><c>tcp-flags</c> (-1 when absent).</summary>
    public int TcpFlags => _record.TcpFlags;

    /// <summary><c>traffic-path</c> (-1 when absent).</summary>
    public int TrafficPath => _record.TrafficPath;

    /// <summary><c>pkt-srcaddr</c>.</summary>
    public IpAddr PktSrcaddr => _record.PktSrcAddr;

    /// <summary><c>pkt-dstaddr</c>.</summary>
    public IpAddr PktDstaddr => _record.PktDstAddr;

    /// <summary><c>account-id</c>.</summary>
    public string? AccountId
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Text(FlowField.AccountId);
    }

    /// <summary><c>vpc-id (the file's column; VpcId is the index's)</c>.</summary>
    public string? FileVpcId
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Text(FlowField.VpcId);
    }

    /// <summary><c>subnet-id</c>.</summary>
    public string? SubnetId
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Text(FlowField.SubnetId);
    }

    /// <summary><c>instance-id (the file's column; InstanceId is the index's)</c>.</summary>
    public string? FileInstanceId
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Text(FlowField.InstanceId);
    }

    /// <summary><c>type</c>.</summary>
    public string? Type
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Text(FlowField.Type);
    }

    /// <summary><c>region</c>.</summary>
    public string? Region
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Text(FlowField.Region);
    }

    /// <summary><c>az-id</c>.</summary>
    public string? AzId
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Text(FlowField.AzId);
    }

    /// <summary><c>sublocation-type</c>.</summary>
    public string? SublocationType
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Text(FlowField.SublocationType);
    }

    /// <summary><c>sublocation-id</c>.</summary>
    public string? SublocationId
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Text(FlowField.SublocationId);
    }

    /// <summary><c>pkt-src-aws-service</c>.</summary>
    public string? PktSrcAwsService
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Text(FlowField.PktSrcAwsService);
    }

    /// <summary><c>pkt-dst-aws-service</c>.</summary>
    public string? PktDstAwsService
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Text(FlowField.PktDstAwsService);
    }

    /// <summary><c>ecs-cluster-arn</c>.</summary>
    public string? EcsClusterArn
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Text(FlowField.EcsClusterArn);
    }

    /// <summary><c>ecs-cluster-name</c>.</summary>
    public string? EcsClusterName
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Text(FlowField.EcsClusterName);
    }

    /// <summary><c>ecs-container-instance-arn</c>.</summary>
    public string? EcsContainerInstanceArn
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Text(FlowField.EcsContainerInstanceArn);
    }

    /// <summary><c>ecs-container-instance-id</c>.</summary>
    public string? EcsContainerInstanceId
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Text(FlowField.EcsContainerInstanceId);
    }

    /// <summary><c>ecs-container-id</c>.</summary>
    public string? EcsContainerId
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Text(FlowField.EcsContainerId);
    }

    /// <summary><c>ecs-second-container-id</c>.</summary>
    public string? EcsSecondContainerId
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Text(FlowField.EcsSecondContainerId);
    }

    /// <summary><c>ecs-service-name</c>.</summary>
    public string? EcsServiceName
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Text(FlowField.EcsServiceName);
    }

    /// <summary><c>ecs-task-definition-arn</c>.</summary>
    public string? EcsTaskDefinitionArn
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Text(FlowField.EcsTaskDefinitionArn);
    }

    /// <summary><c>ecs-task-arn</c>.</summary>
    public string? EcsTaskArn
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Text(FlowField.EcsTaskArn);
    }

    /// <summary><c>ecs-task-id</c>.</summary>
    public string? EcsTaskId
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Text(FlowField.EcsTaskId);
    }

    /// <summary><c>reject-reason</c>.</summary>
    public string? RejectReason
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Text(FlowField.RejectReason);
    }

    /// <summary><c>resource-id</c>.</summary>
    public string? ResourceId
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Text(FlowField.ResourceId);
    }

    /// <summary><c>encryption-status</c>.</summary>
    public string? EncryptionStatus
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Text(FlowField.EncryptionStatus);
    }

    /// <summary><c>instance-tag</c>.</summary>
    public string? InstanceTag
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Text(FlowField.InstanceTag);
    }

    /// <summary><c>instance-tag-2</c>.</summary>
    public string? InstanceTag2
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Text(FlowField.InstanceTag2);
    }

    /// <summary><c>interface-tag</c>.</summary>
    public string? InterfaceTag
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Text(FlowField.InterfaceTag);
    }

    /// <summary><c>interface-tag-2</c>.</summary>
    public string? InterfaceTag2
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Text(FlowField.InterfaceTag2);
    }

    /// <summary><c>asg-tag</c>.</summary>
    public string? AsgTag
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Text(FlowField.AsgTag);
    }

    /// <summary><c>asg-tag-2</c>.</summary>
    public string? AsgTag2
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Text(FlowField.AsgTag2);
    }

    /// <summary><c>interface-type</c>.</summary>
    public string? InterfaceType
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Text(FlowField.InterfaceType);
    }

    /// <summary><c>next-hop-interface-id</c>.</summary>
    public string? NextHopInterfaceId
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Text(FlowField.NextHopInterfaceId);
    }

    /// <summary><c>next-hop-subnet-id</c>.</summary>
    public string? NextHopSubnetId
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Text(FlowField.NextHopSubnetId);
    }

    /// <summary><c>next-hop-az-id</c>.</summary>
    public string? NextHopAzId
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Text(FlowField.NextHopAzId);
    }

    /// <summary><c>next-hop-vpc-id</c>.</summary>
    public string? NextHopVpcId
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Text(FlowField.NextHopVpcId);
    }

    /// <summary><c>next-hop-interface-type</c>.</summary>
    public string? NextHopInterfaceType
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Text(FlowField.NextHopInterfaceType);
    }
}
