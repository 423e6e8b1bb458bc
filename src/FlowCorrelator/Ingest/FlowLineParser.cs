using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace FlowCorrelator.Ingest;

/// <summary>Result of parsing one line.</summary>
internal enum LineOutcome : byte
{
    Record,
    Blank,
    Malformed,
}

/// <summary>
/// Parses one flow-log text line in place: UTF-8 bytes in, a <see cref="FlowRecord"/> out, no allocation and no
/// exception on any input. The caller owns framing (finding line ends) and counting.
/// </summary>
internal static class FlowLineParser
{
    /// <summary>Unix times above this are milliseconds (it is year 5138 in seconds).</summary>
    private const long MillisecondThreshold = 100_000_000_000;

    /// <summary>
    /// Splits <paramref name="line"/> into <paramref name="fields"/> (runs of spaces count as one separator) and
    /// parses the fields the schema names. On failure <paramref name="badColumn"/> is the offending column (-1 for
    /// the field count) and <paramref name="reason"/> says why.
    /// </summary>
    public static LineOutcome Parse(
        ReadOnlySpan<byte> line,
        FlowField[] columns,
        Span<Range> fields,
        out int fieldCount,
        out FlowRecord record,
        out ProblemReason reason,
        out int badColumn)
    {
        record = default;
        reason = default;
        badColumn = -1;
        fieldCount = 0;

        if (!line.IsEmpty && line[^1] == '\r')
        {
            line = line[..^1];
        }

        int n = Split(line, fields);
        fieldCount = n;
        if (n == 0)
        {
            return LineOutcome.Blank;
        }

        if (n != columns.Length)
        {
            reason = ProblemReason.FieldCount;
            return LineOutcome.Malformed;
        }

        return ParseFields(line, columns, fields, out record, out reason, out badColumn);
    }

    /// <summary>The default v2 layout's columns (what <see cref="TryParseDefaultV2Split"/> assumes).</summary>
    internal static readonly FlowField[] DefaultV2Columns = [.. FlowLogSchema.DefaultV2.Fields];

    private const int V2FieldCount = 14;

