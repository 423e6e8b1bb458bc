using System.Collections.Immutable;

namespace FlowCorrelator.Tests.TestData;

/// <summary>Builds typed CloudTrail events for index and query tests. Times are seconds after <see cref="T0"/>.</summary>
internal sealed class Events
{
    public static readonly DateTimeOffset T0 = new(2026, 3, 2, 0, 0, 0, TimeSpan.Zero);
    private int _counter;

    public List<CloudTrailEvent> List { get; } = [];

    public static long At(int seconds) => T0.ToUnixTimeSeconds() + seconds;

    public CloudTrailEvent Add(int seconds, string name, Ec2Change? change, string? errorCode = null, string? id = null, string actor = "arn:aws:iam::111122223333:user/alice", string? region = null)
    {
        var e = new CloudTrailEvent
        {
            EventId = id ?? $"ev-{++_counter:D4}",
            Time = T0.AddSeconds(seconds),
            EventName = name,
            EventSource = "ec2.amazonaws.com",
            ActorArn = actor,
            SourceIp = "198.51.100.7",
            Region = region,
            SourceFile = "trail.json",
            ErrorCode = errorCode,
            Change = errorCode is null ? change : null,
        };
        List.Add(e);
        return e;
    }

    public static NetworkInterfaceInfo Eni(string id, string ip, int device = 0, string? attachment = null, params string[] groups) => new()
    {
        NetworkInterfaceId = id,
        AttachmentId = attachment ?? "eni-attach-" + id[4..],
        DeviceIndex = device,
        PrivateIps = [ip],
        Groups = [.. groups.Select(g => new GroupRef(g))],
    };

    public static InstanceInfo Instance(string id, IEnumerable<Tag> tags, params NetworkInterfaceInfo[] enis) => new()
    {
        InstanceId = id,
        Tags = [.. tags],
        Groups = enis.Length > 0 ? enis[0].Groups : [],
        PrivateIp = enis.Length > 0 ? enis[0].PrivateIps[0] : null,
        NetworkInterfaces = [.. enis],
    };

    public CloudTrailEvent Launch(int seconds, params InstanceInfo[] instances) =>
        Add(seconds, "RunInstances", new InstancesLaunched([.. instances], [.. instances.SelectMany(i => i.NetworkInterfaces).SelectMany(n => n.Groups).Select(g => g.GroupId).Distinct()]));

    public CloudTrailEvent Terminate(int seconds, params string[] ids) =>
        Add(seconds, "TerminateInstances", new InstancesStateChanged(InstanceStateChange.Terminated, [.. ids]));

    public CloudTrailEvent Authorize(int seconds, string group, params SecurityGroupRuleSpec[] rules) =>
        Add(seconds, "AuthorizeSecurityGroupIngress", new RulesAuthorized(group, false, [.. rules]));

    public static SecurityGroupRuleSpec Tcp(string ruleId, string group, int from, int to, string? cidr = null, string? referenced = null) => new()
    {
        RuleId = ruleId,
        GroupId = group,
        Protocol = 6,
        FromPort = from,
        ToPort = to,
        CidrIpv4 = cidr is not null && !cidr.Contains(':', StringComparison.Ordinal) ? cidr : null,
        CidrIpv6 = cidr is not null && cidr.Contains(':', StringComparison.Ordinal) ? cidr : null,
        ReferencedGroupId = referenced,
    };

    public static Tag Tag(string key, string value) => new(key, value);

    public static FlowRecord Flow(string eni, string src, string dst, int dstPort, int seconds, FlowAction action = FlowAction.Accept, int protocol = 6, FlowDirection direction = FlowDirection.Unknown) => new()
    {
        Version = 2,
        AccountId = 111122223333,
        InterfaceId = EniId.Parse(eni),
        SrcAddr = IpAddr.Parse(src),
        DstAddr = IpAddr.Parse(dst),
        SrcPort = 40000,
        DstPort = dstPort,
        Protocol = protocol,
        Packets = 3,
        Bytes = 180,
        Start = At(seconds),
        End = At(seconds) + 30,
        Action = action,
        LogStatus = FlowLogStatus.Ok,
        Direction = direction,
        TcpFlags = -1,
        TrafficPath = -1,
    };

    public static ImmutableArray<GroupRef> Groups(params string[] ids) => [.. ids.Select(g => new GroupRef(g))];
}
