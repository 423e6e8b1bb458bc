using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;

namespace FlowCorrelator.Model;

/// <summary>
/// An EC2 instance id (<c>i-0a1b…</c>) as a 16-byte value: the flow record's <c>instance-id</c> field, read without a
/// string per record, and the key of the index's per-instance timelines. Packed as <see cref="EniId"/> is
/// (<see cref="PackedHexId"/>); an id that is not <c>i-</c> plus hex digits is interned once per process.
/// </summary>
public readonly struct InstanceKey : IEquatable<InstanceKey>
{
    private const ushort Prefix = 'i' | ('-' << 8); // "i-" read little-endian

    private readonly ulong _high;
    private readonly ulong _low;

    private InstanceKey(ulong high, ulong low)
    {
        _high = high;
        _low = low;
    }

    /// <summary>No instance (<c>-</c>: the interface was not attached to an instance, or the format has no <c>instance-id</c>).</summary>
    public static InstanceKey None => default;

    /// <summary>True when this is not <see cref="None"/>.</summary>
    public bool HasValue => (_high | _low) != 0;

    internal ulong High => _high;

    internal ulong Low => _low;

    /// <summary>Parses an instance id from UTF-8. <c>-</c> and empty give <see cref="None"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static InstanceKey FromUtf8(ReadOnlySpan<byte> utf8)
    {
        if (utf8.Length > 2 && Unsafe.ReadUnaligned<ushort>(ref MemoryMarshal.GetReference(utf8)) == Prefix &&
            PackedHexId.TryPack(utf8[2..], out ulong high, out ulong low))
        {
            return new InstanceKey(high, low);
        }

        if (utf8.IsEmpty || (utf8.Length == 1 && utf8[0] == '-'))
        {
            return None;
        }

        // Not an instance id's shape (no real record has one): kept as text while the intern table has room; past its
        // limits (PackedHexId.Intern) it names no instance rather than one shared by every such record.
        ulong interned = PackedHexId.Intern(utf8);
        return interned == ulong.MaxValue ? None : new InstanceKey(PackedHexId.InternedFlag, interned);
    }

    /// <summary>Parses an instance id; null, empty and <c>-</c> give <see cref="None"/>.</summary>
    public static InstanceKey Parse(string? text) => string.IsNullOrEmpty(text) ? None : FromUtf8(Encoding.UTF8.GetBytes(text));

    /// <inheritdoc/>
    public override string ToString() => PackedHexId.Format(_high, _low, "i-");

    /// <inheritdoc/>
    public bool Equals(InstanceKey other) => _high == other._high && _low == other._low;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is InstanceKey other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(_high, _low);

    /// <summary>Equality.</summary>
    public static bool operator ==(InstanceKey left, InstanceKey right) => left.Equals(right);

    /// <summary>Inequality.</summary>
    public static bool operator !=(InstanceKey left, InstanceKey right) => !left.Equals(right);
}