    /// <summary>
    /// The default v2 happy path over a line the block scanner already split: <paramref name="ends"/>[i] is where
    /// column i ends, relative to <paramref name="lineStart"/> (a space, or the line end for the last column). Numbers
    /// are read eight digits at a time and the interface id as one vector; anything unusual returns false, and the
    /// caller sends the line to <see cref="Parse"/>, so outcomes of odd lines are exactly the general parser's.
    /// </summary>
    /// <remarks>
    /// The digit readers load the 8 or 16 bytes that end where a field ends, so they also read bytes before the field;
    /// those lie inside <paramref name="buffer"/> whenever the field starts at offset 8 or more (checked; otherwise a
    /// loop). The IPv4 reader loads 16 bytes from the field start and checks the buffer is that long.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static bool TryParseDefaultV2Split(byte[] buffer, int lineStart, ReadOnlySpan<int> ends, out FlowRecord record)
    {
        Unsafe.SkipInit(out record);
        if (ends.Length < V2FieldCount)
        {
            return false;
        }

        ref byte b = ref MemArray(buffer);
        int e0 = lineStart + ends[0], e1 = lineStart + ends[1], e2 = lineStart + ends[2], e3 = lineStart + ends[3];
        int e4 = lineStart + ends[4], e5 = lineStart + ends[5], e6 = lineStart + ends[6], e7 = lineStart + ends[7];
        int e8 = lineStart + ends[8], e9 = lineStart + ends[9], e10 = lineStart + ends[10], e11 = lineStart + ends[11];
        int e12 = lineStart + ends[12], e13 = lineStart + ends[13];

        // version: one digit in every real file. The interface id is the one field no reader below rejects when empty
        // (two spaces in a row), which the general parser counts as a missing field.
        uint version = (uint)(Unsafe.Add(ref b, lineStart) - '0');
        if (e0 - lineStart != 1 || version > 9 || e2 - e1 < 2)
        {
            return false;
        }

        ProblemReason ignored = default;
        if (!SwarDigits(buffer, e0 + 1, e1, out ulong account) ||
            !SwarDigits(buffer, e4 + 1, e5, out ulong srcPort) || srcPort > 65535 ||
            !SwarDigits(buffer, e5 + 1, e6, out ulong dstPort) || dstPort > 65535 ||
            !SwarDigits(buffer, e6 + 1, e7, out ulong protocol) || protocol > 255 ||
            !SwarDigits(buffer, e7 + 1, e8, out ulong packets) ||
            !SwarDigits(buffer, e8 + 1, e9, out ulong bytes) ||
            !SwarDigits(buffer, e9 + 1, e10, out ulong start) ||
            !SwarDigits(buffer, e10 + 1, e11, out ulong end) ||
            !TryAddressInBuffer(buffer, e2 + 1, e3, out IpAddr src, ref ignored) ||
            !TryAddressInBuffer(buffer, e3 + 1, e4, out IpAddr dst, ref ignored) ||
            e13 - e12 != 3 || Unsafe.ReadUnaligned<ushort>(ref Unsafe.Add(ref b, e12 + 1)) != StatusOk)
        {
            return false;
        }

        FlowAction action;
        if (e12 - e11 != 7)
        {
            return false;
        }

        ulong word = Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref b, e11 + 1)) | ((ulong)Unsafe.ReadUnaligned<ushort>(ref Unsafe.Add(ref b, e11 + 5)) << 32);
        if (word == ActionAccept)
        {
            action = FlowAction.Accept;
        }
        else if (word == ActionReject)
        {
            action = FlowAction.Reject;
        }
        else
        {
            return false;
        }

        record = new FlowRecord
        {
            Version = (int)version,
            AccountId = (long)account,
            InterfaceId = EniId.FromUtf8(buffer.AsSpan(e1 + 1, e2 - e1 - 1)),
            SrcAddr = src,
            DstAddr = dst,
            SrcPort = (int)srcPort,
            DstPort = (int)dstPort,
            Protocol = (int)protocol,
            Packets = (long)packets,
            Bytes = (long)bytes,
            Start = ScaleTime((long)start),
            End = ScaleTime((long)end),
            Action = action,
            LogStatus = FlowLogStatus.Ok,
            Direction = FlowDirection.Unknown,
            TcpFlags = -1,
            TrafficPath = -1,
        };
        return true;
    }

    private const ushort StatusOk = 'O' | ('K' << 8);
    private const ulong ActionAccept = 'A' | ('C' << 8) | ('C' << 16) | ((ulong)'E' << 24) | ((ulong)'P' << 32) | ((ulong)'T' << 40);
    private const ulong ActionReject = 'R' | ('E' << 8) | ('J' << 16) | ((ulong)'E' << 24) | ((ulong)'C' << 32) | ((ulong)'T' << 40);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ref byte MemArray(byte[] buffer) => ref MemoryMarshal.GetArrayDataReference(buffer);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static long ScaleTime(long value) => value >= MillisecondThreshold ? value / 1000 : value;

    /// <summary>An address field: IPv4 without branches on the octet lengths, anything else through <see cref="TryAddress"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool TryAddressInBuffer(byte[] buffer, int from, int to, out IpAddr value, ref ProblemReason reason)
    {
        if (TryV4InBuffer(buffer, from, to, out uint v4))
        {
            value = IpAddr.FromV4(v4);
            return true;
        }

        return TryAddress(buffer.AsSpan(from, to - from), out value, ref reason);
    }

    /// <summary>
    /// Dotted-quad IPv4 in <paramref name="buffer"/>[from..to) the way <see cref="IpAddr.TryParseV4"/> reads it (four
    /// octets of 1–3 digits, no leading zeros, each at most 255), with no branch per character: random octet lengths
    /// made a digit loop mispredict several times per address. A vector compare finds the three dots; on x86 one byte
    /// shuffle (chosen by the four octet lengths) lines the octets up in four 32-bit lanes, and two multiply-adds give
    /// their values (Muła's SIMD IPv4 parsing); elsewhere each octet is one 4-byte load. False means "not taken here",
    /// never "invalid".
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool TryV4InBuffer(byte[] buffer, int from, int to, out uint value) =>
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
    private static bool SwarDigits(byte[] buffer, int from, int to, out ulong value) =>
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

        bool digits = TryDigits(buffer.AsSpan(from, length), out long v);
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

    /// <summary>
    /// Parses fields already split: <paramref name="fields"/>[i] is column i of <paramref name="text"/> for every
    /// column of <paramref name="columns"/>. Used by the Parquet reader, whose cells are written into one buffer.
    /// </summary>
    public static LineOutcome ParseFields(
        ReadOnlySpan<byte> text,
        FlowField[] columns,
        ReadOnlySpan<Range> fields,
        out FlowRecord record,
        out ProblemReason reason,
        out int badColumn)
    {
        ReadOnlySpan<byte> line = text;
        record = default;
        reason = default;
        badColumn = -1;
        int version = -1, srcPort = -1, dstPort = -1, protocol = -1, tcpFlags = -1, trafficPath = -1;
        long account = -1, packets = -1, bytes = -1, start = -1, end = -1;
        EniId eni = default;
        IpAddr src = default, dst = default, pktSrc = default, pktDst = default;
        FlowAction action = FlowAction.None;
        FlowLogStatus status = FlowLogStatus.Ok;
        FlowDirection direction = FlowDirection.Unknown;

        for (int i = 0; i < columns.Length; i++)
        {
            ReadOnlySpan<byte> f = line[fields[i]];
            bool ok = true;
            switch (columns[i])
            {
                case FlowField.Version: ok = TryInt(f, 0, int.MaxValue, out version, ref reason); break;
                case FlowField.AccountId: account = ParseAccount(f); break;
                case FlowField.InterfaceId: eni = EniId.FromUtf8(f); break;
                case FlowField.SrcAddr: ok = TryAddress(f, out src, ref reason); break;
                case FlowField.DstAddr: ok = TryAddress(f, out dst, ref reason); break;
                case FlowField.SrcPort: ok = TryInt(f, 0, 65535, out srcPort, ref reason); break;
                case FlowField.DstPort: ok = TryInt(f, 0, 65535, out dstPort, ref reason); break;
                case FlowField.Protocol: ok = TryInt(f, 0, 255, out protocol, ref reason); break;
                case FlowField.Packets: ok = TryLong(f, out packets, ref reason); break;
                case FlowField.Bytes: ok = TryLong(f, out bytes, ref reason); break;
                case FlowField.Start: ok = TryTime(f, out start, ref reason); break;
                case FlowField.End: ok = TryTime(f, out end, ref reason); break;
                case FlowField.Action: ok = TryAction(f, out action, ref reason); break;
                case FlowField.LogStatus: ok = TryStatus(f, out status, ref reason); break;
                case FlowField.FlowDirection: ok = TryDirection(f, out direction, ref reason); break;
                case FlowField.TcpFlags: ok = TryInt(f, 0, int.MaxValue, out tcpFlags, ref reason); break;
                case FlowField.TrafficPath: ok = TryInt(f, 0, int.MaxValue, out trafficPath, ref reason); break;
                case FlowField.PktSrcAddr: ok = TryAddress(f, out pktSrc, ref reason); break;
                case FlowField.PktDstAddr: ok = TryAddress(f, out pktDst, ref reason); break;
                default: break; // text fields are kept as bytes; nothing to validate
            }

            if (!ok)
            {
                badColumn = i;
                return LineOutcome.Malformed;
            }
        }

        record = new FlowRecord
        {
            Version = version,
            AccountId = account,
            InterfaceId = eni,
            SrcAddr = src,
            DstAddr = dst,
            SrcPort = srcPort,
            DstPort = dstPort,
            Protocol = protocol,
            Packets = packets,
            Bytes = bytes,
            Start = start,
            End = end,
            Action = action,
            LogStatus = status,
            Direction = direction,
            TcpFlags = tcpFlags,
            TrafficPath = trafficPath,
            PktSrcAddr = pktSrc,
            PktDstAddr = pktDst,
        };
        return LineOutcome.Record;
    }

    /// <summary>Whether <see cref="ParseFields"/> reads a field into the record (the rest are kept as text only).</summary>
    internal static bool IsParsed(FlowField field) => field is FlowField.Version or FlowField.AccountId or FlowField.InterfaceId
        or FlowField.SrcAddr or FlowField.DstAddr or FlowField.SrcPort or FlowField.DstPort or FlowField.Protocol
        or FlowField.Packets or FlowField.Bytes or FlowField.Start or FlowField.End or FlowField.Action or FlowField.LogStatus
        or FlowField.FlowDirection or FlowField.TcpFlags or FlowField.TrafficPath or FlowField.PktSrcAddr or FlowField.PktDstAddr;

    /// <summary>Splits on runs of spaces; returns the field count, or fields.Length + 1 when there are more.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static int Split(ReadOnlySpan<byte> line, Span<Range> fields)
    {
        int n = 0;
        int pos = 0;
        while (pos < line.Length)
        {
            if (line[pos] == ' ')
            {
                pos++;
                continue;
            }

            int len = line[pos..].IndexOf((byte)' ');
            int end = len < 0 ? line.Length : pos + len;
            if ((uint)n >= (uint)fields.Length)
            {
                return fields.Length + 1;
            }

            fields[n++] = new Range(pos, end);
            pos = end + 1;
        }

        return n;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool IsDash(ReadOnlySpan<byte> f) => f.Length == 1 && f[0] == '-';

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool TryDigits(ReadOnlySpan<byte> f, out long value)
    {
        value = 0;
        if ((uint)(f.Length - 1) > 17)
        {
            return false; // empty or more than 18 digits: cannot be a value here, and cannot overflow below
        }

        long v = 0;
        for (int i = 0; i < f.Length; i++)
        {
            uint d = (uint)(f[i] - '0');
            if (d > 9)
            {
                return false;
            }

            v = (v * 10) + d;
        }

        value = v;
        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool TryInt(ReadOnlySpan<byte> f, int min, int max, out int value, ref ProblemReason reason)
    {
        value = -1;
        if (IsDash(f))
        {
            return true;
        }

        if (!TryDigits(f, out long v))
        {
            reason = ProblemReason.InvalidNumber;
            return false;
        }

        if (v < min || v > max)
        {
            reason = ProblemReason.OutOfRange;
            return false;
        }

        value = (int)v;
        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool TryLong(ReadOnlySpan<byte> f, out long value, ref ProblemReason reason)
    {
        value = -1;
        if (IsDash(f))
        {
            return true;
        }

        if (!TryDigits(f, out value))
        {
            value = -1;
            reason = ProblemReason.InvalidNumber;
            return false;
        }

        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool TryTime(ReadOnlySpan<byte> f, out long value, ref ProblemReason reason)
    {
        if (!TryLong(f, out value, ref reason))
        {
            return false;
        }

        if (value >= MillisecondThreshold)
        {
            value /= 1000;
        }

        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool TryAddress(ReadOnlySpan<byte> f, out IpAddr value, ref ProblemReason reason)
    {
        value = default;
        if (IsDash(f))
        {
            return true;
        }

        if (IpAddr.TryParseUtf8(f, out value))
        {
            return true;
        }

        reason = ProblemReason.InvalidAddress;
        return false;
    }

    private static long ParseAccount(ReadOnlySpan<byte> f) => TryDigits(f, out long v) ? v : -1;

    private static bool TryAction(ReadOnlySpan<byte> f, out FlowAction value, ref ProblemReason reason)
    {
        if (f.SequenceEqual("ACCEPT"u8))
        {
            value = FlowAction.Accept;
            return true;
        }

        if (f.SequenceEqual("REJECT"u8))
        {
            value = FlowAction.Reject;
            return true;
        }

        value = FlowAction.None;
        if (IsDash(f))
        {
            return true;
        }

        reason = ProblemReason.InvalidValue;
        return false;
    }

    private static bool TryStatus(ReadOnlySpan<byte> f, out FlowLogStatus value, ref ProblemReason reason)
    {
        value = FlowLogStatus.Ok;
        if (f.SequenceEqual("OK"u8))
        {
            return true;
        }

        if (f.SequenceEqual("NODATA"u8))
        {
            value = FlowLogStatus.NoData;
            return true;
        }

        if (f.SequenceEqual("SKIPDATA"u8))
        {
            value = FlowLogStatus.SkipData;
            return true;
        }

        reason = ProblemReason.InvalidValue;
        return false;
    }

    private static bool TryDirection(ReadOnlySpan<byte> f, out FlowDirection value, ref ProblemReason reason)
    {
        value = FlowDirection.Unknown;
        if (f.SequenceEqual("ingress"u8))
        {
            value = FlowDirection.Ingress;
            return true;
        }

        if (f.SequenceEqual("egress"u8))
        {
            value = FlowDirection.Egress;
            return true;
        }

        if (IsDash(f))
        {
            return true;
        }

        reason = ProblemReason.InvalidValue;
        return false;
    }
}
