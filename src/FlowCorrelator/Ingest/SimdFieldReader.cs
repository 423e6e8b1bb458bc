using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace FlowCorrelator.Ingest;

/// <summary>
/// The branch-free field readers of the default-v2 fast path (<see cref="FlowLineParser.TryParseDefaultV2Split"/>):
/// unsigned decimals eight digits at a time (SWAR) or sixteen in one vector, and dotted-quad IPv4 with one vector
/// compare and one shuffle. Each reads a field in place in the read buffer, may load bytes just outside the field
/// (each method says which, and checks they lie inside the buffer), and answers false for "not taken here", never
/// for "invalid": the caller then sends the line to the general grammar, whose answer is the reference.
/// </summary>
/// <remarks>
/// The x86 paths (<see cref="Ssse3"/>) have portable twins; the overloads taking a <c>bool</c> let tests force the
/// portable path on any CPU, and CI runs the readers again with AVX2 off.
/// </remarks>
internal static class SimdFieldReader
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ref byte MemArray(byte[] buffer) => ref MemoryMarshal.GetArrayDataReference(buffer);

    /// <summary>
    /// Dotted-quad IPv4 in <paramref name="buffer"/>[from..to) the way <see cref="IpAddr.TryParseV4"/> reads it (four
    /// octets of 1–3 digits, no leading zeros, each at most 255), with no branch per character: random octet lengths
    /// made a digit loop mispredict several times per address. A vector compare finds the three dots; on x86 one byte
    /// shuffle (chosen by the four octet lengths) lines the octets up in four 32-bit lanes, and two multiply-adds give
    /// their values (Muła's SIMD IPv4 parsing); elsewhere each octet is one 4-byte load. False means "not taken here",
    /// never "invalid".
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool TryV4InBuffer(byte[] buffer, int from, int to, out uint value) =>
        TryV4InBuffer(buffer, from, to, Ssse3.IsSupported, out value);

    /// <summary>
    /// <see cref="TryV4InBuffer(byte[], int, int, out uint)"/> with the x86 shuffle chosen by the caller: the hot path
    /// passes <see cref="Ssse3.IsSupported"/> (a JIT constant); tests pass false to check the path other CPUs take.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool TryV4InBuffer(byte[] buffer, int from, int to, bool shuffle, out uint value)
    {
        value = 0;
        int length = to - from;
        if (!Vector128.IsHardwareAccelerated || from < 4 || (uint)(length - 7) > 8 || buffer.Length - from < 16)
        {
            return false;
        }

        ref byte b = ref MemArray(buffer);
        Vector128<byte> text = Vector128.LoadUnsafe(ref b, (nuint)from);
        uint inField = (1u << length) - 1;
        uint dots = Vector128.Equals(text, Vector128.Create((byte)'.')).ExtractMostSignificantBits() & inField;
        if (BitOperations.PopCount(dots) != 3)
        {
            return false;
        }

        int d1 = BitOperations.TrailingZeroCount(dots);
        dots &= dots - 1;
        int d2 = BitOperations.TrailingZeroCount(dots);
        dots &= dots - 1;
        int d3 = BitOperations.TrailingZeroCount(dots);
        if (shuffle && Ssse3.IsSupported)
        {
            return TryV4Shuffled(text, inField, d1, d2 - d1 - 1, d3 - d2 - 1, length - d3 - 1, out value);
        }

        bool ok = Octet(ref b, from, from + d1, out uint o1) & Octet(ref b, from + d1 + 1, from + d2, out uint o2) &
            Octet(ref b, from + d2 + 1, from + d3, out uint o3) & Octet(ref b, from + d3 + 1, to, out uint o4);
        value = (o1 << 24) | (o2 << 16) | (o3 << 8) | o4;
        return ok;
    }

    /// <summary>
    /// The x86 tail of <see cref="TryV4InBuffer(byte[], int, int, bool, out uint)"/>: octet lengths <paramref name="l1"/>..<paramref name="l4"/> (the
    /// dots are at l1, l1+l2+1, …) pick one of 81 shuffles that right-justify each octet's digits in a 32-bit lane.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool TryV4Shuffled(Vector128<byte> text, uint inField, int l1, int l2, int l3, int l4, out uint value)
    {
        value = 0;
        if ((uint)(l1 - 1) > 2 || (uint)(l2 - 1) > 2 || (uint)(l3 - 1) > 2 || (uint)(l4 - 1) > 2)
        {
            return false;
        }

        Vector128<byte> digits = text - Vector128.Create((byte)'0');
        uint nonDots = inField & ~(1u << l1) & ~(1u << (l1 + l2 + 1)) & ~(1u << (l1 + l2 + l3 + 2));
        if ((Vector128.LessThanOrEqual(digits, Vector128.Create((byte)9)).ExtractMostSignificantBits() & nonDots) != nonDots)
        {
            return false;
        }

        int pattern = ((l1 - 1) * 27) + ((l2 - 1) * 9) + ((l3 - 1) * 3) + (l4 - 1);
        Vector128<byte> lanes = Ssse3.Shuffle(digits, Ipv4Shuffles.Shuffle[pattern]);
        Vector128<short> pairs = Ssse3.MultiplyAddAdjacent(lanes, Vector128.Create(0, 100, 10, 1, 0, 100, 10, 1, 0, 100, 10, 1, 0, 100, 10, 1));
        Vector128<int> octets = Sse2.MultiplyAddAdjacent(pairs, Vector128.Create((short)1));

        // At most 255, and no leading zero: an octet of n > 1 digits is at least 10^(n-1).
        if (Vector128.GreaterThanAny(octets, Vector128.Create(255)) || Vector128.LessThanAny(octets, Ipv4Shuffles.Minimum[pattern]))
        {
            return false;
        }

        Vector128<ushort> narrow = Vector128.Narrow(octets.AsUInt32(), octets.AsUInt32());
        value = BinaryPrimitives.ReverseEndianness(Vector128.Narrow(narrow, narrow).AsUInt32().ToScalar());
        return true;
    }

    /// <summary>The 81 shuffles (one per combination of octet lengths 1–3) and each octet's smallest valid value.</summary>
    /// <remarks>Fields with initialisers, no static constructor: the JIT then needs no class-init check in the hot path.</remarks>
    private static class Ipv4Shuffles
    {
        public static readonly Vector128<byte>[] Shuffle = [.. Enumerable.Range(0, 81).Select(ShuffleFor)];
        public static readonly Vector128<int>[] Minimum = [.. Enumerable.Range(0, 81).Select(MinimumFor)];

        private static int[] Lengths(int pattern) => [(pattern / 27) + 1, (pattern / 9 % 3) + 1, (pattern / 3 % 3) + 1, (pattern % 3) + 1];

        private static Vector128<byte> ShuffleFor(int pattern)
        {
            int[] lengths = Lengths(pattern);
            Span<byte> indices = stackalloc byte[16];
            indices.Fill(0x80); // a set high bit makes the shuffle write zero
            int start = 0;
            for (int octet = 0; octet < 4; octet++)
            {
                for (int k = 0; k < lengths[octet]; k++)
                {
                    indices[(octet * 4) + 4 - lengths[octet] + k] = (byte)(start + k);
                }

                start += lengths[octet] + 1;
            }

            return Vector128.Create((ReadOnlySpan<byte>)indices);
        }

        private static Vector128<int> MinimumFor(int pattern)
        {
            int[] lengths = Lengths(pattern);
            return Vector128.Create([.. lengths.Select(n => n == 1 ? 0 : n == 2 ? 10 : 100)]);
        }
    }

    /// <summary>One octet in [from..to): 1–3 digits ending at <paramref name="to"/> (≥ 4), no leading zero, at most 255.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Octet(ref byte b, int from, int to, out uint value)
    {
        int length = to - from;
        uint v = Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref b, to - 4));
        int padBits = (4 - length) * 8; // 8..24 for a valid length; the bytes below the octet become '0'
        uint below = (uint)((1UL << (padBits & 63)) - 1);
        v = (v & ~below) | (0x30303030u & below);
        const uint High = 0xF0F0F0F0u, Zeros = 0x30303030u;
        uint d = v - Zeros;
        value = (((d >> 8) & 0xFF) * 100) + (((d >> 16) & 0xFF) * 10) + (d >> 24);
        uint leading = (v >> (padBits & 31)) & 0xFF; // the octet's first character
        return ((uint)(length - 1) < 3) & ((v & High) == Zeros) & (((v + 0x06060606u) & High) == Zeros) &
            (value <= 255) & ((length == 1) | (leading != '0'));
    }

    /// <summary>
    /// The unsigned decimal in <paramref name="buffer"/>[from..to): 1 to 16 digits, eight at a time (SWAR: one
    /// 64-bit load, a validity test on all eight bytes, three multiply-shift steps). Longer or odd fields, and fields
    /// too close to the buffer start for the 8-byte load, go through the digit loop.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool SwarDigits(byte[] buffer, int from, int to, out ulong value) =>
        SwarDigits(buffer, from, to, Ssse3.IsSupported, out value);

    /// <summary>
    /// <see cref="SwarDigits(byte[], int, int, out ulong)"/> with the vector reader for 9–16 digits chosen by the caller
    /// (the hot path passes <see cref="Ssse3.IsSupported"/>; tests pass false to check the path other CPUs take).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool SwarDigits(byte[] buffer, int from, int to, bool vector, out ulong value)
    {
        int length = to - from;
        if (from >= 8 && (uint)(length - 1) < 8)
        {
            return Swar8(ref MemArray(buffer), to, length, out value);
        }

        if (from >= 8 && (uint)(length - 9) < 8)
        {
            if (vector && Ssse3.IsSupported)
            {
                return Digits16(ref MemArray(buffer), to, length, out value);
            }

            bool ok = Swar8(ref MemArray(buffer), to - 8, length - 8, out ulong high) & Swar8(ref MemArray(buffer), to, 8, out ulong low);
            value = (high * 100_000_000) + low;
            return ok;
        }

        bool digits = FlowLineParser.TryDigits(buffer.AsSpan(from, length), out long v);
        value = (ulong)v;
        return digits;
    }

    /// <summary>
    /// The <paramref name="length"/> (9–16) digits ending at <paramref name="to"/> (needs to ≥ 16) in one vector:
    /// pad to 16 digits with zeros, check, then three multiply-adds turn digit pairs into 2-, 4- and 8-digit values.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Digits16(ref byte buffer, int to, int length, out ulong value)
    {
        Vector128<byte> text = Vector128.LoadUnsafe(ref buffer, (nuint)(to - 16));
        Vector128<byte> below = Vector128.LessThan(Vector128.Create((byte)0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15), Vector128.Create((byte)(16 - length)));
        Vector128<byte> digits = Vector128.AndNot(text - Vector128.Create((byte)'0'), below);
        bool ok = Vector128.LessThanOrEqualAll(digits, Vector128.Create((byte)9));
        Vector128<short> pairs = Ssse3.MultiplyAddAdjacent(digits, Vector128.Create((sbyte)10, 1, 10, 1, 10, 1, 10, 1, 10, 1, 10, 1, 10, 1, 10, 1));
        Vector128<int> quads = Sse2.MultiplyAddAdjacent(pairs, Vector128.Create((short)100, 1, 100, 1, 100, 1, 100, 1));
        Vector128<short> packed = Sse2.PackSignedSaturate(quads, quads); // each at most 9999
        Vector128<int> octs = Sse2.MultiplyAddAdjacent(packed, Vector128.Create((short)10000, 1, 10000, 1, 10000, 1, 10000, 1));
        value = ((ulong)(uint)octs.GetElement(0) * 100_000_000) + (uint)octs.GetElement(1);
        return ok;
    }

    /// <summary>The <paramref name="length"/> (1–8) digits ending at <paramref name="to"/>; needs to ≥ 8.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Swar8(ref byte buffer, int to, int length, out ulong value)
    {
        ulong v = Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref buffer, to - 8));

        // The field is the top `length` bytes (little-endian); the bytes below it become '0' so eight digits remain.
        ulong below = (1UL << ((8 - length) * 8)) - 1;
        v = (v & ~below) | (0x3030303030303030UL & below);
        const ulong High = 0xF0F0F0F0F0F0F0F0UL, Zeros = 0x3030303030303030UL;
        bool ok = (v & High) == Zeros && ((v + 0x0606060606060606UL) & High) == Zeros;
        v -= Zeros;
        v = ((v * 10) + (v >> 8)) & 0x00FF00FF00FF00FFUL;
        v = ((v * 100) + (v >> 16)) & 0x0000FFFF0000FFFFUL;
        value = ((v * 10000) + (v >> 32)) & 0xFFFFFFFFUL;
        return ok;
    }
}
