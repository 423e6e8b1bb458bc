using System.Text.Json;
using static FlowCorrelator.Ingest.JsonShapes;

namespace FlowCorrelator.Ingest;

/// <summary>
/// Resources in the shape <c>aws ec2 describe-*</c> gives them, which AWS Config items repeat in camelCase: one parser
/// for both (names match exactly first, then ignoring case: <see cref="JsonShapes.TryGet"/>).
/// </summary>
internal static class DescribedResources
{
    /// <summary>
    /// A described network interface: private IPv4 addresses (primary first), IPv6 addresses (objects with
    /// <c>Ipv6Address</c>, or plain strings as some Config items write them), attachment, groups, tags, type.
    /// </summary>
    public static NetworkInterfaceInfo Interface(JsonElement nic, string id, int position)
    {
        var ips = new List<string>();
        if (Str(nic, "PrivateIpAddress") is { Length: > 0 } primary)
        {
            ips.Add(primary);
        }

        foreach (JsonElement item in Items(nic, "PrivateIpAddresses"))
        {
            if (Str(item, "PrivateIpAddress") is { Length: > 0 } ip && !ips.Contains(ip))
            {
                if (Bool(item, "Primary") == true)
                {
                    ips.Insert(0, ip);
                }
                else
                {
                    ips.Add(ip);
                }
            }
        }

        foreach (JsonElement item in Items(nic, "Ipv6Addresses"))
        {
            string? ip = item.ValueKind == JsonValueKind.String ? item.GetString() : Str(item, "Ipv6Address");
            if (!string.IsNullOrEmpty(ip) && !ips.Contains(ip))
            {
                ips.Add(ip);
            }
        }

        JsonElement attachment = TryGet(nic, "Attachment", out JsonElement a) ? a : default;
        return new NetworkInterfaceInfo
        {
            NetworkInterfaceId = id,
            AttachmentId = Str(attachment, "AttachmentId"),
            DeviceIndex = Int(attachment, "DeviceIndex") ?? position,
            DeleteOnTermination = Bool(attachment, "DeleteOnTermination"),
            SubnetId = Str(nic, "SubnetId"),
            VpcId = Str(nic, "VpcId"),
            PrivateIps = [.. ips],
            Groups = [.. Groups(nic, "Groups")],
            Tags = [.. Tags(TryGet(nic, "TagSet", out JsonElement tagSet) ? Items(tagSet) : Items(nic, "Tags"), valueOptional: false)],
            InterfaceType = Str(nic, "InterfaceType"),
        };
    }

    /// <summary>Security groups of a described group list (<c>GroupId</c>, <c>GroupName</c>).</summary>
    public static List<GroupRef> Groups(JsonElement obj, string name) =>
        [.. Items(obj, name).Select(g => (Id: Str(g, "GroupId"), Name: Str(g, "GroupName"))).Where(g => !string.IsNullOrEmpty(g.Id)).Select(g => new GroupRef(g.Id!, g.Name))];
}
