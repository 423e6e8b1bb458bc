using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Text;

namespace FlowCorrelator.Model;

/// <summary>
/// A network interface id (<c>eni-0a1b…</c>) as a 16-byte value, so that flow records carry no strings and the
/// index looks ENIs up by integer key. The hex digits are packed four bits each with the digit count in the top byte;
/// ids that are not <c>eni-</c> plus up to 30 hex digits are interned once per process (rare: samples and other tools).
/// </summary>
public readonly struct EniId : IEquatable<EniId>, IComparable<EniId>
{
    private const int MaxHexDigits = 30;
    private const ulong InternedFlag = 0x8000_0000_0000_0000UL;
    private static readonly ConcurrentDictionary<string, ulong> s_internIds = new(StringComparer.Ordinal);
    private static readonly ConcurrentDictionary<ulong, string> s_internNames = new();
    private static long s_nextIntern;
    private const int MaxInterned = 100_000;
    private const uint EniPrefix = 'e' | ('n' << 8) | ('i' << 16) | ('-' << 24); // "eni-" read little-endian

    private readonly ulong _high;
    private readonly ulong _low;

    private EniId(ulong high, ulong low)
    {
        _high = high;
        _low = low;
    }

    /// <summary>High 64 bits of the packed id (for the index's seeded hash table).</summary>
    internal ulong High => _high;

    /// <summary>Low 64 bits of the packed id.</summary>
    internal ulong Low => _low;

    /// <summary>No interface (<c>-</c>).</summary>
    public static EniId None => default;

    /// <summary>True when this is not <see cref="None"/>.</summary>
    public bool HasValue => (_high | _low) != 0;

    /// <summary>Parses an interface id from UTF-8. <c>-</c> gives <see cref="None"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static EniId FromUtf8(ReadOnlySpan<byte> utf8)
    {
        if (utf8.Length == 4 + 17 && TryFromUtf8Long(utf8, out EniId id))
        {
            return id;
        }

        if (utf8.Length > 4 && utf8.Length <= 4 + MaxHexDigits && utf8[0] == 'e' && utf8[1] == 'n' && utf8[2] == 'i' && utf8[3] == '-')
        {
            ReadOnlySpan<byte> hex = utf8[4..];

            // Two ulong halves instead of UInt128: UInt128 shifts are calls, and this runs for every flow record.
            ulong high = 0;
            ulong low = 0;
            for (int i = 0; i < hex.Length; i++)
            {
                int d = HexValue(hex[i]);
                if (d < 0)
                {
                    return Intern(utf8);
                }

                high = (high << 4) | (low >> 60);
                low = (low << 4) | (uint)d;
            }

            high |= (ulong)(uint)hex.Length << 56;
            return new EniId(high, low);
        }

        if (utf8.Length == 1 && utf8[0] == '-')
        {
            return None;
        }

        return utf8.IsEmpty ? None : Intern(utf8);
    }

    /// <summary>
    /// The current id shape, <c>eni-</c> plus 17 hex digits (every flow record carries one): the last 16 digits are
    /// decoded in one 16-byte vector instead of a loop of 17 dependent shifts. Same value as the general loop.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool TryFromUtf8Long(ReadOnlySpan<byte> utf8, out EniId id)
    {
        id = default;
        ref byte first = ref MemoryMarshal.GetReference(utf8);
        if (!Vector128.IsHardwareAccelerated || Unsafe.ReadUnaligned<uint>(ref first) != EniPrefix)
        {
            return false;
        }

        int top = HexValue(Unsafe.Add(ref first, 4));
        Vector128<byte> text = Vector128.LoadUnsafe(ref first, 5);
        Vector128<byte> digit = text - Vector128.Create((byte)'0');
        Vector128<byte> letter = (text | Vector128.Create((byte)0x20)) - Vector128.Create((byte)'a');
        Vector128<byte> isDigit = Vector128.LessThanOrEqual(digit, Vector128.Create((byte)9));
        Vector128<byte> isLetter = Vector128.LessThanOrEqual(letter, Vector128.Create((byte)5));
        if (top < 0 || (isDigit | isLetter) != Vector128<byte>.AllBitsSet)
        {
            return false;
        }

        // Nibbles in text order; each pair (high nibble first) becomes one byte, then the 8 bytes are read big-endian.
        Vector128<ushort> nibbles = Vector128.ConditionalSelect(isDigit, digit, letter + Vector128.Create((byte)10)).AsUInt16();
        Vector128<ushort> pairs = ((nibbles & Vector128.Create((ushort)0xFF)) << 4) | (nibbles >> 8);
        ulong low = BinaryPrimitives.ReverseEndianness(Vector128.Narrow(pairs, pairs).AsUInt64().ToScalar());
        id = new EniId(((ulong)17 << 56) | (uint)top, low);
        return true;
    }

    /// <summary>Parses an interface id.</summary>
    public static EniId Parse(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return None;
        }

        return FromUtf8(Encoding.UTF8.GetBytes(text));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int HexValue(byte b)
    {
        uint d = (uint)(b - '0');
        if (d <= 9)
        {
            return (int)d;
        }

        uint l = (uint)((b | 0x20) - 'a');
        return l <= 5 ? (int)l + 10 : -1;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static EniId Intern(ReadOnlySpan<byte> utf8)
    {
        if (s_internIds.Count >= MaxInterned || utf8.Length > 128)
        {
            // A hostile file with millions of odd ids must not grow memory without bound: past the cap they all
            // share one id that no index entry has, so their records correlate with nothing (and are counted so).
            return new EniId(InternedFlag, ulong.MaxValue);
        }

        string name = Encoding.UTF8.GetString(utf8);
        ulong id = s_internIds.GetOrAdd(name, static n =>
        {
            ulong v = (ulong)Interlocked.Increment(ref s_nextIntern);
            s_internNames[v] = n;
            return v;
        });
        return new EniId(InternedFlag, id);
    }

    /// <inheritdoc/>
    public override string ToString()
    {
        if (!HasValue)
        {
            return "-";
        }

        if (_high == InternedFlag)
        {
            return s_internNames.TryGetValue(_low, out string? name) ? name : "-";
        }

        UInt128 value = new(_high, _low);
        int digits = (int)(value >> 120);
        Span<char> chars = stackalloc char[4 + MaxHexDigits];
        "eni-".CopyTo(chars);
        for (int i = digits - 1; i >= 0; i--)
        {
            int d = (int)(value & 0xF);
            chars[4 + i] = (char)(d < 10 ? '0' + d : 'a' + d - 10);
            value >>= 4;
        }

        return new string(chars[..(4 + digits)]);
    }

    /// <inheritdoc/>
    public bool Equals(EniId other) => _high == other._high && _low == other._low;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is EniId other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(_high, _low);

    /// <inheritdoc/>
    public int CompareTo(EniId other)
    {
        int c = _high.CompareTo(other._high);
        return c != 0 ? c : _low.CompareTo(other._low);
    }

    /// <summary>Equality.</summary>
    public static bool operator ==(EniId left, EniId right) => left.Equals(right);

    /// <summary>Inequality.</summary>
    public static bool operator !=(EniId left, EniId right) => !left.Equals(right);

    /// <summary>Ordering.</summary>
    public static bool operator <(EniId left, EniId right) => left.CompareTo(right) < 0;

    /// <summary>Ordering.</summary>
    public static bool operator >(EniId left, EniId right) => left.CompareTo(right) > 0;

    /// <summary>Ordering.</summary>
    public static bool operator <=(EniId left, EniId right) => left.CompareTo(right) <= 0;

    /// <summary>Ordering.</summary>
    public static bool operator >=(EniId left, EniId right) => left.CompareTo(right) >= 0;
}
