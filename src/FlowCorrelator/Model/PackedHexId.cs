using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Text;

namespace FlowCorrelator.Model;

/// <summary>
/// The one packing of AWS resource ids (<c>eni-0a1b…</c>, <c>i-0a1b…</c>) into 16 bytes that <see cref="EniId"/> and
/// <see cref="InstanceKey"/> share: the hex digits after the prefix four bits each, the digit count in the top byte of
/// the high half. Ids that are not prefix plus 1–30 hex digits are interned once per process (the high half is then
/// <see cref="InternedFlag"/> and the low half a number; the table keeps the full text, so prefixes cannot collide).
/// </summary>
internal static class PackedHexId
{
    public const int MaxHexDigits = 30;
    public const ulong InternedFlag = 0x8000_0000_0000_0000UL;
    private const int MaxInterned = 100_000;

    private static readonly ConcurrentDictionary<string, ulong> s_internIds = new(StringComparer.Ordinal);
    private static readonly ConcurrentDictionary<ulong, string> s_internNames = new();
    private static long s_nextIntern;

    /// <summary>
    /// Packs <paramref name="hex"/> (the digits after the prefix); false when it is empty, longer than
    /// <see cref="MaxHexDigits"/> or holds a non-hex byte.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryPack(ReadOnlySpan<byte> hex, out ulong high, out ulong low)
    {
        if (hex.Length == 17 && TryPack17(hex, out high, out low))
        {
            return true;
        }

        high = 0;
        low = 0;
        if (hex.IsEmpty || hex.Length > MaxHexDigits)
        {
            return false;
        }

        // Two ulong halves instead of UInt128: UInt128 shifts are calls, and this runs for every flow record.
        for (int i = 0; i < hex.Length; i++)
        {
            int d = HexValue(hex[i]);
            if (d < 0)
            {
                high = 0;
                low = 0;
                return false;
            }

            high = (high << 4) | (low >> 60);
            low = (low << 4) | (uint)d;
        }

        high |= (ulong)(uint)hex.Length << 56;
        return true;
    }

    /// <summary>
    /// The current id shape, 17 hex digits (every flow record carries one): the last 16 digits are decoded in one
    /// 16-byte vector (bytes 1–16 of a 17-byte span: in bounds) instead of a loop of 17 dependent shifts. Same value
    /// as the loop.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool TryPack17(ReadOnlySpan<byte> hex, out ulong high, out ulong low)
    {
        high = 0;
        low = 0;
        if (!Vector128.IsHardwareAccelerated)
        {
            return false;
        }

        ref byte first = ref MemoryMarshal.GetReference(hex);
        int top = HexValue(first);
        Vector128<byte> text = Vector128.LoadUnsafe(ref first, 1);
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
        low = BinaryPrimitives.ReverseEndianness(Vector128.Narrow(pairs, pairs).AsUInt64().ToScalar());
        high = ((ulong)17 << 56) | (uint)top;
        return true;
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

    /// <summary>
    /// The interned number of an odd id (the whole text, prefix included). A hostile file with millions of odd ids
    /// must not grow memory without bound: past the cap (or past 128 bytes) they all get <see cref="ulong.MaxValue"/>,
    /// a number no index entry has, so their records correlate with nothing (and are counted so); an instance id gets
    /// none at all (<see cref="InstanceKey.FromUtf8"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static ulong Intern(ReadOnlySpan<byte> utf8)
    {
        if (s_internIds.Count >= MaxInterned || utf8.Length > 128)
        {
            return ulong.MaxValue;
        }

        string name = Encoding.UTF8.GetString(utf8);
        return s_internIds.GetOrAdd(name, static n =>
        {
            ulong v = (ulong)Interlocked.Increment(ref s_nextIntern);
            s_internNames[v] = n;
            return v;
        });
    }

    /// <summary>The text of a packed id: the prefix and the digits, or the interned text.</summary>
    public static string Format(ulong high, ulong low, string prefix)
    {
        if ((high | low) == 0)
        {
            return "-";
        }

        if (high == InternedFlag)
        {
            return s_internNames.TryGetValue(low, out string? name) ? name : "-";
        }

        UInt128 value = new(high, low);
        int digits = (int)(value >> 120);
        Span<char> chars = stackalloc char[prefix.Length + MaxHexDigits];
        prefix.CopyTo(chars);
        for (int i = digits - 1; i >= 0; i--)
        {
            int d = (int)(value & 0xF);
            chars[prefix.Length + i] = (char)(d < 10 ? '0' + d : 'a' + d - 10);
            value >>= 4;
        }

        return new string(chars[..(prefix.Length + digits)]);
    }
}
