using System.Runtime.CompilerServices;
using System.Text;

namespace FlowCorrelator.Model;

/// <summary>
/// A network interface id (<c>eni-0a1b…</c>) as a 16-byte value, so that flow records carry no strings and the
/// index looks ENIs up by integer key. The packing (<see cref="PackedHexId"/>) is shared with <see cref="InstanceKey"/>;
/// ids that are not <c>eni-</c> plus up to 30 hex digits are interned once per process (rare: samples and other tools).
/// </summary>
public readonly struct EniId : IEquatable<EniId>, IComparable<EniId>
{
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
        if (utf8.Length > 4 && Unsafe.ReadUnaligned<uint>(ref System.Runtime.InteropServices.MemoryMarshal.GetReference(utf8)) == EniPrefix &&
            PackedHexId.TryPack(utf8[4..], out ulong high, out ulong low))
        {
            return new EniId(high, low);
        }

        if (utf8.Length == 1 && utf8[0] == '-')
        {
            return None;
        }

        return utf8.IsEmpty ? None : new EniId(PackedHexId.InternedFlag, PackedHexId.Intern(utf8));
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

    /// <inheritdoc/>
    public override string ToString() => PackedHexId.Format(_high, _low, "eni-");

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
