using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Text;

namespace FlowCorrelator.Model;

/// <summary>
/// A tag value a version-11 flow record carries (<c>instance-tag</c>, <c>asg-tag</c>, …) as a number, so records stay
/// free of strings: equal texts get equal numbers for the life of the process. <see cref="None"/> is <c>-</c> (no
/// value).
/// </summary>
/// <remarks>
/// Memory stays bounded on hostile input: a record's value longer than <see cref="MaxBytes"/> (longer than any AWS tag
/// value can be), or new once <see cref="MaxDistinct"/> values came from records, reads as <see cref="Unreadable"/>,
/// which equals no value and is never called a disagreement. Values the engine compares records with (the query's,
/// the index's: <see cref="Of"/>) are always numbered, so a record's value equal to one of them is still found after
/// the cap.
/// </remarks>
public readonly struct FlowTagValue : IEquatable<FlowTagValue>
{
    /// <summary>Most distinct values numbered from records per process.</summary>
    public const int MaxDistinct = 65_536;

    /// <summary>Longest value numbered from a record: AWS tag values are at most 256 characters (768 UTF-8 bytes).</summary>
    public const int MaxBytes = 768;

    private static readonly ConcurrentDictionary<byte[], int> s_numbers = new(Utf8Comparer.Instance);
    private static readonly ConcurrentDictionary<byte[], int>.AlternateLookup<ReadOnlySpan<byte>> s_lookup = s_numbers.GetAlternateLookup<ReadOnlySpan<byte>>();
    private static readonly ConcurrentDictionary<int, string> s_texts = new();
    private static int s_next;
    private static int s_fromRecords;

    private readonly int _number;

    private FlowTagValue(int number) => _number = number;

    /// <summary>No value (<c>-</c>, or the format has no such field).</summary>
    public static FlowTagValue None => default;

    /// <summary>A value past <see cref="MaxDistinct"/>: it equals no tag value.</summary>
    public static FlowTagValue Unreadable => new(-1);

    /// <summary>True when the record carries a value (not <c>-</c>; <see cref="Unreadable"/> is a value).</summary>
    public bool HasValue => _number != 0;

    /// <summary>True for <see cref="Unreadable"/>: the record had a value the engine did not keep.</summary>
    public bool IsUnreadable => _number == -1;

    /// <summary>The number of a field's UTF-8 text; <c>-</c> and empty give <see cref="None"/>. No allocation once a text was seen.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static FlowTagValue FromUtf8(ReadOnlySpan<byte> utf8)
    {
        if (utf8.IsEmpty || (utf8.Length == 1 && utf8[0] == '-'))
        {
            return None;
        }

        return s_lookup.TryGetValue(utf8, out int number) ? new FlowTagValue(number) : Add(utf8, fromRecord: true);
    }

    /// <summary>
    /// The number of a text the engine compares records with (a query's tag value, the index's): always numbered,
    /// whatever the records filled.
    /// </summary>
    public static FlowTagValue Of(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return None;
        }

        byte[] utf8 = Encoding.UTF8.GetBytes(text);
        return utf8 is [(byte)'-'] ? None : s_lookup.TryGetValue(utf8, out int number) ? new FlowTagValue(number) : Add(utf8, fromRecord: false);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static FlowTagValue Add(ReadOnlySpan<byte> utf8, bool fromRecord)
    {
        if (fromRecord && (utf8.Length > MaxBytes || Volatile.Read(ref s_fromRecords) >= MaxDistinct))
        {
            return Unreadable;
        }

        if (fromRecord)
        {
            Interlocked.Increment(ref s_fromRecords);
        }

        int number = s_numbers.GetOrAdd(utf8.ToArray(), static bytes =>
        {
            int n = Interlocked.Increment(ref s_next);
            s_texts[n] = Encoding.UTF8.GetString(bytes);
            return n;
        });
        return new FlowTagValue(number);
    }

    /// <summary>The value's text; <c>-</c> for <see cref="None"/>, <c>?</c> for <see cref="Unreadable"/>.</summary>
    public override string ToString() => _number switch
    {
        0 => "-",
        -1 => "?",
        _ => s_texts.TryGetValue(_number, out string? text) ? text : "?",
    };

    /// <inheritdoc/>
    public bool Equals(FlowTagValue other) => _number == other._number && _number != -1;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is FlowTagValue other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => _number;

    /// <summary>Equality (<see cref="Unreadable"/> equals nothing, itself included).</summary>
    public static bool operator ==(FlowTagValue left, FlowTagValue right) => left.Equals(right);

    /// <summary>Inequality.</summary>
    public static bool operator !=(FlowTagValue left, FlowTagValue right) => !left.Equals(right);

    /// <summary>Ordinal UTF-8 equality with a span lookup, so a hit allocates nothing.</summary>
    private sealed class Utf8Comparer : IEqualityComparer<byte[]>, IAlternateEqualityComparer<ReadOnlySpan<byte>, byte[]>
    {
        public static readonly Utf8Comparer Instance = new();

        public bool Equals(byte[]? x, byte[]? y) => x.AsSpan().SequenceEqual(y);

        public int GetHashCode(byte[] obj) => GetHashCode((ReadOnlySpan<byte>)obj);

        public bool Equals(ReadOnlySpan<byte> alternate, byte[] other) => alternate.SequenceEqual(other);

        // HashCode is seeded per process: chosen values cannot be made to share a bucket.
        public int GetHashCode(ReadOnlySpan<byte> alternate)
        {
            var hash = default(HashCode);
            hash.AddBytes(alternate);
            return hash.ToHashCode();
        }

        public byte[] Create(ReadOnlySpan<byte> alternate) => alternate.ToArray();
    }
}
