using System.Diagnostics;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace FlowCorrelator.Ingest;

/// <summary>The default-v2 block scanner: line and field ends found in one pass over the read.</summary>
public sealed partial class FlowLogReader
{
    /// <summary>
    /// Frames and splits default-v2 lines in one pass, 32 bytes at a time: one compare for spaces and one for line
    /// feeds give a bit per separator, and the line's field ends are collected as the bits are walked (Sylvan's and
    /// simdjson's structural-index technique). This replaces a search for the line end followed by a second search
    /// of the same bytes for spaces. The ends are positions in the buffer, read by
    /// <see cref="FlowLineParser.TryParseDefaultV2Split"/> straight into the record. Lines the happy path does not take
    /// (wrong field count, any odd value, too long) go to <see cref="ProcessLine"/> with exactly the bytes the
    /// line-by-line loop would give it.
    /// </summary>
    /// <remarks>
    /// A two-step variant (an index of every space of a 4 KiB window written eight per block without a branch per
    /// space, then lines sliced from it) measured about 5 ns per record slower than this walk on this VM, so the walk
    /// stays.
    /// </remarks>
    /// <returns>The start of the first line not processed; <paramref name="scanned"/> is where scanning stopped (no line
    /// feed between the two).</returns>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // the hot loop: fully optimised at once, whatever the tiering settings
    private int ScanDefaultV2<TSink>(byte[] buffer, int start, int end, long bufferOffset, ref TextState state, int[] fieldEnds, Span<Range> fields, FileReport report, ref TSink sink, out int scanned)
        where TSink : IFlowRecordSink
    {
        ref byte first = ref MemoryMarshal.GetArrayDataReference(buffer);

        // Field ends are stored at (count & 15): no bounds check per space. A line with more than 16 fields overwrites
        // entries, but only lines of exactly 14 fields use them.
        Debug.Assert(fieldEnds.Length >= 16, "the field-end buffer must hold 16 entries");
        ref int ends = ref MemoryMarshal.GetArrayDataReference(fieldEnds);
        int maxLine = Options.MaxLineLength;
        int lineStart = start;
        int separators = 0; // spaces seen in the current line
        int pos = start;
        while (end - pos >= 32)
        {
            (uint spaces, uint feeds) = Separators(ref Unsafe.Add(ref first, pos));
            while (feeds != 0)
            {
                // The spaces before this line feed end fields of the current line; then the line is complete.
                int bit = BitOperations.TrailingZeroCount(feeds);
                feeds &= feeds - 1;
                uint before = spaces & ((1u << bit) - 1);
                spaces ^= before;
                while (before != 0)
                {
                    Unsafe.Add(ref ends, separators & 15) = pos + BitOperations.TrailingZeroCount(before);
                    before &= before - 1;
                    separators++;
                }

                int at = pos + bit;
                int length = at - lineStart;
                ReadOnlySpan<byte> line = buffer.AsSpan(lineStart, length);
                if (length > maxLine)
                {
                    LineTooLong(line, bufferOffset + lineStart, report);
                }
                else if (separators == FlowLineParser.DefaultV2Columns.Length - 1 && report.Lines > 0)
                {
                    // (The first line of a file goes to ProcessLine: it may be a header or start with a byte order mark.)
                    ReadOnlySpan<int> spaceEnds = fieldEnds.AsSpan(0, separators);
                    if (FlowLineParser.TryParseDefaultV2Split(buffer, lineStart, spaceEnds, at, out FlowRecord record))
                    {
                        long lineNumber = ++report.Lines;
                        report.Records++;
                        var flowLine = new FlowLine(state.Schema, line, spaceEnds, lineStart, lineNumber);
                        sink.OnRecord(in record, in flowLine);
                    }
                    else
                    {
                        ProcessLine(line, bufferOffset + lineStart, ref state, fields, report, ref sink);
                    }
                }
                else
                {
                    ProcessLine(line, bufferOffset + lineStart, ref state, fields, report, ref sink);
                }

                lineStart = at + 1;
                separators = 0;
                if (!state.IsDefaultV2)
                {
                    // A header line inside a concatenation changed the layout: the rest goes line by line.
                    scanned = lineStart;
                    return lineStart;
                }
            }

            // Spaces after the block's last line feed belong to the line that continues in the next block.
            while (spaces != 0)
            {
                Unsafe.Add(ref ends, separators & 15) = pos + BitOperations.TrailingZeroCount(spaces);
                spaces &= spaces - 1;
                separators++;
            }

            pos += 32;
        }

        scanned = pos;
        return lineStart;
    }

    /// <summary>Bit i set: byte i of the 32 at <paramref name="at"/> is a space (first mask) or a line feed (second).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (uint Spaces, uint Feeds) Separators(ref byte at)
    {
        if (Vector256.IsHardwareAccelerated)
        {
            Vector256<byte> v = Vector256.LoadUnsafe(ref at);
            return (Vector256.Equals(v, Vector256.Create((byte)' ')).ExtractMostSignificantBits(),
                Vector256.Equals(v, Vector256.Create((byte)'\n')).ExtractMostSignificantBits());
        }

        Vector128<byte> lo = Vector128.LoadUnsafe(ref at);
        Vector128<byte> hi = Vector128.LoadUnsafe(ref at, 16);
        uint spaces = Vector128.Equals(lo, Vector128.Create((byte)' ')).ExtractMostSignificantBits() |
            (Vector128.Equals(hi, Vector128.Create((byte)' ')).ExtractMostSignificantBits() << 16);
        uint feeds = Vector128.Equals(lo, Vector128.Create((byte)'\n')).ExtractMostSignificantBits() |
            (Vector128.Equals(hi, Vector128.Create((byte)'\n')).ExtractMostSignificantBits() << 16);
        return (spaces, feeds);
    }
}
