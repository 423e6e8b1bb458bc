using System.Globalization;
using FlowCorrelator.Ingest;

namespace FlowCorrelator.Tests.TestData;

/// <summary>
/// Hand-written AWS Config files in the shapes AWS documents and public real items show (docs/formats.md D; ids and
/// values are made up): the delivered file envelope <c>{"fileVersion","configFileVersion"?…,"configurationItems":[…]}</c>
/// and items with <c>configurationItemVersion</c> 1.3 fields (<c>awsAccountId</c>, <c>awsRegion</c>, <c>ARN</c>,
/// <c>configurationItemCaptureTime</c> with milliseconds, numeric <c>configurationStateId</c>, a <c>tags</c> map, and
/// the resource's describe-* shape in camelCase under <c>configuration</c>). Times are seconds after <see cref="Events.T0"/>
/// plus a quarter second, as real capture times carry milliseconds.
/// </summary>
internal static class ConfigItems
{
    public const string Account = "111122223333";

    /// <summary>An S3 key of AWS Config's layout: <c>AWSLogs/&lt;account&gt;/Config/&lt;region&gt;/y/m/d/ConfigHistory/…_ConfigHistory_&lt;type&gt;_…json.gz</c>.</summary>
    public static string HistoryKey(string resourceType, int n = 1) =>
        $"AWSLogs/{Account}/Config/us-east-1/2026/3/2/ConfigHistory/{Account}_Config_us-east-1_ConfigHistory_{resourceType}_20260302T000000Z_20260302T060000Z_{n}.json.gz";

    /// <summary>An S3 key of a ConfigSnapshot file.</summary>
    public static string SnapshotKey(string id = "5f3b2a10-0c5e-4c1e-9d1c-6f2d3e4a5b6c") =>
        $"AWSLogs/{Account}/Config/us-east-1/2026/3/2/ConfigSnapshot/{Account}_Config_us-east-1_ConfigSnapshot_20260302T120000Z_{id}.json.gz";

    public static string File(params string[] items) =>
        $$"""{"fileVersion":"1.0","requestId":"b1c6e7d2-0f4a-4d1e-8a57-3c2e9f0a1b2c","configurationItems":[{{string.Join(",", items)}}]}""";

    public static string Time(int seconds, int millis = 250) =>
        Events.T0.AddSeconds(seconds).AddMilliseconds(millis).ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    public static string Item(string type, string id, int seconds, string? configuration, string status = "OK", string tagMap = "{}", int millis = 250)
    {
        string arnType = type switch { "AWS::EC2::Instance" => "instance", "AWS::EC2::NetworkInterface" => "network-interface", "AWS::EC2::SecurityGroup" => "security-group", _ => "vpc" };
        long stateId = Events.T0.AddSeconds(seconds).AddMilliseconds(millis).ToUnixTimeMilliseconds();
        return $$"""{"relatedEvents":[],"relationships":[],"configuration":{{configuration ?? "null"}},"supplementaryConfiguration":{},"tags":{{tagMap}},"configurationItemVersion":"1.3","configurationItemCaptureTime":"{{Time(seconds, millis)}}","configurationStateId":{{stateId}},"awsAccountId":"{{Account}}","configurationItemStatus":"{{status}}","resourceType":"{{type}}","resourceId":"{{id}}","resourceName":null,"ARN":"arn:aws:ec2:us-east-1:{{Account}}:{{arnType}}/{{id}}","awsRegion":"us-east-1","availabilityZone":"us-east-1a","configurationStateMd5Hash":"","resourceCreationTime":"2026-03-01T08:00:00.000Z"}""";
    }

    /// <summary>An <c>AWS::EC2::Instance</c> item; <paramref name="tags"/> as <c>key=value</c>.</summary>
    public static string Instance(string id, int seconds, string state, string[] tags, string[] groups, params string[] nics)
    {
        string tagList = string.Join(",", tags.Select(t => t.Split('=')).Select(kv => $$"""{"key":"{{kv[0]}}","value":"{{kv[1]}}"}"""));
        string tagMap = "{" + string.Join(",", tags.Select(t => t.Split('=')).Select(kv => $"\"{kv[0]}\":\"{kv[1]}\"")) + "}";
        int code = state switch { "running" => 16, "stopped" => 80, _ => 0 };
        string configuration = $$"""{"amiLaunchIndex":0,"imageId":"ami-0c1d2e3f4a5b6c7d8","instanceId":"{{id}}","instanceType":"t3.micro","launchTime":"2026-03-01T08:00:00.000Z","monitoring":{"state":"disabled"},"placement":{"availabilityZone":"us-east-1a","tenancy":"default"},"privateDnsName":"ip-10-0-1-5.ec2.internal","state":{"code":{{code}},"name":"{{state}}"},"stateTransitionReason":"","subnetId":"subnet-0a1b2c3d","vpcId":"vpc-0story","architecture":"x86_64","networkInterfaces":[{{string.Join(",", nics)}}],"securityGroups":[{{GroupList(groups)}}],"sourceDestCheck":true,"tags":[{{tagList}}],"virtualizationType":"hvm"}""";
        return Item("AWS::EC2::Instance", id, seconds, configuration, tagMap: tagMap);
    }

