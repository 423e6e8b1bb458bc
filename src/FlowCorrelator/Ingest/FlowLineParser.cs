using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace FlowCorrelator.Ingest;

/// <summary>Result of parsing one line.</summary>
internal enum LineOutcome : byte
{
    Record,
    Blank,
    Malformed,
}

/// <summary>
/// What parsing one line (or Parquet row) found besides the record. A failure is a value (Kestrel's
/// <c>HttpParseResult</c>); the reader turns it into a problem with the line's position.
/// </summary>
/// <param name="Outcome">A record, a blank line, or a malformed one.</param>
/// <param name="FieldCount">Fields found: 0 for a blank line, the split buffer's length + 1 when the line has more.</param>
/// <param name="Reason">Why a malformed line is malformed; <c>default</c> otherwise.</param>
/// <param name="BadColumn">The malformed line's offending column; -1 for a wrong field count, and for the other outcomes.</param>
internal readonly record struct LineParseResult(LineOutcome Outcome, int FieldCount, ProblemReason Reason, int BadColumn)
{
    /// <summary>A record of <paramref name="fieldCount"/> fields.</summary>
    public static LineParseResult Record(int fieldCount) => new(LineOutcome.Record, fieldCount, default, -1);

    /// <summary>A blank line.</summary>
    public static LineParseResult Blank() => new(LineOutcome.Blank, 0, default, -1);

    /// <summary>A malformed line of <paramref name="fieldCount"/> fields.</summary>
    public static LineParseResult Malformed(int fieldCount, ProblemReason reason, int badColumn) => new(LineOutcome.Malformed, fieldCount, reason, badColumn);
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
    /// parses the fields the schema names into <paramref name="record"/> (<c>default</c> unless the outcome is a
    /// record). A malformed line's result says why and which column (-1 for the field count).
    /// </summary>
    public static LineParseResult Parse(ReadOnlySpan<byte> line, FlowField[] columns, Span<Range> fields, out FlowRecord record)
    {
        record = default;
        if (!line.IsEmpty && line[^1] == '\r')
        {
            line = line[..^1];
        }

        int n = Split(line, fields);
        if (n == 0)
        {
            return LineParseResult.Blank();
        }

        if (n != columns.Length)
        {
            return LineParseResult.Malformed(n, ProblemReason.FieldCount, -1);
        }

        return ParseFields(line, columns, fields, out record);
    }

    /// <summary>The default v2 layout's columns (what <see cref="TryParseDefaultV2Split"/> assumes).</summary>
    internal static readonly FlowField[] DefaultV2Columns = [.. FlowLogSchema.DefaultV2.Fields];

    private const int V2FieldCount = 14;

    /// <summary>
    /// The default v2 happy path over a line the block scanner already split: <paramref name="spaces"/> holds the
    /// positions in <paramref name="buffer"/> of the 13 spaces that end columns 0–12, and column 13 ends at
    /// <paramref name="lineEnd"/> (the line feed). Numbers are read eight digits at a time and the interface id as one
    /// vector, straight from the buffer into the record; anything unusual returns false, and the caller sends the line
    /// to <see cref="Parse"/>, so outcomes of odd lines are exactly the general parser's.
    /// </summary>
    /// <remarks>
    /// The digit readers load the 8 or 16 bytes that end where a field ends, so they also read bytes before the field;
    /// those lie inside <paramref name="buffer"/> whenever the field starts at offset 8 or more (checked; otherwise a
    /// loop). The IPv4 reader loads 16 bytes from the field start and checks the buffer is that long.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static bool TryParseDefaultV2Split(byte[] buffer, int lineStart, ReadOnlySpan<int> spaces, int lineEnd, out FlowRecord record)
    {
        Unsafe.SkipInit(out record);
        if (spaces.Length < V2FieldCount - 1)
        {
            return false;
        }

        ref byte b = ref MemoryMarshal.GetArrayDataReference(buffer);
        int e0 = spaces[0], e1 = spaces[1], e2 = spaces[2], e3 = spaces[3];
        int e4 = spaces[4], e5 = spaces[5], e6 = spaces[6], e7 = spaces[7];
        int e8 = spaces[8], e9 = spaces[9], e10 = spaces[10], e11 = spaces[11];
        int e12 = spaces[12], e13 = lineEnd;

        // version: one digit in every real file. The interface id is the one field no reader below rejects when empty
        // (two spaces in a row), which the general parser counts as a missing field.
        uint version = (uint)(Unsafe.Add(ref b, lineStart) - '0');
        if (e0 - lineStart != 1 || version > 9 || e2 - e1 < 2)
        {
            return false;
        }

        ProblemReason ignored = default;
        if (!SimdFieldReader.SwarDigits(buffer, e0 + 1, e1, out ulong account) ||
            !SimdFieldReader.SwarDigits(buffer, e4 + 1, e5, out ulong srcPort) || srcPort > 65535 ||
            !SimdFieldReader.SwarDigits(buffer, e5 + 1, e6, out ulong dstPort) || dstPort > 65535 ||
            !SimdFieldReader.SwarDigits(buffer, e6 + 1, e7, out ulong protocol) || protocol > 255 ||
            !SimdFieldReader.SwarDigits(buffer, e7 + 1, e8, out ulong packets) ||
            !SimdFieldReader.SwarDigits(buffer, e8 + 1, e9, out ulong bytes) ||
            !SimdFieldReader.SwarDigits(buffer, e9 + 1, e10, out ulong start) ||
            !SimdFieldReader.SwarDigits(buffer, e10 + 1, e11, out ulong end) ||
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
    private static long ScaleTime(long value) => value >= MillisecondThreshold ? value / 1000 : value;

    /// <summary>An address field: IPv4 without branches on the octet lengths, anything else through <see cref="TryAddress"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool TryAddressInBuffer(byte[] buffer, int from, int to, out IpAddr value, ref ProblemReason reason)
    {
        if (SimdFieldReader.TryV4InBuffer(buffer, from, to, out uint v4))
        {
            value = IpAddr.FromV4(v4);
            return true;
        }

        return TryAddress(buffer.AsSpan(from, to - from), out value, ref reason);
    }

    /// <summary>
    /// Parses fields already split: <paramref name="fields"/>[i] is column i of <paramref name="text"/> for every
    /// column of <paramref name="columns"/>. Used by the Parquet reader, whose cells are written into one buffer.
    /// The result's field count is the column count.
    /// </summary>
    public static LineParseResult ParseFields(ReadOnlySpan<byte> text, FlowField[] columns, ReadOnlySpan<Range> fields, out FlowRecord record)
    {
        ReadOnlySpan<byte> line = text;
        record = default;
        ProblemReason reason = default;
        int version = -1, srcPort = -1, dstPort = -1, protocol = -1, tcpFlags = -1, trafficPath = -1;
        long account = -1, packets = -1, bytes = -1, start = -1, end = -1;
        EniId eni = default;
        IpAddr src = default, dst = default, pktSrc = default, pktDst = default;
        FlowAction action = FlowAction.None;
        FlowLogStatus status = FlowLogStatus.Ok;
        FlowDirection direction = FlowDirection.Unknown;
        InstanceKey instance = default;
        FlowTagValue instanceTag = default, instanceTag2 = default, asgTag = default, asgTag2 = default;

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
                case FlowField.InstanceId: instance = InstanceKey.FromUtf8(f); break;
                case FlowField.InstanceTag: instanceTag = FlowTagValue.FromUtf8(f); break;
                case FlowField.InstanceTag2: instanceTag2 = FlowTagValue.FromUtf8(f); break;
                case FlowField.AsgTag: asgTag = FlowTagValue.FromUtf8(f); break;
                case FlowField.AsgTag2: asgTag2 = FlowTagValue.FromUtf8(f); break;
                default: break; // text fields are kept as bytes; nothing to validate
            }

            if (!ok)
            {
                return LineParseResult.Malformed(columns.Length, reason, i);
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
            InstanceId = instance,
            InstanceTag = instanceTag,
            InstanceTag2 = instanceTag2,
            AsgTag = asgTag,
            AsgTag2 = asgTag2,
        };
        return LineParseResult.Record(columns.Length);
    }

    /// <summary>Whether <see cref="ParseFields"/> reads a field into the record (the rest are kept as text only).</summary>
    internal static bool IsParsed(FlowField field) => field is FlowField.Version or FlowField.AccountId or FlowField.InterfaceId
        or FlowField.SrcAddr or FlowField.DstAddr or FlowField.SrcPort or FlowField.DstPort or FlowField.Protocol
        or FlowField.Packets or FlowField.Bytes or FlowField.Start or FlowField.End or FlowField.Action or FlowField.LogStatus
        or FlowField.FlowDirection or FlowField.TcpFlags or FlowField.TrafficPath or FlowField.PktSrcAddr or FlowField.PktDstAddr
        or FlowField.InstanceId or FlowField.InstanceTag or FlowField.InstanceTag2 or FlowField.AsgTag or FlowField.AsgTag2;

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
    internal static bool TryDigits(ReadOnlySpan<byte> f, out long value)
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
