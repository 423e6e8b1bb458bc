using System.Diagnostics.CodeAnalysis;

namespace FlowCorrelator.Model;

/// <summary>
/// A CIDR block (IPv4 or IPv6), held as the inclusive range [<see cref="First"/>, <see cref="Last"/>] of
/// <see cref="IpAddr"/> values so that membership is two comparisons. IPv4 prefixes are mapped into the IPv6 space
/// (a /n IPv4 block is a /(96+n) block), so an IPv4 block never contains an IPv6 address and vice versa.
/// </summary>
public readonly record struct IpNetwork
{
    private IpNetwork(IpAddr first, IpAddr last, int prefixLength, bool isV4)
    {
        First = first;
        Last = last;
        PrefixLength = prefixLength;
        IsV4 = isV4;
    }

    /// <summary>Lowest address in the block.</summary>
    public IpAddr First { get; }

    /// <summary>Highest address in the block.</summary>
    public IpAddr Last { get; }

    /// <summary>Prefix length in the block's own family (0–32 for IPv4, 0–128 for IPv6).</summary>
    public int PrefixLength { get; }

    /// <summary>True for an IPv4 block.</summary>
    public bool IsV4 { get; }

    /// <summary>True for 0.0.0.0/0 and ::/0: the whole of the family's address space.</summary>
    public bool IsWorld => PrefixLength == 0;

    /// <summary>Whether <paramref name="address"/> lies in the block (an absent address, <c>-</c>, lies in none).</summary>
    /// <remarks>The family must match: <c>::/0</c> spans the IPv4-mapped range internally but holds no IPv4 address.</remarks>
    public bool Contains(IpAddr address) => address.HasValue && address.IsV4 == IsV4 && address >= First && address <= Last;

    /// <summary>Parses <c>a.b.c.d/n</c> or <c>x:y::/n</c>; a bare address is a host block. Host bits are masked off, as AWS does.</summary>
    public static bool TryParse([NotNullWhen(true)] string? text, out IpNetwork network)
    {
        network = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        text = text.Trim();
        int slash = text.IndexOf('/', StringComparison.Ordinal);
        string addressText = slash < 0 ? text : text[..slash];
        if (!IpAddr.TryParse(addressText, out IpAddr address))
        {
            return false;
        }

        int familyBits = address.IsV4 ? 32 : 128;
        int prefix = familyBits;
        if (slash >= 0 && (!int.TryParse(text.AsSpan(slash + 1), System.Globalization.NumberStyles.None, null, out prefix) || prefix > familyBits))
        {
            return false;
        }

        int bits128 = address.IsV4 ? 96 + prefix : prefix;
        UInt128 mask = bits128 == 0 ? UInt128.Zero : UInt128.MaxValue << (128 - bits128);
        UInt128 value = address.ToUInt128();
        UInt128 first = value & mask;
        UInt128 last = first | ~mask;
        network = new IpNetwork(IpAddr.FromUInt128(first), IpAddr.FromUInt128(last), prefix, address.IsV4);
        return true;
    }

    /// <summary>Parses a CIDR block or throws <see cref="FormatException"/>.</summary>
    public static IpNetwork Parse(string text) =>
        TryParse(text, out IpNetwork n) ? n : throw new FormatException($"'{text}' is not a CIDR block.");

    /// <summary>Canonical text, e.g. <c>10.0.0.0/16</c>.</summary>
    public override string ToString() =>
        IsV4 ? $"{First}/{PrefixLength}" : $"{First.ToIPAddress()}/{PrefixLength}";
}