    /// <summary>A network interface in the describe shape (an instance's <c>networkInterfaces</c> entry or a NetworkInterface item's configuration).</summary>
    public static string Nic(string id, string ip, string? instanceId, string? attachmentId, bool deleteOnTermination, params string[] groups)
    {
        string attachment = instanceId is null ? "null" : $$"""{"attachTime":"2026-03-01T08:00:00.000Z","attachmentId":"{{attachmentId}}","deleteOnTermination":{{(deleteOnTermination ? "true" : "false")}},"deviceIndex":0,"instanceId":"{{instanceId}}","instanceOwnerId":"{{Account}}","status":"attached"}""";
        return $$"""{"association":null,"attachment":{{attachment}},"availabilityZone":"us-east-1a","description":"","groups":[{{GroupList(groups)}}],"interfaceType":"interface","ipv6Addresses":[],"macAddress":"02:17:59:ed:8b:0a","networkInterfaceId":"{{id}}","ownerId":"{{Account}}","privateDnsName":"ip-10-0-1-5.ec2.internal","privateIpAddress":"{{ip}}","privateIpAddresses":[{"association":null,"primary":true,"privateDnsName":"ip-10-0-1-5.ec2.internal","privateIpAddress":"{{ip}}"}],"requesterManaged":false,"sourceDestCheck":true,"status":"in-use","subnetId":"subnet-0a1b2c3d","tagSet":[],"vpcId":"vpc-0story"}""";
    }

    public static string NicItem(string id, int seconds, string ip, string? instanceId, params string[] groups) =>
        Item("AWS::EC2::NetworkInterface", id, seconds, Nic(id, ip, instanceId, instanceId is null ? null : "eni-attach-" + id[4..], deleteOnTermination: false, groups));

    /// <summary>
    /// An <c>AWS::EC2::SecurityGroup</c> item: permissions as Config records them, each peer both in <c>ipv4Ranges</c>
    /// (objects) and in the legacy <c>ipRanges</c> (strings).
    /// </summary>
    public static string Group(string id, string name, string vpcId, int seconds, params string[] ingress) =>
        Item("AWS::EC2::SecurityGroup", id, seconds,
            $$"""{"description":"{{name}} group","groupName":"{{name}}","ipPermissions":[{{string.Join(",", ingress)}}],"ownerId":"{{Account}}","groupId":"{{id}}","ipPermissionsEgress":[{"ipProtocol":"-1","ipv6Ranges":[],"prefixListIds":[],"userIdGroupPairs":[],"ipv4Ranges":[{"cidrIp":"0.0.0.0/0"}],"ipRanges":["0.0.0.0/0"]}],"tags":[],"vpcId":"{{vpcId}}"}""");

    /// <summary>One tcp permission from one IPv4 CIDR, as Config writes it.</summary>
    public static string Tcp(int from, int to, string cidr) =>
        $$"""{"fromPort":{{from}},"ipProtocol":"tcp","ipv6Ranges":[],"prefixListIds":[],"toPort":{{to}},"userIdGroupPairs":[],"ipv4Ranges":[{"cidrIp":"{{cidr}}"}],"ipRanges":["{{cidr}}"]}""";

    public static string Vpc(string id, bool isDefault, int seconds) =>
        Item("AWS::EC2::VPC", id, seconds, $$$"""{"cidrBlock":"172.31.0.0/16","dhcpOptionsId":"dopt-0a1b2c3d","state":"available","vpcId":"{{{id}}}","ownerId":"{{{Account}}}","instanceTenancy":"default","ipv6CidrBlockAssociationSet":[],"cidrBlockAssociationSet":[{"associationId":"vpc-cidr-assoc-0a1b","cidrBlock":"172.31.0.0/16","cidrBlockState":{"state":"associated"}}],"isDefault":{{{(isDefault ? "true" : "false")}}},"tags":[]}""");

    public static string Deleted(string type, string id, int seconds) => Item(type, id, seconds, null, status: "ResourceDeleted");

    private static string GroupList(string[] groups) => string.Join(",", groups.Select(g => $$"""{"groupName":"{{g}}-name","groupId":"{{g}}"}"""));

    /// <summary>Loads a workspace from a folder holding <c>trail.json</c> (when given) and the Config files at their S3 keys (gzip).</summary>
    public static Workspace Load(string? trail, params (string Key, string Text)[] files) => Load(trail, null, ReaderOptions.Default, files);

    public static Workspace Load(string? trail, string? snapshot, ReaderOptions reader, params (string Key, string Text)[] files)
    {
        string dir = Directory.CreateTempSubdirectory("flowcorrelator-config-").FullName;
        try
        {
            if (trail is not null)
            {
                System.IO.File.WriteAllText(Path.Combine(dir, "trail.json"), trail);
            }

            if (snapshot is not null)
            {
                System.IO.File.WriteAllText(Path.Combine(dir, "describe.json"), snapshot);
            }

            foreach ((string key, string text) in files)
            {
                string path = Path.Combine(dir, key);
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                System.IO.File.WriteAllBytes(path, key.EndsWith(".gz", StringComparison.Ordinal) ? FlowCorrelator.Tests.Ingest.CloudTrailReaderTests.Gzip(text) : System.Text.Encoding.UTF8.GetBytes(text));
            }

            return Workspace.Load([dir], WorkspaceOptions.Default with { WarmUp = false, Reader = reader });
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
