using System.Net;
using System.Net.Sockets;
using System.Numerics;

namespace FlowCorrelator.Tests.TestData;

/// <summary>
/// A CIDR block the slow, obvious way, as the reference for <see cref="IpNetwork"/> and <see cref="FlowCorrelator.Queries.ScannerList"/>:
/// text parsed by <see cref="IPAddress"/> (not the engine's parser), the block a prefix of a <see cref="BigInteger"/>
/// compared by shifting, and the family rule of docs/semantics.md: an IPv4 block (written plainly or IPv4-mapped)
/// holds only IPv4 addresses (plain or mapped), an IPv6 block only IPv6 ones, and the absent address none.
/// </summary>
internal sealed record NaiveCidr(BigInteger Value, int Prefix, bool IsV4)
{
    /// <summary>The 96-bit prefix of an IPv4-mapped IPv6 address, <c>::ffff:0:0/96</c>, as a 128-bit number.</summary>
    public static readonly BigInteger MappedBase = new BigInteger(0xFFFF) << 32;

    /// <summary>Parses <c>address/prefix</c> (or a bare address); null unless the prefix fits the family.</summary>
    public static NaiveCidr? Parse(string text)
    {
        string[] parts = text.Trim().Split('/');
        if (parts[0].Length == 0)
        {
            return null;
        }

        if (parts.Length > 2 || !IPAddress.TryParse(parts[0], out IPAddress? address) || parts[0].Contains('%', StringComparison.Ordinal))
        {
            return null;
        }

        // System.Net also takes legacy IPv4 forms ("10.1", octal "010.0.0.1"); flow logs and AWS write dotted quads.
        if (address.AddressFamily == AddressFamily.InterNetwork && address.ToString() != parts[0])
        {
            return null;
        }

        bool v4 = address.AddressFamily == AddressFamily.InterNetwork || address.IsIPv4MappedToIPv6;
        int bits = v4 ? 32 : 128;
        int prefix = bits;
        if (parts.Length == 2 && (parts[1].Length == 0 || !parts[1].All(char.IsAsciiDigit) || !int.TryParse(parts[1], out prefix) || prefix > bits))
        {
            return null;
        }

        return new NaiveCidr(Value128(address), prefix, v4);
    }

    /// <summary>The address as the 128-bit number the engine stores (IPv4 mapped), big-endian bytes read as unsigned.</summary>
    public static BigInteger Value128(IPAddress address)
    {
        byte[] bytes = (address.AddressFamily == AddressFamily.InterNetwork ? address.MapToIPv6() : address).GetAddressBytes();
        return new BigInteger(bytes, isUnsigned: true, isBigEndian: true);
    }

    /// <summary>The 128-bit number of an engine address, from its two halves.</summary>
    public static BigInteger Value128(IpAddr address) => (new BigInteger(address.High) << 64) | new BigInteger(address.Low);

    /// <summary>Whether a 128-bit value is an IPv4(-mapped) address: <c>::ffff:a.b.c.d</c>.</summary>
    public static bool IsMapped(BigInteger value) => value >> 32 == 0xFFFF;

    /// <summary>The prefix length counted over 128 bits.</summary>
    public int Prefix128 => IsV4 ? 96 + Prefix : Prefix;

    /// <summary>Lowest address of the block, as a 128-bit number.</summary>
    public BigInteger First => (Value >> (128 - Prefix128)) << (128 - Prefix128);

    /// <summary>Highest address of the block, as a 128-bit number.</summary>
    public BigInteger Last => First + (BigInteger.One << (128 - Prefix128)) - 1;

    /// <summary>Membership of a 128-bit address (0 is the absent address): same family, same first bits.</summary>
    public bool Contains(BigInteger address) =>
        !address.IsZero && IsMapped(address) == IsV4 && address >> (128 - Prefix128) == Value >> (128 - Prefix128);
}
