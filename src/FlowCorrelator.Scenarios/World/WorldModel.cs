using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json.Nodes;

namespace FlowCorrelator.Scenarios.World;
/// <summary>A subnet of the model's VPC.</summary>
internal sealed class SubnetInfo(string id, uint network, string azName, string azId)
{
    private int _next = 10;

    public string Id { get; } = id;

    public uint Network { get; } = network;

    public string AzName { get; } = azName;

    public string AzId { get; } = azId;

    /// <summary>Next unused host address (addresses are never handed out twice, except the deliberate reuse).</summary>
    public uint Allocate() => Network + (uint)_next++;
}

/// <summary>An instance as the script knows it.</summary>
internal sealed record InstanceHandle(string Id, string Role, IReadOnlyList<LaunchEni> Enis)
{
    public LaunchEni Primary => Enis[0];
}

/// <summary>The model: the CloudTrail story in time order, the VPC, and the landmarks of its traps.</summary>
internal sealed class WorldModel
{
    public required IReadOnlyList<TrailEvent> Events { get; init; }

    public required long FlowStart { get; init; }

    public required long FlowEnd { get; init; }

    public required string FlowLogId { get; init; }

    public required IReadOnlyDictionary<string, SubnetInfo> Subnets { get; init; }

    public required IReadOnlyList<string> Fleets { get; init; }

    public required ScenarioLandmarks Landmarks { get; init; }

    /// <summary>W1's primary interface (the one whose groups are replaced after launch).</summary>
    public required string DebugTargetEni { get; init; }

    /// <summary>The interface of the instance that reuses P1's address.</summary>
    public required string ReusingEni { get; init; }

    /// <summary>Event ids to deliver a day late.</summary>
    public required IReadOnlyList<string> LateDelivered { get; init; }

    /// <summary>Event id delivered twice.</summary>
    public required string Duplicated { get; init; }

    /// <summary>Flow records placed on a same-second trap's second or the second before it.</summary>
    public required IReadOnlyList<TrapFlow> TrapFlows { get; init; }
}

/// <summary>
/// A flow record the traps place: inbound tcp to <paramref name="EniId"/>'s address, starting at
/// <paramref name="Start"/>; its action comes from the security groups in force then.
/// </summary>
/// <remarks>
/// <paramref name="RecordInstanceId"/>, when set, is the instance AWS wrote in the record's <c>instance-id</c> (and
/// whose Name it wrote in <c>instance-tag</c>) instead of the one attached at <paramref name="Start"/>: a record whose
/// window starts just before an attachment names the instance of a moment later.
/// </remarks>
internal sealed record TrapFlow(long Start, string EniId, uint Src, int DstPort, string? RecordInstanceId = null);
