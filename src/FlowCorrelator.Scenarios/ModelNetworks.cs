using System.Net;
using System.Net.Sockets;

namespace FlowCorrelator.Scenarios;

/// <summary>
/// CIDR blocks and the scanner list as the scenario's model uses them, on System.Net's <see cref="IPNetwork"/> rather
/// than the engine's <c>IpNetwork</c> and <c>ScannerList</c>: the expectations must not use the code they check, or
/// a bug there would sit on both sides of every truth test. The model's traffic is IPv4 only, so an IPv4 block is
/// kept as its host-order range; the model writes blocks without host bits, the only form System.Net accepts.
/// </summary>
internal static class ModelNetworks
{
    private static readonly (uint First, uint Last)[] s_scannersV4 = LoadScannersV4();

    /// <summary>
    /// The IPv4 ranges of the built-in scanner list, in ascending order of their first address (the order the traffic
    /// model draws scanner sources in), read from the same data file the engine embeds: the list is input data, the
    /// membership test is the model's own.
    /// </summary>
    public static IReadOnlyList<(uint First, uint Last)> ScannersV4 => s_scannersV4;

    /// <summary>Whether an IPv4 source lies in a scanner range (a linear scan: a few dozen ranges).</summary>
    public static bool IsScanner(uint address)
    {
        foreach ((uint first, uint last) in s_scannersV4)
        {
            if (address >= first && address <= last)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The block's host-order range when it is IPv4; null for IPv6.</summary>
    public static (uint First, uint Last)? V4Range(string cidr)
    {
        IPNetwork network = IPNetwork.Parse(cidr);
        if (network.BaseAddress.AddressFamily != AddressFamily.InterNetwork)
        {
            return null;
        }

        byte[] b = network.BaseAddress.GetAddressBytes();
        uint first = ((uint)b[0] << 24) | ((uint)b[1] << 16) | ((uint)b[2] << 8) | b[3];
        uint size = network.PrefixLength == 0 ? uint.MaxValue : (1u << (32 - network.PrefixLength)) - 1;
        return (first, first + size);
    }

    /// <summary>True for <c>0.0.0.0/0</c> and <c>::/0</c>.</summary>
    public static bool IsWorld(string cidr) => IPNetwork.Parse(cidr).PrefixLength == 0;

    /// <summary>Whether two CIDR texts name the same block (AWS matches a revoke's CIDR as a network).</summary>
    public static bool SameBlock(string a, string b) => IPNetwork.Parse(a) == IPNetwork.Parse(b);

    /// <summary>Dotted-quad text of a host-order IPv4 address.</summary>
    public static string V4Text(uint a) =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{a >> 24}.{(a >> 16) & 255}.{(a >> 8) & 255}.{a & 255}");

    private static (uint First, uint Last)[] LoadScannersV4()
    {
        using Stream stream = typeof(IpAddr).Assembly.GetManifestResourceStream("FlowCorrelator.Data.scanners.txt")
            ?? throw new InvalidOperationException("The engine's embedded scanner list is missing.");
        using var reader = new StreamReader(stream);
        var ranges = new List<(uint First, uint Last)>();
        while (reader.ReadLine() is { } line)
        {
            string cidr = line.Split('#')[0].Trim();
            if (cidr.Length > 0 && V4Range(cidr) is { } range)
            {
                ranges.Add(range);
            }
        }

        return [.. ranges.OrderBy(r => r.First)];
    }
}
