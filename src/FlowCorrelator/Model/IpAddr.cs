using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;

namespace FlowCorrelator.Model;

/// <summary>
/// An IPv4 or IPv6 address as a 16-byte value. IPv4 addresses are stored IPv4-mapped (<c>::ffff:a.b.c.d</c>),
/// so both families share one ordering and one comparison. <c>default</c> means "no address" (a <c>-</c> field).
/// </summary>
/// <remarks>Parsing from UTF-8 allocates nothing for IPv4, the common case in flow logs.</remarks>
public readonly struct IpAddr : IEquatable<IpAddr>, IComparable<IpAddr>
{
    private const ulong V4MappedHigh = 0;
    private const ulong V4MappedPrefix = 0x0000_FFFF_0000_0000UL;

    /// <summary>High 64 bits (network order).</summary>
    public ulong High { get; }

    /// <summary>Low 64 bits (network order).</summary>
    public ulong Low { get; }

    /// <summary>Creates an address from its two 64-bit halves.</summary>
    public IpAddr(ulong high, ulong low)
    {
        High = high;
        Low = low;
    }

    /// <summary>The absent address (<c>-</c> in a flow record).</summary>
    public static IpAddr None => default;

    /// <summary>True when this is not <see cref="None"/>.</summary>
    public bool HasValue => (High | Low) != 0;

    /// <summary>True for an IPv4 (IPv4-mapped) address.</summary>
    public bool IsV4 => High == V4MappedHigh && (Low & 0xFFFF_FFFF_0000_0000UL) == V4MappedPrefix;

    /// <summary>The IPv4 value as a host-order integer; meaningful only when <see cref="IsV4"/>.</summary>
    public uint V4 => (uint)Low;

    /// <summary>Creates an IPv4 address from its host-order integer.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] // the reader's fast path makes two per record; it was a call there
    public static IpAddr FromV4(uint value) => new(V4MappedHigh, V4MappedPrefix | value);

    /// <summary>The address as a 128-bit number (IPv4 mapped).</summary>
    public UInt128 ToUInt128() => new(High, Low);

    /// <summary>Creates an address from a 128-bit number.</summary>
    public static IpAddr FromUInt128(UInt128 value) => new((ulong)(value >> 64), (ulong)value);

    /// <summary>Parses an IPv4 or IPv6 address written in UTF-8 without allocating for IPv4.</summary>
    public static bool TryParseUtf8(ReadOnlySpan<byte> utf8, out IpAddr address)
    {
        if (TryParseV4(utf8, out uint v4))
        {
            address = FromV4(v4);
            return true;
        }

        return TryParseV6Slow(utf8, out address);
    }

    /// <summary>Parses an IPv4 or IPv6 address.</summary>
    public static bool TryParse([NotNullWhen(true)] string? text, out IpAddr address)
    {
        address = default;
        if (string.IsNullOrEmpty(text) || text.Length > 64)
        {
            return false;
        }

        Span<byte> utf8 = stackalloc byte[text.Length];
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (c > 127)
            {
                return false;
            }

            utf8[i] = (byte)c;
        }

        return TryParseUtf8(utf8, out address);
    }

    /// <summary>Parses an address or throws <see cref="FormatException"/>.</summary>
    public static IpAddr Parse(string text) =>
        TryParse(text, out IpAddr a) ? a : throw new FormatException($"'{text}' is not an IP address.");

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool TryParseV4(ReadOnlySpan<byte> s, out uint value)
    {
        value = 0;
        if ((uint)(s.Length - 7) > 8)
        {
            return false; // "0.0.0.0" is 7 bytes, "255.255.255.255" 15
        }

        uint result = 0;
        int octets = 0;
        int i = 0;
        while (true)
        {
            int start = i;
            uint octet = 0;
            while (i < s.Length)
            {
                uint d = (uint)(s[i] - '0');
                if (d > 9)
                {
                    break;
                }

                octet = (octet * 10) + d;
                i++;
            }

            int digits = i - start;
            if (digits == 0 || digits > 3 || octet > 255 || (digits > 1 && s[start] == '0'))
            {
                return false;
            }

            result = (result << 8) | octet;
            octets++;
            if (octets == 4)
            {
                if (i != s.Length)
                {
                    return false;
                }

                value = result;
                return true;
            }

            if (i >= s.Length || s[i] != '.')
            {
                return false;
            }

            i++;
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static bool TryParseV6Slow(ReadOnlySpan<byte> utf8, out IpAddr address)
    {
        address = default;
        if (utf8.Length < 2 || utf8.Length > 45 || utf8.IndexOf((byte)':') < 0)
        {
            return false;
        }

        Span<char> chars = stackalloc char[utf8.Length];
        for (int i = 0; i < utf8.Length; i++)
        {
            byte b = utf8[i];
            // Only hex digits, ':' and '.' (embedded IPv4); zone ids and brackets are not flow-log syntax.
            if (!(char.IsAsciiHexDigit((char)b) || b == ':' || b == '.'))
            {
                return false;
            }

            chars[i] = (char)b;
        }

        if (!IPAddress.TryParse(chars, out IPAddress? ip) || ip.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return false;
        }

        Span<byte> bytes = stackalloc byte[16];
        ip.TryWriteBytes(bytes, out _);
        address = new IpAddr(BinaryPrimitives.ReadUInt64BigEndian(bytes), BinaryPrimitives.ReadUInt64BigEndian(bytes[8..]));
        return true;
    }

    /// <summary>Converts to <see cref="IPAddress"/> (allocates).</summary>
    public IPAddress ToIPAddress()
    {
        if (IsV4)
        {
            Span<byte> b4 = stackalloc byte[4];
            BinaryPrimitives.WriteUInt32BigEndian(b4, V4);
            return new IPAddress(b4);
        }

        Span<byte> b = stackalloc byte[16];
        BinaryPrimitives.WriteUInt64BigEndian(b, High);
        BinaryPrimitives.WriteUInt64BigEndian(b[8..], Low);
        return new IPAddress(b);
    }

    /// <summary>Writes the address in its canonical text form; <c>-</c> for <see cref="None"/>.</summary>
    public override string ToString()
    {
        if (!HasValue)
        {
            return "-";
        }

        if (IsV4)
        {
            uint v = V4;
            return string.Create(null, stackalloc char[15], $"{v >> 24}.{(v >> 16) & 255}.{(v >> 8) & 255}.{v & 255}");
        }

        return ToIPAddress().ToString();
    }

    /// <inheritdoc/>
    public bool Equals(IpAddr other) => High == other.High && Low == other.Low;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is IpAddr other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(High, Low);

    /// <inheritdoc/>
    public int CompareTo(IpAddr other)
    {
        int c = High.CompareTo(other.High);
        return c != 0 ? c : Low.CompareTo(other.Low);
    }

    /// <summary>Equality.</summary>
    public static bool operator ==(IpAddr left, IpAddr right) => left.Equals(right);

    /// <summary>Inequality.</summary>
    public static bool operator !=(IpAddr left, IpAddr right) => !left.Equals(right);

    /// <summary>Ordering.</summary>
    public static bool operator <(IpAddr left, IpAddr right) => left.CompareTo(right) < 0;

    /// <summary>Ordering.</summary>
    public static bool operator >(IpAddr left, IpAddr right) => left.CompareTo(right) > 0;

    /// <summary>Ordering.</summary>
    public static bool operator <=(IpAddr left, IpAddr right) => left.CompareTo(right) <= 0;

    /// <summary>Ordering.</summary>
    public static bool operator >=(IpAddr left, IpAddr right) => left.CompareTo(right) >= 0;
}
