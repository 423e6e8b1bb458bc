using System.Buffers;
using System.Diagnostics;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace FlowCorrelator.Ingest;

/// <summary>The default-v2 block scanner: a structural index of a window of the read, then the lines it frames.</summary>
public sealed partial class FlowLogReader
{
    /// <summary>
    /// Bytes indexed per window. The index of one window (about 500 spaces and 40 line feeds of flow-log text) stays in
    /// L1; the line left unfinished at a window's end is indexed again with the next window (about 1 % of the bytes).
    /// </summary>
    private const int ScanWindow = 4096;

    /// <summary>
    /// Frames and splits default-v2 lines in two steps per window of the read. First a structural index (simdjson's
    /// stage 1, Sylvan's idea): 32 bytes at a time, one compare for spaces and one for line feeds give a bit per
    /// separator, and every space's position is written out, eight at a time without a branch per space, with each line
    /// feed's position and how many spaces precede it. Then each line's 13 field-ending spaces are a slice of that
    /// index, read straight into the record by <see cref="FlowLineParser.TryParseDefaultV2Split"/>: no branch whose
    /// direction depends on where a space falls, and no second walk over the line. Lines the happy path does not take
    /// (wrong field count, any odd value, too long, a file's first line) go to <see cref="ProcessLine"/> with exactly
    /// the bytes the line-by-line loop would give it.
    /// </summary>
    /// <returns>The start of the first line not processed; <paramref name="scanned"/> is where scanning stopped (no line
    /// feed between the two).</returns>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // the hot loop: fully optimised at once, whatever the tiering settings
    private int ScanDefaultV2<TSink>(byte[] buffer, int start, int end, long bufferOffset, ref TextState state, ref StructuralIndex index, Span<Range> fields, FileReport report, ref TSink sink, out int scanned)
        where TSink : IFlowRecordSink
    {
        index.EnsureRented();
        int[] spaces = index.Spaces;
        int[] feeds = index.Feeds;
        int maxLine = Options.MaxLineLength;
        int lineStart = start;
        while (end - lineStart >= 32)
        {
            int feedCount = IndexWindow(buffer, lineStart, Math.Min(end, lineStart + ScanWindow), spaces, feeds, out int indexed);
            if (feedCount == 0)
            {
                // A line longer than a window: the line-by-line search takes it (and reports it if it is too long).
                scanned = indexed;
                return lineStart;
            }

            int firstSpace = 0; // the window starts at a line start, so its first line's spaces start the index
            for (int j = 0; j < feedCount; j++)
            {
                int at = feeds[2 * j];
                int nextLineSpace = feeds[(2 * j) + 1];
                int separators = nextLineSpace - firstSpace;
                int length = at - lineStart;
                ReadOnlySpan<byte> line = buffer.AsSpan(lineStart, length);
                if (length > maxLine)
                {
                    LineTooLong(line, bufferOffset + lineStart, report);
                }
                else if (separators == FlowLineParser.DefaultV2Columns.Length - 1 && report.Lines > 0)
                {
                    // (The first line of a file goes to ProcessLine: it may be a header or start with a byte order mark.)
                    ReadOnlySpan<int> ends = spaces.AsSpan(firstSpace, separators);
                    if (FlowLineParser.TryParseDefaultV2Split(buffer, lineStart, ends, at, out FlowRecord record))
                    {
                        long lineNumber = ++report.Lines;
                        report.Records++;
                        var flowLine = new FlowLine(state.Schema, line, ends, lineStart, lineNumber);
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
                firstSpace = nextLineSpace;
                if (!state.IsDefaultV2)
                {
                    // A header line inside a concatenation changed the layout: the rest goes line by line.
                    scanned = lineStart;
                    return lineStart;
                }
            }
        }

        scanned = lineStart;
        return lineStart;
    }

    /// <summary>
    /// The structural index of <paramref name="buffer"/>[from..to), whole 32-byte blocks only: the position of every
    /// space into <paramref name="spaces"/>, and for every line feed its position and the number of spaces before it
    /// (from <paramref name="from"/>) into <paramref name="feeds"/> as pairs.
    /// </summary>
    /// <returns>The number of line feeds; <paramref name="indexed"/> is the end of the last block indexed.</returns>
    /// <remarks>
    /// Loads: 32 bytes at <c>pos</c> while <c>to - pos ≥ 32</c>, and <paramref name="to"/> is at most the buffer's
    /// length. Stores: a block of 32 bytes holds at most 32 spaces and 32 line feeds, and the counts before it are at most
    /// <c>pos - from</c>, so every store (the eight unconditional ones included) is below <c>to - from</c> in
    /// <paramref name="spaces"/> and below <c>2 (to - from)</c> in <paramref name="feeds"/>; both arrays hold
    /// <see cref="ScanWindow"/> and twice that (asserted).
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int IndexWindow(byte[] buffer, int from, int to, int[] spaces, int[] feeds, out int indexed)
    {
        Debug.Assert(to <= buffer.Length && to - from <= ScanWindow, "the window lies in the buffer");
        Debug.Assert(spaces.Length >= ScanWindow && feeds.Length >= 2 * ScanWindow, "the index holds a whole window");
        ref byte first = ref MemoryMarshal.GetArrayDataReference(buffer);
        ref int sp = ref MemoryMarshal.GetArrayDataReference(spaces);
        ref int lf = ref MemoryMarshal.GetArrayDataReference(feeds);
        int spaceCount = 0;
        int feedCount = 0;
        int pos = from;
        while (to - pos >= 32)
        {
            (uint s, uint f) = Separators(ref Unsafe.Add(ref first, pos));
            int rel = pos; // positions are absolute in the buffer

            // The block's first line feed, written whether or not there is one (not counted when there is none): one
            // well-predicted branch per block instead of one per line feed. More than one line feed in 32 bytes (blank
            // or short lines) takes the loop.
            Unsafe.Add(ref lf, 2 * feedCount) = rel + BitOperations.TrailingZeroCount(f);
            Unsafe.Add(ref lf, (2 * feedCount) + 1) = spaceCount + BitOperations.PopCount(s & ((f & (0u - f)) - 1));
            if ((f & (f - 1)) != 0)
            {
                uint more = f & (f - 1);
                int k = feedCount + 1;
                while (more != 0)
                {
                    Unsafe.Add(ref lf, 2 * k) = rel + BitOperations.TrailingZeroCount(more);
                    Unsafe.Add(ref lf, (2 * k) + 1) = spaceCount + BitOperations.PopCount(s & ((more & (0u - more)) - 1));
                    more &= more - 1;
                    k++;
                }
            }

            feedCount += BitOperations.PopCount(f);

            // Eight spaces written unconditionally (a block of flow-log text holds about four); entries past the
            // count are overwritten by the next block.
            int n = BitOperations.PopCount(s);
            ref int d = ref Unsafe.Add(ref sp, spaceCount);
            Unsafe.Add(ref d, 0) = rel + BitOperations.TrailingZeroCount(s);
            s &= s - 1;
            Unsafe.Add(ref d, 1) = rel + BitOperations.TrailingZeroCount(s);
            s &= s - 1;
            Unsafe.Add(ref d, 2) = rel + BitOperations.TrailingZeroCount(s);
            s &= s - 1;
            Unsafe.Add(ref d, 3) = rel + BitOperations.TrailingZeroCount(s);
            s &= s - 1;
            Unsafe.Add(ref d, 4) = rel + BitOperations.TrailingZeroCount(s);
            s &= s - 1;
            Unsafe.Add(ref d, 5) = rel + BitOperations.TrailingZeroCount(s);
            s &= s - 1;
            Unsafe.Add(ref d, 6) = rel + BitOperations.TrailingZeroCount(s);
            s &= s - 1;
            Unsafe.Add(ref d, 7) = rel + BitOperations.TrailingZeroCount(s);
            s &= s - 1;
            if (n > 8)
            {
                for (int k = 8; s != 0; k++)
                {
                    Unsafe.Add(ref d, k) = rel + BitOperations.TrailingZeroCount(s);
                    s &= s - 1;
                }
            }

            spaceCount += n;
            pos += 32;
        }

        indexed = pos;
        return feedCount;
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

    /// <summary>The block scanner's index arrays, rented once per file from the shared pool.</summary>
    private struct StructuralIndex
    {
        /// <summary>Positions of spaces in the read buffer.</summary>
        public int[] Spaces;

        /// <summary>Per line feed: its position, then the number of spaces before it in the window.</summary>
        public int[] Feeds;

        public void EnsureRented()
        {
            Spaces ??= ArrayPool<int>.Shared.Rent(ScanWindow);
            Feeds ??= ArrayPool<int>.Shared.Rent(2 * ScanWindow);
        }

        public readonly void Return()
        {
            if (Spaces is not null)
            {
                ArrayPool<int>.Shared.Return(Spaces);
            }

            if (Feeds is not null)
            {
                ArrayPool<int>.Shared.Return(Feeds);
            }
        }
    }
}
