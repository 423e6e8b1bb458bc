using System.Collections.Immutable;
using System.Text.Json;
using static FlowCorrelator.Ingest.JsonShapes;

namespace FlowCorrelator.Ingest;

// Secondary addresses and delegated prefixes (the VPC CNI's pod addresses): AssignPrivateIpAddresses,
// UnassignPrivateIpAddresses, AssignIpv6Addresses, UnassignIpv6Addresses, and the prefixes of a launched or created
// interface (docs/formats.md B.10). Field names are the EC2 API reference's response elements and the request
// parameters in CloudTrail's camelCase; list items may be plain strings or objects, so both are read.
internal static partial class Ec2ChangeParser
{
    private static PrivateIpsChanged? PrivateIps(JsonElement request, JsonElement response, bool unassigned, out string? problem)
    {
        string? eni = Require(Str(request, "networkInterfaceId"), "networkInterfaceId", out problem);
        if (eni is null)
        {
            return null;
        }

        List<string> ips = DistinctValues(Items(request, "privateIpAddressesSet").Concat(Items(response, "assignedPrivateIpAddressesSet")), "privateIpAddress");
        List<string> prefixes = DistinctValues(
            Items(request, "ipv4Prefixes").Concat(Items(request, "ipv4PrefixSet")).Concat(Items(request, "ipv4Prefix"))
                .Concat(Items(response, "assignedIpv4PrefixSet")),
            "ipv4Prefix");

        if (ips.Count == 0 && prefixes.Count == 0)
        {
            // e.g. a count-only request whose response does not list the chosen addresses: nothing to index.
            problem = "no private IP addresses or prefixes in request or response";
            return null;
        }

        return new PrivateIpsChanged(eni, [.. ips], unassigned) { Prefixes = [.. prefixes] };
    }

    private static PrivateIpsChanged? Ipv6Addresses(JsonElement request, JsonElement response, bool unassigned, out string? problem)
    {
        JsonElement result = TryGet(response, unassigned ? "UnassignIpv6AddressesResponse" : "AssignIpv6AddressesResponse", out JsonElement r) ? r : response;
        string? eni = Require(Str(request, "networkInterfaceId") ?? Str(result, "networkInterfaceId"), "networkInterfaceId", out problem);
        if (eni is null)
        {
            return null;
        }

        string done = unassigned ? "unassigned" : "assigned";
        List<string> ips = DistinctValues(
            Items(request, "ipv6Addresses").Concat(Items(result, done + "Ipv6Addresses")).Concat(Items(result, done + "Ipv6AddressesSet")),
            "ipv6Address");
        List<string> prefixes = DistinctValues(
            Items(request, "ipv6Prefixes").Concat(Items(request, "ipv6PrefixSet")).Concat(Items(result, done + "Ipv6PrefixSet")),
            "ipv6Prefix");
        if (ips.Count == 0 && prefixes.Count == 0)
        {
            problem = "no IPv6 addresses or prefixes in request or response";
            return null;
        }

        return new PrivateIpsChanged(eni, [.. ips], unassigned) { Prefixes = [.. prefixes] };
    }

    /// <summary>Delegated prefixes of an interface in a RunInstances or CreateNetworkInterface response.</summary>
    private static ImmutableArray<string> InterfacePrefixes(JsonElement nic) =>
        [.. DistinctValues(Items(nic, "ipv4PrefixSet"), "ipv4Prefix").Concat(DistinctValues(Items(nic, "ipv6PrefixSet"), "ipv6Prefix"))];
}
