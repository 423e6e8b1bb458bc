using System.IO.Compression;
using System.Text;
using FlowCorrelator.Index;
using FlowCorrelator.Ingest;

namespace FlowCorrelator.Queries;

/// <summary>
/// Compiles the index builder and the one pass's code (gzip reader, default-v2 scanner and parser, question step) on a
/// thread-pool thread while the caller is still reading CloudTrail and building the index, single-threaded work that
/// leaves the other cores idle. Without it the first seconds of the pass wait for the JIT (the CLI compiles everything fully
/// optimised up front); measured: 2M records, 1.5–1.6 s → 1.2–1.35 s end to end on two cores. Once per process.
/// </summary>
internal static class PassWarmup
{
    private static int s_started;

    /// <summary>Starts the warm-up unless it already ran in this process; never throws, never blocks.</summary>
    public static void Start()
    {
        if (Interlocked.Exchange(ref s_started, 1) == 0)
        {
            ThreadPool.UnsafeQueueUserWorkItem(static _ => Run(), null);
        }
    }

    private static void Run()
    {
        try
        {
            Exercise();
        }
#pragma warning disable CA1031 // a warm-up must never fail a run: whatever goes wrong here, the real pass reports
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }

    /// <summary>
    /// First what the caller needs next (building the index), then the pass: one instance with one interface in one
    /// group with one rule, and 64 lines of the default layout that are access to the fleet and use the rule (so both
    /// questions' code runs). Returns the pass's sink (tests check the warm-up reaches the code it should).
    /// </summary>
    internal static InvestigationSink Exercise()
    {
        const long Start = 1_620_000_000;
        var options = InvestigationOptions.Default with { Access = new AccessQuery { TagKey = "Name", TagValue = "warmup", Port = 22 } };
        var sink = new InvestigationSink(EnvironmentIndex.Build(Events(Start)), options);
        string line = $"2 123456789012 eni-0123456789abcdef0 198.51.100.7 10.0.2.7 40000 22 6 10 840 {Start} {Start + 60} ACCEPT OK\n";
        using var compressed = new MemoryStream();
        using (var gzip = new GZipStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat(line, 64))));
        }

        // Through the same struct sink type as the real pass: the reader is compiled per sink type.
        var pass = new InvestigationSink.Pass(sink);
        new FlowLogReader(options.Reader).Read(LogInput.FromBytes("warmup.log.gz", compressed.ToArray()), ref pass);
        return sink;
    }

    private static List<CloudTrailEvent> Events(long start)
    {
        var eni = new NetworkInterfaceInfo
        {
            NetworkInterfaceId = "eni-0123456789abcdef0",
            AttachmentId = "eni-attach-0123456789abcdef0",
            DeviceIndex = 0,
            PrivateIps = ["10.0.2.7"],
            Groups = [new GroupRef("sg-0123456789abcdef0")],
        };
        var instance = new InstanceInfo
        {
            InstanceId = "i-0123456789abcdef0",
            Tags = [new Tag("Name", "warmup")],
            Groups = eni.Groups,
            PrivateIp = "10.0.2.7",
            NetworkInterfaces = [eni],
        };
        var rule = new SecurityGroupRuleSpec { RuleId = "sgr-0123456789abcdef0", GroupId = "sg-0123456789abcdef0", Protocol = 6, FromPort = 22, ToPort = 22, CidrIpv4 = "0.0.0.0/0" };
        return
        [
            Event("1", start - 600, "AuthorizeSecurityGroupIngress", new RulesAuthorized("sg-0123456789abcdef0", false, [rule])),
            Event("2", start - 300, "RunInstances", new InstancesLaunched([instance], ["sg-0123456789abcdef0"])),
            Event("3", start + 600, "TerminateInstances", new InstancesStateChanged(InstanceStateChange.Terminated, ["i-0123456789abcdef0"])),
        ];
    }

    private static CloudTrailEvent Event(string id, long time, string name, Ec2Change change) => new()
    {
        EventId = "warmup-" + id,
        Time = DateTimeOffset.FromUnixTimeSeconds(time),
        EventName = name,
        EventSource = "ec2.amazonaws.com",
        Change = change,
    };
}
